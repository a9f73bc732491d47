"""Footnotes: Python-Markdown's footnote markup taken out of a chapter's tree; hands on the
numbered `Note`s and popup-ready note calls in their place."""

from __future__ import annotations

import re

from lxml import etree

from bookbuild.book import Note
from bookbuild.errors import Report
from bookbuild.read.source import Source
from bookbuild.xhtml import EPUB_TYPE, h


def take_notes(body: etree._Element, section_id: str, source: Source,
                report: Report) -> list[Note]:
    """Replace Python-Markdown's footnote markup with popup-ready noterefs and `Note`s.

    Notes are numbered in the order they are first called, restarting in each section; a note
    called only from inside another note comes after those the text calls.
    """
    bodies: dict[str, list[etree._Element]] = {}
    for container in body.findall(f".//{h('div')}[@class='footnote']"):
        for li in container.findall(f"{h('ol')}/{h('li')}"):
            for backref in li.findall(f".//{h('a')}[@class='footnote-backref']"):
                _strip_backref(backref)
            bodies[li.get("id", "")[3:]] = list(li)
        container.getparent().remove(container)
    numbers: dict[str, int] = {}
    notes: list[Note] = []

    def call(scope: list[etree._Element]) -> None:
        for part in scope:
            for sup in list(part.iter(h("sup"))):
                link = sup.find(h("a"))
                if link is None or link.get("class") != "footnote-ref":
                    continue
                label = link.get("href", "")[4:]
                first_call = label not in numbers
                if first_call:
                    numbers[label] = len(numbers) + 1
                number = numbers[label]
                note_id, ref_id = f"{section_id}-note-{number}", f"{section_id}-ref-{number}"
                ref = etree.Element(h("a"))
                ref.set(EPUB_TYPE, "noteref")
                ref.set("role", "doc-noteref")
                ref.set("id", ref_id if first_call
                        else f"{ref_id}-{sup.get('id', '').split(':')[0][5:]}")
                ref.set("href", f"#{note_id}")
                ref.set("class", "noteref")
                ref.text = str(number)
                ref.tail = sup.tail
                sup.getparent().replace(sup, ref)
                if first_call:
                    notes.append(Note(number, note_id, ref_id, bodies.get(label, [])))

    call([body])
    done = 0
    while done < len(notes):
        call(notes[done].blocks)
        done += 1
    # Python-Markdown keeps a note whose call it did not see (in a code span, an HTML block, the
    # title); the line checks cannot always tell, and the note would vanish from the book.
    if not any(p.code == "BB216" and p.path == source.rel for p in report.problems):
        for label in sorted(bodies.keys() - numbers.keys()):
            line = source.line_of(rf"^\[\^{re.escape(label)}\]:")
            if line is not None:  # else it is nested, which check_lines reported
                report.error(source.path, line, f"footnote [^{label}] is never called where a "
                                                f"reader could follow it (only in code or raw "
                                                f"HTML?)", "BB204")
    return notes


def _strip_backref(backref: etree._Element) -> None:
    parent = backref.getparent()
    previous = backref.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "").rstrip("\u00a0 ")
    else:
        parent.text = (parent.text or "").rstrip("\u00a0 ")
    parent.remove(backref)
