"""The EPUB writer: turns a `Book` into an EPUB 3 file with ebooklib, byte for byte repeatable.

Content documents, nav and NCX are built here with lxml; ebooklib packs the OPF and zip, and
`_repack` then fixes what it would otherwise make vary between builds.
"""

from __future__ import annotations

import copy
import datetime
import io
import unicodedata
import zipfile
from pathlib import Path

from ebooklib import epub
from lxml import etree

from bookbuild import __version__
from bookbuild.book import EPUB_TYPE, NSMAP, XML_NS, Book, PageBreak, Section, h, text_units
from bookbuild.output import atomic_write
from bookbuild.theme import theme_file

NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
XHTML_DOCTYPE = "<!DOCTYPE html>"
MATTER = {"frontmatter": "frontmatter", "chapter": "bodymatter", "part": "bodymatter",
          "backmatter": "backmatter"}
# Pages the contents does not list: the book's own furniture, which the landmarks reach.
UNLISTED = ("cover", "half-title", "title-page", "copyright-page", "toc")
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


def write_epub(book: Book, path: Path, page_breaks: list[PageBreak] | None = None) -> Path:
    """Write `book` to `path` atomically; returns the path.

    `page_breaks` (from the print layout) become invisible page markers and a page-list, so
    readers can find and cite the print edition's pages.
    """
    data = _repack(_ebooklib_bytes(book, page_breaks or []), book.epoch, book.language)
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


def section_document(book: Book, section: Section, breaks: list[PageBreak] = ()) -> bytes:
    """One spine entry as an XHTML content document, its notes as popup asides at the end."""
    html, body = _document(book, section.toc_title, MATTER[section.kind])
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
        wrapper.text = content.text
        wrapper.extend(list(content))
    for page in reversed([b for b in breaks if b.offset is None]):
        marker = page_marker(page.label)
        marker.tail, wrapper.text = wrapper.text, None
        wrapper.insert(0, marker)
    for note in section.notes:
        body.append(note_aside(note))
    return _serialize(html)


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
        marker.tail = text[index:]
        setattr(node, attr, text[:index])
        if attr == "text":
            node.insert(0, marker)
        else:
            parent = node.getparent()
            parent.insert(parent.index(node) + 1, marker)
        return
    root.append(marker)  # the page starts after the last word: nothing of the text is on it


def _text_slots(el: etree._Element):
    """(element, "text" or "tail") for every piece of text under `el`, in reading order."""
    yield el, "text"
    for child in el:
        if not (child.tag == h("a") and child.get(EPUB_TYPE) == "noteref"):
            yield from _text_slots(child)
        yield child, "tail"


def note_aside(note) -> etree._Element:
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


def listed(book: Book) -> list[Section]:
    """The sections the contents lists (nav and NCX alike)."""
    return [s for s in book.sections if s.role not in UNLISTED]


def nav_document(book: Book, page_breaks: list[PageBreak] = ()) -> bytes:
    """nav.xhtml: the table of contents (parts nested), the landmarks and the page-list.

    It is also the book's contents page, so print pages that hold the contents start here.
    """
    html, body = _document(book, "Contents", "frontmatter")
    html.find(h("head")).find(h("link")).set("href", "styles/epub.css")
    toc_id = next((s.id for s in book.sections if s.role == "toc"), None)
    for page in page_breaks:
        if page.section == toc_id:
            body.append(page_marker(page.label))
    toc = etree.SubElement(body, h("nav"), id="toc")
    toc.set(EPUB_TYPE, "toc")
    toc.set("role", "doc-toc")
    toc.set("aria-labelledby", "toc-title")
    etree.SubElement(toc, h("h1"), id="toc-title").text = "Contents"
    top = etree.SubElement(toc, h("ol"))
    lists = {None: top}
    for section in listed(book):
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
    if page_breaks:
        body.append(page_list(book, page_breaks, toc_id))
    return _serialize(html)


def page_list(book: Book, page_breaks: list[PageBreak], toc_id: str | None) -> etree._Element:
    """The page-list nav: each print page's folio, linked to its marker."""
    files = {s.id: s.file_name for s in book.sections}
    files[toc_id] = "nav.xhtml"
    nav = etree.Element(h("nav"), hidden="hidden")
    nav.set(EPUB_TYPE, "page-list")
    nav.set("role", "doc-pagelist")
    nav.set("aria-label", "Pages of the print edition")
    items = etree.SubElement(nav, h("ol"))
    for page in page_breaks:
        link = etree.SubElement(etree.SubElement(items, h("li")), h("a"),
                                href=f"{files[page.section]}#page-{page.label}")
        link.text = page.label
    return nav


def _landmarks(book: Book) -> list[tuple[str, str, str]]:
    marks = []
    for role, kind in (("cover", "cover"), ("title-page", "titlepage"),
                       ("copyright-page", "copyright-page")):
        section = next((s for s in book.sections if s.role == role), None)
        if section:
            marks.append((kind, section.file_name, section.toc_title))
    marks.append(("toc", "nav.xhtml#toc", "Contents"))
    body = next((s for s in book.sections if MATTER[s.kind] == "bodymatter"), None)
    if body:
        marks.append(("bodymatter", body.file_name, "Start of the text"))
    back = next((s for s in book.sections if s.kind == "backmatter"), None)
    if back:
        marks.append(("backmatter", back.file_name, back.toc_title))
    return marks


def ncx_document(book: Book, page_breaks: list[PageBreak] = ()) -> bytes:
    """toc.ncx for EPUB 2 reading systems, mirroring the nav's nesting."""
    ncx = etree.Element(f"{{{NCX_NS}}}ncx", nsmap={None: NCX_NS}, version="2005-1")
    head = etree.SubElement(ncx, f"{{{NCX_NS}}}head")
    depth = "2" if any(s.kind == "part" for s in book.sections) else "1"
    arabic = [int(p.label) for p in page_breaks if p.label.isdigit()]
    for name, content in (("dtb:uid", book.config.identifier), ("dtb:depth", depth),
                          ("dtb:totalPageCount", str(len(page_breaks))),
                          ("dtb:maxPageNumber", str(max(arabic, default=0)))):
        etree.SubElement(head, f"{{{NCX_NS}}}meta", name=name, content=content)
    title = etree.SubElement(ncx, f"{{{NCX_NS}}}docTitle")
    etree.SubElement(title, f"{{{NCX_NS}}}text").text = book.title
    nav_map = etree.SubElement(ncx, f"{{{NCX_NS}}}navMap")
    points = {None: nav_map}
    for order, section in enumerate(listed(book), start=1):
        point = etree.SubElement(points.get(section.part, nav_map), f"{{{NCX_NS}}}navPoint",
                                 id=f"nav-{section.id}", playOrder=str(order))
        label = etree.SubElement(point, f"{{{NCX_NS}}}navLabel")
        etree.SubElement(label, f"{{{NCX_NS}}}text").text = section.toc_title
        etree.SubElement(point, f"{{{NCX_NS}}}content", src=section.file_name)
        if section.kind == "part":
            points[section.id] = point
    return etree.tostring(ncx, encoding="utf-8", xml_declaration=True)


# ---- package ----


def _metadata(book: Book, eb: epub.EpubBook, page_breaks: list[PageBreak]) -> None:
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
    if book.cover:
        eb.add_metadata(None, "meta", "", {"name": "cover", "content": _image_ids(book)[
            book.cover.name]})  # EPUB 2 readers (older Kindles) find the cover by this
    _accessibility(book, eb, page_breaks)


def _accessibility(book: Book, eb: epub.EpubBook, page_breaks: list[PageBreak]) -> None:
    """Accessibility metadata (EPUB Accessibility 1.1): what the book offers, and its claim."""
    pictures = bool(book.images or book.cover)
    modes = ["textual"] + (["visual"] if pictures else [])
    features = ["structuralNavigation", "tableOfContents", "readingOrder"]
    if pictures:
        features.append("alternativeText")
    if page_breaks:
        features += ["pageBreakMarkers", "pageNavigation"]
    for mode in modes:
        eb.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    for sufficient in ["textual"] + (["textual,visual"] if pictures else []):
        eb.add_metadata(None, "meta", sufficient, {"property": "schema:accessModeSufficient"})
    for feature in features:
        eb.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    eb.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    eb.add_metadata(None, "meta", accessibility_summary(book, page_breaks),
                    {"property": "schema:accessibilitySummary"})
    eb.add_metadata(None, "meta", CONFORMS_TO, {"property": "dcterms:conformsTo"})
    certifier = book.config.publisher or " & ".join(a.name for a in book.config.authors)
    eb.add_metadata(None, "meta", certifier, {"property": "a11y:certifiedBy"})
    if page_breaks:
        eb.add_metadata(None, "meta", page_break_source(book), {"property": "pageBreakSource"})


def accessibility_summary(book: Book, page_breaks: list[PageBreak]) -> str:
    """A plain-language account of the accessibility metadata, for people choosing a book."""
    parts = ["Reflowable text in reading order, with a table of contents and headings for "
             "every part and chapter."]
    if any(s.notes for s in book.sections):
        parts.append("Footnotes are linked to and from their place in the text.")
    if book.images or book.cover:
        parts.append("Every image has a text description.")
    if page_breaks:
        parts.append(f"Page numbers of the print edition ({_print_edition(book)}) are marked, "
                     f"so pages can be found and cited.")
    parts.append("No flashing, motion or sound. Meets EPUB Accessibility 1.1 and WCAG 2.1 "
                 "Level AA.")
    return " ".join(parts)


def page_break_source(book: Book) -> str:
    """The print edition the page-list follows: its ISBN, or failing that a description."""
    isbn = book.config.isbn.print
    return book.config.isbn.urn(isbn) if isbn else f"{book.title}, print edition"


def _print_edition(book: Book) -> str:
    isbn = book.config.isbn.print
    return f"ISBN {isbn}" if isbn else "bookbuild's print interior"


def _image_ids(book: Book) -> dict[str, str]:
    """Manifest ids by image name; the cover's is `cover-image`."""
    ids = {image.name: f"img-{n}" for n, image in enumerate(book.images, start=1)}
    if book.cover:
        ids[book.cover.name] = "cover-image"
    return ids


def _item(uid: str, name: str, media_type: str, content: bytes,
          properties: list[str] | None = None) -> epub.EpubItem:
    item = epub.EpubItem(uid=uid, file_name=name, media_type=media_type, content=content)
    item.properties = properties or []
    return item


def _ebooklib_bytes(book: Book, page_breaks: list[PageBreak]) -> bytes:
    eb = epub.EpubBook()
    _metadata(book, eb, page_breaks)
    css = theme_file(book.config.root, "epub.css").read_bytes()
    eb.add_item(_item("css", "styles/epub.css", "text/css", css))
    ids = _image_ids(book)
    for image in ([book.cover] if book.cover and book.cover not in book.images else []) + \
            book.images:
        eb.add_item(_item(ids[image.name], image.name, image.media_type,
                          image.source.read_bytes(),
                          ["cover-image"] if ids[image.name] == "cover-image" else None))
    eb.add_item(_item("ncx", "toc.ncx", "application/x-dtbncx+xml",
                      ncx_document(book, page_breaks)))
    nav = _item("nav", "nav.xhtml", "application/xhtml+xml", nav_document(book, page_breaks),
                ["nav"])
    eb.add_item(nav)
    spine: list[epub.EpubItem] = []
    for section in book.sections:
        if section.role == "toc":  # the nav document is the contents page
            spine.append(nav)
            continue
        breaks = [b for b in page_breaks if b.section == section.id]
        # "s-": a section named like a package id ("title.md", "css.md") must not clash.
        item = _item(f"s-{section.id}", section.file_name, "application/xhtml+xml",
                     section_document(book, section, breaks))
        eb.add_item(item)
        spine.append(item)
    if nav not in spine:
        spine.append(nav)
    eb.spine = spine
    buffer = io.BytesIO()
    modified = datetime.datetime.fromtimestamp(book.epoch, datetime.UTC)
    # Stored, not compressed: _repack compresses every entry once, for good.
    epub.write_epub(buffer, eb, {"mtime": modified, "compresslevel": 0, "epub2_guide": False,
                                 "epub3_landmark": False, "epub3_pages": False})
    return buffer.getvalue()


def _repack(data: bytes, epoch: int, language: str) -> bytes:
    """Rewrite ebooklib's zip with fixed entry times and attributes, `mimetype` first, stored;
    the package document gains the `xml:lang` ebooklib leaves out."""
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
            content = source.read(name)
            if name.endswith(".opf"):
                content = _with_language(content, language)
            target.writestr(info, content, compresslevel=None if stored else 9)
    return out.getvalue()


def _with_language(opf: bytes, language: str) -> bytes:
    package = etree.fromstring(opf)
    package.set(f"{{{XML_NS}}}lang", language)
    return etree.tostring(package, encoding="utf-8", xml_declaration=True)
