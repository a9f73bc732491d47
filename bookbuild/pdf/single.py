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
from bookbuild.pdf.justify import justify
from bookbuild.pdf.makeup import Mends, plan, starts
from bookbuild.pdf.margins import check_margins, effective_margins, estimate_pages, last_page_count
from bookbuild.pdf.render import render, typesetter_for

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
    # One WeasyPrint set-up for every pass, and the loose-line trials shared by them.
    shared = {"typesetter": typesetter_for(book), "trials": {}}
    for _ in range(4):  # the gutter depends on the page count, and the reverse
        passes += 1
        document = render(book, margins, profile, images, **shared)
        needed = effective_margins(book, len(document.pages))
        if needed == margins:
            break
        margins = needed
    layout = layout_of(book, path, profile, margins, document)
    layout.passes = passes
    # Faults mended by laying the book out again with local changes, as the workers do for
    # each section (workers.lay_out_section), in at most two rounds:
    # - WeasyPrint sometimes sets a note a page away from its call (its issues #1564 and
    #   #2502); laying that note out as an inline box avoids the faulty path.
    # - CSS cannot forbid a hyphen on a page's last line; the paragraph that has one is
    #   set without automatic hyphens.
    # - The make-up's faults (makeup.py): unbalanced spreads, short endings, space at a page
    #   head.
    # A retry is kept only if it is better (a displaced note weighs most) and the margins
    # hold for its page count.
    mends, makeup_faults = plan(document)
    nudged, unhyphenated = layout.displaced_notes(), set(layout.page_end_hyphens)
    best = (len(nudged), len(unhyphenated) + makeup_faults)
    found, applied, planned_on = (nudged, unhyphenated), Mends(), document
    for first in (True, False):
        if not (found[0] or found[1] or mends):
            break
        nudged, unhyphenated = nudged | found[0], unhyphenated | found[1]
        # Displaced notes are mended alone first (the make-up's changes could move others).
        applied = applied.merged(Mends() if first and found[0] else mends)
        where = starts(planned_on)
        retry = render(book, margins, profile, images, nudged=nudged,
                       unhyphenated=unhyphenated, mends=applied, starts=where, **shared)
        if applied.foot and starts(retry) != where:
            # A section before a page run long or short changed its length: lay out again
            # with that page where it now is (a section laid out alone needs no such pass).
            passes += 1
            retry = render(book, margins, profile, images, nudged=nudged,
                           unhyphenated=unhyphenated, mends=applied, starts=starts(retry),
                           **shared)
        retry_layout = layout_of(book, path, profile, margins, retry)
        passes += 1
        mends, makeup_faults = plan(retry)
        planned_on = retry
        found = (retry_layout.displaced_notes(), set(retry_layout.page_end_hyphens))
        score = (len(found[0]), len(found[1]) + makeup_faults)
        if score < best and effective_margins(book, len(retry.pages)) == margins:
            document, layout, best = retry, retry_layout, score
    layout.passes = passes
    justify(document)
    check_margins(book, margins, len(document.pages), report)
    report.stop_if_errors()
    return document, layout
