"""pandoc's list nesting: a nested list or a continuation paragraph belongs to an item when it
is indented to the item's text (two spaces after `- `, three after `1. `), where Python-Markdown
wants four spaces a level. The lines of lists are re-indented four spaces a level before
Python-Markdown reads them; nothing else moves."""

from __future__ import annotations

import re

from markdown import Markdown
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


class ListIndentExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After fenced code (25) is set aside, so code keeps its own indentation.
        md.preprocessors.register(ListIndentPreprocessor(md), "pandoc_list_indent", 24)
