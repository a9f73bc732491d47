"""The interior laid out in one WeasyPrint pass, again where the gutter changes with the page
count, and once more to mend displaced notes, page-final hyphens and the make-up's faults
(makeup.py); hands on a `PdfLayout`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bookbuild.book import Book
from bookbuild.errors import Report
from bookbuild.pdf.boxes import PdfLayout, layout_of
from bookbuild.pdf.fonts import check_glyphs
from bookbuild.pdf.html import print_images
from bookbuild.pdf.justify import justify
from bookbuild.pdf.loose import reset_loose
from bookbuild.pdf.makeup import MEND_ROUNDS, Mends, plan_sections, starts
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
    # One WeasyPrint set-up for every pass, and the loose-line trials shared by them; the
    # loose lines of a pass re-set only once it is kept (its page-final hyphens at once).
    shared = {"typesetter": typesetter_for(book), "trials": {}, "turns_only": True}
    for _ in range(4):  # the gutter depends on the page count, and the reverse
        passes += 1
        document, html = render(book, margins, profile, images, **shared)
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
    # - The make-up's faults (makeup.py): long notes leaving a page short, short endings,
    #   space at a page head.
    # Each section's changes are kept only if they make that section better (a displaced note
    # weighs most), as a section laid out alone keeps them: every section lays out alone as
    # it does in the book, so the book is the one the workers assemble. Where sections chose
    # differently, the book is laid out once more with each section's choice; all of it only
    # if the margins hold for its page count.
    tried: dict[str, _Changes] = {}
    planned = plan_sections(document)
    best = {sid: (score, _Changes())
            for sid, score in _scores(book, document, layout, planned).items()}
    found = _found(book, document, layout, planned)
    chosen_from, retry, retry_html = document, document, html
    for _ in range(MEND_ROUNDS):
        if not any(found.values()):
            break
        for sid, more in found.items():
            if more:
                tried[sid] = tried.get(sid, _Changes()).merged(more)
        retry, retry_html, retry_layout, extra = _render_with(
            book, path, margins, profile, images, tried, retry, shared)
        passes += extra
        planned = plan_sections(retry)
        for sid, score in _scores(book, retry, retry_layout, planned).items():
            if sid in best and score < best[sid][0]:
                best[sid] = (score, tried.get(sid, _Changes()))
        found = _found(book, retry, retry_layout, planned)
    keep = {sid: changes for sid, (_, changes) in best.items() if changes}
    if keep:
        final, final_html = retry, retry_html
        if keep != {sid: tried[sid] for sid in tried if tried[sid]}:
            final, final_html, _, extra = _render_with(
                book, path, margins, profile, images, keep, chosen_from, shared)
            passes += extra
        if effective_margins(book, len(final.pages)) == margins:
            document, html = final, final_html
    reset_loose(shared["typesetter"], document, html, trials=shared["trials"])
    # (a word may have crossed a page turn: the layout's facts read again)
    layout = layout_of(book, path, profile, margins, document)
    layout.passes = passes
    justify(document)
    check_margins(book, margins, len(document.pages), report)
    report.stop_if_errors()
    return document, layout


@dataclass
class _Changes:
    """One section's mends: notes nudged, paragraphs unhyphenated, the make-up's."""

    nudged: frozenset = frozenset()
    unhyphenated: frozenset = frozenset()
    mends: Mends = field(default_factory=Mends)

    def __bool__(self) -> bool:
        return bool(self.nudged or self.unhyphenated or self.mends)

    def merged(self, other: _Changes) -> _Changes:
        return _Changes(self.nudged | other.nudged, self.unhyphenated | other.unhyphenated,
                        self.mends.merged(other.mends))


def _by_section(book: Book, document: Document, layout: PdfLayout
                ) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """The displaced notes and the paragraphs ending a page with a hyphen (not a section's
    last page, as a section laid out alone counts them), by section id ("" before the
    body)."""
    owner = {note.id: s.id for s in book.sections for note in s.notes}
    displaced: dict[str, set[str]] = {}
    for note in layout.displaced_notes():
        displaced.setdefault(owner.get(note, ""), set()).add(note)
    firsts = sorted((first, sid) for sid, first in starts(document).items())
    lasts = {first - 1 for first, _ in firsts[1:]}
    hyphens: dict[str, set[str]] = {}
    for key, page in layout.page_end_hyphens.items():
        sid = next((sid for first, sid in reversed(firsts) if first <= page), "")
        if sid and page in lasts:
            continue
        hyphens.setdefault(sid, set()).add(key)
    return displaced, hyphens


def _scores(book: Book, document: Document, layout: PdfLayout,
            planned: dict[str, tuple[Mends, int]]) -> dict[str, tuple[int, int]]:
    """Each section's faults as a worker scores them: (displaced notes, the others)."""
    displaced, hyphens = _by_section(book, document, layout)
    sids = {"", *planned, *displaced, *hyphens}
    return {sid: (len(displaced.get(sid, ())),
                  len(hyphens.get(sid, ())) + planned.get(sid, (None, 0))[1]) for sid in sids}


def _found(book: Book, document: Document, layout: PdfLayout,
           planned: dict[str, tuple[Mends, int]]) -> dict[str, _Changes]:
    """Each section's changes for the faults of this layout."""
    displaced, hyphens = _by_section(book, document, layout)
    sids = {"", *planned, *displaced, *hyphens}
    return {sid: _Changes(frozenset(displaced.get(sid, ())), frozenset(hyphens.get(sid, ())),
                          planned.get(sid, (Mends(), 0))[0]) for sid in sids}


def _render_with(book: Book, path: Path, margins: dict[str, float], profile: str,
                 images: dict[str, str], changes: dict[str, _Changes],
                 planned_on: Document, shared: dict) -> tuple[Document, str, PdfLayout, int]:
    """The book laid out with these sections' changes; (document, its HTML, layout,
    passes)."""
    nudged = set().union(*(c.nudged for c in changes.values()))
    unhyphenated = set().union(*(c.unhyphenated for c in changes.values()))
    mends = Mends()
    for c in changes.values():
        mends = mends.merged(c.mends)
    where = starts(planned_on)
    retry, html = render(book, margins, profile, images, nudged=nudged,
                         unhyphenated=unhyphenated, mends=mends, starts=where, **shared)
    passes = 1
    if mends.foot and starts(retry) != where:
        # A section before a page run long or short changed its length: lay out again with
        # that page where it now is (a section laid out alone needs no such pass).
        passes += 1
        retry, html = render(book, margins, profile, images, nudged=nudged,
                             unhyphenated=unhyphenated, mends=mends, starts=starts(retry),
                             **shared)
    return retry, html, layout_of(book, path, profile, margins, retry), passes
