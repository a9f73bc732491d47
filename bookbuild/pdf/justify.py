"""Vertical justification of facing pages: the last step of the make-up, on the laid-out boxes.

A full spread (a verso and its recto in one section, neither the section's last page) whose
pages end on different baselines is evened out the way InDesign's vertical justification and
LaTeX's `\\flushbottom` do it: the shorter page's main flow is spread down to the longer
page's last baseline, without laying anything out again, so no line, note or page break moves.
The space goes first to the gaps that already have space (around headings, scene breaks,
quotations, letters, figures), up to a line each; what is left is shared by every line gap of
the page (feathering), a small fraction of a line each. A page that would need more is left as
it is (the make-up report counts it).

`justify(document)` moves the boxes of WeasyPrint's pages in place and gathers each page's
links and anchors again; it returns the number of pages it spread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bookbuild.pdf.makeup import SAME, body_pitch, read_page

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document

DISPLAY_GAP = 1.0  # a gap that has space already takes up to this many lines more
FEATHER = 0.075  # any other gap between two lines takes up to this part of a line
EPSILON = 0.01


@dataclass
class _Item:
    box: Any
    top: float
    bottom: float


def justify(document: Document) -> int:
    """Spread the shorter page of each unbalanced full spread down to its facing page's last
    baseline (see the module's docstring); the number of pages spread."""
    pages = [read_page(number, page) for number, page in enumerate(document.pages, start=1)]
    last_of: dict[str, int] = {}
    for page in pages:
        if page.section is not None:
            last_of[page.section] = page.number
    pitches = {section: body_pitch([p for p in pages if p.section == section])
               for section in last_of}  # each section's own, as when it is laid out alone
    spread = 0
    for verso, recto in zip(pages, pages[1:], strict=False):
        if verso.number % 2 or verso.section is None or recto.section != verso.section:
            continue
        if last_of[verso.section] in (verso.number, recto.number):
            continue
        a, b = verso.last_baseline, recto.last_baseline
        if a is None or b is None or abs(a - b) < SAME:
            continue
        short = verso if a < b else recto
        if _spread_page(document.pages[short.number - 1], abs(a - b),
                        pitches[verso.section]):
            spread += 1
    return spread


def _spread_page(page: Any, amount: float, pitch: float) -> bool:
    """Move the main flow of `page` down by `amount` at its foot, spread over its gaps; False
    (nothing moved) if the gaps cannot take it or it would run into the notes or the foot."""
    from weasyprint.formatting_structure import boxes

    page_box = page._page_box
    if not page_box.children or pitch <= 0:
        return False
    main = page_box.children[0]
    # Above notes, the text must stay clear of them; on a page without notes, its last
    # baseline may come down to the page area's foot (its descenders go where a notes
    # page's last line has its own).
    floor, below = page_box.content_box_y() + page_box.height, True
    for child in page_box.children:
        if isinstance(child, boxes.FootnoteAreaBox) and child.children:
            floor, below = min(floor, child.position_y), False
    items: list[_Item] = []
    floats: list[_Item] = []
    _leaves(main, items, floats)
    items = [item for item in items if item.bottom > item.top]
    if len(items) < 2:
        return False
    last = items[-1]
    foot = last.top + last.box.baseline if below and _is_line(last.box) else last.bottom
    if foot + amount > floor + SAME:
        return False
    display, feather = [], []
    for before, after in zip(items, items[1:], strict=False):
        if after.top < before.bottom - 0.5:
            continue  # side by side, not one above the other
        point = (before.bottom + after.top) / 2
        if any(f.top - EPSILON < point < f.bottom + EPSILON for f in floats):
            continue  # beside a float (a drop cap): the lines stay with it
        if after.top - before.bottom > 0.5 or _is_display(before.box) or _is_display(after.box):
            display.append(point)
        else:
            feather.append(point)
    shares = _shares(amount, display, DISPLAY_GAP * pitch)
    shares += _shares(amount - sum(s for _, s in shares), feather, FEATHER * pitch)
    if amount - sum(s for _, s in shares) > SAME / 2:
        return False
    shares.sort()

    def shift(y: float) -> float:
        return sum(s for point, s in shares if point < y)

    _move(main, shift)
    _regather(page)
    return True


def _shares(amount: float, points: list[float], cap: float) -> list[tuple[float, float]]:
    """`amount` shared equally by the gaps at `points`, at most `cap` each."""
    if amount <= EPSILON or not points:
        return []
    each = min(cap, amount / len(points))
    return [(point, each) for point in points]


def _is_display(box: Any) -> bool:
    """A line or block of a heading, a rule, a figure or an image: it has space about it."""
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.LineBox):
        return False
    tag = box.element_tag if box.element is not None else ""
    return tag in {"hr", "img", "figure", "table", "h1", "h2", "h3", "h4", "h5", "h6"} or \
        not isinstance(box, boxes.BlockContainerBox)


def _recursed(box: Any) -> bool:
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.BlockBox) and bool(box.children) and all(
        isinstance(child, (boxes.BlockLevelBox, boxes.LineBox)) for child in box.children)


def _leaves(box: Any, items: list[_Item], floats: list[_Item]) -> None:
    """The main flow's lines and unbroken blocks, in order; floats apart."""
    for child in box.children:
        if child.is_floated() or child.is_absolutely_positioned():
            top = child.position_y
            floats.append(_Item(child, top, top + child.margin_height()))
        elif _recursed(child):
            _leaves(child, items, floats)
        else:
            items.append(_Item(child, *_span(child)))


def _is_line(box: Any) -> bool:
    from weasyprint.formatting_structure import boxes

    return isinstance(box, boxes.LineBox)


def _span(box: Any) -> tuple[float, float]:
    """Where a line or a block's border box starts and ends, down the page."""
    if _is_line(box):
        return box.position_y, box.position_y + box.height
    top = box.border_box_y()
    return top, top + box.border_height()


def _move(box: Any, shift: Any) -> None:
    """Move every box under `box` by shift(y) of its own top; a block that gaps open inside
    grows by what they add."""
    for child in box.children:
        if child.is_floated() or child.is_absolutely_positioned() or not _recursed(child):
            dy = shift(_span(child)[0] + EPSILON)
            if dy:
                child.translate(0, dy, ignore_floats=True)
            continue
        top, bottom = _span(child)
        above, below = shift(top + EPSILON), shift(bottom - EPSILON)
        _move(child, shift)
        child.position_y += above
        if below != above and isinstance(child.height, (int, float)):
            child.height += below - above


def _regather(page: Any) -> None:
    """The page's links, anchors and bookmarks read again from its moved boxes."""
    from weasyprint.anchors import gather_anchors

    page.links, page.anchors, page.bookmarks, page.forms = [], {}, [], {None: []}
    gather_anchors(page._page_box, page.anchors, page.links, page.bookmarks, page.forms)
