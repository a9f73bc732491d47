"""Python-Markdown's attr_list, with the `{...}` after a link, an image or emphasis allowed to
run over lines: pandoc wraps its output at 72 columns, so a converted book has
`[1](notes.md#n1){#ref-1 .noteref` on one line and `epub:type="noteref"}` on the next.
A key HTML does not know on that element becomes `data-key`, as in pandoc's HTML."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions.attr_list import AttrListExtension, AttrListTreeprocessor

from bookbuild.markdown_ext.attributes import data_name

# The keys a `{...}` list gives as HTML attributes (the HTML policy checks their values); any
# other becomes data-*. An image's size is pandoc's `{width=50%}`.
KEPT = {"id", "class", "style", "lang", "dir", "title", "epub:type"}
KEPT_ON = {"img": {"width", "height"}}

# An attribute list as pandoc reads one: `#id`, `.class`, `key=value` (quoted or not) or `-`,
# apart by spaces or line breaks. Anything else (`{\\fill}` in raw TeX) is no list: it stays as
# typed, where Python-Markdown made a bare attribute of each word, which XHTML cannot hold.
_TOKEN = r"""(?:[#.][^\s{}#.][^\s{}]*|[\w:.-]+=(?:"[^"]*"|'[^']*'|[^\s{}"']+)|-)"""
_LIST = rf"\{{:?[ ]*({_TOKEN}(?:\s+{_TOKEN})*)\s*\}}"
INLINE_ATTRS = re.compile(rf"^{_LIST}")


class _AttrListTreeprocessor(AttrListTreeprocessor):
    INLINE_RE = INLINE_ATTRS
    HEADER_RE = re.compile(rf"[ ]+{_LIST}[ ]*$")
    BLOCK_RE = re.compile(rf"\n[ ]*{_LIST}[ ]*$")

    def assign_attrs(self, elem: Element, attrs_string: str, *, strict: bool = False) -> str:
        # attr_list splits the list at spaces only: a line break between two attributes is one
        before = set(elem.keys())
        rest = super().assign_attrs(elem, " ".join(attrs_string.split()), strict=strict)
        # A key HTML does not give the element (`key="val"` on a heading) is kept as pandoc's
        # HTML writer keeps it, `data-key`, as divs' keys are (fenced_divs.py).
        known = KEPT | KEPT_ON.get(elem.tag, set())
        for key in set(elem.keys()) - before:
            value = elem.get(key)
            if key not in known and not key.startswith("data-") and value is not None:
                del elem.attrib[key]
                elem.set(data_name(key), value)
        return rest


class InlineAttributesExtension(AttrListExtension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_AttrListTreeprocessor(md), "attr_list", 8)
        md.registerExtension(self)
