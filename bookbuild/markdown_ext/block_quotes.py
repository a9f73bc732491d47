"""Block quotes as pandoc reads them: a quote starts only where a block starts (a `>` line
inside a paragraph, `2` then `> 1.`, is the paragraph's text: pandoc's blank line before a
block quote), and a blank line ends it (two quotes a blank line apart are two quotes, where
Python-Markdown joins them into one)."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import BlockQuoteProcessor
from markdown.extensions import Extension

QUOTE_START = re.compile(r"[ ]{0,3}>")


class PandocBlockQuoteProcessor(BlockQuoteProcessor):
    def test(self, parent: Element, block: str) -> bool:
        return bool(QUOTE_START.match(block)) and super().test(parent, block)

    def lastChild(self, parent: Element) -> Element | None:  # noqa: N802 (Python-Markdown's)
        # Asked only whether the quote goes on in the last one: never across a blank line.
        return None


class BlockQuotesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # The same name and priority as Python-Markdown's own, which this replaces.
        md.parser.blockprocessors.register(PandocBlockQuoteProcessor(md.parser), "quote", 20)
