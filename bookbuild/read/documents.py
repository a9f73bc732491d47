"""Checks of the in-world documents as markdown_ext/documents.py marked them: a transcript line
with no speaker recognised is told to the author with its line (BB246)."""

from __future__ import annotations

import re

from lxml import etree

from bookbuild.errors import Report
from bookbuild.read.source import Locator, Source
from bookbuild.xhtml import h


def check_transcripts(body: etree._Element, source: Source, report: Report) -> None:
    """Warn of each transcript paragraph that is neither a speech nor a stage direction."""
    locator = Locator(body, source)
    for quote in body.iter(h("blockquote")):
        if "transcript" not in (quote.get("class") or "").split():
            continue
        for p in quote.iter(h("p")):
            if p.get("class") or p.getparent().tag in (h("footer"), h("header")):
                continue
            text = " ".join("".join(p.itertext()).split())
            if not text:
                continue
            words = [re.sub(r"\W", "", w) for w in text.split()[:3]]
            # Its first words, else (marked up past finding) its place in the tree.
            line = source.line_of(r"\W+".join(w for w in words if w)) or locator.element(p)
            report.warning(source.path, line,
                           f"a transcript line with no speaker: \u201c{text[:40]}\u201d; start it "
                           f"\u201cName: words\u201d (or **Name:**), or write a stage direction in "
                           f"italics or (brackets)", "BB246")
