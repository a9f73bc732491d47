"""Margin boxes made only for pages that have some: one change to WeasyPrint's page layout.

WeasyPrint 70 makes all sixteen margin boxes of every page (`layout/page.py`,
`make_margin_boxes`: each a style, a box and its sizes, the three of a side measured
together) and keeps those whose `content` generates something. A body section is laid out
with the content of every margin box none (workers.NO_FURNITURE: the furniture pass draws
them), and a display or part page has none either: each such page made sixteen boxes for
nothing. `install()` looks first: a page none of whose margin boxes would be generated gets
none, as WeasyPrint would have given it; any other page is made by WeasyPrint as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

NAMES = (
    "top-left-corner", "top-left", "top-center", "top-right", "top-right-corner",
    "bottom-left-corner", "bottom-left", "bottom-center", "bottom-right", "bottom-right-corner",
    "left-top", "left-middle", "left-bottom", "right-top", "right-middle", "right-bottom")
# what a margin box's `content` is when it generates no box (WeasyPrint's own test)
EMPTY = ("normal", "inhibit", "none")
_STATE: dict[str, Any] = {}


def install() -> None:
    """Put the check before WeasyPrint's make_margin_boxes (once per process)."""
    import weasyprint.layout as layout

    if "original" not in _STATE:
        _STATE["original"] = layout.make_margin_boxes
        layout.make_margin_boxes = make_margin_boxes


def make_margin_boxes(context: Any, page: Any, state: Any) -> Iterable:
    """The page's margin boxes, as WeasyPrint makes them; none made where none has content.
    (A box with no style of its own takes the page's anonymous style: content normal.)"""
    for name in NAMES:
        style = context.style_for(page.page_type, f"@{name}")
        if style is not None and style["content"] not in EMPTY:
            return _STATE["original"](context, page, state)
    return ()
