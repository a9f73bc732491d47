"""The `bookbuild` command: parses arguments, runs the pipeline, prints problems.

The only place where problems become text (or JSON) and exit codes; no traceback gets out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

from bookbuild import __version__
from bookbuild.build import BuildResult, build
from bookbuild.config import BOOK_FILE, find_book
from bookbuild.errors import BookError, Problem, Report
from bookbuild.progress import BarProgress, LineProgress, Progress

T = TypeVar("T")

FORMATS = ("epub", "pdf", "cover", "all")
# `all` makes the print cover too when book.yaml names a cover image.
ALL_FORMATS = ("epub", "pdf", "cover")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookbuild", description="Build a Markdown book into EPUB 3 and print PDF.")
    parser.add_argument("--version", action="version", version=f"bookbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (("build", "build the book into EPUB and/or PDF"),
                            ("check", "build, then validate (EPUBCheck, Ace, PDF preflight)"),
                            ("cover", "write the print wraparound cover PDF (back, spine, "
                                      "front) for the interior's page count")):
        cmd = commands.add_parser(name, help=help_text, description=help_text)
        # `check --format json`: build everything, print the problems as JSON (editors, CI).
        _build_arguments(cmd, (*FORMATS, "json") if name == "check" else FORMATS)
        cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
        cmd.add_argument("--json", action="store_true", help="print problems as JSON")
        if name == "check":
            cmd.add_argument("--makeup", action="store_true",
                             help="list each make-up fault of the PDF (loose lines, unbalanced "
                                  "spreads, short chapter endings, widows, stacked hyphens) as "
                                  "a warning; without it, only the figures are printed")
    _author_commands(commands)
    return parser


def _build_arguments(cmd: argparse.ArgumentParser,
                     formats: tuple[str, ...] = FORMATS) -> None:
    """What every command that builds the book takes."""
    cmd.add_argument("book", nargs="?", default=".", type=Path,
                     help="the book folder holding book.yaml (default: here)")
    cmd.add_argument("--out", type=Path, default=None,
                     help="output folder (default: BOOK/build)")
    cmd.add_argument("--format", choices=formats, default="all",
                     help="what to build (default: all)" + (
                         "; json: all, with the problems printed as JSON" if "json" in formats
                         else ""))
    cmd.add_argument("--pdf-profile", choices=("pod", "proof", "screen"), default="pod",
                     help="pod: print-on-demand interior (default); proof: with crop marks; "
                          "screen: links and bookmarks for reading")
    loudness = cmd.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true",
                          help="print only problems (no progress)")
    loudness.add_argument("-v", "--verbose", action="store_true",
                          help="also print each stage and its time")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command in AUTHOR_COMMANDS:
        return AUTHOR_COMMANDS[args.command](args)
    if args.format == "json":
        args.format, args.json = "all", True
    book_dir = find_book(args.book)
    out_dir = (Path(os.path.abspath(args.out)) if args.out else book_dir / "build")
    formats = ALL_FORMATS if args.format == "all" else (args.format,)
    if args.command == "cover":
        formats = ("cover",)
    report = Report(book_dir)
    try:
        with _ended_by_signals(), _progress(args) as progress:
            result = _collect(report, book_dir, lambda: build(
                book_dir, out_dir, formats, profile=args.pdf_profile,
                check=args.command == "check", report=report, progress=progress,
                makeup=getattr(args, "makeup", False)))
    except KeyboardInterrupt:
        _last_word("bookbuild: interrupted")
        return 130
    except Terminated as stop:
        _last_word("bookbuild: terminated")
        return 128 + stop.signum
    problems = report.problems
    if args.strict:
        problems = [Problem(p.path, p.line, p.message, p.code, "error", p.column)
                    for p in problems]
    failed = any(p.severity == "error" for p in problems) or result is None
    _print(problems, result, args, failed)
    return 1 if failed else 0


class Terminated(BaseException):
    """SIGTERM, or SIGHUP (its terminal closed), ends a build as Ctrl-C does: the layout
    workers are stopped and temporary files removed on the way out, and the earlier outputs
    stay as they were. Not an Exception, so no step takes it for a fault of the book."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


@contextlib.contextmanager
def _ended_by_signals() -> Iterator[None]:
    """Within: SIGTERM and SIGHUP raise Terminated (only the main thread can set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, _frame) -> None:
        for other in STOP_SIGNALS:  # once: a second signal must not cut the cleanup short
            signal.signal(other, signal.SIG_IGN)
        raise Terminated(signum)

    previous = {number: signal.signal(number, stop) for number in STOP_SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)


def _last_word(message: str) -> None:
    """The line a stopped build ends with; its terminal may be gone (SIGHUP)."""
    try:
        print(message, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass


def _collect(report: Report, book_dir: Path, step: Callable[[], T]) -> T | None:
    """Run `step`; whatever stops it becomes a problem in `report`, and None is returned."""
    try:
        return step()
    except BookError as exc:
        known = set(report.problems)
        report.add([p for p in exc.problems if p not in known])
    except OSError as exc:
        report.add([Problem(str(getattr(exc, "filename", "") or book_dir), None,
                            f"{exc.strerror or exc}", "BB106")])
    except Exception as exc:  # noqa: BLE001 - the author gets a message, never a traceback
        report.add([Problem(BOOK_FILE, None, f"internal error ({type(exc).__name__}: {exc}); "
                                             f"the build stopped and nothing was overwritten. "
                                             f"Please report this with the book that caused it.",
                            "BB001")])
    return None


def _progress(args) -> Progress:
    """Bars on a terminal; plain lines with -v elsewhere (CI logs); otherwise nothing."""
    if args.quiet or getattr(args, "json", False):
        return Progress()
    if sys.stderr.isatty():
        return BarProgress(verbose=args.verbose)
    return LineProgress() if args.verbose else Progress()


def _print(problems: list[Problem], result: BuildResult | None, args, failed: bool) -> None:
    if args.json:
        json.dump({"ok": not failed, "problems": [p.as_dict() for p in problems],
                   "outputs": [str(p) for p in (result.outputs if result else [])],
                   **(result.figures if result else {})},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return
    for problem in problems:
        print(problem.format(), file=sys.stderr)
    if result and not args.quiet:
        for path in result.outputs:
            print(f"wrote {path}")
        for line in result.notes:
            print(line)
    if failed:
        errors = sum(p.severity == "error" for p in problems)
        outcome = ("the files above were written, but they have these problems" if result
                   else "nothing was written, and earlier outputs are untouched")
        print(f"bookbuild: {errors} error{'s' * (errors != 1)}; {outcome}", file=sys.stderr)


# ---- author commands: new, watch, stats, schema ----

DEFAULT_PORT = 8000


def _author_commands(commands) -> None:
    cmd = commands.add_parser("new", help="start a new book in a new folder",
                              description="Write a new book folder that builds and checks clean: "
                                          "book.yaml, two sample chapters, styles/README.md.")
    cmd.add_argument("folder", type=Path, help="the folder to create (must not hold anything)")
    cmd.add_argument("--title", help="the book's title (default: from the folder name)")
    cmd.add_argument("--author", help="the author's name (default: 'Your Name')")

    cmd = commands.add_parser(
        "import", help="make a new book folder from a Word .docx file or a forum serial",
        description="Read a Word .docx manuscript, the pages of a forum thread saved from a "
                    "browser (XenForo 2), or a folder of text posts, and write a new book "
                    "folder (book.yaml + manuscript/) that builds. See docs/import.md.")
    cmd.add_argument("source", type=Path,
                     help="a .docx file, a saved thread page, or a folder of pages or posts")
    cmd.add_argument("folder", type=Path, help="the folder to create (must not hold anything)")
    cmd.add_argument("--author", help="the author's name; in a thread without threadmarks, "
                                      "the poster whose posts are the chapters")
    cmd.add_argument("--track-changes", choices=("accept", "reject"),
                     help="accept or reject a Word file's tracked changes (without it, a file "
                          "holding any is refused)")
    cmd.add_argument("--chapter-style", default=None,
                     help="the Word paragraph style that starts a chapter (default: Heading 1)")

    cmd = commands.add_parser("watch", help="rebuild on every save, with a live preview",
                              description="Build the book, then rebuild it whenever a file in "
                                          "its folder is saved, serving a live preview to your "
                                          "browser. Ctrl-C stops.")
    _build_arguments(cmd)
    cmd.add_argument("--host", default="127.0.0.1",
                     help="address to serve on (default: 127.0.0.1, this computer only)")
    cmd.add_argument("--port", type=int, default=None,
                     help=f"port to serve on (default: {DEFAULT_PORT}, or a free one if taken; "
                          f"0: any free port)")
    cmd.add_argument("--open", action="store_true", help="open the preview in your browser")

    cmd = commands.add_parser("stats", help="words per chapter, printed pages, reading time",
                              description="Count the words of each section and the book, and "
                                          "estimate its printed pages and reading time.")
    cmd.add_argument("book", nargs="?", default=".", type=Path,
                     help="the book folder holding book.yaml (default: here)")
    cmd.add_argument("--json", action="store_true", help="print the figures as JSON")

    commands.add_parser("schema", help="print the line that lets editors check book.yaml",
                        description="Print the yaml-language-server line to put first in "
                                    "book.yaml, so editors complete and validate its keys.")


def _problems_out(problems: list[Problem]) -> None:
    for problem in problems:
        print(problem.format(), file=sys.stderr)


def _new(args) -> int:
    from bookbuild.commands.new import new_book

    report = Report(Path.cwd())
    written = _collect(report, args.folder,
                       lambda: new_book(args.folder, args.title, args.author))
    if written is None:
        _problems_out(report.problems)
        return 1
    shown = args.folder.as_posix().rstrip("/")
    print(f"bookbuild: wrote a new book in {shown}/ ({len(written)} files)")
    print(f"next:\n  cd {shlex.quote(shown)}\n  bookbuild watch    # write with a live preview\n"
          f"  bookbuild check    # build and validate before you publish")
    return 0


def _import(args) -> int:
    from bookbuild.importers import import_book

    report = Report(Path.cwd())
    done = _collect(report, args.folder, lambda: import_book(
        args.source, args.folder, args.author, args.track_changes, args.chapter_style))
    if done is None:
        _problems_out(report.problems)
        return 1
    draft, written = done
    _problems_out(draft.problems)
    shown = args.folder.as_posix().rstrip("/")
    print(f"bookbuild: imported {args.source.as_posix()} into {shown}/: {draft.summary()} "
          f"({len(written)} files)")
    print(f"next:\n  cd {shlex.quote(shown)}\n  bookbuild check    # build and validate; "
          f"then read the chapters and book.yaml")
    return 0


def _stats(args) -> int:
    from bookbuild import config as config_module
    from bookbuild.commands.stats import book_stats
    from bookbuild.read import read_book

    book_dir = find_book(args.book)
    report = Report(book_dir)
    book = _collect(report, book_dir, lambda: read_book(config_module.load(book_dir), report))
    _problems_out(report.problems)
    if book is None:
        return 1
    stats = book_stats(book)
    if args.json:
        json.dump({"words": stats.words, "note_words": stats.note_words,
                   "pages": stats.pages, "reading_minutes": stats.reading_minutes,
                   "sections": [vars(s) for s in stats.sections]},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return 0
    print(f"{'words':>8}  {'notes':>6}  section")
    for section in stats.sections:
        if section.kind == "part":
            print(f"{'':>8}  {'':>6}  {section.title}")
            continue
        notes = f"{section.note_words:,}" if section.note_words else ""
        print(f"{section.words:>8,}  {notes:>6}  {section.title}")
    hours, minutes = divmod(stats.reading_minutes, 60)
    reading = f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"
    print(f"{stats.words:>8,}  total, notes included\n"
          f"about {stats.pages} printed pages ({book.config.print.trim_name}, "
          f"{book.config.print.font_size:g} pt) and {reading} of reading")
    return 0


def _schema(args) -> int:
    from bookbuild.commands.new import schema_uri

    print(f"# yaml-language-server: $schema={schema_uri()}")
    return 0


def _watch(args) -> int:
    from bookbuild.preview import PreviewServer

    book_dir = find_book(args.book)
    out_dir = (Path(os.path.abspath(args.out)) if args.out else book_dir / "build")
    formats = ALL_FORMATS if args.format == "all" else (args.format,)
    if not (book_dir / BOOK_FILE).is_file():
        _problems_out([Problem(BOOK_FILE, None, f"no {BOOK_FILE} in {book_dir}; run 'bookbuild "
                                                f"new FOLDER' to start a book", "BB100")])
        return 1
    progress = LineProgress() if args.verbose else Progress()

    def rebuild(on_book):
        report = Report(book_dir)
        started = time.monotonic()
        # The preview's server threads run beside the build: a fork here could copy a lock
        # one of them holds, so the layout workers come from a fork server (a process of one
        # thread) instead; see pdf/workers.py.
        result = _collect(report, book_dir, lambda: build(
            book_dir, out_dir, formats, profile=args.pdf_profile, report=report,
            progress=progress, on_book=on_book, workers="forkserver"))
        _problems_out(report.problems)
        errors = sum(p.severity == "error" for p in report.problems)
        warnings = len(report.problems) - errors
        if not args.quiet or errors:
            outcome = "rebuilt" if result else "build failed"
            print(f"bookbuild: {outcome} at {time.strftime('%H:%M:%S')} in "
                  f"{time.monotonic() - started:.1f} s: {errors} error{'s' * (errors != 1)}, "
                  f"{warnings} warning{'s' * (warnings != 1)}", flush=True)
        return result, report.problems

    try:
        server = _preview_server(PreviewServer, book_dir, rebuild, args, out_dir)
    except OSError as exc:
        print(f"bookbuild: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    server.start()
    print(f"bookbuild: previewing {book_dir.name} at {server.url} (Ctrl-C to stop)", flush=True)
    if server.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"bookbuild: warning: serving on {server.host}: other computers that can reach "
              f"this one can read the book", file=sys.stderr)
    if args.open:
        import webbrowser

        webbrowser.open(server.url)
    previous = {number: signal.signal(number, _interrupt) for number in STOP_SIGNALS}
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
        server.close()
    print("bookbuild: preview stopped", flush=True)
    return 0


def _preview_server(server_class, book_dir, rebuild, args, out_dir):
    """The server on the chosen port; the default port, if taken, gives way to a free one."""
    try:
        return server_class(book_dir, rebuild, args.host,
                            DEFAULT_PORT if args.port is None else args.port, skip=out_dir)
    except OSError:
        if args.port is not None:
            raise
        return server_class(book_dir, rebuild, args.host, 0, skip=out_dir)


def _interrupt(signum, frame) -> None:
    """SIGTERM and SIGHUP (the terminal closed) stop the preview as Ctrl-C does, so its
    temporary files are removed and its layout workers stopped."""
    raise KeyboardInterrupt


AUTHOR_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "new": _new, "import": _import, "watch": _watch, "stats": _stats, "schema": _schema}
