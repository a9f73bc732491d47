"""pandoc's example lists numbered as pandoc numbers them: on through the whole book (the
chapters are one document), each `(@label)` in the text replaced by its example's number;
a label no example has is left as typed and warned of (BB242), as pandoc reads it as a
citation."""

from __future__ import annotations

from lxml import etree

from bookbuild.book import Section
from bookbuild.errors import Report
from bookbuild.markdown_ext.example_lists import LABEL, REF
from bookbuild.read.source import Locator, Source
from bookbuild.xhtml import h


def number_examples(read: list[tuple[Section, Source]], report: Report) -> None:
    """Number the example lists of every chapter in reading order and resolve the
    references to them; the marks the Markdown step left (markdown_ext/example_lists.py) go."""
    numbers: dict[str, int] = {}
    count = 0
    for section, _ in read:
        for lst in _marked(section, f".//{h('ol')}[@class='example']"):
            if count:
                lst.set("start", str(count + 1))
            for li in lst.iterchildren(h("li")):
                count += 1
                label = li.attrib.pop(LABEL, "")
                if label:
                    numbers.setdefault(label, count)
    for section, source in read:
        unknown = []
        for span in _marked(section, f".//{h('span')}[@{REF}]"):
            label = span.get(REF)
            if label in numbers:
                span.text = f"({numbers[label]})"
            else:
                unknown.append((span, label))
            _drop_tag(span)
        if unknown:
            span, label = unknown[0]
            line = Locator(section.body, source).hits(rf"\(@{label}\)")
            report.warning(source.path, line[0] if line else None,
                           f"'(@{label})' names no example list item, so pandoc reads it as a "
                           f"citation; bookbuild prints it as typed: label an item '(@{label})' "
                           f"or write the reference out", "BB242")


def _marked(section: Section, path: str) -> list[etree._Element]:
    roots = [section.body, *(b for note in section.notes for b in note.blocks)]
    return [el for root in roots if root is not None for el in root.iterfind(path)]


def _drop_tag(span: etree._Element) -> None:
    """Put the span's text in its place."""
    parent, text = span.getparent(), (span.text or "") + (span.tail or "")
    previous = span.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(span)
