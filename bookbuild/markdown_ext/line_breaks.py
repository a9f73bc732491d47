"""Pandoc's escapes: a backslash at the end of a line is a line break, `\\ ` a no-break space,
and a backslash makes any ASCII punctuation mark literal (Python-Markdown knows only some)."""

from __future__ import annotations

import re
import string
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor


class HardBreakProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element | str | None, int, int]:
        return etree.Element("br"), m.start(0), m.end(0)


class NoBreakSpaceProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element | str | None, int, int]:
        return "\u00a0", m.start(0), m.end(0)


class LineBreaksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before the backslash escapes (180), which would take the backslash alone.
        md.inlinePatterns.register(HardBreakProcessor(r"\\\n", md), "pandoc_hard_break", 182)
        md.inlinePatterns.register(NoBreakSpaceProcessor(r"\\ ", md), "pandoc_nbsp", 181)
        md.ESCAPED_CHARS.extend(c for c in string.punctuation if c not in md.ESCAPED_CHARS)
