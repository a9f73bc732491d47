"""Pandoc's line blocks: lines starting `| ` (verse, addresses) keep their breaks and their
leading indentation; hands on `<div class="line-block">` with `<br/>` between the lines."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension

LINE = re.compile(r"^\|(?: (.*))?$")
TABLE_RULE = re.compile(r"^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$")


class LineBlockProcessor(BlockProcessor):
    def test(self, parent: Element, block: str) -> bool:
        lines = block.split("\n")
        if not LINE.match(lines[0]) or (len(lines) > 1 and TABLE_RULE.match(lines[1])):
            return False
        return all(LINE.match(line) or line[:1] in (" ", "\t") for line in lines)

    def run(self, parent: Element, blocks: list[str]) -> None:
        verses: list[str] = []
        for line in blocks.pop(0).split("\n"):
            match = LINE.match(line)
            if match is None:  # a continuation of the line above
                verses[-1] += " " + line.strip()
                continue
            text = match[1] or ""
            indent = len(text) - len(text.lstrip(" "))
            verses.append("\u00a0" * indent + text[indent:])
        div = etree.SubElement(parent, "div", {"class": "line-block"})
        # Two spaces at a line's end are Python-Markdown's own line break; the inline patterns
        # still read emphasis, links and notes in each line.
        div.text = "  \n".join(verse.rstrip() for verse in verses)


class LineBlocksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before tables (75) and paragraphs (10); a pipe table has its rule on the second line.
        md.parser.blockprocessors.register(LineBlockProcessor(md.parser), "line_block", 76)
