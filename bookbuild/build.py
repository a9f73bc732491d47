"""The build command as a short sequence of named steps: config, manuscript, writers, checks.

Returns what was written; problems go into the caller's `Report`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from bookbuild import config as config_module
from bookbuild.check import epubcheck_problems
from bookbuild.epub import write_epub
from bookbuild.errors import Report
from bookbuild.manuscript import read_book


@dataclass
class BuildResult:
    outputs: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def build(book_dir: Path, out_dir: Path, formats: tuple[str, ...], profile: str = "pod",
          check: bool = False, report: Report | None = None) -> BuildResult:
    report = report or Report(book_dir)
    config = config_module.load(book_dir)
    book = read_book(config, report)
    result = BuildResult()
    if "epub" in formats:
        epub_path = write_epub(book, out_dir / f"{config.slug}.epub")
        result.outputs.append(epub_path)
        if check:
            problems = epubcheck_problems(epub_path, report.rel(epub_path))
            report.add(problems)
            if not problems:
                result.notes.append("EPUBCheck: 0 errors, 0 warnings")
    if "pdf" in formats:
        from bookbuild.pdf import write_pdf

        pdf = write_pdf(book, out_dir / f"{config.slug}.pdf", profile, report)
        result.outputs.append(pdf.path)
        if check:
            from bookbuild.preflight import preflight

            report.add(preflight(book, pdf, report.rel(pdf.path)))
    return result
