"""The print interior laid out chapter by chapter, in parallel processes, each chapter cached.

Every part and chapter opens on a recto, so each lays out alone exactly as it does inside the
whole book; only page numbers tie them together. So each body section is laid out on its own,
without page furniture (folios, running heads), by a pool of processes, and kept in the user's
cache folder keyed by its content. The furniture of the whole body is then laid out from the same
print.css on empty pages and overlaid, and the front matter, whose contents list the body's
page numbers, comes last and carries the PDF/X identification. Hands pdf.py the PDF's bytes and
the same `PdfLayout` a single pass would give.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import re
import signal
import sys
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from bookbuild import __version__
from bookbuild.book import Book, PageBreak, Section
from bookbuild.config import Config, PartEntry
from bookbuild.errors import Report
from bookbuild.output import cache_folder, prune_folder
from bookbuild.pdf.boxes import PdfLayout, page_breaks, page_end_hyphen, roman
from bookbuild.pdf.finish import draw_footnote_rules, drop_annotations, finisher
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
from bookbuild.pdf.render import pdf_options, render
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
CHUNK_ENTRY = re.compile(r"(?:furniture-|blank-)?[0-9a-f]{32}\.(?:pdf|json)")  # what put_raw names


@dataclass
class ChunkResult:
    """One body section laid out: its PDF and what the preflight and the EPUB need of it."""

    pages: int
    anchors: dict[str, int]  # element id → 1-based page in the chunk
    hyphen_pages: list[int]  # pages whose last line still ends in a hyphen
    starts: list[tuple[str, int | None]]  # per page: (section id, text units before it)
    pdf: bytes = field(repr=False, default=b"")


class LayoutMismatch(RuntimeError):
    """The pieces do not lay out as the single pass would: print.css puts something on the
    pages that the pieces cannot foresee (generated content on html or body, say)."""


def worth_chunking(book: Book, profile: str) -> bool:
    """Chunks pay off for books with several sections; the screen PDF's links and bookmarks
    cross sections, so it is laid out in one pass."""
    return profile != "screen" and len(_body_sections(book)) >= 2


def write_chunked(book: Book, path: Path, profile: str, report: Report, on_section=None,
                  workers: Workers | None = None):
    """Lay out and assemble the interior; returns (PDF bytes, PdfLayout). `workers`, if given,
    were started early by the build (layout_workers); else they start here."""
    check_glyphs(book, report)
    images = print_images(book)
    body = _body_sections(book)
    margins = effective_margins(
        book, last_page_count(path) or estimate_pages(book))
    laid_out = passes = 0
    with contextlib.ExitStack() as cleanup:
        if workers is None:
            workers = cleanup.enter_context(Workers(book.config.root, limit=len(body)))
        # One folder per profile: each build removes what it did not use from its own folder.
        cache = _Cache(cache_folder(path.parent, "chunks", profile), workers.digest)
        for _ in range(4):  # the gutter depends on the page count, and the reverse
            passes += 1
            results, furniture, fresh = _lay_out_body(book, body, margins, profile, images,
                                                      cache, workers, on_section)
            laid_out += fresh
            owners = _owners(results)
            front, front_pages = _front(book, body, owners, margins, profile, images)
            total = front_pages + (front_pages % 2) + len(owners)
            needed = effective_margins(book, total)
            if needed == margins:
                break
            margins = needed
        check_margins(book, margins, total, report)
        report.stop_if_errors()
        blank = _blank_verso(book, body, margins, profile, cache, workers)
    data = _assemble(book, front, front_pages, furniture, blank, owners, results, profile)
    cache.prune()
    layout = _layout(book, path, profile, margins, body, results, owners, front, front_pages)
    layout.passes, layout.sections_laid_out, layout.sections = passes, laid_out, len(body)
    return data, layout


def _body_sections(book: Book) -> list[Section]:
    return [s for s in book.sections if s.kind != "frontmatter" and s.role != "cover"]


# ---- the workers ----


def layout_workers(config: Config, formats: tuple[str, ...], profile: str,
                   method: str = "fork") -> Workers:
    """Workers for a build, started before the manuscript is read when the book will likely
    be laid out in pieces (see worth_chunking); else none, until write_chunked asks. `method`:
    see Workers."""
    sections = sum(1 + len(e.chapters) if isinstance(e, PartEntry) else e.type != "frontmatter"
                   for e in config.spine)
    early = "pdf" in formats and profile != "screen" and sections >= 2
    return Workers(config.root, start=early, limit=sections, method=method)


def _cpus() -> int:
    """The cores this process may run on (not all the machine's, in a container)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


class Workers:
    """Processes that lay out print HTML. The pool is started (at once, or at the first batch
    of two or more jobs) and kept for the build; each worker loads the fonts and print.css as
    it starts, while the main process reads on. A job carries its HTML and nothing of the Book.

    `method` is how the workers are made. "fork", the quickest: they share this process's
    WeasyPrint, imported once. "forkserver", in a process that runs threads of its own (`watch`
    serves the preview from threads): a fork copies a lock another thread holds, held for ever
    in the child, so there the workers are forked by multiprocessing's fork server, a process
    of one thread started (fork and exec) at the first build, with WeasyPrint imported once.

    The workers never outlive this process, whatever ends it (see _start_worker): each watches
    a pipe whose writing end only this process holds, and on Linux, when this process's main
    thread forked it, the kernel also kills it when that thread, so this process, ends.
    close() after an error, Ctrl-C or a signal ends them at once through that pipe, without
    waiting for the sections they are laying out.
    """

    def __init__(self, root: Path, start: bool = False, limit: int | None = None,
                 method: str = "fork"):
        css = theme_file(root, "print.css")
        # The theme's digest is part of it: a worker (or this process, in a long `watch`)
        # loads print.css and the fonts again when they change, not only when their path does.
        self.digest = theme_digest(root, css)
        self.theme = (str(css), str(root), self.digest.hex())
        self.method = method
        self.pool: ProcessPoolExecutor | None = None
        self._lifeline: tuple[multiprocessing.connection.Connection, ...] = ()
        self.size = max(1, min(_cpus(), limit or _cpus()))
        if start:
            try:
                self.start()
            except BaseException:  # a signal while forking: no worker is left behind
                self.close(abort=True)
                raise

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type, *_exc) -> None:
        self.close(abort=exc_type is not None)

    def close(self, abort: bool = False) -> None:
        """Stop the workers: once their jobs are done, or with `abort` at once, mid-job (the
        build is failing or being stopped, and nothing will read their results)."""
        if not self._lifeline:
            return
        if self.pool is not None:
            if abort:
                self._lifeline[1].close()  # each worker exits on seeing the pipe closed
            self.pool.shutdown(cancel_futures=abort)
            self.pool = None
        for end in self._lifeline:
            end.close()
        self._lifeline = ()
        if self.method == "fork":
            gc.unfreeze()

    def start(self) -> None:
        if self.pool is None and os.name == "posix" and self.size > 1:
            import weasyprint  # noqa: F401 - imported once, here, rather than in each worker

            context = multiprocessing.get_context(self.method)
            self._lifeline = context.Pipe(duplex=False)  # (read end, write end)
            if self.method == "fork":
                # Forked workers share this process's objects; frozen, the collector never
                # walks them (walking them cost a worker a third more time, and copied their
                # pages).
                gc.collect()
                gc.freeze()
            else:
                context.set_forkserver_preload(["weasyprint", "bookbuild.pdf_chunks"])
            # SIGKILL at the forking thread's end only when that thread is the main one (whose
            # end is this process's): a pool forked by another thread outlives it.
            deathsig = (self.method == "fork"
                        and threading.current_thread() is threading.main_thread())
            self.pool = ProcessPoolExecutor(
                self.size, mp_context=context, initializer=_start_worker,
                initargs=(self.theme, os.getpid(), *self._lifeline, deathsig))
            # The pool starts its workers at its first job ("fork": all of them; "forkserver":
            # one per job while none is idle): jobs that do nothing start them now, so that
            # they load the theme while this process reads the manuscript.
            for _ in range(1 if self.method == "fork" else self.size):
                self.pool.submit(int)

    def call(self, function, *args):
        """`function(theme, *args)` as a job: in a worker when there is a pool."""
        results = []
        jobs = iter([(None, function, args)])
        self.stream(lambda: next(jobs, None), lambda _tag, result: results.append(result))
        return results[0]

    def stream(self, next_job, finished) -> None:
        """Run the jobs `next_job()` hands out, each `(tag, function, args)`, or None when
        none is ready yet, at most one per worker at a time, so that a job made ready by
        another's end is not queued behind all the rest; `finished(tag, result)` as each
        ends, where `result` is `function(theme, *args)`. Ends when none is running and none
        is ready."""
        if self.pool is None:
            while (job := next_job()) is not None:
                tag, function, args = job
                finished(tag, function(self.theme, *args))
            return
        running: dict = {}
        while True:
            while len(running) < self.size and (job := next_job()) is not None:
                tag, function, args = job
                running[self.pool.submit(_pooled, function, self.theme, *args)] = tag
            if not running:
                return
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                finished(running.pop(future), future.result())


def _start_worker(theme: tuple[str, ...], parent: int,
                  lifeline: multiprocessing.connection.Connection,
                  parent_end: multiprocessing.connection.Connection, deathsig: bool) -> None:
    """A worker ends with the process that started the pool, however that ends (SIGKILL
    included): a thread here waits on `lifeline`, a pipe whose other end only that process
    holds, and exits when it closes; on Linux, with `deathsig`, the kernel also kills the
    worker when its parent dies. Ctrl-C and a closed terminal are for that process to act on:
    it ends the workers through the pipe.

    A worker collects garbage once per job (see _pooled), not while laying out: WeasyPrint
    makes objects by the million and the collector would keep walking them."""
    parent_end.close()  # forked, this process holds a copy of it; only the parent may
    for name, action in (("SIGINT", signal.SIG_IGN), ("SIGHUP", signal.SIG_IGN),
                         ("SIGTERM", signal.SIG_DFL)):  # not the parent's handlers, if forked
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), action)
    if deathsig:
        _die_with_parent(parent)
    threading.Thread(target=_exit_when_closed, args=(lifeline,), name="lifeline",
                     daemon=True).start()
    gc.disable()
    _theme_state(theme)


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL to this process when the thread that forked it ends. Checked after: a
    parent that died before the request was made goes unnoticed by the kernel."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return  # the pipe still ends this worker
    if os.getppid() != parent:
        os._exit(1)


def _exit_when_closed(lifeline: multiprocessing.connection.Connection) -> None:
    """Nothing is ever written to the pipe: it becomes readable only when its last writing
    end closes, that is when the parent has closed it or is gone."""
    multiprocessing.connection.wait([lifeline])
    os._exit(1)


def _pooled(function, *args):
    result = function(*args)
    gc.collect()  # the job's boxes and pages, now unreachable (about 10 ms)
    return result


# ---- laying out the body ----


def _lay_out_body(book: Book, body: list[Section], margins, profile, images, cache: _Cache,
                  workers: Workers, on_section=None):
    """Every body section laid out, and the body's furniture, each from the cache where it can
    be: (sections' results, each furniture piece's PDF and first body page, how many sections
    were laid out).

    One stream of jobs: the sections, and each piece of furniture as soon as the sections up to
    its end are laid out (it needs their page counts), ahead of the sections still waiting; so
    less furniture is left to lay out after the last section.
    """
    html = [print_html(book, margins, profile, images, only={s.id}) for s in body]
    keys = [cache.key(text) for text in html]
    results: list[ChunkResult | None] = [cache.get(key) for key in keys]
    # Longest first, so that no worker is left with a long chapter at the end (measured: book
    # order, which would free the furniture sooner, finishes half a second later).
    queue = sorted((i for i, r in enumerate(results) if r is None), key=lambda i: -len(html[i]))
    fresh = len(queue)
    pieces = _groups([len(text) for text in html], 3 * workers.size)
    waiting = list(range(len(pieces)))
    furniture: dict[int, tuple[bytes, int]] = {}
    if fresh > 1:
        workers.start()

    def next_job():
        while True:
            ready = next((p for p in waiting
                          if all(r is not None for r in results[:pieces[p][1]])), None)
            if ready is None:
                break
            waiting.remove(ready)
            piece = _Furniture(book, body, results, pieces[ready], margins, profile, cache)
            if piece.cached is None:
                return ("furniture", ready, piece), _lay_out_furniture, (piece.html,)
            furniture[ready] = piece.finish(piece.cached)
        if queue:
            index = queue.pop(0)
            notes = [(n.id, n.ref_id) for n in body[index].notes]
            return ("section", index), _lay_out_section, (html[index], notes)
        return None

    def finished(tag, result) -> None:
        if tag[0] == "furniture":
            furniture[tag[1]] = tag[2].finish(result)
            return
        cache.put(keys[tag[1]], result)
        results[tag[1]] = result
        if on_section:
            on_section(fresh - sum(r is None for r in results), fresh)

    workers.stream(next_job, finished)
    return results, [furniture[p] for p in range(len(pieces))], fresh


def _lay_out_section(theme: tuple[str, ...], html: str, notes: list[tuple[str, str]]
                     ) -> ChunkResult:
    """Lay one section out; then once more, mended, if the first layout has faults that the
    single pass mends too (see pdf.write_pdf), keeping the better of the two."""
    document, result, (displaced, hyphens) = _lay_out_chunk(theme, html, notes)
    if displaced or hyphens:
        retry = _lay_out_chunk(theme, _mend(html, set(displaced), set(hyphens)), notes)
        if len(retry[2][0]) + len(retry[2][1]) < len(displaced) + len(hyphens) \
                and retry[1].pages == result.pages:
            document, result = retry[0], retry[1]
    result.pdf = document.write_pdf(finisher=_finish_section)
    return result


def _mend(html: str, nudged: set[str], unhyphenated: set[str]) -> str:
    """A section's print HTML as pdf.print_html writes it with these notes nudged and these
    paragraphs unhyphenated (tests/test_pdf_chunks.py holds the two to the same string)."""
    root = lxml_html.document_fromstring(html)
    for el in root.iter():
        if el.get("data-i") in unhyphenated:
            el.set("class", (el.get("class", "") + " no-hyphens").strip())
        if el.get("id") in nudged and el.get("class") == "footnote":
            el.set("class", "footnote nudged")
    return etree.tostring(root, method="html", encoding="unicode", doctype="<!DOCTYPE html>")


_WORKER_STATE: dict = {}
# Let go of the fonts before interpreter shutdown takes WeasyPrint's FFI away from under them.
atexit.register(_WORKER_STATE.clear)


def _theme_state(theme: tuple[str, ...]) -> dict:
    """WeasyPrint's fonts and stylesheets for `theme` (print.css, book root, their digest),
    loaded once per process and theme, not once per job."""
    if _WORKER_STATE.get("theme") != theme:
        import logging

        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        from bookbuild.pdf.fetcher import confined_fetcher

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        fonts = FontConfiguration()
        fetcher = confined_fetcher(Path(theme[1]))
        _WORKER_STATE.clear()
        _WORKER_STATE.update(theme=theme, fonts=fonts, sheets={}, fetcher=fetcher,
                             print_css=weasyprint.CSS(filename=theme[0], font_config=fonts,
                                                      url_fetcher=fetcher))
    return _WORKER_STATE


def _render(theme: tuple[str, ...], html: str, extra_css: str):
    """WeasyPrint's layout of `html` with print.css and `extra_css`."""
    import weasyprint

    state = _theme_state(theme)
    if extra_css not in state["sheets"]:
        state["sheets"][extra_css] = weasyprint.CSS(string=extra_css, font_config=state["fonts"])
    return weasyprint.HTML(string=html, base_url=str(Path(theme[0]).parent),
                           url_fetcher=state["fetcher"]).render(
        stylesheets=[state["print_css"], state["sheets"][extra_css]], font_config=state["fonts"])


def _lay_out_chunk(theme: tuple[str, ...], html: str, notes: list[tuple[str, str]]):
    """Lay one section's print HTML out, without furniture; returns (document, ChunkResult
    without its PDF, (displaced note ids, data-i of paragraphs with a page-final hyphen))."""
    document = _render(theme, html, NO_FURNITURE)
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    displaced = sorted(note for note, call in notes
                       if note in anchors and call in anchors and anchors[note] != anchors[call])
    hyphens = {key: number for number, page in enumerate(document.pages[:-1], start=1)
               if (key := page_end_hyphen(page)) is not None}
    starts = [(b.section, b.offset) for b in page_breaks(document, 1)]
    starts += [starts[-1] if starts else ("", None)] * (len(document.pages) - len(starts))
    result = ChunkResult(len(document.pages), anchors, sorted(hyphens.values()), starts)
    return document, result, (displaced, sorted(hyphens))


def _finish_section(document, pdf) -> None:
    """No links in a print section, and the footnote rules drawn as in a single pass."""
    draw_footnote_rules(document, pdf)
    drop_annotations(pdf)


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


class _Furniture:
    """One piece of the body's folios and running heads: the sections `start` to `end`, laid out
    by print.css on empty pages and numbered from the page the piece opens on in the whole body.
    Made when the sections up to `end` are laid out, for their page counts."""

    def __init__(self, book: Book, body: list[Section], results: list[ChunkResult],
                 piece: tuple[int, int], margins, profile, cache: _Cache):
        start, end = piece
        owners = _owners(results[:end])
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
        sections: each opens where _owners puts it (on a recto), and no page is missing."""
        data, starts = laid_out
        if starts != {**self.expected, "pages": self.pages}:
            raise LayoutMismatch(f"the furniture of body pages {self.first + 1}-"
                               f"{self.first + self.pages} does not match the sections laid "
                               f"out ({starts} != {self.expected})")
        if self.cached is None:
            self.cache.put_raw(self.key, data, {"starts": starts})
        return data, self.first


def _groups(sizes: list[int], count: int) -> list[tuple[int, int]]:
    """Sections cut into at most `count` runs of about equal size: (start, end) of each."""
    total, bounds, run = sum(sizes), [0], 0
    for index, size in enumerate(sizes[:-1]):
        run += size
        if len(bounds) < count and run >= total * len(bounds) / count:
            bounds.append(index + 1)
    return list(zip(bounds, bounds[1:] + [len(sizes)], strict=True))


def _lay_out_furniture(theme: tuple[str, ...], html: str) -> tuple[bytes, dict[str, int]]:
    """One piece of furniture: its PDF, and the 0-based page each section opens on, with the
    page count under "pages"."""
    document = _render(theme, html, FURNITURE)
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
    document = render(book, margins, profile, images, only=front_ids,
                              contents_pages=first_pages)
    return document, len(document.pages)


# ---- assembly ----


def _blank_verso(book: Book, body: list[Section], margins, profile, cache: _Cache,
                 workers: Workers) -> bytes:
    """A blank verso as a single pass draws it (a proof's crop marks included): the page
    WeasyPrint puts between two one-page sections, each opening on a recto."""
    source = print_html(book, margins, profile, {}, only={s.id for s in body[:2]},
                               shells=True)
    root = lxml_html.document_fromstring(source)
    for section in body[:2]:
        etree.SubElement(root.get_element_by_id(section.id), "div", {"class": "furniture-page"})
    html = lxml_html.tostring(root, encoding="unicode")
    key = "blank-" + cache.key(html)
    cached = cache.get_raw(key)
    if cached is None:
        cached = (workers.call(_lay_out_blank, html), {})
        cache.put_raw(key, *cached)
    return cached[0]


def _lay_out_blank(theme: tuple[str, ...], html: str) -> bytes:
    document = _render(theme, html, FURNITURE)
    if len(document.pages) != 3:
        raise LayoutMismatch(f"two one-page sections took {len(document.pages)} pages, not 3")
    return document.copy([document.pages[1]]).write_pdf()


def _assemble(book: Book, front, front_pages: int, furniture: list[tuple[bytes, int]],
              blank: bytes, owners: list[tuple[int, int] | None], results: list[ChunkResult],
              profile: str) -> bytes:
    """One PDF: the front matter's file (with its PDF/X identification), a blank verso if
    the front matter ends on a recto, then each body page with its furniture overlaid."""
    import pikepdf

    book_pdf = pikepdf.open(io.BytesIO(front.write_pdf(
        finisher=finisher(book, profile), **pdf_options(book, profile))))
    chunks = [pikepdf.open(io.BytesIO(r.pdf)) for r in results]
    pieces = [(pikepdf.open(io.BytesIO(data)), first) for data, first in furniture]
    dress = {first + number: page for piece, first in pieces
             for number, page in enumerate(piece.pages)}
    blank_pdf = pikepdf.open(io.BytesIO(blank))
    if front_pages % 2:  # the body opens on a recto; a single pass would insert this blank
        book_pdf.pages.append(blank_pdf.pages[0])
    for number, owner in enumerate(owners):
        if owner is None:
            book_pdf.pages.append(blank_pdf.pages[0])
            continue
        book_pdf.pages.append(chunks[owner[0]].pages[owner[1]])
        _overlay(book_pdf, book_pdf.pages[-1], dress[number])
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


# ---- the layout facts, in the single pass's terms ----


def _layout(book: Book, path: Path, profile: str, margins, body: list[Section],
            results: list[ChunkResult], owners, front, front_pages: int):
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
    front_breaks = page_breaks(front, 10 ** 9)  # all of it is roman-numbered
    layout.page_breaks = list(front_breaks)
    if blank_after_front:
        layout.page_breaks.append(PageBreak(roman(front_pages + 1), body[0].id, None))
    for number, owner in enumerate(owners, start=1):
        if owner is None:
            following = next(o for o in owners[number:] if o is not None)
            start: tuple[str, int | None] = (body[following[0]].id, None)
        else:
            start = tuple(results[owner[0]].starts[owner[1]])
        layout.page_breaks.append(PageBreak(str(number), start[0], start[1]))
    return layout


# ---- the cache ----


def theme_digest(root: Path, css: Path) -> bytes:
    """The versions of bookbuild and WeasyPrint, print.css and the fonts (each by its name,
    size and first 4 KB): what shapes a layout besides its HTML."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (__version__, version("weasyprint")):
        digest.update(part.encode())
    digest.update(css.read_bytes())
    for font in theme_files(root, "fonts"):
        with font.open("rb") as handle:
            head = handle.read(4096)
        digest.update(font.name.encode() + head + str(font.stat().st_size).encode())
    return digest.digest()


class _Cache:
    """Laid-out sections on disk, keyed by everything that shapes their pages."""

    def __init__(self, folder: Path, theme: bytes):
        self.folder = folder
        self.used: set[str] = set()
        self.theme = theme  # theme_digest, made once per build (by Workers)

    def key(self, html: str) -> str:
        digest = hashlib.sha256(self.theme)
        # A section's own PDF dates are dropped when the book is assembled; keying on them
        # would lay every section out again whenever any file is touched.
        digest.update(DATES.sub("", html).encode())
        return digest.hexdigest()[:32]

    def prune(self) -> None:
        """Remove the entries this build did not use (sections since edited, an older
        layout's furniture), so that the cache holds one book's worth, not every version."""
        prune_folder(self.folder, self.used, CHUNK_ENTRY)

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
        self.used.add(key)
        try:
            facts = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return (self.folder / f"{key}.pdf").read_bytes(), facts
        except (OSError, ValueError):
            return None

    def put_raw(self, key: str, data: bytes, facts: dict) -> None:
        from bookbuild.output import atomic_write

        self.used.add(key)
        # The PDF first: a facts file is only ever read beside a complete PDF.
        atomic_write(self.folder / f"{key}.pdf", data)
        atomic_write(self.folder / f"{key}.json", json.dumps(facts).encode())
