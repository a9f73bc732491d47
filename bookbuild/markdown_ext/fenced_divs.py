"""Pandoc fenced divs: `::: {.excerpt source="..."}` ... `:::`, nesting allowed.

A preprocessor gives every fence line a block of its own; a block processor turns each matched
pair into a `<div>` whose attributes later extensions (documents.py) and the theme read.
"""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

from bookbuild.markdown_ext.attributes import data_name, parse_attributes

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


def _cut(block: str, in_div: bool) -> list[str] | None:
    """Inside a block quote or a list item (whose text the preprocessor above never sees) a
    fence may share a block with text: `> ::: {.x}` / `> text` / `> :::`, as pandoc writes a
    div in a quote. As in pandoc, a block opening with a fence, or (in a div) a `:::` line
    closing the text above it, is cut there so that each fence stands alone; None when nothing
    is cut."""
    lines = block.strip("\n").split("\n")
    if len(lines) < 2:
        return None
    if OPEN.match(lines[0]) or (in_div and CLOSE.match(lines[0])):
        # a list item's lines after its first keep their indent (`1.  ::: {#n1}` then
        # `    text`): text under a fence is no code block
        parts = [lines[:1], textwrap.dedent("\n".join(lines[1:])).split("\n")]
    elif in_div:
        cut = next((n for n, line in enumerate(lines) if CLOSE.match(line)), None)
        if cut is None:
            return None
        parts = [lines[:cut], lines[cut:cut + 1], lines[cut + 1:]]
    else:
        return None
    return ["\n".join(part) for part in parts if part]


class FenceSplitProcessor(BlockProcessor):
    def test(self, parent: Element, block: str) -> bool:
        return _cut(block, in_div=False) is not None

    def run(self, parent: Element, blocks: list[str]) -> None:
        blocks[0:0] = _cut(blocks.pop(0), in_div=False)


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
            parts = _cut(block, in_div=True)
            if parts:
                blocks[0:0] = parts
                continue
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
        # a div's text is paragraphs even in a tight list item, whose state would leave it bare
        self.parser.state.set("fenced_div")
        self.parser.parseBlocks(div, inner)
        self.parser.state.reset()


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
        # epub:type is kept as itself, on a div as on any element (read/passes.py match_roles)
        out[key if key in HTML_KEYS or key == "epub:type" else data_name(key)] = value
    return out



class FencedDivExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(FenceLinePreprocessor(md), "fenced_div_lines", 28)
        # Ahead of every built-in block processor, so a fence is never read as a paragraph.
        md.parser.blockprocessors.register(FencedDivProcessor(md.parser), "fenced_div", 200)
        md.parser.blockprocessors.register(FenceSplitProcessor(md.parser), "fence_split", 201)
