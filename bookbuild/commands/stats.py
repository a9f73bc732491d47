"""`bookbuild stats`: words per section and in all, the printed pages, the reading time.

Counts from the `Book` (the text the writers set, notes apart, generated pages left out);
hands the figures to the CLI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from bookbuild.book import Book, Section
from bookbuild.xhtml import XHTML_NS

WORD = re.compile(r"\w+(?:['’\-]\w+)*")
READING_WPM = 250  # a common figure for silent reading of fiction


@dataclass(frozen=True)
class SectionStats:
    title: str
    kind: str
    words: int
    note_words: int


@dataclass(frozen=True)
class BookStats:
    sections: list[SectionStats]  # the author's sections and the parts, in reading order
    words: int  # text and notes
    note_words: int
    pages: int  # estimated pages of the print interior
    reading_minutes: int


# The text of an element, note calls left out: their numbers are not words.
TEXT = etree.XPath(".//text()[not(ancestor::x:a[@role='doc-noteref'])]",
                   namespaces={"x": XHTML_NS})


def count_words(*elements: etree._Element) -> int:
    return sum(len(WORD.findall(" ".join(TEXT(el)))) for el in elements)


def section_stats(section: Section) -> SectionStats:
    words = count_words(section.body) if section.body is not None else 0
    notes = sum(count_words(*note.blocks) for note in section.notes)
    return SectionStats(section.toc_title, section.kind, words, notes)


def book_stats(book: Book) -> BookStats:
    from bookbuild.pdf import estimate_pages

    sections = [section_stats(s) for s in book.sections if not s.generated]
    words = sum(s.words + s.note_words for s in sections)
    minutes = max(1, round(words / READING_WPM)) if words else 0
    return BookStats(sections, words, sum(s.note_words for s in sections),
                     estimate_pages(book), minutes)
