"""pandoc's list nesting: a nested list or a continuation paragraph belongs to an item when it
is indented to the item's text (two spaces after `- `, three after `1. `), where Python-Markdown
wants four spaces a level. The lines of lists are re-indented four spaces a level before
Python-Markdown reads them; nothing else moves. And, as in pandoc, an item's marker ends the
block of the item above it (a `:::` div's closing line, a second paragraph) even with no blank
line between them, where Python-Markdown would read the marker into that block."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

ITEM = re.compile(r"^( {0,3}(?: {4})*)([-*+]|\(?(?:\d{1,9}|[a-zA-Z]|[ivxlcdmIVXLCDM]+|#)[.)])"
                  r"( +)(?=\S)")


def reindent(lines: list[str]) -> list[str]:
    """The lines with each list level indented four spaces, as Python-Markdown reads them."""
    stack: list[int] = []  # the source column of each open item's text, outermost first
    out: list[str] = []
    blank_before = True
    for line in lines:
        if not line.strip():
            out.append(line)
            blank_before = True
            continue
        text = line.expandtabs(4)
        indent = len(text) - len(text.lstrip(" "))
        item = ITEM.match(text)
        # Outside a list, an indented item is another block's (a note's, code): left alone.
        if item and (stack or (blank_before and indent <= 3)):
            while stack and indent < stack[-1]:
                stack.pop()
            out.append(" " * (4 * len(stack)) + text[indent:])
            spaces = len(item[3])
            stack.append(item.end() if spaces <= 4 else item.end() - spaces + 1)
        elif stack and indent < stack[-1] and not blank_before:
            out.append(line)  # a lazy continuation line of the paragraph above
        else:
            while stack and indent < stack[-1]:
                stack.pop()
            out.append(" " * (4 * len(stack) + indent - stack[-1]) + text[indent:] if stack
                       else line)
        blank_before = False
    return out


class ListIndentPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return reindent(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


class ItemAfterIndentedBlock(BlockProcessor):
    """A block that goes on inside a list item after a blank line (indented: a second
    paragraph, a div, code) and holds, with no blank line between, an item marker less indented
    than itself: pandoc ends the block there and the marker starts the next item (`:::` then
    `- next`); Python-Markdown would read the marker into the block. The block is cut there.

    The cut adds no looseness: a list whose items were not in paragraphs stays so, as in pandoc,
    which reads no blank line there."""

    def test(self, parent: Element, block: str) -> bool:
        return self._cut_at(block) is not None and not self.parser.state.isstate("detabbed") \
            and (parent.tag == "li" or (len(parent) > 0 and parent[-1].tag in ("ul", "ol")))

    def _cut_at(self, block: str) -> int | None:
        lines = block.split("\n")
        first = _indent(lines[0])
        if first < self.tab_length or not lines[0].strip():
            return None
        return next((n for n, line in enumerate(lines[1:], start=1)
                     if _indent(line) < first and ITEM.match(line)), None)

    def run(self, parent: Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        lines = block.split("\n")
        cut = self._cut_at(block)
        # The lists around the list of the block's item: no blank line between their items
        # here, so those that are tight stay tight.
        level = _indent(lines[0]) // self.tab_length
        outer: list[tuple[Element, int]] = []
        node = parent
        while len(outer) < level - 1 and len(node) and node[-1].tag in ("ul", "ol") \
                and len(node[-1]) and len(node[-1][-1]) and node[-1][-1][-1].tag in ("ul", "ol"):
            lst = node[-1]  # its last item holds the list the block goes on in
            if not any(len(li) and li[0].tag == "p" and not (li.text or "").strip()
                       for li in lst):
                outer.append((lst, len(lst)))
            node = lst[-1]
        self.parser.parseBlocks(parent, ["\n".join(lines[:cut])])
        self.parser.parseBlocks(parent, ["\n".join(lines[cut:])])
        for lst, count in outer:
            for li in lst[count - 1:]:
                _unwrap_first_paragraph(li)


def _unwrap_first_paragraph(li: Element) -> None:
    """The paragraph Python-Markdown opened an item with, taken away (its text the item's)."""
    if not len(li) or li[0].tag != "p" or (li.text or "").strip() or li[0].attrib:
        return
    p = li[0]
    children = list(p)
    li.remove(p)
    li.text = p.text
    for n, child in enumerate(children):
        li.insert(n, child)
    if children:
        children[-1].tail = (children[-1].tail or "") + (p.tail or "")
    else:
        li.text = (li.text or "") + (p.tail or "")


class ListIndentExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After fenced code (25) is set aside, so code keeps its own indentation.
        md.preprocessors.register(ListIndentPreprocessor(md), "pandoc_list_indent", 24)
        # Ahead of Python-Markdown's list item continuation (90).
        md.parser.blockprocessors.register(ItemAfterIndentedBlock(md.parser),
                                           "pandoc_item_after_block", 95)
