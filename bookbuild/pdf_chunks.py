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
    with _Workers(book, profile, images) as workers:
        for _ in range(4):  # the gutter depends on the page count, and the reverse
            passes += 1
            results, fresh = _lay_out_body(book, body, margins, profile, cache, workers,
                                           on_section)
            laid_out += fresh
            owners = _owners(results)
            furniture = _furniture(book, body, owners, margins, profile, cache, workers)
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


# ---- the workers ----


# What every job needs and no job changes; forked workers inherit it rather than receive a
# pickled Book.
_JOB: dict = {}


class _Workers:
    """Runs batches of jobs: in this process when a batch has one job, else in a pool of
    forked processes, made at the first such batch and kept for the build, so that each worker
    loads the fonts and print.css once."""

    def __init__(self, book: Book, profile: str, images: dict[str, str]):
        self.job = {"book": book, "profile": profile, "images": images,
                    "css": str(theme_file(book.config.root, "print.css"))}
        self.pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> _Workers:
        _JOB.update(self.job)
        return self

    def __exit__(self, *_exc) -> None:
        if self.pool is not None:
            self.pool.shutdown()
            gc.unfreeze()
        _JOB.clear()

    def run(self, function, batch: list[tuple], done=None) -> list:
        """`function(*args)` for each args of `batch`, longest first as `batch` is ordered;
        `done()` after each."""
        results: list = [None] * len(batch)
        if len(batch) <= 1 or os.name != "posix":
            for index, args in enumerate(batch):
                results[index] = function(*args)
                if done:
                    done()
            return results
        if self.pool is None:
            # Forked workers share this process's objects; frozen, the collector never walks
            # them (walking them cost a worker a third more time, and copied their pages).
            gc.collect()
            gc.freeze()
            self.pool = ProcessPoolExecutor(
                min(len(batch), os.cpu_count() or 1), initializer=_start_worker,
                mp_context=multiprocessing.get_context("fork"))
        futures = {self.pool.submit(_pooled, function, *args): index
                   for index, args in enumerate(batch)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if done:
                done()
        return results


def _start_worker() -> None:
    """A worker collects garbage once per job (see _pooled), not while laying out: WeasyPrint
    makes objects by the million and the collector would keep walking them."""
    gc.disable()


def _pooled(function, *args):
    result = function(*args)
    gc.collect()  # the job's boxes and pages, now unreachable (about 10 ms)
    return result


# ---- laying out the body ----


def _lay_out_body(book: Book, body: list[Section], margins, profile, cache: _Cache, workers,
                  on_section=None) -> tuple[list[ChunkResult], int]:
    """Every body section laid out, from the cache where it can be; and how many were not."""
    css = theme_file(book.config.root, "print.css")
    html = {s.id: single.print_html(book, margins, profile, _JOB["images"], only={s.id})
            for s in body}
    keys = {sid: cache.key(book, css, text) for sid, text in html.items()}
    results = {sid: cache.get(key) for sid, key in keys.items()}
    # Longest first, so that no worker is left with a long chapter at the end.
    missing = sorted((sid for sid, result in results.items() if result is None),
                     key=lambda sid: -len(html[sid]))
    progress = iter(range(1, len(missing) + 1))

    def done() -> None:
        if on_section:
            on_section(next(progress), len(missing))

    laid_out = workers.run(_lay_out_section, [(sid, html[sid], margins) for sid in missing],
                           done)
    for sid, result in zip(missing, laid_out, strict=True):
        cache.put(keys[sid], result)
        results[sid] = result
    return [results[s.id] for s in body], len(missing)


def _lay_out_section(section_id: str, html: str, margins) -> ChunkResult:
    """Lay one section out; then once more, mended, if the first layout has faults that the
    single pass mends too (see pdf.write_pdf), keeping the better of the two."""
    book = _JOB["book"]
    section = next(s for s in book.sections if s.id == section_id)
    notes = [(n.id, n.ref_id) for n in section.notes]

    def lay_out(nudged=frozenset(), unhyphenated=frozenset()):
        text = html if not (nudged or unhyphenated) else single.print_html(
            book, margins, _JOB["profile"], _JOB["images"], only={section_id},
            nudged=nudged, unhyphenated=unhyphenated)
        return _lay_out_chunk(text, notes)

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


def _render(html: str, extra_css: str):
    """WeasyPrint's layout of `html` with print.css and `extra_css`; the fonts and stylesheets
    load once per process, not once per job."""
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration

    from bookbuild.theme import confined_fetcher

    css_path, root = _JOB["css"], _JOB["book"].config.root
    if _WORKER_STATE.get("css") != (css_path, root):
        fonts = FontConfiguration()
        _WORKER_STATE.clear()
        _WORKER_STATE.update(css=(css_path, root), fonts=fonts, sheets={},
                             fetcher=confined_fetcher(Path(root)), theme=weasyprint.CSS(
                                 filename=css_path, font_config=fonts,
                                 url_fetcher=confined_fetcher(Path(root))))
    sheets = _WORKER_STATE["sheets"]
    if extra_css not in sheets:
        sheets[extra_css] = weasyprint.CSS(string=extra_css,
                                           font_config=_WORKER_STATE["fonts"])
    return weasyprint.HTML(string=html, base_url=str(Path(css_path).parent),
                           url_fetcher=_WORKER_STATE["fetcher"]).render(
        stylesheets=[_WORKER_STATE["theme"], sheets[extra_css]],
        font_config=_WORKER_STATE["fonts"])


def _lay_out_chunk(html: str, notes: list[tuple[str, str]]):
    """Lay one section's print HTML out, without furniture; returns (document, ChunkResult
    without its PDF, (displaced note ids, data-i of paragraphs with a page-final hyphen))."""
    document = _render(html, NO_FURNITURE)
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


def _owners(results: list[ChunkResult]) -> list[tuple[int, int] | None]:
    """For each body page, the (section index, page) printed on it, or None for the blank verso
    before a section that would otherwise open on a verso (every body section opens on a
    recto; the furniture pass checks that WeasyPrint agrees)."""
    owners: list[tuple[int, int] | None] = []
    for index, result in enumerate(results):
        if len(owners) % 2:
            owners.append(None)
        owners += [(index, page) for page in range(result.pages)]
    return owners


def _furniture(book: Book, body: list[Section], owners: list[tuple[int, int] | None], margins,
               profile, cache: _Cache, workers: _Workers) -> list[tuple[bytes, int]]:
    """Folios and running heads for the body, laid out by print.css on empty pages, in one piece
    of whole sections per worker, each numbered from its first page on.

    Returns each piece's PDF with the index in `owners` of its first page; blank versos
    between pieces belong to none.
    """
    css = theme_file(book.config.root, "print.css")
    pieces, jobs, keys = [], [], []
    for first, end in _split(owners, os.cpu_count() or 1):
        sections = sorted({o[0] for o in owners[first:end] if o is not None})
        last = max(i for i in range(first, end) if owners[i] is not None)
        source = single.print_html(book, margins, profile, {},
                                   only={body[i].id for i in sections}, shells=True)
        root = lxml_html.document_fromstring(source)
        for index in sections:
            shell = root.get_element_by_id(body[index].id)
            for child in list(shell):
                shell.remove(child)
            for _ in range(sum(1 for o in owners[first:end] if o and o[0] == index)):
                etree.SubElement(shell, "div", {"class": "furniture-page"})
        # The piece's first page carries the folio it has in the whole body.
        etree.SubElement(root.find("head"), "style").text = \
            f"@page :first {{ counter-reset: page {first + 1}; }}"
        html = lxml_html.tostring(root, encoding="unicode")
        expected = {body[o[0]].id: i - first for i, o in enumerate(owners[first:end], first)
                    if o is not None and o[1] == 0}
        pieces.append((first, last - first + 1, expected))
        keys.append("furniture-" + cache.key(book, css, html))
        jobs.append((html,))
    laid_out = {}
    missing = []
    for index, key in enumerate(keys):
        cached = cache.get_raw(key)
        if cached is None:
            missing.append(index)
        else:
            laid_out[index] = (cached[0], cached[1]["starts"])
    for index, result in zip(missing, workers.run(_lay_out_furniture,
                                                  [jobs[i] for i in missing]), strict=True):
        cache.put_raw(keys[index], result[0], {"starts": result[1]})
        laid_out[index] = result
    out = []
    for index, (first, pages, expected) in enumerate(pieces):
        data, starts = laid_out[index]
        if starts != {**expected, "pages": pages}:
            raise RuntimeError(f"the furniture of body pages {first + 1}-{first + pages} does "
                               f"not match the sections laid out ({starts} != {expected})")
        out.append((data, first))
    return out


def _split(owners: list[tuple[int, int] | None], count: int) -> list[tuple[int, int]]:
    """`owners` cut at section openings into at most `count` runs of about equal length."""
    openings = [i for i, o in enumerate(owners) if o is not None and o[1] == 0]
    cuts = sorted({min(openings, key=lambda i: abs(i - len(owners) * n / count))
                   for n in range(count)} | {0})
    return list(zip(cuts, cuts[1:] + [len(owners)], strict=True))


def _lay_out_furniture(html: str) -> tuple[bytes, dict[str, int]]:
    """One piece of furniture: its PDF, and the 0-based page each section opens on, with the
    page count under "pages"."""
    document = _render(html, FURNITURE)
    starts: dict[str, int] = {"pages": len(document.pages)}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            starts.setdefault(name, number)
    shells = {el.get("id") for el in lxml_html.document_fromstring(html).iter("section")}
    return document.write_pdf(), {k: v for k, v in starts.items() if k in shells | {"pages"}}


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


def _assemble(book: Book, front, front_pages: int, furniture: list[tuple[bytes, int]],
              owners: list[tuple[int, int] | None], results: list[ChunkResult],
              profile: str) -> bytes:
    """One PDF: the front matter's file (with its PDF/X identification), a blank verso if
    the front matter ends on a recto, then each body page with its furniture overlaid."""
    import pikepdf

    book_pdf = pikepdf.open(io.BytesIO(front.write_pdf(
        finisher=single._finisher(book, profile), **single._pdf_options(book, profile))))
    chunks = [pikepdf.open(io.BytesIO(r.pdf)) for r in results]
    pieces = [(pikepdf.open(io.BytesIO(data)), first) for data, first in furniture]
    dress = {first + number: page for piece, first in pieces
             for number, page in enumerate(piece.pages)}
    verso = _verso(book_pdf, chunks, owners)  # a blank page takes the boxes of a verso
    if front_pages % 2:  # the body opens on a recto; a single pass would insert this blank
        book_pdf.pages.append(_blank_like(book_pdf, verso))
    for number, owner in enumerate(owners):
        if owner is None:
            book_pdf.pages.append(_blank_like(book_pdf, verso))
            continue
        book_pdf.pages.append(chunks[owner[0]].pages[owner[1]])
        _overlay(book_pdf, book_pdf.pages[-1], dress[number])
    out = io.BytesIO()
    book_pdf.save(out, deterministic_id=True, compress_streams=True,
                  object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def _verso(book_pdf, chunks, owners):
    if len(book_pdf.pages) > 1:
        return book_pdf.pages[1]
    owner = next(o for number, o in enumerate(owners) if number % 2 and o is not None)
    return chunks[owner[0]].pages[owner[1]]


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
