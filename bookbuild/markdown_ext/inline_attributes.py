"""Python-Markdown's attr_list, with the `{...}` after a link, an image or emphasis allowed to
run over lines: pandoc wraps its output at 72 columns, so a converted book has
`[1](notes.md#n1){#ref-1 .noteref` on one line and `epub:type="noteref"}` on the next."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions.attr_list import AttrListExtension, AttrListTreeprocessor

INLINE_ATTRS = re.compile(r"^\{:?[ ]*([^}\n ][^}]*)\}")


class _AttrListTreeprocessor(AttrListTreeprocessor):
    INLINE_RE = INLINE_ATTRS

    def assign_attrs(self, elem: Element, attrs_string: str, *, strict: bool = False) -> str:
        # attr_list splits the list at spaces only: a line break between two attributes is one
        return super().assign_attrs(elem, " ".join(attrs_string.split()), strict=strict)


class InlineAttributesExtension(AttrListExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_AttrListTreeprocessor(md), "attr_list", 8)
        md.registerExtension(self)
