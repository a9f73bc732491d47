"""Ids and links across the book: an author's id may not repeat or take one of ours, and every
link inside the book is checked and pointed at the document it names."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from bookbuild.book import Section
from bookbuild.errors import Report
from bookbuild.markdown_ext.headings import AUTO_ID, unique
from bookbuild.read.passes import TITLE_ID
from bookbuild.read.source import Locator, Source
from bookbuild.xhtml import h

HEADINGS = {h(f"h{n}") for n in range(1, 7)}
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def _elements(section: Section, tag: str | None = None) -> list[etree._Element]:
    """The section's elements, its notes' included, in document order."""
    roots = [section.body, *(block for note in section.notes for block in note.blocks)]
    return [el for root in roots for el in root.iter(tag) if isinstance(el.tag, str)]


def check_ids(section: Section, source: Source, report: Report) -> None:
    """The author's ids (raw HTML, `{#id}`) may not repeat in a chapter's document, nor take one
    bookbuild gives it: the chapter, its title, its notes and note calls, print page numbers."""
    ours = {section.id: "the chapter", f"{section.id}-title": "the chapter's title"}
    ours.update({note.id: f"note {note.number}" for note in section.notes})
    where = Locator(section.body, source)
    seen: dict[str, etree._Element] = {}
    for el in _elements(section):
        value = el.get("id")
        if value is None:
            continue
        if el.get(AUTO_ID) is not None and (value in ours or value in seen
                                            or value.startswith("page-")):
            value = unique(value, set(ours) | set(seen) | _all_ids(section))
            el.set("id", value)
        if el.get("role") == "doc-noteref":  # a call take_notes made
            ours[value] = f"the call of note {el.text}"
            continue
        if value == section.id and _opens(section.body, el):
            # pandoc's conversion of a book's HTML wraps each chapter in `::: {#chapter-3}`,
            # named as the file is: a link to it lands where one to the chapter does
            del el.attrib["id"]
            continue
        if value in ours or value.startswith("page-"):
            owner = ours.get(value, "a page number of the print edition")
            report.error(source.path, where.attribute(el, "id", value),
                         f"the id '{value}' is the one bookbuild gives {owner}; choose another",
                         "BB217")
        elif value in seen:
            first = where.attribute(seen[value], "id", value)
            report.error(source.path, where.attribute(el, "id", value),
                         f"the id '{value}' is used twice in this chapter (first at line "
                         f"{first})", "BB217")
        seen.setdefault(value, el)


def _opens(body: etree._Element, el: etree._Element) -> bool:
    """Whether `el` starts the chapter's text: no text and no other element comes before it."""
    while el is not body:
        parent = el.getparent()
        if parent is None or (parent.text or "").strip() or parent.index(el) != 0:
            return False
        el = parent
    return True


def _all_ids(section: Section) -> set[str]:
    return {el.get("id") for el in _elements(section) if el.get("id")}


def unique_book_ids(read: list[tuple[Section, Source]], report: Report) -> dict[str, str]:
    """Ids unique in the whole book, as pandoc reads the chapters as one document: a made
    heading id taken by an earlier chapter is renamed (`intro-1`), an author's reported with
    both places. Returns each title heading's id and the id the title has in the book."""
    first: dict[str, tuple[Section, Source, etree._Element]] = {}
    titles: dict[str, str] = {}
    for section, source in read:
        body = section.body
        if body is not None and body.get(TITLE_ID):
            titles[body.attrib.pop(TITLE_ID)] = f"{section.id}-title"
        where = None
        for el in _elements(section):
            value = el.get("id")
            if value is None:
                continue
            made = el.attrib.pop(AUTO_ID, None) is not None
            if value in first and first[value][0] is not section:
                if made:
                    value = unique(value, set(first) | _all_ids(section))
                    el.set("id", value)
                else:
                    other, other_source, other_el = first[value]
                    where = where or Locator(section.body, source)
                    there = Locator(other.body, other_source).attribute(other_el, "id", value)
                    report.error(source.path, where.attribute(el, "id", value),
                                 f"the id '{value}' is used twice in the book (first in "
                                 f"{other_source.rel} at line {there}); ids are one namespace "
                                 f"across chapters, as in pandoc", "BB217")
            first.setdefault(value, (section, source, el))
    return titles


REFERENCE = re.compile(r"\[([^\[\]\n]+)\](?:\[([^\[\]\n]*)\])?")
NOT_TEXT = {h("a"), h("code"), h("pre"), h("script"), h("style")}


def link_heading_references(read: list[tuple[Section, Source]], titles: dict[str, str]) -> None:
    """pandoc's implicit heading references: `[Heading text]`, `[words][Heading text]` or
    `[Heading text][]`, which Python-Markdown leaves as text, link to the heading of that text
    anywhere in the book (case and spacing aside); the first heading wins, as in pandoc."""
    targets: dict[str, str] = {}
    for section, _ in read:
        made = {made for made, title in titles.items() if title == f"{section.id}-title"}
        if section.title and made:
            targets.setdefault(_key(section.title), made.pop())
        for el in _elements(section):
            if el.tag in HEADINGS and el.get("id"):
                targets.setdefault(_key("".join(el.itertext())), el.get("id"))
    if not targets:
        return
    for section, _ in read:
        for el in list(_elements(section)):
            if el.tag in NOT_TEXT or any(a.tag in NOT_TEXT for a in el.iterancestors()):
                continue
            _link_text(el, "text", targets)
            for child in list(el):  # a child's tail is its parent's text
                _link_text(child, "tail", targets)


def _key(text: str) -> str:
    return " ".join(text.split()).casefold()


def _link_text(el: etree._Element, slot: str, targets: dict[str, str]) -> None:
    """Turn each reference in `el`'s text (or tail) into a link, in place."""
    text = getattr(el, slot)
    if not text or "[" not in text:
        return
    pieces, last = [], 0
    for match in REFERENCE.finditer(text):
        name = match[2] or match[1]
        target = targets.get(_key(name))
        if target is None:
            continue
        link = etree.Element(h("a"), href=f"#{target}")
        link.text = match[1]
        pieces.append((text[last:match.start()], link))
        last = match.end()
    if not pieces:
        return
    setattr(el, slot, pieces[0][0])
    anchor = el if slot == "tail" else None
    for n, (_, link) in enumerate(pieces):
        link.tail = pieces[n + 1][0] if n + 1 < len(pieces) else text[last:]
        if anchor is None:
            el.insert(0, link)
        else:
            anchor.addnext(link)
        anchor = link


def resolve_links(read: list[tuple[Section, Source]], report: Report) -> None:
    """Check every link within the book and point it at the document it names: `#id` in the
    same chapter, an id of another chapter (pandoc reads the chapters as one document), or a
    chapter file of the spine (`02-road.md`, `02-road.md#id`)."""
    titles = unique_book_ids(read, report)
    link_heading_references(read, titles)
    chapters: dict[Path, list[Section]] = {}  # a file split in chapters has several
    for section, _ in read:
        chapters.setdefault(section.source.resolve(), []).append(section)
    ids = {}
    owner: dict[str, Section] = {}
    for section, _ in read:
        ids[section.id] = _all_ids(section)
        ids[section.id] |= {section.id, *(note.id for note in section.notes)}
        if section.title:
            ids[section.id].add(f"{section.id}-title")
        for value in ids[section.id]:
            owner.setdefault(value, section)
    for section, source in read:
        where = Locator(section.body, source)
        for link in _elements(section, h("a")):
            href = link.get("href")
            if not href or URL_SCHEME.match(href) or href.startswith("//"):
                continue  # the HTML policy checks links that leave the book
            path, _, fragment = href.partition("#")
            fragment, target = unquote(fragment), section
            if path:
                file = source.path.parent / unquote(path)
                parts = [] if "?" in path or path.startswith("/") \
                    else chapters.get(file.resolve(), [])
                target = next((p for p in parts if fragment in ids[p.id]),
                              parts[0] if parts else None)
            if target is None:
                example = Path(os.path.relpath(read[-1][1].path, source.path.parent))
                report.error(source.path, where.attribute(link, "href", href),
                             f"the link '{href}' points at no chapter of this book; link to a "
                             f"chapter file of the spine ({example.as_posix()}, "
                             f"{example.as_posix()}#id) or a web address", "BB218")
                continue
            wanted = fragment
            if fragment in titles and fragment not in ids[target.id]:
                fragment = titles[fragment]  # the heading that became the chapter's title
            if fragment and fragment not in ids[target.id]:
                if path or fragment not in owner:
                    where_to = "the book" if not path else target.source.name
                    report.error(source.path, where.attribute(link, "href", href),
                                 f"the link '{href}' points at no element of {where_to}: "
                                 f"none has the id '{wanted}'", "BB218")
                    continue
                target = owner[fragment]  # pandoc reads the chapters as one document
            if path or target is not section:
                link.set("href", Path(target.file_name).name + (f"#{fragment}" if fragment
                                                                 else ""))
            elif fragment != wanted:
                link.set("href", f"#{fragment}")
