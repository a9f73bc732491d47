"""The PDF writer: lays the `Book` out as a print interior with WeasyPrint and styles/print.css.

Builds print HTML from the model (never from Markdown), picks margins that meet the print-on-
demand minimums for the resulting page count, and hands on a `PdfLayout` for the preflight.
"""

from __future__ import annotations

import base64
import copy
import io
import logging
import math
import os
import re
import struct
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pydyf
from lxml import etree

from bookbuild.book import Book, PageBreak, Section
from bookbuild.errors import BookError, Problem, Report
from bookbuild.fonts import check_glyphs
from bookbuild.output import atomic_write, cache_folder
from bookbuild.theme import confined_fetcher, theme_file
from bookbuild.xhtml import EPUB_NS, PHRASING, XHTML_NS, XML_NS, h, text_units

INCH = 72.0
# Inside (gutter) minimums by page count, the strictest of KDP, IngramSpark and Lulu.
GUTTER_MINIMUMS = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
EDGE_MINIMUM = 0.5  # top, bottom, outside: IngramSpark and Lulu ask for half an inch
DEFAULT_MARGINS = {"top": 0.75, "bottom": 0.75, "outside": 0.625}
GUTTER_EXTRA = 0.125  # our default gutter sits this far above the minimum
PROFILES = ("pod", "proof", "screen")
PROOF_BLEED = 0.25 * INCH  # room for crop marks when the book has no bleed of its own


@dataclass
class PdfLayout:
    """What the render produced, for the preflight and the tests."""

    path: Path
    profile: str
    standard: str
    page_count: int
    margins: dict[str, float]  # points
    bleed: float  # points
    opener_pages: dict[str, int] = field(default_factory=dict)  # section id → 1-based page
    note_pages: dict[str, tuple[int, int]] = field(default_factory=dict)  # note id → (call, note)
    body_first_page: int = 1
    # data-i of each paragraph whose page-final line ends in an automatic hyphen → its page
    page_end_hyphens: dict[str, int] = field(default_factory=dict)
    page_breaks: list[PageBreak] = field(default_factory=list)  # where each page begins
    passes: int = 1  # times the whole book was laid out
    sections_laid_out: int | None = None  # laid out in pieces: how many were not cached
    sections: int | None = None

    @property
    def summary(self) -> str:
        text = f"{self.page_count} pages, {self.passes} layout pass{'es' * (self.passes != 1)}"
        if self.sections is not None:
            text += f", {self.sections_laid_out} of {self.sections} sections laid out"
        return text

    def displaced_notes(self) -> set[str]:
        """Ids of notes set on another page than their call."""
        return {note for note, (call, page) in self.note_pages.items() if call != page}

    def faults(self) -> int:
        return len(self.displaced_notes()) + len(self.page_end_hyphens)


def minimum_gutter(page_count: int) -> float:
    """The smallest inside margin, in inches, that every POD service accepts for a page count."""
    for limit, gutter in GUTTER_MINIMUMS:
        if page_count <= limit:
            return gutter
    return GUTTER_MINIMUMS[-1][1]


def minimum_margin(key: str, page_count: int) -> float:
    return minimum_gutter(page_count) if key == "inside" else EDGE_MINIMUM


def effective_margins(book: Book, page_count: int) -> dict[str, float]:
    """Margins in points: the author's where given, else defaults safe for `page_count`."""
    configured = book.config.print.margins
    margins = {}
    for key in ("top", "bottom", "inside", "outside"):
        value = getattr(configured, key)
        if value is None:
            inches = (minimum_gutter(page_count) + GUTTER_EXTRA if key == "inside"
                      else DEFAULT_MARGINS[key])
            value = inches * INCH
        margins[key] = value
    return margins


def write_pdf(book: Book, path: Path, profile: str, report: Report,
              on_section=None, workers=None) -> PdfLayout:
    """Render and write the interior PDF atomically; margin problems stop before writing.

    A book of several sections is laid out section by section in parallel, with a cache
    (pdf_chunks.py); the result is the same as the single pass below, page for page.
    `on_section(done, total)` is told as each section is laid out, for a progress bar;
    `workers` are pdf_chunks.Workers the build started early.
    """
    from bookbuild import pdf_chunks

    layout = None
    if pdf_chunks.worth_chunking(book, profile):
        try:
            data, layout = pdf_chunks.write_chunked(book, path, profile, report, on_section,
                                                    workers)
        except pdf_chunks.LayoutMismatch:
            report.warning(theme_file(book.config.root, "print.css"), None,
                           "this stylesheet puts something on the pages that the section by "
                           "section layout cannot foresee (content added to html or body?); "
                           "the book was laid out in one pass instead, which is slower",
                           "BB412")
    if layout is None:
        document, layout = lay_out(book, path, profile, report)
        data = document.write_pdf(finisher=_finisher(book, profile),
                                  **_pdf_options(book, profile))
    atomic_write(path, data)
    _remember_page_count(path, layout.page_count)
    return layout


def lay_out(book: Book, path: Path, profile: str, report: Report):
    """The interior laid out, not written: WeasyPrint's document and its `PdfLayout`.

    (The cover needs the page count without writing the interior.)
    """
    check_glyphs(book, report)
    images = _print_images(book)
    margins = effective_margins(book, _last_page_count(path) or estimate_pages(book))
    passes = 0
    for _ in range(4):  # the gutter depends on the page count, and the reverse
        passes += 1
        document = _render(book, margins, profile, images)
        needed = effective_margins(book, len(document.pages))
        if needed == margins:
            break
        margins = needed
    layout = _layout(book, path, profile, margins, document)
    layout.passes = passes
    if layout.displaced_notes() or layout.page_end_hyphens:
        # Two faults are mended by laying the book out once more with local changes:
        # - WeasyPrint sometimes sets a note a page away from its call (its issues #1564 and
        #   #2502); laying that note out as an inline box avoids the faulty path.
        # - CSS cannot forbid a hyphen on a page's last line; the paragraph that has one is
        #   set without automatic hyphens.
        # The retry is kept only if it is better and the page count (so the margins) holds.
        retry = _render(book, margins, profile, images, nudged=layout.displaced_notes(),
                        unhyphenated=set(layout.page_end_hyphens))
        retry_layout = _layout(book, path, profile, margins, retry)
        retry_layout.passes = layout.passes = passes + 1
        if (retry_layout.faults() < layout.faults()
                and effective_margins(book, len(retry.pages)) == margins):
            document, layout = retry, retry_layout
    _check_margins(book, margins, len(document.pages), report)
    report.stop_if_errors()
    return document, layout


def estimate_pages(book: Book) -> int:
    """Roughly how many pages the interior will have (within about a tenth).

    Only to choose the first layout's gutter, which depends on the page count: a good guess
    saves laying the whole book out a second time.
    """
    settings = book.config.print
    width, height = settings.trim
    margins = effective_margins(book, 100)
    lines_per_page = (height - margins["top"] - margins["bottom"]) / (
        settings.font_size * settings.leading)
    per_line = (width - margins["inside"] - margins["outside"]) / (0.47 * settings.font_size)
    lines = 0.0
    for section in book.chapters():
        if section.body is None:
            continue
        for el in section.body.iter(h("p"), h("li"), h("h2"), h("h3"), h("figure"), h("hr")):
            if el.tag == h("figure"):
                lines += 14
            elif el.tag == h("hr"):
                lines += 2
            else:
                lines += math.ceil(len("".join(el.itertext())) / per_line) + 0.2
        for note in section.notes:  # notes are set at 0.8em
            for block in note.blocks:
                lines += 0.8 * math.ceil(0.8 * len("".join(block.itertext())) / per_line)
    openings = sum(1 for s in book.sections if s.kind != "frontmatter")
    return round(lines / lines_per_page + 1.5 * openings + 12)


def _page_count_file(path: Path) -> Path:
    return cache_folder(path.parent) / f"{path.name}.pages"


def _last_page_count(path: Path) -> int | None:
    """The page count of the previous build of this file, when there was one."""
    try:
        return int(_page_count_file(path).read_text())
    except (OSError, ValueError):
        return None


def _remember_page_count(path: Path, count: int) -> None:
    atomic_write(_page_count_file(path), str(count).encode())


def _check_margins(book: Book, margins: dict[str, float], pages: int, report: Report) -> None:
    settings = book.config.print
    for key, value in margins.items():
        minimum = minimum_margin(key, pages)
        if value < minimum * INCH - 0.01:
            line = settings.margin_lines.get(key)
            report.error(book.config.source, line,
                         f"print.margins.{key} is {value / INCH:.3g}in, below the {minimum}in "
                         f"that print-on-demand services require for a {pages}-page book",
                         "BB402")


def standard_for(book: Book, profile: str) -> str:
    """Only the print-on-demand file is PDF/X; proofs carry RGB crop marks, screens links."""
    return book.config.print.standard if profile == "pod" else "none"


def bleed_for(book: Book, profile: str) -> float:
    if profile == "screen":
        return 0.0
    if profile == "proof":
        return max(book.config.print.bleed, PROOF_BLEED)
    return book.config.print.bleed


def _pdf_options(book: Book, profile: str) -> dict:
    standard = standard_for(book, profile)
    options = {"pdf_identifier": True}
    if standard != "none":
        options["pdf_variant"] = standard
    return options


# ---- print HTML ----


def print_html(book: Book, margins: dict[str, float], profile: str,
               images: dict[str, str] | None = None, nudged: set[str] = frozenset(),
               unhyphenated: set[str] = frozenset(), only: set[str] | None = None,
               contents_pages: dict[str, str] | None = None, shells: bool = False) -> str:
    """The whole book as one HTML document for WeasyPrint.

    For laying the book out in pieces (pdf_chunks.py): `only` keeps just those sections,
    `contents_pages` prints the contents' page numbers as given, and `shells` leaves each
    section empty.
    """
    html = etree.Element("html", lang=book.language)
    head = etree.SubElement(html, "head")
    etree.SubElement(head, "meta", charset="utf-8")
    etree.SubElement(head, "title").text = book.title
    for author in book.config.authors:
        etree.SubElement(head, "meta", name="author", content=author.name)
    if book.config.description:
        etree.SubElement(head, "meta", name="description", content=book.config.description)
    # Fixed dates: WeasyPrint's PDF/X path would otherwise stamp the current time.
    for name in ("dcterms.created", "dcterms.modified"):
        etree.SubElement(head, "meta", name=name, content=book.modified)
    etree.SubElement(head, "style").text = _page_css(book, margins, profile)
    body = etree.SubElement(html, "body", {"class": f"profile-{profile}"})
    first_body = next((s.id for s in book.sections if s.kind != "frontmatter"), None)
    for section in book.sections:
        if section.role == "cover" or (only is not None and section.id not in only):
            continue  # the print edition's cover is a sheet of its own (cover.py)
        if section.role == "toc":
            body.append(_contents(book, section, contents_pages))
            continue
        el = _section(section, images or {}, nudged, shells)
        if section.id == first_body:
            el.set("class", el.get("class") + " first-body")
        body.append(el)
    _number_paragraphs(body, unhyphenated)
    return etree.tostring(html, method="html", encoding="unicode", doctype="<!DOCTYPE html>")


def _number_paragraphs(body: etree._Element, unhyphenated: set[str]) -> None:
    """Give each text block a `data-i` so a laid-out line can be traced back to it."""
    for index, el in enumerate(body.iter("p", "li", "h1", "h2", "h3", "h4", "figcaption")):
        key = str(index)
        el.set("data-i", key)
        if key in unhyphenated:
            el.set("class", (el.get("class", "") + " no-hyphens").strip())


def _page_css(book: Book, margins: dict[str, float], profile: str) -> str:
    """The geometry that comes from book.yaml; everything else is in print.css."""
    settings = book.config.print
    width, height = settings.trim
    m = {k: f"{v:.3f}pt" for k, v in margins.items()}
    bleed = bleed_for(book, profile)
    title = book.title.replace("\\", "\\\\").replace('"', '\\"')
    css = f"""
@page {{ size: {width:.3f}pt {height:.3f}pt; margin: {m['top']} {m['outside']} {m['bottom']}
  {m['inside']}; bleed: {bleed:.3f}pt; }}
@page :left {{ margin-left: {m['outside']}; margin-right: {m['inside']}; bleed-right: 0; }}
@page :right {{ margin-left: {m['inside']}; margin-right: {m['outside']}; bleed-left: 0; }}
:root {{ --book-title: "{title}"; font-size: {settings.font_size:g}pt;
  line-height: {settings.leading:g}; }}
html {{ string-set: book-title "{title}"; }}
"""
    if profile == "proof":
        css += "@page { marks: crop; }\n"
    if profile != "screen":
        # No links or bookmarks in a print interior.
        css += "h1, h2, h3, h4, h5, h6 { bookmark-level: none; }\n"
    return css


def _contents(book: Book, section: Section,
              pages: dict[str, str] | None = None) -> etree._Element:
    """The contents page, with page numbers; it marks the place of `section` (role toc)."""
    nav = etree.Element("nav", {"class": "contents", "id": "contents",
                                "data-section": section.id, "data-heading": "true"})
    etree.SubElement(nav, "h1").text = "Contents"
    ol = etree.SubElement(nav, "ol")
    for section in book.sections:
        if section.kind == "frontmatter":
            continue
        li = etree.SubElement(ol, "li", {"class": section.kind if section.kind == "part"
                                         else "entry"})
        link = etree.SubElement(li, "a", href=f"#{section.id}")
        if pages is not None:  # laid out in pieces: the target is in another piece
            del link.attrib["href"]
            link.set("data-page", pages[section.id])
        etree.SubElement(link, "span", {"class": "toc-title"}).text = section.toc_title
    return nav


def _section(section: Section, images: dict[str, str],
             nudged: set[str] = frozenset(), shell: bool = False) -> etree._Element:
    classes = [section.kind, section.role]
    el = etree.Element("section", {"id": section.id, "class": " ".join(dict.fromkeys(classes)),
                                   "data-title": section.toc_title, "data-section": section.id})
    if shell:
        return el
    if section.title:
        header = etree.SubElement(el, "header", {"data-heading": "true"})
        if section.number is not None:
            etree.SubElement(header, "p", {"class": "chapter-number"}).text = str(section.number)
        heading = etree.SubElement(header, "h1", {"class": f"{section.kind}-title"})
        heading.text = section.title
        if section.subtitle:
            etree.SubElement(header, "p", {"class": "subtitle"}).text = section.subtitle
    if section.body is not None:
        content = _plain_html(copy.deepcopy(section.body))
        _inline_notes(content, section, nudged)
        for img in content.iter("img"):
            img.set("src", images.get(img.get("src"), img.get("src")))
        el.text = content.text
        el.extend(list(content))
    return el


def _plain_html(el: etree._Element) -> etree._Element:
    """Drop the XHTML and EPUB namespaces so the HTML serializer writes plain HTML5."""
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{XHTML_NS}}}"):
            node.tag = node.tag.split("}", 1)[1]
        for attr in list(node.attrib):
            if attr.startswith(f"{{{EPUB_NS}}}") or attr == f"{{{XML_NS}}}lang":
                del node.attrib[attr]
    etree.cleanup_namespaces(el)
    return el


def _inline_notes(content: etree._Element, section: Section, nudged: set[str]) -> None:
    """Put each note's text where it is first called, floated to the page foot.

    A note first called from inside another note cannot float from there (a footnote holds
    no footnotes): its call there is a plain number, and the note floats from just after the
    outer note's call, so it is set below that note on the same page."""
    notes = {f"#{n.id}": n for n in section.notes}
    for ref in list(content.iter("a")):
        note = notes.get(ref.get("href")) if ref.get("class") == "noteref" else None
        if note is None:
            continue
        if ref.get("id") != note.ref_id:  # a later call of a note already placed
            _plain_call(ref, note)
            continue
        call = _note_call(note, nudged)
        call.tail = ref.tail
        ref.getparent().replace(ref, call)
        last, pending = call, [call]
        while pending:  # a loop, not recursion: a chain of notes may be thousands long
            holder = pending.pop(0)
            for inner in list(holder[0].iter("a")):
                inner_note = notes.get(inner.get("href")) \
                    if inner.get("class") == "noteref" else None
                if inner_note is None:
                    continue
                _plain_call(inner, inner_note)
                if inner.get("id") == inner_note.ref_id:
                    nested = _note_call(inner_note, nudged)
                    nested.set("class", "note-call nested")
                    last.addnext(nested)
                    nested.tail, last.tail = last.tail, None
                    last = nested
                    pending.append(nested)


def _plain_call(ref: etree._Element, note) -> None:
    """A call of a note floated from elsewhere: its number, not a link."""
    repeat = etree.Element("span", {"class": "note-repeat"})
    repeat.text, repeat.tail = str(note.number), ref.tail
    ref.getparent().replace(ref, repeat)


def _note_call(note, nudged: set[str]) -> etree._Element:
    """The span that stands at a note's call and holds the note, floated to the page foot."""
    call = etree.Element("span", {"class": "note-call", "id": note.ref_id})
    classes = "footnote nudged" if note.id in nudged else "footnote"
    footnote = etree.SubElement(call, "span", {"class": classes, "id": note.id,
                                               "data-n": str(note.number)})
    for block in note.blocks:
        para = _plain_html(copy.deepcopy(block))
        _spans_only(para)
        para.set("class", "note-para" + (f" {para.get('class')}" if para.tag != "p" else ""))
        para.tag = "span"
        para.tail = None
        footnote.append(para)
    return call


def _spans_only(block: etree._Element) -> None:
    """The blocks inside a note's block (a quote's paragraphs, a list's items) as spans of
    class `note-<tag>`: the note is a span inside a paragraph, where an HTML parser would
    close the paragraph at the first `<p>` or `<ul>` and spill the rest of the note into the
    page. print.css gives each its block layout back."""
    for el in block.iter():
        if isinstance(el.tag, str) and el.tag not in PHRASING:
            classes = f"note-{el.tag} {el.get('class', '')}".strip()
            el.set("class", classes)
            if el is not block:
                el.tag = "span"
            # Line breaks between blocks are no text; inside a span they would set empty lines.
            if not (el.tail or "").strip():
                el.tail = None
            if len(el) and not (el.text or "").strip() and el[0].tag not in PHRASING:
                el.text = None


def _print_images(book: Book) -> dict[str, str]:
    """Grey, opaque copies of the book's raster images (PDF/X-1a allows no RGB and no alpha).

    They go in as data URIs: WeasyPrint names images after their URL, so a content-derived URL
    keeps two builds byte-identical.
    """
    out, broken = {}, []
    for image in book.images:
        if image.media_type == "image/svg+xml":
            data, media_type = image.source.read_bytes(), image.media_type
            out[image.name] = f"data:{media_type};base64,{base64.b64encode(data).decode()}"
            continue
        try:
            data = _grey_png(image.source)
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            # Pillow's words for a file that starts as an image and is not one: an HTML page
            # saved as .png, a download cut short.
            broken.append(Problem(os.path.relpath(image.source, book.config.root), None,
                                  f"the image cannot be decoded ({exc}); open it in an image "
                                  f"editor and save it again", "BB413"))
            continue
        out[image.name] = f"data:image/png;base64,{base64.b64encode(data).decode()}"
    if broken:
        raise BookError(broken)
    return out


def _grey_png(source: Path) -> bytes:
    """The picture as a grey, opaque PNG at its own resolution."""
    from PIL import Image as PILImage
    from PIL import ImageFile

    with PILImage.open(source) as picture:
        # WeasyPrint, once imported, lets Pillow load cut-short files (grey where data is
        # missing): a broken picture must be named, not printed half grey.
        lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            picture.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        dpi = picture.info.get("dpi", (300, 300))
        if picture.mode in ("RGBA", "LA", "P", "PA"):
            picture = picture.convert("RGBA")
            flat = PILImage.new("RGBA", picture.size, "white")
            flat.alpha_composite(picture)
            picture = flat
        buffer = io.BytesIO()
        picture.convert("L").save(buffer, "PNG", dpi=dpi)
    return buffer.getvalue()


# ---- rendering ----


def _render(book: Book, margins: dict[str, float], profile: str, images: dict[str, str],
            nudged: set[str] = frozenset(), unhyphenated: set[str] = frozenset(),
            **pieces):
    import weasyprint

    html = print_html(book, margins, profile, images, nudged, unhyphenated, **pieces)
    css = theme_file(book.config.root, "print.css")
    from weasyprint.text.fonts import FontConfiguration

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fonts = FontConfiguration()  # @font-face rules register into it; render must use the same
    fetcher = confined_fetcher(book.config.root)
    stylesheet = weasyprint.CSS(filename=str(css), font_config=fonts, url_fetcher=fetcher)
    return weasyprint.HTML(string=html, base_url=str(css.parent), url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts)


def _layout(book: Book, path: Path, profile: str, margins: dict[str, float],
            document) -> PdfLayout:
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    layout = PdfLayout(path, profile, standard_for(book, profile), len(document.pages), margins,
                       bleed_for(book, profile))
    for section in book.sections:
        if section.kind != "frontmatter" and section.id in anchors:
            layout.opener_pages[section.id] = anchors[section.id]
        for note in section.notes:
            if note.ref_id in anchors and note.id in anchors:
                layout.note_pages[note.id] = (anchors[note.ref_id], anchors[note.id])
    if layout.opener_pages:
        layout.body_first_page = min(layout.opener_pages.values())
    layout.page_breaks = page_breaks(document, layout.body_first_page)
    for number, page in enumerate(document.pages[:-1], start=1):
        key = _page_end_hyphen(page)
        if key is not None:
            layout.page_end_hyphens[key] = number
    return layout


def page_breaks(document, body_first_page: int) -> list[PageBreak]:
    """Where each page begins, as a place in the model both writers share: the section, and
    how many `text_units` of its body come before the page's first word.

    The laid-out boxes of each page's main flow are read in order, leaving out running heads,
    the footnote area and generated content (note calls, ornaments), which the EPUB sets
    elsewhere or not at all. A page with no text starts where the next one does.
    """
    counts: dict[str, int] = {}
    starts: list[tuple[str, int | None] | None] = []
    last = None
    for page in document.pages:
        first = None
        for section, in_body, units in _text_runs(page._page_box.children[0], None, False):
            if first is None and section is not None:
                first = (section, counts.get(section, 0) if in_body else None)
            if in_body and section is not None:
                counts[section] = counts.get(section, 0) + units
                last = section
        starts.append(first)
    following = (last, counts.get(last, 0)) if last else None  # trailing blank pages: the end
    for index in range(len(starts) - 1, -1, -1):
        following = starts[index] = starts[index] or following
    breaks = []
    for number, start in enumerate(starts, start=1):
        if start is None:
            continue
        label = (str(number - body_first_page + 1) if number >= body_first_page
                 else roman(number))
        breaks.append(PageBreak(label, start[0], start[1]))
    return breaks


def _text_runs(box, section: str | None, in_body: bool):
    """(section id, in its body?, text units) for each piece of text under `box`, in order;
    an image counts as a piece without units, so a page that opens with one is found."""
    from weasyprint.formatting_structure import boxes

    if "::" in (box.element_tag or ""):
        return  # ::footnote-call, ::marker, ::after: generated, not the book's text
    el = box.element
    if el is not None:
        if {"footnote", "note-repeat"} & set((el.get("class") or "").split()):
            return
        if el.get("data-section"):
            section, in_body = el.get("data-section"), True
        if el.get("data-heading"):
            in_body = False
    if isinstance(box, boxes.TextBox):
        if box.text.strip():
            yield section, in_body, text_units(box.text)
    elif isinstance(box, boxes.ReplacedBox):
        yield section, in_body, 0
    elif isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _text_runs(child, section, in_body)


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += letters * count
    return out


def _page_end_hyphen(page) -> str | None:
    """The `data-i` of the block whose line ends the page's text with an automatic hyphen."""
    from weasyprint.formatting_structure import boxes

    root = page._page_box.children[0]  # the main flow: not the footnote area, not margins
    last, owner = None, None
    stack = [(root, None)]
    while stack:
        box, block = stack.pop()
        if isinstance(box, boxes.LineBox):
            if last is None or box.position_y > last.position_y:
                last, owner = box, block
            continue
        if isinstance(box, boxes.ParentBox):
            inner = box if isinstance(box, boxes.BlockContainerBox) else block
            stack.extend((child, inner) for child in box.children)
    if last is None or owner is None:
        return None
    texts = [b for b in last.descendants() if isinstance(b, boxes.TextBox) and b.text.strip()]
    if not texts or not texts[-1].text.endswith(texts[-1].style["hyphenate_character"]):
        return None
    return owner.element.get("data-i") if owner.element is not None else None


# The rule over a page's footnotes: a quarter of the measure, 0.4 pt, in black ink only.
# CSS can draw the footnote area's border only across the whole measure, and WeasyPrint
# crashes on a CMYK gradient, so bookbuild draws the rule into the page itself.
FOOTNOTE_RULE_SHARE = 0.25
FOOTNOTE_RULE_WEIGHT = 0.4


def draw_footnote_rules(document, pdf) -> None:
    """Stroke a short rule at the top of every page's footnote area that holds notes."""
    from weasyprint.formatting_structure import boxes

    scale = 0.75  # PDF points per CSS pixel
    for number, page in zip(pdf.pages["Kids"][::3], document.pages, strict=True):
        area = next((b for b in page._page_box.children
                     if isinstance(b, boxes.FootnoteAreaBox) and b.children), None)
        if area is None:
            continue
        x = area.content_box_x() * scale
        y = (page.height - area.border_box_y()) * scale - FOOTNOTE_RULE_WEIGHT / 2
        length = area.width * scale * FOOTNOTE_RULE_SHARE
        # WeasyPrint's own stream leaves its flipped coordinates in force: fence it in.
        before = pydyf.Stream([b"q"])
        after = pydyf.Stream([b"Q", f"0 0 0 1 K {FOOTNOTE_RULE_WEIGHT:g} w 0 J "
                                    f"{x:.3f} {y:.3f} m {x + length:.3f} {y:.3f} l S".encode()])
        pdf.add_object(before)
        pdf.add_object(after)
        page_dict = pdf.objects[number]
        page_dict["Contents"] = pydyf.Array([before.reference, page_dict["Contents"],
                                             after.reference])


def drop_annotations(pdf) -> None:
    """No links or comments on any page: a print interior carries none."""
    for number in pdf.pages["Kids"][::3]:  # Kids holds "n 0 R" triples
        pdf.objects[number].pop("Annots", None)


def _finisher(book: Book, profile: str):
    """Last touches on the PDF objects: no annotations in print, repeatable identifiers."""
    document_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, book.config.identifier)}"

    def finish(document, pdf) -> None:
        draw_footnote_rules(document, pdf)
        if standard_for(book, profile) != "none" and "OutputIntents" not in pdf.catalog:
            pdf.catalog["OutputIntents"] = pydyf.Array([_registered_output_intent()])
        if profile != "screen":
            drop_annotations(pdf)
            pdf.catalog.pop("Outlines", None)
            pdf.catalog.pop("PageMode", None)
            pdf.catalog.pop("Names", None)
        # PDF/X-4 metadata carries a random document id; derive it from the book instead.
        for obj in pdf.objects:
            if isinstance(getattr(obj, "stream", None), list):
                obj.stream = [_fixed_xmp(part, document_id) for part in obj.stream]

    return finish


def _registered_output_intent():
    """An output intent naming a registered printing condition (SWOP, CGATS TR 001).

    PDF/X lets a file name a condition from the ICC registry instead of embedding a CMYK
    profile; a black-and-white interior needs nothing more.
    """
    return pydyf.Dictionary({
        "Type": "/OutputIntent",
        "S": "/GTS_PDFX",
        "OutputConditionIdentifier": pydyf.String("CGATS TR 001"),
        "OutputCondition": pydyf.String("SWOP (publication) printing in USA"),
        "RegistryName": pydyf.String("http://www.color.org"),
        "Info": pydyf.String("CGATS TR 001-1995 (SWOP)"),
    })


def _fixed_xmp(part, document_id: str):
    if isinstance(part, bytes) and b"xmp.did:" in part:
        return re.sub(rb"xmp\.did:[0-9a-f-]{36}", document_id.encode(), part)
    return part
