"""The EPUB writer: turns a `Book` into an EPUB 3 file with ebooklib, byte for byte repeatable.

Content documents, nav and NCX are built here with lxml; ebooklib packs the OPF and zip, and
`_repack` then fixes what it would otherwise make vary between builds.
"""

from __future__ import annotations

import copy
import datetime
import io
import zipfile
from pathlib import Path

from ebooklib import epub
from lxml import etree

from bookbuild import __version__
from bookbuild.book import EPUB_TYPE, NSMAP, XML_NS, Book, Section, h
from bookbuild.output import atomic_write
from bookbuild.theme import theme_file

NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
XHTML_DOCTYPE = "<!DOCTYPE html>"
MATTER = {"frontmatter": "frontmatter", "chapter": "bodymatter", "part": "bodymatter",
          "backmatter": "backmatter"}


def write_epub(book: Book, path: Path) -> Path:
    """Write `book` to `path` atomically; returns the path."""
    data = _repack(_ebooklib_bytes(book), book.epoch)
    atomic_write(path, data)
    return path


# ---- content documents ----


def _document(book: Book, title: str, body_type: str | None, lang: str | None = None):
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


def _serialize(html: etree._Element) -> bytes:
    return etree.tostring(html, encoding="utf-8", xml_declaration=True, doctype=XHTML_DOCTYPE)


def section_document(book: Book, section: Section) -> bytes:
    """One spine entry as an XHTML content document, its notes as popup asides at the end."""
    html, body = _document(book, section.toc_title, MATTER[section.kind])
    wrapper = etree.SubElement(body, h("section"), id=section.id)
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
    if section.body is not None:
        content = copy.deepcopy(section.body)
        for img in content.iter(h("img")):
            img.set("src", "../" + img.get("src"))
        wrapper.text = content.text
        wrapper.extend(list(content))
    for note in section.notes:
        body.append(note_aside(note))
    return _serialize(html)


def note_aside(note) -> etree._Element:
    """`<aside epub:type="footnote">` holding only the note, led by a link back to its call."""
    aside = etree.Element(h("aside"), id=note.id)
    aside.set(EPUB_TYPE, "footnote")
    aside.set("role", "doc-footnote")
    aside.set("class", "footnote")
    blocks = [copy.deepcopy(b) for b in note.blocks] or [etree.Element(h("p"))]
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


def nav_document(book: Book) -> bytes:
    """nav.xhtml: the table of contents (parts nested) and the landmarks."""
    html, body = _document(book, "Contents", "frontmatter")
    html.find(h("head")).find(h("link")).set("href", "styles/epub.css")
    toc = etree.SubElement(body, h("nav"), id="toc")
    toc.set(EPUB_TYPE, "toc")
    toc.set("role", "doc-toc")
    toc.set("aria-labelledby", "toc-title")
    etree.SubElement(toc, h("h1"), id="toc-title").text = "Contents"
    top = etree.SubElement(toc, h("ol"))
    lists = {None: top}
    for section in book.sections:
        parent = lists.get(section.part, top)
        li = etree.SubElement(parent, h("li"))
        link = etree.SubElement(li, h("a"), href=section.file_name)
        link.text = section.toc_title
        if section.kind == "part":
            li.set("class", "part")
            lists[section.id] = etree.SubElement(li, h("ol"))
    for part_list in list(lists.values())[1:]:
        if len(part_list) == 0:
            part_list.getparent().remove(part_list)
    landmarks = etree.SubElement(body, h("nav"), hidden="hidden")
    landmarks.set(EPUB_TYPE, "landmarks")
    landmarks.set("aria-label", "Landmarks")
    items = etree.SubElement(landmarks, h("ol"))
    for kind, href, label in _landmarks(book):
        link = etree.SubElement(etree.SubElement(items, h("li")), h("a"), href=href)
        link.set(EPUB_TYPE, kind)
        link.text = label
    return _serialize(html)


def _landmarks(book: Book) -> list[tuple[str, str, str]]:
    marks = [("toc", "nav.xhtml#toc", "Contents")]
    body = next((s for s in book.sections if MATTER[s.kind] == "bodymatter"), None)
    if body:
        marks.append(("bodymatter", body.file_name, "Start of the text"))
    back = next((s for s in book.sections if s.kind == "backmatter"), None)
    if back:
        marks.append(("backmatter", back.file_name, back.toc_title))
    return marks


def ncx_document(book: Book) -> bytes:
    """toc.ncx for EPUB 2 reading systems, mirroring the nav's nesting."""
    ncx = etree.Element(f"{{{NCX_NS}}}ncx", nsmap={None: NCX_NS}, version="2005-1")
    head = etree.SubElement(ncx, f"{{{NCX_NS}}}head")
    depth = "2" if any(s.kind == "part" for s in book.sections) else "1"
    for name, content in (("dtb:uid", book.config.identifier), ("dtb:depth", depth),
                          ("dtb:totalPageCount", "0"), ("dtb:maxPageNumber", "0")):
        etree.SubElement(head, f"{{{NCX_NS}}}meta", name=name, content=content)
    title = etree.SubElement(ncx, f"{{{NCX_NS}}}docTitle")
    etree.SubElement(title, f"{{{NCX_NS}}}text").text = book.title
    nav_map = etree.SubElement(ncx, f"{{{NCX_NS}}}navMap")
    points = {None: nav_map}
    for order, section in enumerate(book.sections, start=1):
        point = etree.SubElement(points.get(section.part, nav_map), f"{{{NCX_NS}}}navPoint",
                                 id=f"nav-{section.id}", playOrder=str(order))
        label = etree.SubElement(point, f"{{{NCX_NS}}}navLabel")
        etree.SubElement(label, f"{{{NCX_NS}}}text").text = section.toc_title
        etree.SubElement(point, f"{{{NCX_NS}}}content", src=section.file_name)
        if section.kind == "part":
            points[section.id] = point
    return etree.tostring(ncx, encoding="utf-8", xml_declaration=True)


# ---- package ----


def _metadata(book: Book, eb: epub.EpubBook) -> None:
    c = book.config
    eb.set_identifier(c.identifier)
    eb.set_unique_metadata("OPF", "generator", "",
                           {"name": "generator", "content": f"bookbuild {__version__}"})
    eb.title = c.title
    eb.add_metadata("DC", "title", c.title, {"id": "title"})
    eb.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if c.subtitle:
        eb.add_metadata("DC", "title", c.subtitle, {"id": "subtitle"})
        eb.add_metadata(None, "meta", "subtitle",
                        {"refines": "#subtitle", "property": "title-type"})
    eb.set_language(c.language)
    for n, author in enumerate(c.authors, start=1):
        uid = f"creator-{n}"
        eb.add_metadata("DC", "creator", author.name, {"id": uid})
        eb.add_metadata(None, "meta", "aut",
                        {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
        if author.file_as:
            eb.add_metadata(None, "meta", author.file_as,
                            {"refines": f"#{uid}", "property": "file-as"})
    for name, value in (("publisher", c.publisher), ("date", c.date),
                        ("description", c.description), ("rights", c.rights)):
        if value:
            eb.add_metadata("DC", name, value)
    for subject in c.subjects:
        eb.add_metadata("DC", "subject", subject)
    if c.series:
        eb.add_metadata(None, "meta", c.series,
                        {"property": "belongs-to-collection", "id": "series"})
        eb.add_metadata(None, "meta", "series",
                        {"refines": "#series", "property": "collection-type"})
        if c.series_index is not None:
            eb.add_metadata(None, "meta", f"{c.series_index:g}",
                            {"refines": "#series", "property": "group-position"})
    _accessibility(book, eb)


def _accessibility(book: Book, eb: epub.EpubBook) -> None:
    """schema.org accessibility metadata (EPUB Accessibility 1.1) that the book earns."""
    modes = ["textual"] + (["visual"] if book.images else [])
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if book.images:
        features.append("alternativeText")
    for mode in modes:
        eb.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    eb.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
    for feature in features:
        eb.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    eb.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    summary = ("Reflowable text with a navigable table of contents, headings in reading order "
               "and footnotes linked both ways")
    summary += "; every image has a text description." if book.images else "."
    eb.add_metadata(None, "meta", summary, {"property": "schema:accessibilitySummary"})


def _item(uid: str, name: str, media_type: str, content: bytes,
          properties: list[str] | None = None) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content)
    item.properties = properties or []
    return item


def _ebooklib_bytes(book: Book) -> bytes:
    eb = epub.EpubBook()
    _metadata(book, eb)
    css = theme_file(book.config.root, "epub.css").read_bytes()
    eb.add_item(_item("css", "styles/epub.css", "text/css", css))
    for n, image in enumerate(book.images, start=1):
        eb.add_item(_item(f"img-{n}", image.name, image.media_type, image.source.read_bytes()))
    eb.add_item(_item("ncx", "toc.ncx", "application/x-dtbncx+xml", ncx_document(book)))
    nav = _item("nav", "nav.xhtml", "application/xhtml+xml", nav_document(book), ["nav"])
    eb.add_item(nav)
    spine: list[epub.EpubItem] = []
    for section in book.sections:
        item = _item(section.id, section.file_name, "application/xhtml+xml",
                     section_document(book, section))
        eb.add_item(item)
        if section.kind != "frontmatter" and nav not in spine:
            spine.append(nav)
        spine.append(item)
    if nav not in spine:
        spine.append(nav)
    eb.spine = spine
    buffer = io.BytesIO()
    modified = datetime.datetime.fromtimestamp(book.epoch, datetime.UTC)
    epub.write_epub(buffer, eb, {"mtime": modified, "epub2_guide": False,
                                 "epub3_landmark": False, "epub3_pages": False})
    return buffer.getvalue()


def _repack(data: bytes, epoch: int) -> bytes:
    """Rewrite ebooklib's zip with fixed entry times and attributes, `mimetype` first, stored."""
    stamp = datetime.datetime.fromtimestamp(max(epoch, 315532800), datetime.UTC)
    date_time = stamp.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        names.remove("mimetype")
        for name in ["mimetype", *names]:
            info = zipfile.ZipInfo(name, date_time)
            info.create_system = 3
            info.external_attr = 0o644 << 16
            stored = name == "mimetype"
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(info, source.read(name), compresslevel=None if stored else 9)
    return out.getvalue()
