"""Python-Markdown's inline pass, which tries every inline pattern on every run of text,
skipping a pattern whose marks are not in the run at all (`*` for emphasis, `[` for a link,
`---` for a dash): the same result, without most of the regular-expression searches a
chapter of plain prose paid for (a third of its conversion)."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import Pattern
from markdown.treeprocessors import InlineProcessor

# What a pattern's match always holds (any one of them), by the pattern's registered name;
# a pattern not named here is always tried.
NEEDS: dict[str, tuple[str, ...]] = {
    "backtick": ("`",), "pandoc_raw_inline": ("`",), "bracketed_span": ("]{",),
    "pandoc_hard_break": ("\\\n",), "pandoc_nbsp": ("\\ ",), "escape": ("\\",),
    "footnote": ("[^",), "reference": ("[",), "link": ("[",), "image_link": ("![",),
    "image_reference": ("![",), "short_reference": ("[",), "short_image_ref": ("![",),
    "autolink": ("<",), "automail": ("<",), "html": ("<",), "linebreak": ("  \n",),
    "example_ref": ("(@",), "entity": ("&",), "em_strong": ("*", "_"),
    "strikeout": ("~~",), "superscript": ("^",), "subscript": ("~",),
    "smarty-em-dashes": ("---",), "smarty-en-dashes": ("--",),
    "smarty-ellipses": ("...",),
}


class QuickInlineProcessor(InlineProcessor):
    def run(self, tree: Element, ancestors: list[str] | None = None) -> Element:
        self.needs = {id(self.inlinePatterns[name]): NEEDS[name]
                      for name in list(self.inlinePatterns._data) if name in NEEDS}
        return super().run(tree, ancestors)

    def _InlineProcessor__applyPattern(self, pattern: Pattern, data: str,  # noqa: N802
                                       patternIndex: int, startIndex: int = 0  # noqa: N803
                                       ) -> tuple[str, bool, int]:
        needs = self.needs.get(id(pattern))
        if needs is not None and not any(mark in data for mark in needs):
            return data, False, 0
        return super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)


class InlinePassExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # The same name and priority as Python-Markdown's own pass, which this replaces.
        md.treeprocessors.register(QuickInlineProcessor(md), "inline", 20)
