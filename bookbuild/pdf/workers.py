"""The layout workers: a pool of processes, started as the build starts, that load WeasyPrint
and the theme once and lay out sections, furniture, blank pages and the front matter; they end
with their build.
"""

from __future__ import annotations

import atexit
import gc
import multiprocessing
import multiprocessing.connection
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html

from bookbuild.book import PageBreak
from bookbuild.config import Config, PartEntry
from bookbuild.pdf import linememo, makeup, margin_boxes, relay
from bookbuild.pdf.boxes import page_breaks, page_end_hyphen
from bookbuild.pdf.chunk_cache import ChunkResult, theme_digest
from bookbuild.pdf.engine import import_weasyprint
from bookbuild.pdf.finish import draw_footnote_rules, drop_annotations
from bookbuild.pdf.justify import justify
from bookbuild.pdf.loose import reset_loose
from bookbuild.pdf.render import Typesetter
from bookbuild.theme import theme_file

if TYPE_CHECKING:  # types only: WeasyPrint is imported when the pool starts
    from weasyprint.document import Document

# A body section is laid out without furniture; the furniture pass draws it instead.
NO_FURNITURE = "@page { " + " ".join(
    f"@{box} {{ content: none !important; }}" for box in margin_boxes.NAMES) + " }"
# The furniture pass: each empty block stands for one page of a laid-out section.
FURNITURE = ".furniture-page + .furniture-page { break-before: page; }"


class LayoutMismatch(RuntimeError):
    """The pieces do not lay out as the single pass would: print.css puts something on the
    pages that the pieces cannot foresee (generated content on html or body, say)."""


def layout_workers(config: Config, formats: tuple[str, ...], profile: str,
                   method: str = "fork") -> Workers:
    """Workers for a build, started before the manuscript is read when the book will likely
    be laid out in pieces (see worth_chunking); else none, until write_chunked asks. `method`:
    see Workers."""
    sections = sum(1 + len(e.chapters) if isinstance(e, PartEntry) else e.type != "frontmatter"
                   for e in config.spine)
    early = "pdf" in formats and profile != "screen" and sections >= 2
    return Workers(config.root, start=early, limit=sections, method=method)


def cpus() -> int:
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
        self._scratch: str | None = None  # the workers' temporary folder (see start)
        self.size = max(1, min(cpus(), limit or cpus()))
        if start:
            try:
                self.start()
            except BaseException:  # a signal while forking: no worker is left behind
                self.close(abort=True)
                raise

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *_exc: object) -> None:
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
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        if self.method == "fork":
            gc.unfreeze()

    def start(self) -> None:
        if self.pool is None and os.name == "posix" and self.size > 1:
            # Imported once, here, rather than in each worker. (Forking first, each worker
            # importing it while this process reads the manuscript, was measured: on two cores
            # the reading slowed more than the import saved, the workers ready 0.27 s later.)
            import_weasyprint()

            context = multiprocessing.get_context(self.method)
            self._lifeline = context.Pipe(duplex=False)  # (read end, write end)
            if self.method == "fork":
                # Forked workers share this process's objects; frozen, the collector never
                # walks them (walking them cost a worker a third more time, and copied their
                # pages).
                gc.collect()
                gc.freeze()
            else:
                context.set_forkserver_preload(["weasyprint", "bookbuild.pdf.workers"])
            # SIGKILL at the forking thread's end only when that thread is the main one (whose
            # end is this process's): a pool forked by another thread outlives it.
            deathsig = (self.method == "fork"
                        and threading.current_thread() is threading.main_thread())
            # A worker ends by os._exit, which runs no clean-up: WeasyPrint's font folders
            # (a couple of MB each) would stay in the system's temporary folder after every
            # build. The workers make them in a folder of the pool's, removed with the pool.
            self._scratch = tempfile.mkdtemp(prefix="bookbuild-layout-")
            self.pool = ProcessPoolExecutor(
                self.size, mp_context=context, initializer=_start_worker,
                initargs=(self.theme, os.getpid(), *self._lifeline, deathsig, self._scratch))
            # The pool starts its workers at its first job ("fork": all of them; "forkserver":
            # one per job while none is idle): jobs that do nothing start them now, so that
            # they load the theme while this process reads the manuscript.
            for _ in range(1 if self.method == "fork" else self.size):
                self.pool.submit(int)

    def submit(self, function: Callable, *args: Any) -> Future | None:
        """Run `function(*args)` in a worker, if the pool is started (else None): a job of
        another step's (read/ahead.py), which the workers take before the stream's."""
        return self.pool.submit(function, *args) if self.pool is not None else None

    def stream(self, next_job: Callable[[], tuple | None],
               finished: Callable[[Any, Any], None]) -> None:
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
                  parent_end: multiprocessing.connection.Connection, deathsig: bool,
                  scratch: str) -> None:
    """A worker ends with the process that started the pool, however that ends (SIGKILL
    included): a thread here waits on `lifeline`, a pipe whose other end only that process
    holds, and exits when it closes; on Linux, with `deathsig`, the kernel also kills the
    worker when its parent dies. Ctrl-C and a closed terminal are for that process to act on:
    it ends the workers through the pipe.

    A worker collects garbage once per job (see _pooled), not while laying out: WeasyPrint
    makes objects by the million and the collector would keep walking them."""
    parent_end.close()  # forked, this process holds a copy of it; only the parent may
    tempfile.tempdir = scratch  # WeasyPrint's temporary files: the pool removes the folder
    for name, action in (("SIGINT", signal.SIG_IGN), ("SIGHUP", signal.SIG_IGN),
                         ("SIGTERM", signal.SIG_DFL)):  # not the parent's handlers, if forked
        if hasattr(signal, name):
            signal.signal(getattr(signal, name), action)
    if deathsig:
        die_with_parent(parent)
    threading.Thread(target=_exit_when_closed, args=(lifeline,), name="lifeline",
                     daemon=True).start()
    gc.disable()
    _typesetter(theme)


def die_with_parent(parent: int) -> None:
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


def lay_out_section(theme: tuple[str, ...], html: str, notes: list[tuple[str, str]]
                     ) -> ChunkResult:
    """Lay one section out; then once more, mended, if the first layout has faults that the
    single pass mends too (see pdf.write_pdf): displaced notes, page-final hyphens and the
    make-up's (pdf.makeup), all in one retry; a second for what the first left or brought
    (its changes move page breaks). A retry is kept only if it is better; the page count may
    change (a short ending pulled back), as the caller allows for."""
    trials: dict = {}  # the loose-line trials, shared by the section's layouts (loose.py)
    linememo.forget()  # the last section's lines: not this one's
    document, result, (displaced, hyphens), seed = _lay_out_chunk(theme, html, notes, trials)
    mends, makeup_faults = makeup.plan(document)
    # A note off its call's page is the worst fault; then the others, counted alike.
    best = (len(displaced), len(hyphens) + makeup_faults)
    # Each round's changes add to the last's and are written into the section's first HTML,
    # as the single pass writes them into the book's (a note split again takes its new cut).
    original, nudged, unhyphenated, applied = html, set(), set(), makeup.Mends()
    kept_html = html
    for _ in range(makeup.MEND_ROUNDS):  # more rounds for what the first left or brought
        if not (displaced or hyphens or mends):
            break
        # Displaced notes are nudged in the same round as the make-up's changes, as the
        # single pass does it (single.lay_out).
        nudged, unhyphenated = nudged | set(displaced), unhyphenated | set(hyphens)
        applied = applied.merged(mends)
        planned_on, html = html, makeup.apply(mend(original, nudged, unhyphenated), applied)
        # Only the pages the changes reach, and those after them until the page breaks fall
        # where they were, laid out again; the others kept (relay.py)
        again = relay.changes(seed, planned_on, html) if seed is not None else None
        retry, retry_result, (displaced, hyphens), seed = _lay_out_chunk(
            theme, html, notes, trials, seed, again)
        mends, makeup_faults = makeup.plan(retry)
        score = (len(displaced), len(hyphens) + makeup_faults)
        if score < best:
            document, result, best, kept_html = retry, retry_result, score, html
    reset_loose(_typesetter(theme), document, kept_html, NO_FURNITURE, trials)
    # where each page's text begins, and the pages that end in a hyphen, once the re-set is
    # done (a word may cross a page turn; its new breaks may end a page otherwise)
    result.starts = _page_starts(document)
    result.hyphen_pages = sorted(_page_end_hyphens(document).values())
    justify(document)
    result.pdf = document.write_pdf(finisher=_finish_section)
    return result


def mend(html: str, nudged: set[str], unhyphenated: set[str]) -> str:
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


def _typesetter(theme: tuple[str, ...]) -> Typesetter:
    """WeasyPrint set up for `theme` (print.css, book root, their digest), once per process
    and theme, not once per job."""
    if _WORKER_STATE.get("theme") != theme:
        _WORKER_STATE.clear()
        _WORKER_STATE.update(theme=theme, typesetter=Typesetter(Path(theme[1]), Path(theme[0])))
    return _WORKER_STATE["typesetter"]


def _render(theme: tuple[str, ...], html: str, extra_css: str) -> Document:
    """WeasyPrint's layout of `html` with print.css and `extra_css`."""
    return _typesetter(theme).render(html, extra_css)


def _lay_out_chunk(theme: tuple[str, ...], html: str, notes: list[tuple[str, str]],
                   trials: dict | None = None, seed: relay.Seed | None = None,
                   again: set[int] | None = None):
    """Lay one section's print HTML out, without furniture; returns (document, ChunkResult
    without its PDF or its pages' starts (lay_out_section finds those, and the pages ending in a
    hyphen again, on the layout it keeps, its loose lines re-set), (displaced note ids, data-i
    of paragraphs with a page-final hyphen),
    its pages kept for a re-lay). `trials`: see loose.reset_loose; with a `seed` (a layout of
    the same section with fewer changes), its pages are reused but those in `again` and
    those whose start moves (relay.py)."""
    with relay.seeded(seed, again) as relayed:
        document = _render(theme, html, NO_FURNITURE)
    reset_loose(_typesetter(theme), document, html, NO_FURNITURE, trials, turns_only=True)
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    displaced = sorted(note for note, call in notes
                       if note in anchors and call in anchors and anchors[note] != anchors[call])
    hyphens = _page_end_hyphens(document)
    result = ChunkResult(len(document.pages), anchors, sorted(hyphens.values()), [])
    return document, result, (displaced, sorted(hyphens)), relayed["seed"]


def _page_end_hyphens(document) -> dict[str, int]:
    """Each paragraph (its data-i) whose line ends a page, not the last, in a hyphen the
    breaker added: the page (from 1)."""
    return {key: number for number, page in enumerate(document.pages[:-1], start=1)
            if (key := page_end_hyphen(page)) is not None}


def _page_starts(document) -> list[tuple[str, int | None]]:
    """Where each page's text begins: (section id, text units before it)."""
    starts = [(b.section, b.offset) for b in page_breaks(document, 1)]
    return starts + [starts[-1] if starts else ("", None)] * (len(document.pages) - len(starts))


def _finish_section(document, pdf) -> None:
    """No links in a print section, and the footnote rules drawn as in a single pass."""
    draw_footnote_rules(document, pdf)
    drop_annotations(pdf)


def lay_out_furniture(theme: tuple[str, ...], html: str) -> tuple[bytes, dict[str, int]]:
    """One piece of furniture: its PDF, and the 0-based page each section opens on, with the
    page count under "pages"."""
    document = _render(theme, html, FURNITURE)
    starts: dict[str, int] = {"pages": len(document.pages)}
    for number, page in enumerate(document.pages):
        for name in page.anchors:
            starts.setdefault(name, number)
    shells = {el.get("id") for el in lxml_html.document_fromstring(html).iter("section")}
    return document.write_pdf(), {k: v for k, v in starts.items() if k in shells | {"pages"}}


def lay_out_front(theme: tuple[str, ...], html: str, finish: Callable, options: dict
                  ) -> tuple[bytes, int, list[PageBreak]]:
    """The front matter: its PDF, written with `finish` and `options` (the book's PDF/X
    identification), its page count, and where each of its pages begins."""
    document = _render(theme, html, None)
    reset_loose(_typesetter(theme), document, html)
    breaks = page_breaks(document, 10 ** 9)  # all of it is roman-numbered
    return document.write_pdf(finisher=finish, **options), len(document.pages), breaks


def lay_out_blank(theme: tuple[str, ...], html: str) -> bytes:
    document = _render(theme, html, FURNITURE)
    if len(document.pages) != 3:
        raise LayoutMismatch(f"two one-page sections took {len(document.pages)} pages, not 3")
    return document.copy([document.pages[1]]).write_pdf()
