"""The EPUB's content documents: each section as XHTML, its notes as popup asides, and the
invisible markers where the print edition's pages begin.

Built with lxml from the `Book`; navigation.py and package.py use `document` and `serialize`.
"""

from __future__ import annotations

import copy
import unicodedata

from lxml import etree

from bookbuild.book import Book, Note, PageBreak, Section
from bookbuild.xhtml import EPUB_TYPE, NSMAP, XML_NS, detach, h, text_units

XHTML_DOCTYPE = "<!DOCTYPE html>"
MATTER = {"frontmatter": "frontmatter", "chapter": "bodymatter", "part": "bodymatter",
          "backmatter": "backmatter"}


def document(book: Book, title: str, body_type: str | None,
             lang: str | None = None) -> tuple[etree._Element, etree._Element]:
    """An empty XHTML content document in the book's language, linked to the stylesheet: its
    <html> and its <body>."""
    html = etree.Element(h("html"), nsmap=NSMAP)
    lang = lang or book.language
    html.set("lang", lang)
    html.set(f"{{{XML_NS}}}lang", lang)
    head = etree.SubElement(html, h("head"))
    etree.SubElement(head, h("meta"), charset="utf-8")
    etree.SubElement(head, h("title")).text = title
    etree.SubElement(head, h("link"), rel="stylesheet", type="text/css", href="../styles/epub.css")
    body = etree.SubElement(html, h("body"))
    if body_type:
        body.set(EPUB_TYPE, body_type)
    return html, body


# HTML's void elements: the only ones that may be written `<br/>`. Any other empty element
# (`<span id="here"></span>`, pandoc's anchor) is written open and closed, as a reading system
# that parses XHTML as HTML would otherwise take `<span/>` for an opening tag.
VOID = {h(name) for name in ("area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                             "meta", "source", "track", "wbr")}


def serialize(html: etree._Element) -> bytes:
    for el in html.iter(f"{{{NSMAP[None]}}}*"):
        if el.text is None and len(el) == 0 and el.tag not in VOID:
            el.text = ""
    return etree.tostring(html, encoding="utf-8", xml_declaration=True, doctype=XHTML_DOCTYPE)


def section_document(book: Book, section: Section, breaks: list[PageBreak] = ()) -> bytes:
    """One spine entry as an XHTML content document, its notes as popup asides at the end."""
    html, body = document(book, section.toc_title, MATTER[section.kind], section.lang)
    wrapper = etree.SubElement(body, h("section"), id=section.id)
    if section.epub_type:
        wrapper.set(EPUB_TYPE, section.epub_type)
    if section.aria_role:
        wrapper.set("role", section.aria_role)
    wrapper.set("class", section.role)
    if section.title:
        header = etree.SubElement(wrapper, h("header"))
        heading = etree.SubElement(header, h("h1"), id=f"{section.id}-title")
        heading.text = section.title
        wrapper.set("aria-labelledby", heading.get("id"))
        if section.number is not None:
            heading.set("class", "chapter-title")
        if section.subtitle:
            subtitle = etree.SubElement(header, h("p"), {"class": "subtitle"})
            subtitle.set("role", "doc-subtitle")
            subtitle.text = section.subtitle
    else:
        wrapper.set("aria-label", section.toc_title)
    if section.role == "cover" and book.cover:
        img = etree.SubElement(wrapper, h("img"), src="../" + book.cover.name, role="doc-cover",
                               alt=f"The cover of {book.title}, by "
                                   f"{' & '.join(a.name for a in book.config.authors)}")
        img.set("class", "cover-image")
    if section.body is not None:
        content = copy.deepcopy(section.body)
        for img in content.iter(h("img")):
            img.set("src", "../" + img.get("src"))
        for page in breaks:
            if page.offset is not None:
                insert_at_unit(content, page.offset, page_marker(page.label))
        for inner in content.iter(h("header"), h("footer")):
            # A document's header or footer (a letter's salutation, an excerpt's source) is
            # no landmark of the page: only the chapter's own header is, so reading systems
            # list one banner per document.
            inner.set("role", "none")
        wrapper.text = content.text
        wrapper.extend(list(content))
    for page in reversed([b for b in breaks if b.offset is None]):
        marker = page_marker(page.label)
        marker.tail, wrapper.text = wrapper.text, None
        wrapper.insert(0, marker)
    if section.notes:  # the rule belongs to no note, so no popup shows it
        etree.SubElement(body, h("hr"), {"class": "notes-rule"})
    for note in section.notes:
        body.append(note_aside(note))
    declare_prefixes(html)
    return serialize(html)


Z3998 = "z3998: http://www.daisy.org/z3998/2012/vocab/structure/#"


def declare_prefixes(html: etree._Element) -> None:
    """Z39.98 terms (a letter's salutation, signature...) need their prefix declared in the
    document that uses them; the EPUB vocabulary's own terms need none."""
    if any(value.startswith("z3998:") or " z3998:" in value
           for el in html.iter() for value in [el.get(EPUB_TYPE) or ""]):
        html.set(f"{{{NSMAP['epub']}}}prefix", Z3998)


def page_marker(label: str) -> etree._Element:
    """An invisible marker where a print page begins, named after its folio."""
    marker = etree.Element(h("span"), id=f"page-{label}")
    marker.set(EPUB_TYPE, "pagebreak")
    marker.set("role", "doc-pagebreak")
    marker.set("aria-label", label)
    marker.text = ""  # written out as <span ...></span>, which HTML parsers read right too
    return marker


def insert_at_unit(root: etree._Element, offset: int, marker: etree._Element) -> None:
    """Put `marker` just before text unit number `offset` (`book.text_units`) of `root`.

    Note calls are not counted, as print sets them apart from the text. The marker steps back
    to the start of the word (print may have hyphenated it across the two pages, and a screen
    reader should not announce a page inside a word) and over an opening quote or bracket.
    """
    seen = 0
    for node, attr in _text_slots(root):
        text = getattr(node, attr) or ""
        units = text_units(text)
        if seen + units <= offset:
            seen += units
            continue
        index = [i for i, ch in enumerate(text) if ch.isalnum()][offset - seen]
        while index > 0 and text[index - 1].isalnum():
            index -= 1
        while index > 0 and (unicodedata.category(text[index - 1]) in ("Ps", "Pi")
                             or text[index - 1] in "\"'"):
            index -= 1
        if not text_units(text[:index]):  # only signs before it ("© 2026"): not split from them
            index = 0
        marker.tail = text[index:]
        setattr(node, attr, text[:index])
        if attr == "text":
            node.insert(0, marker)
        else:
            parent = node.getparent()
            parent.insert(parent.index(node) + 1, marker)
        _out_of_phrases(marker, root)
        return
    root.append(marker)  # the page starts after the last word: nothing of the text is on it


HEADINGS = frozenset(h(f"h{n}") for n in range(1, 7))


# Where a span may not stand: a marker that opens one of their children stays inside it.
NO_PHRASING = frozenset(h(tag) for tag in "ul ol dl table thead tbody tfoot tr colgroup".split())


def _out_of_phrases(marker: etree._Element, root: etree._Element) -> None:
    """A marker is announced where it stands: never inside a heading (it would join the
    heading's name, "ii The Title"), and not inside a block or phrase it opens (<p>, <em>,
    <cite>, a link): there it moves to just before it, between blocks, with the same text after
    it."""
    while True:
        parent = marker.getparent()
        if parent is None or parent is root or parent.getparent() is None:
            return
        opens = marker.getprevious() is None and not (parent.text or "").strip()
        if not (parent.tag in HEADINGS or opens) or parent.getparent().tag in NO_PHRASING:
            return
        detach(marker)
        parent.addprevious(marker)


def _text_slots(el: etree._Element):
    """(element, "text" or "tail") for every piece of text under `el`, in reading order."""
    yield el, "text"
    for child in el:
        if not (child.tag == h("a") and child.get(EPUB_TYPE) == "noteref"):
            yield from _text_slots(child)
        yield child, "tail"


def note_aside(note: Note) -> etree._Element:
    """`<aside epub:type="footnote">` holding only the note, led by a link back to its call."""
    aside = etree.Element(h("aside"), id=note.id)
    aside.set(EPUB_TYPE, "footnote")
    aside.set("role", "doc-footnote")
    aside.set("class", "footnote")
    blocks = [copy.deepcopy(b) for b in note.blocks] or [etree.Element(h("p"))]
    for img in (img for block in blocks for img in block.iter(h("img"))):
        img.set("src", "../" + img.get("src"))  # as in the text: the document is in text/
    if blocks[0].tag != h("p"):
        blocks.insert(0, etree.Element(h("p")))
    first = blocks[0]
    back = etree.Element(h("a"), href=f"#{note.ref_id}")
    back.set("role", "doc-backlink")
    back.set("class", "note-number")
    back.text = f"{note.number}."
    back.tail = " " + (first.text or "")
    first.text = None
    first.insert(0, back)
    aside.extend(blocks)
    return aside
