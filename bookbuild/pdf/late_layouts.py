"""Justified text's Pango layouts made when the text is drawn, not when it is justified: one
change to WeasyPrint's line layout.

WeasyPrint 70 justifies a line (`layout/inline.py`, `add_word_spacing`) by giving each of its
text boxes a new Pango layout of its text with the added word spacing, and at once lets go of
the layout's Pango objects (`Layout.deactivate`) and keeps only what it needs to make them
again: the text and the spacing. Drawing makes them again (`Layout.reactivate`). Setting up a
Pango layout and its text, with a spacing attribute on every space (print.css's word spacing),
costs about what laying the line out did, for every justified line of every layout, trial
and retry. `install()` gives each justified text box a layout in the state WeasyPrint leaves
it in, without making the Pango objects first. A box whose text is underlined, overlined or
struck through keeps WeasyPrint's own: drawing those reads the font's metrics from its layout
before making it again.
"""

from __future__ import annotations

from typing import Any

_STATE: dict[str, Any] = {}


def install() -> None:
    """Put `create_layout` in WeasyPrint's inline layout, where justification calls it (once
    per process)."""
    import weasyprint.layout.inline as inline

    inline.create_layout = create_layout


def create_layout(text: str, style: Any, context: Any, max_width: float | None,
                  justification_spacing: float) -> Any:
    """A Pango layout of `text` for justification, its Pango objects not made (see the module's
    docstring); WeasyPrint's own (text/line_break.py's, which stays as it is) where it is
    asked for a width or the text is decorated. Also for the lines setlines.py builds."""
    if max_width is not None or style["text_decoration_line"] != "none":
        from weasyprint.text.line_break import create_layout as weasyprints

        return weasyprints(text, style, context, max_width, justification_spacing)
    return _later_class()(text, style, justification_spacing)


def _later_class() -> type:
    if "class" not in _STATE:
        from weasyprint.text.line_break import Layout

        class Later(Layout):
            """A Layout as WeasyPrint's is once deactivated: its text (as `set_text` keeps it)
            and its spacing; made, and let go of again, by reactivate and deactivate."""

            def __init__(self, text: str, style: Any, justification_spacing: float):
                self.justification_spacing = justification_spacing
                self.max_width = None
                self.first_line_direction = 0
                self.ascent = self.underline_position = self.strikethrough_position = None
                # set_text keeps the text up to the character after its first newline, and a
                # lone space as a space and a zero-width space where words are spaced
                newline = text.find("\n")
                if newline != -1:
                    text = text[:newline + 2]
                if text == " " and style["word_spacing"]:
                    text = " \u200b"
                self.text = text

            def deactivate(self) -> None:
                for name in ("layout", "language", "style"):
                    self.__dict__.pop(name, None)

        _STATE["class"] = Later
    return _STATE["class"]
