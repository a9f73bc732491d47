"""Fenced code blocks (Python-Markdown's), with a key HTML does not know kept as pandoc's HTML
writer keeps it: ```` ~~~ {.haskell startFrom="100"} ```` gives `data-startFrom="100"`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from markdown import Markdown
from markdown.extensions.fenced_code import FencedBlockPreprocessor, FencedCodeExtension

from bookbuild.markdown_ext.attributes import data_name


class PandocFencedBlockPreprocessor(FencedBlockPreprocessor):
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
