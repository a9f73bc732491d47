"""Whether a box is in normal flow, found once per pair of values: one change to WeasyPrint's
boxes.

WeasyPrint 70 asks it of every child of a line at each line it breaks and again when it
places the line (`layout/inline.py`), through five predicates of the box's style
(`formatting_structure/boxes.py`, `Box.is_in_normal_flow`): about a twentieth of a book's
layout time. The answer depends on the style's `float` and `position` only, so `install()`
keeps it by those two values; a box whose style WeasyPrint changes later is asked afresh.
"""

from __future__ import annotations

from typing import Any

_STATE: dict[str, Any] = {}
_ANSWERS: dict[tuple, bool] = {}  # (float, position): in normal flow


def install() -> None:
    """Put the remembered answer in place of WeasyPrint's predicate (once per process)."""
    from weasyprint.formatting_structure.boxes import Box

    if "original" not in _STATE:
        _STATE["original"] = Box.is_in_normal_flow
        Box.is_in_normal_flow = is_in_normal_flow


def is_in_normal_flow(box: Any) -> bool:
    """WeasyPrint's answer for a box with this `float` and `position`."""
    style = box.style
    key = (style["float"], style["position"])
    answer = _ANSWERS.get(key)
    if answer is None:
        answer = _ANSWERS[key] = _STATE["original"](box)
    return answer
