"""Pandoc fenced divs: `::: {.excerpt source="..."}` ... `:::`, nesting allowed.

A preprocessor gives every fence line a block of its own; a block processor turns each matched
pair into a `<div>` whose attributes later extensions (documents.py) and the theme read.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from bookbuild.markdown_ext.attributes import parse_attributes

OPEN = re.compile(r"^:{3,}\s*(?:\{(?P<attrs>[^}]*)\}|(?P<word>[A-Za-z][\w-]*))\s*:*\s*$")
CLOSE = re.compile(r"^:{3,}\s*$")
# Keys an author may give a div that are real HTML attributes; others become data-* attributes.
HTML_KEYS = {"lang", "dir", "title"}


def is_fence(line: str) -> bool:
    return bool(OPEN.match(line) or CLOSE.match(line))


class FenceLinePreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            if is_fence(line):
                if out and out[-1].strip():
                    out.append("")
                out.extend([line.strip(), ""])
            else:
                out.append(line)
        return out


class FencedDivProcessor(BlockProcessor):
    # A block may start with blank lines: a code block's placeholder leaves an extra one, so
    # the `:::` after a closing code fence comes as "\n:::".
    def test(self, parent: Element, block: str) -> bool:
        return bool(OPEN.match(block.lstrip("\n")))

    def run(self, parent: Element, blocks: list[str]) -> None:
        match = OPEN.match(blocks.pop(0).lstrip("\n"))
        inner: list[str] = []
        depth = 1
        while blocks:
            block = blocks.pop(0)
            if OPEN.match(block.lstrip("\n")):
                depth += 1
            elif CLOSE.match(block.lstrip("\n")):
                depth -= 1
                if depth == 0:
                    break
            inner.append(block)
        div = etree.SubElement(parent, "div")
        for name, value in div_attributes(match).items():
            div.set(name, value)
        self.parser.parseBlocks(div, inner)


def div_attributes(match: re.Match) -> dict[str, str]:
    if match["word"]:
        return {"class": match["word"]}
    attrs = parse_attributes(match["attrs"]) or parse_attributes("")
    out: dict[str, str] = {}
    if attrs.id:
        out["id"] = attrs.id
    if attrs.classes:
        out["class"] = " ".join(attrs.classes)
    for key, value in attrs.values.items():
        out[key if key in HTML_KEYS else f"data-{key}"] = value
    return out


class FencedDivExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(FenceLinePreprocessor(md), "fenced_div_lines", 28)
        # Ahead of every built-in block processor, so a fence is never read as a paragraph.
        md.parser.blockprocessors.register(FencedDivProcessor(md.parser), "fenced_div", 200)
