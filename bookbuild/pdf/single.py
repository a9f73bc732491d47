"""The interior laid out in one WeasyPrint pass, again where the gutter changes with the page
count, and once more to mend displaced notes, page-final hyphens and the make-up's faults
(makeup.py); hands on a `PdfLayout`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from bookbuild.book import Book
from bookbuild.errors import Report
from bookbuild.pdf.boxes import PdfLayout, layout_of
from bookbuild.pdf.fonts import check_glyphs
from bookbuild.pdf.html import print_images
from bookbuild.pdf.makeup import plan
from bookbuild.pdf.margins import check_margins, effective_margins, estimate_pages, last_page_count
from bookbuild.pdf.render import render

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document


def lay_out(book: Book, path: Path, profile: str,
            report: Report) -> tuple[Document, PdfLayout]:
    """The interior laid out, not written: WeasyPrint's document and its `PdfLayout`.

    (The cover needs the page count without writing the interior.)
    """
    check_glyphs(book, report)
    images = print_images(book)
    margins = effective_margins(book, last_page_count(path) or estimate_pages(book))
    passes = 0
    for _ in range(4):  # the gutter depends on the page count, and the reverse
        passes += 1
        document = render(book, margins, profile, images)
        needed = effective_margins(book, len(document.pages))
        if needed == margins:
            break
        margins = needed
    layout = layout_of(book, path, profile, margins, document)
    layout.passes = passes
    mends, makeup_faults = plan(document)
    if layout.displaced_notes() or layout.page_end_hyphens or mends:
        # Two faults are mended by laying the book out once more with local changes:
        # - WeasyPrint sometimes sets a note a page away from its call (its issues #1564 and
        #   #2502); laying that note out as an inline box avoids the faulty path.
        # - CSS cannot forbid a hyphen on a page's last line; the paragraph that has one is
        #   set without automatic hyphens.
        # - The make-up's faults (pdf.makeup): unbalanced spreads, short endings, space at a
        #   page head.
        # The retry is kept only if it is better and the page count (so the margins) holds.
        retry = render(book, margins, profile, images, nudged=layout.displaced_notes(),
                        unhyphenated=set(layout.page_end_hyphens), mends=mends)
        retry_layout = layout_of(book, path, profile, margins, retry)
        retry_layout.passes = layout.passes = passes + 1
        if (retry_layout.faults() + plan(retry)[1] < layout.faults() + makeup_faults
                and effective_margins(book, len(retry.pages)) == margins):
            document, layout = retry, retry_layout
    check_margins(book, margins, len(document.pages), report)
    report.stop_if_errors()
    return document, layout
