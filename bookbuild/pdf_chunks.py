"""The print interior laid out chapter by chapter, in parallel processes, each chapter cached.

Every part and chapter opens on a recto, so each lays out alone exactly as it does inside the
whole book; only page numbers tie them together. So each body section is laid out on its own,
without page furniture (folios, running heads), by a pool of processes, and kept under
`.cache/` keyed by its content. The furniture of the whole body is then laid out from the same
print.css on empty pages and overlaid, and the front matter, whose contents list the body's
page numbers, comes last and carries the PDF/X identification. Hands pdf.py the PDF's bytes and
the same `PdfLayout` a single pass would give.
"""

from __future__ import annotations

import atexit
import gc
import hashlib
import io
import json
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from bookbuild import __version__
from bookbuild import pdf as single
from bookbuild.book import Book, PageBreak, Section
from bookbuild.errors import Report
from bookbuild.fonts import check_glyphs
from bookbuild.theme import theme_file, theme_files

MARGIN_BOXES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
    "bottom-left-corner", "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner",
    "left-top", "left-middle", "left-bottom", "right-top", "right-middle", "right-bottom")
# A body section is laid out without furniture; the furniture pass draws it instead.
NO_FURNITURE = "@page { " + " ".join(
    f"@{box} {{ content: none !important; }}" for box in MARGIN_BOXES) + " }"
DATES = re.compile(r'<meta name="dcterms\.(?:created|modified)"[^>]*>')
# The furniture pass: each empty block stands for one page of a laid-out section.
FURNITURE = ".furniture-page + .furniture-page { break-before: page; }"


@dataclass
class ChunkResult:
    """One body section laid out: its PDF and what the preflight and the EPUB need of it."""

    pages: int
    anchors: dict[str, int]  # element id → 1-based page in the chunk
    hyphen_pages: list[int]  # pages whose last line still ends in a hyphen
    starts: list[tuple[str, int | None]]  # per page: (section id, text units before it)
    pdf: bytes = field(repr=False, default=b"")


def worth_chunking(book: Book, profile: str) -> bool:
    """Chunks pay off for books with several sections; the screen PDF's links and bookmarks
    cross sections, so it is laid out in one pass."""
    return profile != "screen" and len(_body_sections(book)) >= 2


def write_chunked(book: Book, path: Path, profile: str, report: Report, on_section=None):
    """Lay out and assemble the interior; returns (PDF bytes, PdfLayout)."""
    check_glyphs(book, report)
    images = single._print_images(book)
    body = _body_sections(book)
    cache = _Cache(path.parent / ".cache" / "chunks")
    margins = single.effective_margins(
        book, single._last_page_count(path) or single.estimate_pages(book))
    laid_out = passes = 0
    for _ in range(4):  # the gutter depends on the page count, and the reverse
        passes += 1
        results, fresh = _lay_out_body(book, body, margins, profile, images, cache,
                                       on_section)
        laid_out += fresh
        furniture, owners = _furniture(book, body, results, margins, profile, cache)
        front, front_pages = _front(book, body, owners, margins, profile, images)
        total = front_pages + (front_pages % 2) + len(owners)
        needed = single.effective_margins(book, total)
        if needed == margins:
            break
        margins = needed
    single._check_margins(book, margins, total, report)
    report.stop_if_errors()
    data = _assemble(book, front, front_pages, furniture, owners, results, profile)
    layout = _layout(book, path, profile, margins, body, results, owners, front, front_pages)
    layout.passes, layout.sections_laid_out, layout.sections = passes, laid_out, len(body)
    return data, layout


def _body_sections(book: Book) -> list[Section]:
    return [s for s in book.sections if s.kind != "frontmatter" and s.role != "cover"]


# ---- laying out the body, in parallel ----


def _lay_out_body(book: Book, body: list[Section], margins, profile, images,
                  cache: _Cache, on_section=None) -> tuple[list[ChunkResult], int]:
    """Every body section laid out, from the cache where it can be; and how many were not."""
    css = theme_file(book.config.root, "print.css")
    html = {s.id: single.print_html(book, margins, profile, images, only={s.id}) for s in body}
    keys = {sid: cache.key(book, css, text) for sid, text in html.items()}
    results = {sid: cache.get(key) for sid, key in keys.items()}
    missing = [sid for sid, result in results.items() if result is None]
    _JOB.update(book=book, margins=margins, profile=profile, images=images, css=str(css),
                html=html)
    try:
        for sid, result in _run(missing, on_section).items():
            cache.put(keys[sid], result)
            results[sid] = result
    finally:
        _JOB.clear()
    return [results[s.id] for s in body], len(missing)


# What every worker needs; forked workers inherit it rather than receive a pickled Book.
_JOB: dict = {}


def _run(ids: list[str], on_section=None) -> dict[str, ChunkResult]:
    """Lay out each section in worker processes (in this one when there is just one)."""
    done: dict[str, ChunkResult] = {}

    def finished(sid: str, result: ChunkResult) -> None:
        done[sid] = result
        if on_section:
            on_section(len(done), len(ids))

    if len(ids) <= 1 or os.name != "posix":
        for sid in ids:
            finished(sid, _lay_out_section(sid))
        return done
    workers = min(len(ids), os.cpu_count() or 1)
    # Forked workers share this process's objects; frozen, the collector never walks them
    # (walking them cost a worker a third more time, and copied the pages they sit in).
    gc.collect()
    gc.freeze()
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start_worker) as pool:
            # Longest first, so that no worker is left with a long chapter at the end.
            order = sorted(ids, key=lambda sid: -_size(sid))
            futures = {pool.submit(_pooled_section, sid): sid for sid in order}
            for future in as_completed(futures):
                finished(futures[future], future.result())
    finally:
        gc.unfreeze()
    return {sid: done[sid] for sid in ids}


def _start_worker() -> None:
    """A worker collects garbage once per section (see _pooled_section), not while laying out:
    WeasyPrint makes objects by the million and the collector would keep walking them."""
    gc.disable()


def _pooled_section(section_id: str) -> ChunkResult:
    result = _lay_out_section(section_id)
    gc.collect()  # the section's boxes and pages, now unreachable (about 10 ms)
    return result


def _size(section_id: str) -> int:
    section = next(s for s in _JOB["book"].sections if s.id == section_id)
    return len(etree.tostring(section.body)) if section.body is not None else 0


def _lay_out_section(section_id: str) -> ChunkResult:
    """Lay one section out; then once more, mended, if the first layout has faults that the
    single pass mends too (see pdf.write_pdf), keeping the better of the two."""
    book = _JOB["book"]
    section = next(s for s in book.sections if s.id == section_id)
    notes = [(n.id, n.ref_id) for n in section.notes]

    def lay_out(nudged=frozenset(), unhyphenated=frozenset()):
        html = _JOB["html"][section_id] if not (nudged or unhyphenated) else single.print_html(
            book, _JOB["margins"], _JOB["profile"], _JOB["images"], only={section_id},
            nudged=nudged, unhyphenated=unhyphenated)
        return _lay_out_chunk(html, _JOB["css"], str(book.config.root), notes)

    document, result, (displaced, hyphens) = lay_out()
    if displaced or hyphens:
        retry = lay_out(set(displaced), set(hyphens))
        if len(retry[2][0]) + len(retry[2][1]) < len(displaced) + len(hyphens) \
                and retry[1].pages == result.pages:
            document, result = retry[0], retry[1]
    result.pdf = document.write_pdf(finisher=_finish_section)
    return result


_WORKER_STATE: dict = {}
# Let go of the fonts before interpreter shutdown takes WeasyPrint's FFI away from under them.
atexit.register(_WORKER_STATE.clear)


def _lay_out_chunk(html: str, css_path: str, root: str, notes: list[tuple[str, str]]):
    """Lay one piece of print HTML out; returns (document, ChunkResult without its PDF,
    (displaced note ids, data-i of paragraphs with a page-final hyphen))."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from bookbuild.theme import confined_fetcher

    if _WORKER_STATE.get("css") != (css_path, root):
        # Fonts and the stylesheet load once per process, not once per section.
        fonts = FontConfiguration()
        fetcher = confined_fetcher(Path(root))
        _WORKER_STATE.update(css=(css_path, root), fonts=fonts, fetcher=fetcher, sheets=[
            weasyprint.CSS(filename=css_path, font_config=fonts, url_fetcher=fetcher),
            weasyprint.CSS(string=NO_FURNITURE, font_config=fonts)])
    document = weasyprint.HTML(string=html, base_url=str(Path(css_path).parent),
                               url_fetcher=_WORKER_STATE["fetcher"]).render(
        stylesheets=_WORKER_STATE["sheets"], font_config=_WORKER_STATE["fonts"])
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    displaced = sorted(note for note, call in notes
                       if note in anchors and call in anchors and anchors[note] != anchors[call])
    hyphens = {key: number for number, page in enumerate(document.pages[:-1], start=1)
               if (key := single._page_end_hyphen(page)) is not None}
    starts = [(b.section, b.offset) for b in single.page_breaks(document, 1)]
    starts += [starts[-1] if starts else ("", None)] * (len(document.pages) - len(starts))
    result = ChunkResult(len(document.pages), anchors, sorted(hyphens.values()), starts)
    return document, result, (displaced, sorted(hyphens))


def _finish_section(document, pdf) -> None:
    """No links in a print section, and the footnote rules drawn as in a single pass."""
    single.draw_footnote_rules(document, pdf)
    single.drop_annotations(pdf)


# ---- furniture and front matter ----


def _furniture(book: Book, body: list[Section], results: list[ChunkResult], margins,
               profile, cache: _Cache) -> tuple[bytes, list[tuple[int, int] | None]]:
    """Folios and running heads for the whole body, laid out on empty pages by print.css.

    Returns the PDF and, for each of its pages, the (section index, page) it dresses, or
    None for a blank verso before a recto opening.
    """
    import weasyprint

    source = single.print_html(book, margins, profile, {}, only={s.id for s in body},
                               shells=True)
    root = lxml_html.document_fromstring(source)
    for section, result in zip(body, results, strict=True):
        shell = root.get_element_by_id(section.id)
        for child in list(shell):
            shell.remove(child)
        for _ in range(result.pages):
            etree.SubElement(shell, "div", {"class": "furniture-page"})
    css = theme_file(book.config.root, "print.css")
    html = lxml_html.tostring(root, encoding="unicode")
    key = "furniture-" + cache.key(book, css, html)
    cached = cache.get_raw(key)
    if cached is not None:
        return cached[0], [tuple(o) if o else None for o in cached[1]["owners"]]
    fonts = _fonts()
    document = weasyprint.HTML(string=html, base_url=str(css.parent)).render(
        stylesheets=[weasyprint.CSS(filename=str(css), font_config=fonts),
                     weasyprint.CSS(string=FURNITURE, font_config=fonts)], font_config=fonts)
    starts = {}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            starts.setdefault(name, number)
    owners: list[tuple[int, int] | None] = [None] * len(document.pages)
    for index, (section, result) in enumerate(zip(body, results, strict=True)):
        for page in range(result.pages):
            owners[starts[section.id] + page] = (index, page)
    data = document.write_pdf()
    cache.put_raw(key, data, {"owners": owners})
    return data, owners


def _fonts():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def _front(book: Book, body: list[Section], owners: list[tuple[int, int] | None], margins,
           profile, images):
    """The front matter laid out, its contents numbered from the assembled body."""
    first_pages = {}
    for number, owner in enumerate(owners, start=1):
        if owner is not None and owner[1] == 0:
            first_pages[body[owner[0]].id] = str(number)
    front_ids = {s.id for s in book.sections if s.kind == "frontmatter" and s.role != "cover"}
    document = single._render(book, margins, profile, images, only=front_ids,
                              contents_pages=first_pages)
    return document, len(document.pages)


# ---- assembly ----


def _assemble(book: Book, front, front_pages: int, furniture: bytes,
              owners: list[tuple[int, int] | None], results: list[ChunkResult],
              profile: str) -> bytes:
    """One PDF: the front matter's file (with its PDF/X identification), a blank verso if
    the front matter ends on a recto, then each body page with its furniture overlaid."""
    import pikepdf

    book_pdf = pikepdf.open(io.BytesIO(front.write_pdf(
        finisher=single._finisher(book, profile), **single._pdf_options(book, profile))))
    furniture_pdf = pikepdf.open(io.BytesIO(furniture))
    chunks = [pikepdf.open(io.BytesIO(r.pdf)) for r in results]
    if front_pages % 2:  # the body opens on a recto; a single pass would insert this blank
        book_pdf.pages.append(_blank_like(book_pdf, book_pdf.pages[1]))
    for number, owner in enumerate(owners):
        dress = furniture_pdf.pages[number]
        if owner is None:
            book_pdf.pages.append(dress)
            continue
        book_pdf.pages.append(chunks[owner[0]].pages[owner[1]])
        _overlay(book_pdf, book_pdf.pages[-1], dress)
    out = io.BytesIO()
    book_pdf.save(out, deterministic_id=True, compress_streams=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _overlay(pdf, page, dress) -> None:
    """Draw `dress` (same boxes) over `page` as a form with a fixed name.

    (pikepdf's add_overlay names the form at random, which would make builds differ.)
    """
    import pikepdf

    form = pdf.copy_foreign(dress.as_form_xobject())
    # WeasyPrint's pages share one resource dictionary: each page gets its own copy here.
    shared = page.obj.get(pikepdf.Name.Resources, pikepdf.Dictionary())
    resources = pikepdf.Dictionary({key: shared[key] for key in shared.keys()})
    xobjects = shared.get(pikepdf.Name.XObject, pikepdf.Dictionary())
    resources.XObject = pikepdf.Dictionary({key: xobjects[key] for key in xobjects.keys()})
    resources.XObject[pikepdf.Name("/Furniture")] = form
    page.obj.Resources = resources
    page.contents_add(pdf.make_stream(b"q\n"), prepend=True)
    page.contents_add(pdf.make_stream(b"\nQ\nq /Furniture Do Q\n"))


def _blank_like(pdf, model_page):
    """An empty page with the boxes of `model_page` (a verso)."""
    import pikepdf

    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, Contents=pdf.make_stream(b""),
                              Resources=pikepdf.Dictionary())
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if box in model_page.obj:
            page[box] = pikepdf.Array([float(v) for v in model_page.obj[box]])
    return pikepdf.Page(page)


# ---- the layout facts, in the single pass's terms ----


def _layout(book: Book, path: Path, profile: str, margins, body: list[Section],
            results: list[ChunkResult], owners, front, front_pages: int):
    blank_after_front = front_pages % 2
    offset = front_pages + blank_after_front  # pages before the body
    layout = single.PdfLayout(path, profile, single.standard_for(book, profile),
                              offset + len(owners), margins, single.bleed_for(book, profile))
    chunk_start = {}
    for number, owner in enumerate(owners, start=1):
        if owner is not None and owner[1] == 0:
            chunk_start[owner[0]] = offset + number - 1  # pages before the section
    for index, (section, result) in enumerate(zip(body, results, strict=True)):
        base = chunk_start[index]
        layout.opener_pages[section.id] = base + 1
        for note in section.notes:
            if note.ref_id in result.anchors and note.id in result.anchors:
                layout.note_pages[note.id] = (base + result.anchors[note.ref_id],
                                              base + result.anchors[note.id])
        for page in result.hyphen_pages:
            layout.page_end_hyphens[f"{section.id}:{page}"] = base + page
    layout.body_first_page = offset + 1
    front_breaks = single.page_breaks(front, 10 ** 9)  # all of it is roman-numbered
    layout.page_breaks = list(front_breaks)
    if blank_after_front:
        layout.page_breaks.append(PageBreak(single.roman(front_pages + 1), body[0].id, None))
    for number, owner in enumerate(owners, start=1):
        if owner is None:
            following = next(o for o in owners[number:] if o is not None)
            start: tuple[str, int | None] = (body[following[0]].id, None)
        else:
            start = tuple(results[owner[0]].starts[owner[1]])
        layout.page_breaks.append(PageBreak(str(number), start[0], start[1]))
    return layout


# ---- the cache ----


class _Cache:
    """Laid-out sections on disk, keyed by everything that shapes their pages."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._theme: bytes | None = None

    def key(self, book: Book, css: Path, html: str) -> str:
        digest = hashlib.sha256(self._theme_digest(book, css))
        # A section's own PDF dates are dropped when the book is assembled; keying on them
        # would lay every section out again whenever any file is touched.
        digest.update(DATES.sub("", html).encode())
        return digest.hexdigest()[:32]

    def _theme_digest(self, book: Book, css: Path) -> bytes:
        """The versions, print.css and fonts, read once per build rather than per section."""
        if self._theme is None:
            import weasyprint

            digest = hashlib.sha256()
            for part in (__version__, weasyprint.__version__):
                digest.update(part.encode())
            digest.update(css.read_bytes())
            for font in theme_files(book.config.root, "fonts"):
                with font.open("rb") as handle:
                    head = handle.read(4096)
                digest.update(font.name.encode() + head + str(font.stat().st_size).encode())
            self._theme = digest.digest()
        return self._theme

    def get(self, key: str) -> ChunkResult | None:
        cached = self.get_raw(key)
        if cached is None:
            return None
        try:
            result = ChunkResult(**{**cached[1], "pdf": cached[0]})
        except TypeError:  # written by another version of bookbuild
            return None
        result.starts = [tuple(s) for s in result.starts]
        return result

    def put(self, key: str, result: ChunkResult) -> None:
        facts = asdict(result)
        facts.pop("pdf")
        self.put_raw(key, result.pdf, facts)

    def get_raw(self, key: str) -> tuple[bytes, dict] | None:
        try:
            facts = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return (self.folder / f"{key}.pdf").read_bytes(), facts
        except (OSError, ValueError):
            return None

    def put_raw(self, key: str, data: bytes, facts: dict) -> None:
        from bookbuild.output import atomic_write

        # The PDF first: a facts file is only ever read beside a complete PDF.
        atomic_write(self.folder / f"{key}.pdf", data)
        atomic_write(self.folder / f"{key}.json", json.dumps(facts).encode())
