"""Pandoc's table captions: a paragraph `Table: words` (or `: words`) just before or after a
table becomes its `<caption>`."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

CAPTION = re.compile(r"^\s*(?:Table)?:\s+")


class TableCaptionProcessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for parent in list(root.iter()):
            children = list(parent)
            for n, table in enumerate(children):
                if table.tag != "table" or table.find("caption") is not None:
                    continue
                for p in (children[n + 1] if n + 1 < len(children) else None,
                          children[n - 1] if n else None):
                    if p is not None and p.tag == "p" and CAPTION.match(p.text or "") \
                            and p in list(parent):
                        p.tag = "caption"
                        p.text = CAPTION.sub("", p.text, count=1)
                        p.tail = None
                        parent.remove(p)
                        table.insert(0, p)
                        break


class TableCaptionsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(TableCaptionProcessor(md), "pandoc_table_captions", 6)
