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

# What a pattern's match always holds (one of them; two at most), by its registered name;
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
        registry = self.md.inlinePatterns
        self.needs = {id(registry[name]): NEEDS[name]
                      for name in list(registry._data) if name in NEEDS}
        # The patterns as a plain list while the pass runs: it looks each one up by its place
        # for every run of text, which the registry answers slowly.
        self.inlinePatterns = list(registry)
        try:
            return super().run(tree, ancestors)
        finally:
            self.inlinePatterns = registry

    def _InlineProcessor__applyPattern(self, pattern: Pattern, data: str,  # noqa: N802
                                       patternIndex: int, startIndex: int = 0  # noqa: N803
                                       ) -> tuple[str, bool, int]:
        needs = self.needs.get(id(pattern))
        if needs is not None and needs[0] not in data and (len(needs) == 1
                                                           or needs[1] not in data):
            return data, False, 0
        return super()._InlineProcessor__applyPattern(pattern, data, patternIndex, startIndex)


class InlinePassExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # The same name and priority as Python-Markdown's own pass, which this replaces.
        md.treeprocessors.register(QuickInlineProcessor(md), "inline", 20)
