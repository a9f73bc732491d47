"""The book as pages for the browser: the EPUB's own content documents, its CSS and images.

Each page is `epub.documents.section_document` (never a second rendering of the Markdown) with the
preview's stylesheet and footnote-popup script added to the served copy only.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from bookbuild.book import Book, Section
from bookbuild.epub.documents import section_document
from bookbuild.theme import theme_file
from bookbuild.xhtml import h

XHTML_TYPE = "application/xhtml+xml; charset=utf-8"
BOOK_PREFIX = "/book/"


@dataclass(frozen=True)
class Resource:
    content_type: str
    body: bytes


def preview_document(book: Book, section: Section) -> bytes:
    """The section's EPUB content document with the preview's CSS and script in its head."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    html = etree.fromstring(section_document(book, section), parser)
    head = html.find(h("head"))
    etree.SubElement(head, h("link"), rel="stylesheet", type="text/css",
                     href="/_preview/chapter.css")
    script = etree.SubElement(head, h("script"), src="/_preview/chapter.js")
    script.text = ""  # an explicit end tag, which HTML parsers need as well
    return etree.tostring(html, encoding="utf-8", xml_declaration=True,
                          doctype="<!DOCTYPE html>")


def book_site(book: Book) -> tuple[dict[str, Resource], list[dict]]:
    """Every served file of the book by URL path, and the contents for the navigation."""
    files = {
        f"{BOOK_PREFIX}styles/epub.css": Resource(
            "text/css; charset=utf-8", theme_file(book.config.root, "epub.css").read_bytes()),
    }
    for image in book.images:
        files[BOOK_PREFIX + image.name] = Resource(image.media_type, image.source.read_bytes())
    contents = []
    for section in book.sections:
        href = BOOK_PREFIX + section.file_name
        files[href] = Resource(XHTML_TYPE, preview_document(book, section))
        contents.append({"id": section.id, "title": section.toc_title, "href": href,
                         "kind": section.kind, "part": section.part, "number": section.number})
    return files, contents
