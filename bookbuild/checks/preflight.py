"""The PDF preflight: reads the written interior back and checks what printers reject.

Boxes, fonts, colour, PDF/X identification, page count, margins, rectos and footnote pages;
each failure becomes a `Problem` for the CLI.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader
from pypdf.generic import ContentStream

from bookbuild.book import Book
from bookbuild.errors import Problem
from bookbuild.pdf import INCH, PdfLayout, minimum_margin
from bookbuild.pdf.fonts import bundled_font_names, is_bundled

TOLERANCE = 0.01  # points
PAGE_RANGE = (24, 828)  # KDP's limits for a black-and-white paperback
RGB_OPERATORS = {b"rg", b"RG"}


@dataclass
class Finding:
    message: str
    code: str
    severity: str = "error"


def preflight(book: Book, layout: PdfLayout, shown_as: str) -> list[Problem]:
    reader = PdfReader(layout.path)
    findings: list[Finding] = []
    findings += check_boxes(reader, book, layout)
    findings += check_fonts(reader, book)
    findings += check_subset_names(layout.path)
    if layout.standard == "pdf/x-1a":
        findings += check_no_rgb(reader)
    if layout.standard != "none":
        findings += check_pdfx(reader, layout.standard)
    if layout.profile != "screen":
        findings += check_no_annotations(reader)
    findings += check_page_count(layout)
    findings += check_margins(layout)
    findings += check_openers(reader, layout)
    findings += check_page_end_hyphens(layout)
    problems = [Problem(shown_as, None, f.message, f.code, f.severity) for f in findings]
    problems += check_footnote_pages(book, layout)
    return problems


def _size(box) -> tuple[float, float]:
    return float(box.width), float(box.height)


def check_boxes(reader: PdfReader, book: Book, layout: PdfLayout) -> list[Finding]:
    """MediaBox = trim + bleed on the outside, top and bottom; TrimBox = trim; BleedBox = Media."""
    width, height = book.config.print.trim
    bleed = layout.bleed
    findings = []
    for number, page in enumerate(reader.pages, start=1):
        media, trim, bleed_box = page.mediabox, page.trimbox, page.bleedbox
        # WeasyPrint keeps the BleedBox within 10 pt of the trim (more is only mark space).
        box_bleed = min(bleed, 10.0)
        expected = {"MediaBox": (width + bleed, height + 2 * bleed), "TrimBox": (width, height),
                    "BleedBox": (width + box_bleed, height + 2 * box_bleed)}
        for name, box in (("MediaBox", media), ("TrimBox", trim), ("BleedBox", bleed_box)):
            got, want = _size(box), expected[name]
            if abs(got[0] - want[0]) > TOLERANCE or abs(got[1] - want[1]) > TOLERANCE:
                findings.append(Finding(f"page {number}: {name} is {got[0]:.2f} x {got[1]:.2f} "
                                        f"pt, expected {want[0]:.2f} x {want[1]:.2f} pt",
                                        "BB403"))
        # The bleed sits on the outside edge: right of a recto, left of a verso.
        inside_edge = (float(trim.left) - float(media.left) if number % 2
                       else float(media.right) - float(trim.right))
        if bleed and abs(inside_edge) > TOLERANCE:
            findings.append(Finding(f"page {number}: bleed on the spine edge ({inside_edge:.2f} "
                                    f"pt); bleed belongs on the outside edge only", "BB403"))
    return findings


def _fonts(reader: PdfReader):
    """(name, font dictionary) for every font any page uses, each once."""
    seen = {}
    for page in reader.pages:
        fonts = (page.get("/Resources") or {}).get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            seen.setdefault(id(font), font)
    return list(seen.values())


def _embedded(font) -> bool:
    if font.get("/Subtype") == "/Type3":
        return True  # glyphs are drawn by the font's own procedures, in the file
    descriptor_owner = font
    if font.get("/Subtype") == "/Type0":
        descriptor_owner = font["/DescendantFonts"][0].get_object()
    descriptor = descriptor_owner.get("/FontDescriptor")
    descriptor = descriptor.get_object() if descriptor else {}
    return any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))


def check_fonts(reader: PdfReader, book: Book) -> list[Finding]:
    allowed = bundled_font_names(book.config.root)
    findings = []
    for font in _fonts(reader):
        name = str(font.get("/BaseFont", "?")).lstrip("/")
        base = name.split("+", 1)[-1]
        if not _embedded(font):
            findings.append(Finding(f"font {name} is not embedded", "BB404"))
        if font.get("/Subtype") != "/Type3" and not is_bundled(name, allowed):
            findings.append(Finding(f"font {base} is not one of the bundled fonts (a system font "
                                    f"stood in for a missing glyph)", "BB404", "warning"))
    return findings


def subset_names(path: Path) -> dict[str, int]:
    """Each subset font name in the PDF, with how many different font programs carry it.

    Read from every font descriptor in the file (the pages', and the forms' that draw folios
    and running heads), comparing the embedded programs' bytes.
    """
    import pikepdf

    programs: dict[str, set[bytes]] = defaultdict(set)
    with pikepdf.open(path) as pdf:
        for obj in pdf.objects:
            if not (isinstance(obj, pikepdf.Dictionary)
                    and obj.get("/Type") == "/FontDescriptor"):
                continue
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in obj:
                    name = str(obj.get("/FontName", "?")).lstrip("/")
                    programs[name].add(hashlib.sha256(obj[key].read_bytes()).digest())
    return {name: len(found) for name, found in sorted(programs.items())}


def check_subset_names(path: Path) -> list[Finding]:
    """Different subsets in one file must carry different tags (PDF 1.7, 9.6.4)."""
    return [Finding(f"font subset name {name} is given to {count} different font programs; a "
                    f"printer that caches fonts by name may print wrong glyphs", "BB414")
            for name, count in subset_names(path).items() if count > 1]


def _colour_space_is_rgb(space) -> bool:
    space = space.get_object() if hasattr(space, "get_object") else space
    if space in ("/DeviceRGB", "/CalRGB", "/Lab"):
        return True
    if isinstance(space, list) and space:
        kind = space[0]
        if kind == "/ICCBased":
            return int(space[1].get_object().get("/N", 0)) == 3
        if kind in ("/Indexed", "/Separation", "/DeviceN"):
            return _colour_space_is_rgb(space[1] if kind == "/Indexed" else space[2])
        return kind in ("/CalRGB", "/Lab")
    return False


def _rgb_in(resources, content, where: str, seen: set) -> list[str]:
    found = []
    spaces = (resources.get("/ColorSpace") or {}) if resources else {}
    if content is not None:
        for operands, operator in content.operations:
            if operator in RGB_OPERATORS:
                found.append(f"{where}: RGB colour operator '{operator.decode()}'")
            elif operator in (b"cs", b"CS") and operands:
                name = operands[0]
                space = spaces.get(name, name)
                if _colour_space_is_rgb(space):
                    found.append(f"{where}: RGB colour space {name}")
    for name, ref in ((resources or {}).get("/XObject") or {}).items():
        if id(ref.get_object()) in seen:
            continue
        xobject = ref.get_object()
        seen.add(id(xobject))
        if xobject.get("/Subtype") == "/Image":
            if _colour_space_is_rgb(xobject.get("/ColorSpace")):
                found.append(f"{where}: image {name} is RGB")
            if "/SMask" in xobject:
                found.append(f"{where}: image {name} has transparency")
        elif xobject.get("/Subtype") == "/Form":
            found += _rgb_in(xobject.get("/Resources"), ContentStream(xobject, None),
                             f"{where} form {name}", seen)
    return found


def check_no_rgb(reader: PdfReader) -> list[Finding]:
    findings, seen = [], set()
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get_contents()
        stream = ContentStream(contents, reader) if contents is not None else None
        for message in _rgb_in(page.get("/Resources"), stream, f"page {number}", seen):
            findings.append(Finding(f"{message}; PDF/X-1a allows only grey and CMYK",
                                    "BB405"))
    return findings[:20]


def check_pdfx(reader: PdfReader, standard: str) -> list[Finding]:
    version = {"pdf/x-1a": "PDF/X-1", "pdf/x-4": "PDF/X-4"}[standard]
    info = reader.metadata or {}
    xmp = reader.trailer["/Root"].get("/Metadata")
    xmp_text = xmp.get_object().get_data().decode("utf-8", "replace") if xmp else ""
    found = str(info.get("/GTS_PDFXVersion", "")).startswith(version) or \
        f"<pdfxid:GTS_PDFXVersion>{version}" in xmp_text
    intents = reader.trailer["/Root"].get("/OutputIntents") or []
    findings = []
    if not found:
        findings.append(Finding(f"no {version} identification (GTS_PDFXVersion)", "BB406"))
    if not any(i.get_object().get("/S") == "/GTS_PDFX" for i in intents):
        findings.append(Finding("no PDF/X output intent", "BB406"))
    return findings


def check_no_annotations(reader: PdfReader) -> list[Finding]:
    findings = [Finding(f"page {n}: annotations (links or comments) in a print interior",
                        "BB403") for n, page in enumerate(reader.pages, start=1)
                if page.get("/Annots")]
    if "/Outlines" in reader.trailer["/Root"]:
        findings.append(Finding("bookmarks in a print interior", "BB403"))
    return findings


def check_page_count(layout: PdfLayout) -> list[Finding]:
    low, high = PAGE_RANGE
    if low <= layout.page_count <= high:
        return []
    return [Finding(f"{layout.page_count} pages: print-on-demand paperbacks need {low} to "
                    f"{high}", "BB407", "warning")]


def check_margins(layout: PdfLayout) -> list[Finding]:
    return [Finding(f"{key} margin {value / INCH:.3g}in is below the "
                    f"{minimum_margin(key, layout.page_count)}in minimum for "
                    f"{layout.page_count} pages", "BB402")
            for key, value in layout.margins.items()
            if value < minimum_margin(key, layout.page_count) * INCH - TOLERANCE]


def _text_in_head(page, head_limit: float) -> list[str]:
    """Text drawn above `head_limit` (PDF units from the trim bottom) on a page."""
    found: list[str] = []
    bottom = float(page.trimbox.bottom)

    def visit(text, cm, tm, font_dict, font_size):
        y = cm[5] + tm[5] * cm[3]
        if text.strip() and y - bottom > head_limit:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return found


def check_openers(reader: PdfReader, layout: PdfLayout) -> list[Finding]:
    """Each part and chapter opens on a recto, with no running head above it."""
    findings = []
    for section_id, number in layout.opener_pages.items():
        if number % 2 == 0:
            findings.append(Finding(f"'{section_id}' opens on page {number}, a verso; "
                                    f"chapters open on a recto", "BB408"))
        page = reader.pages[number - 1]
        limit = float(page.trimbox.height) - layout.margins["top"]
        head = _text_in_head(page, limit)
        if head:
            findings.append(Finding(f"page {number} opens '{section_id}' but has a running head "
                                    f"({' '.join(head)[:40]!r})", "BB410"))
    return findings


def check_page_end_hyphens(layout: PdfLayout) -> list[Finding]:
    """A word broken over a page turn that the writer's retry could not mend."""
    return [Finding(f"page {page} ends with a hyphenated word", "BB411", "warning")
            for page in sorted(layout.page_end_hyphens.values())]


def check_footnote_pages(book: Book, layout: PdfLayout) -> list[Problem]:
    """WeasyPrint can set a note a page before or after its call; report each one it moved."""
    problems = []
    for section in book.chapters():
        for note in section.notes:
            pages = layout.note_pages.get(note.id)
            if pages and pages[0] != pages[1]:
                problems.append(Problem(
                    str(section.source.relative_to(book.config.root)) if section.source else "",
                    None, f"footnote {note.number} is called on page {pages[0]} but printed on "
                          f"page {pages[1]}", "BB409", "warning"))
            elif pages is None:
                problems.append(Problem(str(layout.path.name), None,
                                        f"footnote {note.id} was not found in the PDF",
                                        "BB409"))
    return problems
