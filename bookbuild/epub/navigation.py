"""The EPUB's navigation: nav.xhtml (contents, landmarks, page-list) and the EPUB 2 toc.ncx.

Both list the same sections in the same nesting; hands package.py their bytes.
"""

from __future__ import annotations

from lxml import etree

from bookbuild.book import Book, PageBreak, Section
from bookbuild.epub.documents import MATTER, document, page_marker, serialize
from bookbuild.xhtml import EPUB_TYPE, XML_NS, h

NCX_NS = "http://www.daisy.org/z3986/2005/ncx/"
# Pages the contents does not list: the book's own furniture, which the landmarks reach.
UNLISTED = ("cover", "half-title", "title-page", "copyright-page", "toc")


def listed(book: Book) -> list[Section]:
    """The sections the contents lists (nav and NCX alike)."""
    return [s for s in book.sections if s.role not in UNLISTED and s.listed]


def nav_document(book: Book, page_breaks: list[PageBreak] = ()) -> bytes:
    """nav.xhtml: the table of contents (parts nested), the landmarks and the page-list.

    It is also the book's contents page, so print pages that hold the contents start here.
    """
    html, body = document(book, "Contents", "frontmatter")
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
        if section.lang and section.lang != book.language:
            link.set("lang", section.lang)
            link.set(f"{{{XML_NS}}}lang", section.lang)
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
    return serialize(html)


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
