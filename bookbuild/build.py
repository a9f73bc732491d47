"""The build command as a short sequence of named steps: config, read, writers, checks.

The PDF is laid out before the EPUB is written, so the EPUB can mark where the print pages
begin; the cover comes last, as its spine depends on the page count. Returns what was
written; problems go into the caller's `Report`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bookbuild import config as config_module
from bookbuild.book import Book
from bookbuild.epub import write_epub
from bookbuild.errors import BookError, Problem, Report
from bookbuild.output import cache_folder, check_output_folder
from bookbuild.progress import Progress
from bookbuild.read import read_book
from bookbuild.read.ahead import ReadAhead
from bookbuild.read.cache import ChapterCache


@dataclass
class BuildResult:
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    figures: dict[str, dict] = field(default_factory=dict)  # "makeup": the make-up report


def build(book_dir: Path, out_dir: Path, formats: tuple[str, ...], profile: str = "pod",
          check: bool = False, report: Report | None = None, progress: Progress | None = None,
          on_book: Callable[[Book], None] | None = None,
          workers: str = "fork", makeup: bool = False) -> BuildResult:
    """`on_book` sees the parsed book before the writers run (the live preview shows it).
    `workers` is how the PDF's layout workers are started: "fork", or "forkserver" in a
    process that runs threads of its own (see pdf/workers.py)."""
    report = report or Report(book_dir)
    progress = progress or Progress()
    with contextlib.ExitStack() as cleanup:
        with progress.stage("parse"):
            check_output_folder(book_dir, out_dir)
            config = config_module.load(book_dir, need_print="pdf" in formats
                                        or "cover" in formats)
            if {"pdf", "cover"} & set(formats):  # before WeasyPrint unpacks the book's fonts
                from bookbuild.pdf.fonts import check_fonts

                check_fonts(config.root)
            # Layout workers start now: they load WeasyPrint and the theme while we read.
            layout = cleanup.enter_context(_layout_workers(config, formats, profile, workers))
            chapter_cache = ChapterCache(cache_folder(out_dir, "chapters"))
            # Idle until the book is read, the workers read files too (read/ahead.py).
            ahead = (ReadAhead(config, chapter_cache.folder, layout.submit)
                     if layout is not None else None)
            try:
                book = read_book(config, report, chapter_cache,
                                 ahead.entries if ahead is not None else None)
            finally:
                if ahead is not None:
                    ahead.close()
        if on_book:
            on_book(book)
        result = BuildResult()
        pdf = None
        if "pdf" in formats:
            from bookbuild.pdf import estimate_pages, write_pdf

            with progress.stage("pdf", total=estimate_pages(book) if progress.enabled else None) \
                    as stage:
                def section_done(done: int, total: int) -> None:
                    stage.by_section = True
                    stage.update(completed=done, total=total, detail=f"section {done} of {total}")

                pdf = write_pdf(book, out_dir / f"{config.slug}.pdf", profile, report,
                                on_section=section_done, workers=layout)
                stage.final = True
                stage.update(completed=pdf.page_count, total=pdf.page_count, detail=pdf.summary)
            if layout:
                layout.close()  # not kept idle through the EPUB and the checks
            result.outputs.append(pdf.path)
            if check:
                from bookbuild.checks.makeup import makeup_problems, measure
                from bookbuild.checks.preflight import preflight, subset_names

                with progress.stage("preflight"):
                    report.add(preflight(book, pdf, report.rel(pdf.path)))
                with progress.stage("make-up"):
                    figures = measure(book, pdf, subset_names(pdf.path))
                    if makeup:  # each fault as a warning; the figures are always given
                        report.add(makeup_problems(book, figures, report.rel(pdf.path)))
                    result.notes += figures.lines_of_text()
                    result.figures["makeup"] = figures.figures
        if "epub" in formats:
            with progress.stage("epub"):
                epub_path = write_epub(book, out_dir / f"{config.slug}.epub",
                                       pdf.page_breaks if pdf else None)
            result.outputs.append(epub_path)
            if check:
                from bookbuild.checks.ace import ace_problems
                from bookbuild.checks.epubcheck import epubcheck_problems

                with progress.stage("epubcheck"):
                    problems = epubcheck_problems(epub_path, report.rel(epub_path))
                report.add(problems)
                ace_ran = False
                if not problems:
                    result.notes.append("EPUBCheck: 0 errors, 0 warnings")
                    # Accessibility is checked on a valid EPUB only: Ace reads it as a reader would.
                    with progress.stage("ace"):
                        problems, note = ace_problems(epub_path, report.rel(epub_path),
                                                      out_dir / "ace")
                    report.add(problems)
                    result.notes.append(note)
                    ace_ran = not note.startswith("Accessibility not checked")
                if not book.cover:
                    report.warning(config.source, None, "the book has no cover: stores require "
                                   "one (book.yaml `cover: images/cover.jpg`)", "BB249")
                from bookbuild.checks.claim import check_claim

                result.notes.append(check_claim(book, report, epub_path, ace_ran))
        if "cover" in formats and (book.cover or formats == ("cover",)):
            result.outputs.append(_cover(book, out_dir, profile, report, progress, pdf))
        chapter_cache.save()
        return result


def _layout_workers(config, formats: tuple[str, ...], profile: str, method: str):
    if "pdf" not in formats:
        return contextlib.nullcontext()
    from bookbuild.pdf.workers import layout_workers

    return layout_workers(config, formats, profile, method)


def _cover(book: Book, out_dir: Path, profile: str, report: Report, progress: Progress,
           pdf) -> Path:
    """The print wraparound cover, its spine sized for the interior's final page count."""
    from bookbuild.cover import write_cover
    from bookbuild.pdf import lay_out

    if book.cover is None:
        raise BookError(Problem(report.rel(book.config.source), None,
                                "the print cover needs a front image: add 'cover: "
                                "images/cover.jpg' to book.yaml", "BB104"))
    if pdf is None:
        with progress.stage("pdf"):
            _, pdf = lay_out(book, out_dir / f"{book.config.slug}.pdf", profile, report)
    with progress.stage("cover"):
        cover = write_cover(book, out_dir / f"{book.config.slug}-cover.pdf", pdf.page_count,
                            report)
    return cover.path
