"""Definition lists as pandoc reads them: Python-Markdown's, with pandoc's second marker, a
tilde (`~ definition`), beside the colon."""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions.def_list import DefListExtension, DefListProcessor


class PandocDefListProcessor(DefListProcessor):
    RE = re.compile(r"(^|\n)[ ]{0,3}[:~][ ]{1,3}(.*?)(\n|$)")
    NO_INDENT_RE = re.compile(r"^[ ]{0,3}[^ :~]")


class DefinitionListsExtension(DefListExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        super().extendMarkdown(md)
        # The same name and priority as Python-Markdown's own, which this replaces.
        md.parser.blockprocessors.register(PandocDefListProcessor(md.parser), "deflist", 25)
