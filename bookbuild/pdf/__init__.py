"""The PDF writer: lays the `Book` out as a print interior with WeasyPrint and styles/print.css.

Builds print HTML from the model (never from Markdown), picks margins that meet the print-on-
demand minimums for the resulting page count, and hands on a `PdfLayout` for the preflight:
margins.py (page geometry), html.py (the print HTML), render.py (the WeasyPrint call),
boxes.py (reading the laid-out pages), finish.py (the PDF objects), single.py (one pass).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bookbuild.book import Book
from bookbuild.errors import Report
from bookbuild.output import atomic_write
from bookbuild.pdf.boxes import PdfLayout
from bookbuild.pdf.finish import finisher
from bookbuild.pdf.margins import (
    INCH,
    estimate_pages,
    minimum_gutter,
    minimum_margin,
    remember_page_count,
)
from bookbuild.pdf.render import pdf_options
from bookbuild.pdf.single import lay_out
from bookbuild.theme import theme_file

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from bookbuild.pdf.workers import Workers

__all__ = ["INCH", "PdfLayout", "estimate_pages", "lay_out", "minimum_gutter", "minimum_margin",
           "write_pdf"]


def write_pdf(book: Book, path: Path, profile: str, report: Report,
              on_section: Callable[[int, int], None] | None = None,
              workers: Workers | None = None) -> PdfLayout:
    """Render and write the interior PDF atomically; margin problems stop before writing.

    A book of several sections is laid out section by section in parallel, with a cache
    (chunked.py); the result is the same as the single pass below, page for page.
    `on_section(done, total)` is told as each section is laid out, for a progress bar;
    `workers` are the layout workers the build started early (workers.py).
    """
    from bookbuild.pdf import chunked

    layout = None
    if chunked.worth_chunking(book, profile):
        try:
            data, layout = chunked.write_chunked(book, path, profile, report, on_section,
                                                    workers)
        except chunked.LayoutMismatch:
            report.warning(theme_file(book.config.root, "print.css"), None,
                           "this stylesheet puts something on the pages that the section by "
                           "section layout cannot foresee (content added to html or body?); "
                           "the book was laid out in one pass instead, which is slower",
                           "BB412")
    if layout is None:
        document, layout = lay_out(book, path, profile, report)
        data = document.write_pdf(finisher=finisher(book, profile),
                                  **pdf_options(book, profile))
    atomic_write(path, data)
    remember_page_count(path, layout.page_count)
    return layout
