"""Notes kept on their call's page: one change to WeasyPrint's line layout.

When a paragraph reaches the page's foot at a line that widow and orphan control will not let
it break before, WeasyPrint 70 (`layout/block.py`, `_linebox_layout`) first moves the page's
last footnotes on to the next page to make room for that line, away from their calls. A book
never does that: it breaks the paragraph where widows and orphans allow, and the make-up then
evens the page out (makeup.py, justify.py). `install()` lays lines out with that one step left
out: the same function, its test for moving notes made false. It is exact or not used: if
WeasyPrint's source is not the one this was written for, nothing is changed.
"""

from __future__ import annotations

import inspect
import textwrap

_STEP = "report = not context.in_column and can_break_now and not could_break_before"
_STATE: dict[str, bool] = {}
ORIGINAL: dict = {}  # WeasyPrint's function as it was (the tests lay out with it too)


def install() -> bool:
    """Patch WeasyPrint's `_linebox_layout` once per process; whether it is patched."""
    if "installed" in _STATE:
        return _STATE["installed"]
    import weasyprint.layout.block as block

    source = textwrap.dedent(inspect.getsource(block._linebox_layout))
    if source.count(_STEP) != 1:
        _STATE["installed"] = False
        return False
    namespace: dict = {}
    code = compile(source.replace(_STEP, "report = False"), block.__file__, "exec")
    exec(code, block.__dict__, namespace)  # noqa: S102 - WeasyPrint's own function, one line changed
    ORIGINAL["_linebox_layout"] = block._linebox_layout
    block._linebox_layout = namespace["_linebox_layout"]
    _STATE["installed"] = True
    return True
