"""The print interior laid out chapter by chapter, in parallel processes, each chapter cached.

Every part and chapter opens on a recto, so each lays out alone exactly as it does inside the
whole book; only page numbers tie them together. So each body section is laid out on its own,
without page furniture (folios, running heads), by a pool of processes, and kept in the user's
cache folder keyed by its content. The furniture of the whole body is then laid out from the same
print.css on empty pages and overlaid, and the front matter, whose contents list the body's
page numbers, comes last (laid out by a worker too, beside the last furniture) and carries the
PDF/X identification. Hands pdf.py the PDF's bytes and the same `PdfLayout` a single pass would
give.

workers.py runs the jobs in a pool of processes, chunk_cache.py keeps what they made.
"""

from __future__ import annotations

import contextlib
import io
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree
from lxml import html as lxml_html

from bookbuild.book import Book, PageBreak, Section
from bookbuild.errors import Report
from bookbuild.output import cache_folder
from bookbuild.pdf.boxes import PdfLayout, roman
from bookbuild.pdf.chunk_cache import ChunkCache, ChunkResult
from bookbuild.pdf.finish import finisher, unique_subset_tags
from bookbuild.pdf.fonts import check_glyphs
from bookbuild.pdf.html import print_html, print_images
from bookbuild.pdf.margins import (
    bleed_for,
    check_margins,
    effective_margins,
    estimate_pages,
    last_page_count,
    standard_for,
)
from bookbuild.pdf.render import pdf_options
from bookbuild.pdf.workers import (
    LayoutMismatch,
    Workers,
    lay_out_blank,
    lay_out_front,
    lay_out_furniture,
    lay_out_section,
)


def worth_chunking(book: Book, profile: str) -> bool:
    """Chunks pay off for books with several sections; the screen PDF's links and bookmarks
    cross sections, so it is laid out in one pass."""
    return profile != "screen" and len(body_sections(book)) >= 2


def write_chunked(book: Book, path: Path, profile: str, report: Report,
                  on_section: Callable[[int, int], None] | None = None,
                  workers: Workers | None = None) -> tuple[bytes, PdfLayout]:
    """Lay out and assemble the interior; returns (PDF bytes, PdfLayout). `workers`, if given,
    were started early by the build (layout_workers); else they start here."""
    check_glyphs(book, report)
    images = print_images(book)
    body = body_sections(book)
    margins = effective_margins(
        book, last_page_count(path) or estimate_pages(book))
    laid_out = passes = 0
    with contextlib.ExitStack() as cleanup:
        if workers is None:
            workers = cleanup.enter_context(Workers(book.config.root, limit=len(body)))
        # One folder per profile: each build removes what it did not use from its own folder.
        cache = ChunkCache(cache_folder(path.parent, "chunks", profile), workers.digest)
        for _ in range(4):  # the gutter depends on the page count, and the reverse
            passes += 1
            laid = _lay_out_pieces(book, body, margins, profile, images, cache, workers,
                                   on_section)
            laid_out += laid.fresh
            owners = page_owners(laid.results)
            total = laid.front_pages + (laid.front_pages % 2) + len(owners)
            needed = effective_margins(book, total)
            if needed == margins:
                break
            margins = needed
        check_margins(book, margins, total, report)
        report.stop_if_errors()
    data = _assemble(laid, owners)
    cache.prune()
    layout = _layout(book, path, profile, margins, body, laid, owners)
    layout.passes, layout.sections_laid_out, layout.sections = passes, laid_out, len(body)
    return data, layout


def body_sections(book: Book) -> list[Section]:
    return [s for s in book.sections if s.kind != "frontmatter" and s.role != "cover"]


@dataclass
class _Pieces:
    """The interior laid out in pieces at one set of margins, ready to be assembled."""

    results: list[ChunkResult]  # each body section's
    furniture: list[tuple[bytes, int]]  # each furniture piece's PDF and first body page
    fresh: int  # how many sections were laid out (not taken from the cache)
    front: bytes  # the front matter's PDF, with the book's PDF/X identification
    front_pages: int
    front_breaks: list[PageBreak]
    blank: bytes  # a blank verso's PDF


def _lay_out_pieces(book: Book, body: list[Section], margins, profile, images,
                    cache: ChunkCache, workers: Workers, on_section=None) -> _Pieces:
    """Every body section laid out, the body's furniture, a blank verso, each from the cache
    where it can be, and the front matter.

    One stream of jobs: the sections, in book order but for a long one (over twice the median
    length), handed out first; then each piece of furniture whose sections are laid out (it
    needs their page counts, and those of all before it); the front matter once every section
    is (its contents list their first pages); the blank verso as soon as nothing else is ready,
    once no section is waiting. Sections in book order make all the furniture but the last
    piece's ready while the last sections are laid out: a worker left with no section lays it
    out while the other finishes, and after the last section only the last piece and the front
    matter are left, one for each worker.
    """
    html = [print_html(book, margins, profile, images, only={s.id}) for s in body]
    keys = [cache.key(text) for text in html]
    results: list[ChunkResult | None] = [cache.get(key) for key in keys]
    # (a long section handed out last would leave one worker laying it out alone at the end)
    long = 2 * statistics.median(len(text) for text in html)
    queue = sorted((i for i, r in enumerate(results) if r is None),
                   key=lambda i: len(html[i]) <= long)
    fresh = len(queue)
    pieces = groups([len(text) for text in html], 3 * workers.size)
    waiting = list(range(len(pieces)))
    furniture: dict[int, tuple[bytes, int]] = {}
    blank_html = _blank_html(book, body, margins, profile)
    blank_key = "blank-" + cache.key(blank_html)
    blank = cache.get_raw(blank_key)
    ends: dict[str, Any] = {"blank": blank[0]} if blank else {}  # the front matter, the blank
    handed: set[str] = set(ends)  # of those two, the ones handed out or taken from the cache
    if fresh > 1:
        workers.start()

    def next_job():
        if queue:
            index = queue.pop(0)
            notes = [(n.id, n.ref_id) for n in body[index].notes]
            return ("section", index), lay_out_section, (html[index], notes)
        while True:
            ready = next((p for p in waiting
                          if all(r is not None for r in results[:pieces[p][1]])), None)
            if ready is None:
                break
            waiting.remove(ready)
            piece = _Furniture(book, body, results, pieces[ready], margins, profile, cache)
            if piece.cached is None:
                return ("furniture", ready, piece), lay_out_furniture, (piece.html,)
            furniture[ready] = piece.finish(piece.cached)
        if "front" not in handed and all(r is not None for r in results):
            handed.add("front")
            front = _front_html(book, body, page_owners(results), margins, profile, images)
            return ("front",), lay_out_front, (front, finisher(book, profile),
                                               pdf_options(book, profile))
        if "blank" not in handed:
            handed.add("blank")
            return ("blank",), lay_out_blank, (blank_html,)
        return None

    def finished(tag, result) -> None:
        if tag[0] == "furniture":
            furniture[tag[1]] = tag[2].finish(result)
            return
        if tag[0] in ("front", "blank"):
            ends[tag[0]] = result
            if tag[0] == "blank":
                cache.put_raw(blank_key, result, {})
            return
        cache.put(keys[tag[1]], result)
        results[tag[1]] = result
        if on_section:
            on_section(fresh - sum(r is None for r in results), fresh)

    workers.stream(next_job, finished)
    return _Pieces(results, [furniture[p] for p in range(len(pieces))], fresh, *ends["front"],
                   ends["blank"])


def page_owners(results: list[ChunkResult]) -> list[tuple[int, int] | None]:
    """For each body page, the (section index, page) printed on it, or None for the blank verso
    before a section that would otherwise open on a verso (every body section opens on a
    recto; the furniture pass checks that WeasyPrint agrees)."""
    owners: list[tuple[int, int] | None] = []
    for index, result in enumerate(results):
        if len(owners) % 2:
            owners.append(None)
        owners += [(index, page) for page in range(result.pages)]
    return owners


class _Furniture:
    """One piece of the body's folios and running heads: the sections `start` to `end`, laid out
    by print.css on empty pages and numbered from the page the piece opens on in the whole body.
    Made when the sections up to `end` are laid out, for their page counts."""

    def __init__(self, book: Book, body: list[Section], results: list[ChunkResult],
                 piece: tuple[int, int], margins, profile, cache: ChunkCache):
        start, end = piece
        owners = page_owners(results[:end])
        self.first = owners.index((start, 0))  # its first page among the body's
        self.pages = len(owners) - self.first
        self.expected = {body[o[0]].id: number - self.first
                         for number, o in enumerate(owners) if o is not None and o[1] == 0
                         and o[0] >= start}
        source = print_html(book, margins, profile, {},
                                   only={s.id for s in body[start:end]}, shells=True)
        root = lxml_html.document_fromstring(source)
        for section, result in zip(body[start:end], results[start:end], strict=True):
            shell = root.get_element_by_id(section.id)
            for child in list(shell):
                shell.remove(child)
            for _ in range(result.pages):
                etree.SubElement(shell, "div", {"class": "furniture-page"})
        etree.SubElement(root.find("head"), "style").text = \
            f"@page :first {{ counter-reset: page {self.first + 1}; }}"
        self.html = lxml_html.tostring(root, encoding="unicode")
        self.cache = cache
        self.key = "furniture-" + cache.key(self.html)
        cached = cache.get_raw(self.key)
        self.cached = (cached[0], cached[1]["starts"]) if cached else None

    def finish(self, laid_out: tuple[bytes, dict[str, int]]) -> tuple[bytes, int]:
        """The piece's PDF and its first page among the body's, once checked against the
        sections: each opens where owners puts it (on a recto), and no page is missing."""
        data, starts = laid_out
        if starts != {**self.expected, "pages": self.pages}:
            raise LayoutMismatch(f"the furniture of body pages {self.first + 1}-"
                               f"{self.first + self.pages} does not match the sections laid "
                               f"out ({starts} != {self.expected})")
        if self.cached is None:
            self.cache.put_raw(self.key, data, {"starts": starts})
        return data, self.first


def groups(sizes: list[int], count: int) -> list[tuple[int, int]]:
    """Sections cut into at most `count` runs of about equal size: (start, end) of each."""
    total, bounds, run = sum(sizes), [0], 0
    for index, size in enumerate(sizes[:-1]):
        run += size
        if len(bounds) < count and run >= total * len(bounds) / count:
            bounds.append(index + 1)
    return list(zip(bounds, bounds[1:] + [len(sizes)], strict=True))


def _front_html(book: Book, body: list[Section], owners: list[tuple[int, int] | None], margins,
                profile, images) -> str:
    """The front matter's print HTML, its contents numbered from the assembled body."""
    first_pages = {}
    for number, owner in enumerate(owners, start=1):
        if owner is not None and owner[1] == 0:
            first_pages[body[owner[0]].id] = str(number)
    front_ids = {s.id for s in book.sections if s.kind == "frontmatter" and s.role != "cover"}
    return print_html(book, margins, profile, images, only=front_ids, contents_pages=first_pages)


def _blank_html(book: Book, body: list[Section], margins, profile) -> str:
    """A blank verso as a single pass draws it (a proof's crop marks included): the HTML of
    the page WeasyPrint puts between two one-page sections, each opening on a recto (see
    workers.lay_out_blank)."""
    source = print_html(book, margins, profile, {}, only={s.id for s in body[:2]},
                               shells=True)
    root = lxml_html.document_fromstring(source)
    for section in body[:2]:
        etree.SubElement(root.get_element_by_id(section.id), "div", {"class": "furniture-page"})
    return lxml_html.tostring(root, encoding="unicode")


def _assemble(laid: _Pieces, owners: list[tuple[int, int] | None]) -> bytes:
    """One PDF: the front matter's file (with its PDF/X identification), a blank verso if
    the front matter ends on a recto, then each body page with its furniture overlaid."""
    import pikepdf

    book_pdf = pikepdf.open(io.BytesIO(laid.front))
    chunks = [pikepdf.open(io.BytesIO(r.pdf)) for r in laid.results]
    pieces = [(pikepdf.open(io.BytesIO(data)), first) for data, first in laid.furniture]
    dress = {first + number: page for piece, first in pieces
             for number, page in enumerate(piece.pages)}
    blank_pdf = pikepdf.open(io.BytesIO(laid.blank))
    if laid.front_pages % 2:  # the body opens on a recto; a single pass would insert this blank
        book_pdf.pages.append(blank_pdf.pages[0])
    for number, owner in enumerate(owners):
        if owner is None:
            book_pdf.pages.append(blank_pdf.pages[0])
            continue
        book_pdf.pages.append(chunks[owner[0]].pages[owner[1]])
        _overlay(book_pdf, book_pdf.pages[-1], dress[number])
    unique_subset_tags(book_pdf)
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


def _layout(book: Book, path: Path, profile: str, margins, body: list[Section], laid: _Pieces,
            owners):
    results, front_pages = laid.results, laid.front_pages
    blank_after_front = front_pages % 2
    offset = front_pages + blank_after_front  # pages before the body
    layout = PdfLayout(path, profile, standard_for(book, profile),
                              offset + len(owners), margins, bleed_for(book, profile))
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
    layout.page_breaks = list(laid.front_breaks)
    if blank_after_front:
        layout.page_breaks.append(PageBreak(roman(front_pages + 1), body[0].id, None))
    for number, owner in enumerate(owners, start=1):
        if owner is None:
            following = next(o for o in owners[number:] if o is not None)
            start: tuple[str, int | None] = (body[following[0]].id, None)
        else:
            start = tuple(results[owner[0]].starts[owner[1]])
            if not start[0]:  # a section with no text at all (a blank page of front matter)
                start = (body[owner[0]].id, None)
        layout.page_breaks.append(PageBreak(str(number), start[0], start[1]))
    return layout
