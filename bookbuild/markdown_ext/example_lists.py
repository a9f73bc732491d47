"""pandoc's example lists: items `(@)`, `(@label)` (or `@.`, `@)`) numbered on through the
whole book, and `(@label)` in the text replaced by the labelled example's number.

The Markdown side only marks them: `<ol class="example">` with each item's label in
`data-example`, and each reference as `<span data-example-ref="label">(@label)</span>`. The
numbers are given once the whole book is read (read/examples.py), since pandoc reads the
chapters as one document and a reference may come before its example."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from bookbuild.markdown_ext.fancy_lists import FancyOListProcessor

LABEL = "data-example"  # on an example's <li>: its label, or "" (read/examples.py numbers it)
REF = "data-example-ref"  # on a reference's <span>: the label it names
MARKER = r"@[\w-]*"


class ExampleListProcessor(FancyOListProcessor):
    def __init__(self, parser: BlockParser):
        super().__init__(parser, "decimal")
        self.kind = "example"
        self._compile(MARKER, MARKER, None)
        self._labels: list[str] = []

    def value(self, marker: str) -> int:
        return 1  # numbered book-wide later

    def get_items(self, block: str) -> list[str]:
        self._labels += [m["m"][1:] for m in map(self.CHILD_RE.match, block.split("\n")) if m]
        return super().get_items(block)

    def run(self, parent: Element, blocks: list[str]) -> None:
        self._labels = []
        super().run(parent, blocks)
        last = self.lastChild(parent)
        lst = last if last is not None and last.tag == "ol" else parent
        lst.set("class", "example")
        items = [li for li in lst if li.tag == "li"]
        for li, label in zip(items[max(0, len(items) - len(self._labels)):], self._labels,
                             strict=False):
            li.set(LABEL, label)


class ExampleRefProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element | str | None, int, int]:
        span = etree.Element("span", {REF: m[1]})
        span.text = m[0]
        return span, m.start(0), m.end(0)


class ExampleListsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        parser = md.parser
        parser.fancy_lists["example"] = ExampleListProcessor(parser)
        parser.blockprocessors.register(parser.fancy_lists["example"], "olist_example", 39.3)
        md.inlinePatterns.register(ExampleRefProcessor(r"\(@([\w-]+)\)", md), "example_ref", 95)
