"""Smart typography: curly quotes and apostrophes, en and em dashes, ellipsis.

Python-Markdown's own `smarty` does the work (it already leaves code spans alone); we only make it
emit real characters instead of HTML entities, so the text is plain Unicode from here on.
"""

from __future__ import annotations

from markdown import Markdown
from markdown.extensions.smarty import SmartyExtension

CHARACTERS = {
    "left-single-quote": "\u2018",
    "right-single-quote": "\u2019",
    "left-double-quote": "\u201c",
    "right-double-quote": "\u201d",
    "left-angle-quote": "\u00ab",
    "right-angle-quote": "\u00bb",
    "mdash": "\u2014",
    "ndash": "\u2013",
    "ellipsis": "\u2026",
}


class TypographyExtension(SmartyExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        super().extendMarkdown(md)
        # Its patterns (dashes, ellipses; quotes are read/typography.py's) join the main inline
        # pass, after every other pattern, instead of a second pass over the whole tree.
        processor = md.treeprocessors["smarty"]
        md.treeprocessors.deregister("smarty")
        patterns = processor.inlinePatterns
        for name, priority in [(item.name, item.priority) for item in patterns._priority]:
            md.inlinePatterns.register(patterns[name], name, priority / 100)


def typography_extension(quotes: bool = True) -> SmartyExtension:
    """Smarty as we use it; quotes are left straight (`quotes=False`: chapters, book.yaml prose,
    titles) for read/typography.py, which curls them over a paragraph's whole text."""
    return TypographyExtension(substitutions=CHARACTERS, smart_angled_quotes=False,
                               smart_quotes=quotes)
