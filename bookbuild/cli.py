"""The `bookbuild` command: parses arguments, runs the pipeline, prints problems.

The only place where problems become text (or JSON) and exit codes; no traceback gets out.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bookbuild import __version__
from bookbuild.build import BuildResult, build
from bookbuild.config import BOOK_FILE
from bookbuild.errors import BookError, Problem, Report

FORMATS = ("epub", "pdf", "all")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bookbuild", description="Build a Markdown book into EPUB 3 and print PDF.")
    parser.add_argument("--version", action="version", version=f"bookbuild {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text in (("build", "build the book into EPUB and/or PDF"),
                            ("check", "build, then validate (EPUBCheck, PDF preflight)")):
        cmd = commands.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("book", nargs="?", default=".", type=Path,
                         help="the book folder holding book.yaml (default: here)")
        cmd.add_argument("--out", type=Path, default=None,
                         help="output folder (default: BOOK/build)")
        cmd.add_argument("--format", choices=FORMATS, default="all",
                         help="what to build (default: all)")
        cmd.add_argument("--pdf-profile", choices=("pod", "proof", "screen"), default="pod",
                         help="pod: print-on-demand interior (default); proof: with crop marks; "
                              "screen: links and bookmarks for reading")
        cmd.add_argument("--strict", action="store_true", help="treat warnings as errors")
        cmd.add_argument("--json", action="store_true", help="print problems as JSON")
        cmd.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    book_dir = args.book.resolve()
    out_dir = (args.out.resolve() if args.out else book_dir / "build")
    formats = ("epub", "pdf") if args.format == "all" else (args.format,)
    report = Report(book_dir)
    result: BuildResult | None = None
    try:
        result = build(book_dir, out_dir, formats, profile=args.pdf_profile,
                       check=args.command == "check", report=report)
    except BookError as exc:
        known = set(report.problems)
        report.add([p for p in exc.problems if p not in known])
    except KeyboardInterrupt:
        print("bookbuild: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        report.add([Problem(str(getattr(exc, "filename", "") or book_dir), None,
                            f"{exc.strerror or exc}", "BB106")])
    except Exception as exc:  # noqa: BLE001 - the author gets a message, never a traceback
        report.add([Problem(BOOK_FILE, None, f"internal error ({type(exc).__name__}: {exc}); "
                                             f"the build stopped and nothing was overwritten. "
                                             f"Please report this with the book that caused it.",
                            "BB001")])
    problems = report.problems
    if args.strict:
        problems = [Problem(p.path, p.line, p.message, p.code, "error", p.column)
                    for p in problems]
    failed = any(p.severity == "error" for p in problems) or result is None
    _print(problems, result, args, failed)
    return 1 if failed else 0


def _print(problems: list[Problem], result: BuildResult | None, args, failed: bool) -> None:
    if args.json:
        json.dump({"ok": not failed, "problems": [p.as_dict() for p in problems],
                   "outputs": [str(p) for p in (result.outputs if result else [])]},
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
