"""WeasyPrint's line breaking remembered: the first line of a text, found once for each text,
width and style, and given again when WeasyPrint asks for it again.

WeasyPrint breaks a paragraph one line at a time (`split_first_line`: Pango sets the text
that is left, and the first line is taken), and asks again for the same lines whenever it
lays a page out again: when a footnote placed on the page leaves less room, and in the
make-up's retry (workers.lay_out_section), which lays out again every page from its first
change to the section's end (relay.py), where nearly every line is one it set before; and it
breaks the same running head on every page to find how wide its margin box may be. What
a first line comes to depends only on the text, the width it is set in, where it stands
(the start of a line or not), the justification and those properties of its style that
`split_first_line` reads (`FIELDS`, read from WeasyPrint 70's text/line_break.py and
text/fonts.py), all with the same fonts. So each answer is kept under those; what comes back
is the same answer, its Pango layout a copy not yet made (WeasyPrint makes it again where it
draws the text). tests/test_linememo.py holds each section of the sample book laid out with
and without it to the same PDF, byte for byte.

Two things WeasyPrint works out from a style again and again are remembered too, on the
style itself: its strut (the height and baseline its line-height gives a line, `strut`), which
WeasyPrint keeps under a key it builds from fourteen of the style's properties at every line
and every text box it splits, the building costing more than the looking up; and its Pango
font description, which it makes anew for every Pango layout (`get_font_description`; Pango
copies it into the layout, so one serves them all).

Installed once per process, by the Typesetter (render.py); `forget()` lets go of what was
kept (a new Typesetter does so, and a layout worker before each section).
"""

from __future__ import annotations

import atexit
import copy
from typing import Any

FIELDS = ("font_family", "font_size", "font_style", "font_weight", "font_stretch",
          "font_variant_caps", "font_variant_alternates", "font_variant_east_asian",
          "font_variant_ligatures", "font_variant_numeric", "font_variant_position",
          "font_feature_settings", "font_variation_settings", "font_kerning",
          "font_language_override", "lang", "letter_spacing", "word_spacing", "white_space",
          "tab_size", "line_height", "hyphens", "hyphenate_character",
          "hyphenate_limit_zone", "hyphenate_limit_chars", "overflow_wrap", "word_break",
          "text_decoration_line", "direction")
KEPT = 20_000  # answers kept at most; then all are let go
_KEY = "bookbuild_line_key"  # a style's key, kept on the style (a copy of it has none)
_STRUT = "bookbuild_strut"  # a style's strut, kept on the style likewise
_FONT = "bookbuild_font"  # and its Pango font description
_STATE: dict[str, Any] = {}
_ANSWERS: dict[tuple, tuple] = {}
# Let go of the fonts (in the keys) before interpreter shutdown takes WeasyPrint's FFI away.
atexit.register(_ANSWERS.clear)


def install() -> None:
    """Put the remembering split_first_line, strut and font description in WeasyPrint (once)."""
    import weasyprint.layout.inline as inline
    import weasyprint.layout.preferred as preferred
    import weasyprint.text.line_break as line_break

    if "original" in _STATE:
        return
    _STATE["original"] = inline.split_first_line
    inline.split_first_line = split_first_line
    preferred.split_first_line = split_first_line  # (a box's narrowest and widest widths)
    _STATE["strut"] = inline.strut
    inline.strut = strut
    _STATE["font_description"] = line_break.get_font_description
    line_break.get_font_description = font_description


def forget() -> None:
    """Let go of every answer kept."""
    _ANSWERS.clear()


def split_first_line(text: str, style: Any, context: Any, max_width: float | None,
                     justification_spacing: float, is_line_start: bool = True,
                     minimum: bool = False) -> tuple:
    """WeasyPrint's split_first_line, each answer given once and then remembered."""
    key = (text, _style_key(style), max_width, justification_spacing, is_line_start, minimum)
    found = _ANSWERS.get(key)
    if found is not None:
        return (copy.copy(found[0]), *found[1:])
    answer = _STATE["original"](text, style, context, max_width, justification_spacing,
                                is_line_start, minimum)
    if len(_ANSWERS) >= KEPT:
        _ANSWERS.clear()
    kept = copy.copy(answer[0])
    for name in ("layout", "language", "style"):  # as Layout.deactivate (some come so):
        kept.__dict__.pop(name, None)  # no Pango objects, no style kept; drawing makes them
    _ANSWERS[key] = (kept, *answer[1:])
    return answer


def _style_key(style: Any) -> tuple:
    key = style.__dict__.get(_KEY)
    if key is None:
        # (the fonts themselves, not their id: kept alive, it is not another's meanwhile)
        key = (style.font_config, *(repr(style[name]) for name in FIELDS))
        setattr(style, _KEY, key)
    return key


def strut(style: Any) -> tuple[float, float]:
    """WeasyPrint's strut of `style` (its line height and baseline), found once per style."""
    found = style.__dict__.get(_STRUT)
    if found is None:
        found = _STATE["strut"](style)
        setattr(style, _STRUT, found)
    return found


def font_description(style: Any) -> Any:
    """WeasyPrint's Pango font description of `style`, made once per style."""
    found = style.__dict__.get(_FONT)
    if found is None:
        found = _STATE["font_description"](style)
        setattr(style, _FONT, found)
    return found
