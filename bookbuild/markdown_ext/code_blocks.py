"""Fenced code blocks (Python-Markdown's), read as pandoc reads them: a fence may be indented
up to three spaces (its lines lose as much indentation) and closed by a longer fence; a key
HTML does not know is kept as pandoc's HTML writer keeps it:
```` ~~~ {.haskell startFrom="100"} ```` gives `data-startfrom="100"`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from markdown import Markdown
from markdown.extensions.fenced_code import FencedBlockPreprocessor, FencedCodeExtension

from bookbuild.markdown_ext.attributes import data_name
from bookbuild.markdown_ext.fancy_lists import ANY_MARKER

OPENING = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
LIST_ITEM = re.compile(rf"^ {{0,3}}{ANY_MARKER}[ \t]")


def pandoc_fences(lines: list[str]) -> list[str]:
    """The lines with each fence outside a list set at the margin, as Python-Markdown reads
    fences: an indented one (its code lines dedented by as much, as pandoc does) and a closing
    fence longer than the opening one (cut to the opening one's length)."""
    out, index = list(lines), 0
    while index < len(out):
        m = OPENING.match(out[index])
        if not m or (m[2][0] == "`" and "`" in m[3]) or _in_list(out, index):
            index += 1
            continue
        indent, fence = len(m[1]), m[2]
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        end = next((n for n in range(index + 1, len(out)) if close.match(out[n])), None)
        if end is None:
            index += 1
            continue
        out[index] = out[index][indent:]
        for n in range(index + 1, end):
            line = out[n]
            out[n] = line[min(indent, len(line) - len(line.lstrip(" "))):]
        out[end] = fence
        index = end + 1
    return out


def _in_list(lines: list[str], index: int) -> bool:
    """Whether the fence on line `index` belongs to a list item above it (the nearest line with
    text before it is an item or indented)."""
    if not lines[index].startswith(" "):
        return False
    above = next((line for line in reversed(lines[:index]) if line.strip()), "")
    return bool(LIST_ITEM.match(above)) or above.startswith((" ", "\t"))


class PandocFencedBlockPreprocessor(FencedBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        return super().run(pandoc_fences(lines))

    def handle_attrs(self, attrs: Iterable[tuple[str, str | None]]
                     ) -> tuple[str, list[str], dict[str, Any]]:
        id_, classes, configs = super().handle_attrs(attrs)
        return id_, classes, {key if key in ("lang", "lang_prefix") else data_name(key): value
                              for key, value in configs.items()}


class CodeBlocksExtension(FencedCodeExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        super().extendMarkdown(md)
        # The same name and priority as Python-Markdown's own, which this replaces.
        md.preprocessors.register(PandocFencedBlockPreprocessor(md, self.getConfigs()),
                                  "fenced_code_block", 25)
