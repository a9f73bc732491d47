"""The print HTML: the `Book` as one HTML document for WeasyPrint (page rules, contents,
sections, notes as floats), and its pictures as grey, opaque data URIs.
"""

from __future__ import annotations

import base64
import copy
import io
import os
import re
import struct
from pathlib import Path

from lxml import etree

from bookbuild.book import Book, Section
from bookbuild.errors import BookError, Problem
from bookbuild.pdf.margins import bleed_for
from bookbuild.xhtml import EPUB_NS, PHRASING, XHTML_NS, XML_NS


def print_html(book: Book, margins: dict[str, float], profile: str,
               images: dict[str, str] | None = None, nudged: set[str] = frozenset(),
               unhyphenated: set[str] = frozenset(), only: set[str] | None = None,
               contents_pages: dict[str, str] | None = None, shells: bool = False) -> str:
    """The whole book as one HTML document for WeasyPrint.

    For laying the book out in pieces (chunked.py): `only` keeps just those sections,
    `contents_pages` prints the contents' page numbers as given, and `shells` leaves each
    section empty.
    """
    html = etree.Element("html", lang=book.language)
    head = etree.SubElement(html, "head")
    etree.SubElement(head, "meta", charset="utf-8")
    etree.SubElement(head, "title").text = book.title
    for author in book.config.authors:
        etree.SubElement(head, "meta", name="author", content=author.name)
    if book.config.description:
        etree.SubElement(head, "meta", name="description", content=book.config.description)
    # Fixed dates: WeasyPrint's PDF/X path would otherwise stamp the current time.
    for name in ("dcterms.created", "dcterms.modified"):
        etree.SubElement(head, "meta", name=name, content=book.modified)
    etree.SubElement(head, "style").text = _page_css(book, margins, profile)
    body = etree.SubElement(html, "body", {"class": f"profile-{profile}"})
    first_body = next((s.id for s in book.sections if s.kind != "frontmatter"), None)
    for section in book.sections:
        if section.role == "cover" or (only is not None and section.id not in only):
            continue  # the print edition's cover is a sheet of its own (cover.py)
        if section.role == "toc":
            body.append(_contents(book, section, contents_pages))
            continue
        el = _section(section, images or {}, nudged, shells)
        if section.id == first_body:
            el.set("class", el.get("class") + " first-body")
        body.append(el)
    _number_paragraphs(body, unhyphenated)
    return etree.tostring(html, method="html", encoding="unicode", doctype="<!DOCTYPE html>")


def _number_paragraphs(body: etree._Element, unhyphenated: set[str]) -> None:
    """Give each text block a `data-i` so a laid-out line can be traced back to it."""
    for index, el in enumerate(body.iter("p", "li", "h1", "h2", "h3", "h4", "figcaption")):
        key = str(index)
        el.set("data-i", key)
        if key in unhyphenated:
            el.set("class", (el.get("class", "") + " no-hyphens").strip())


def _page_css(book: Book, margins: dict[str, float], profile: str) -> str:
    """The geometry that comes from book.yaml; everything else is in print.css."""
    settings = book.config.print
    width, height = settings.trim
    m = {k: f"{v:.3f}pt" for k, v in margins.items()}
    bleed = bleed_for(book, profile)
    title = book.title.replace("\\", "\\\\").replace('"', '\\"')
    css = f"""
@page {{ size: {width:.3f}pt {height:.3f}pt; margin: {m['top']} {m['outside']} {m['bottom']}
  {m['inside']}; bleed: {bleed:.3f}pt; }}
@page :left {{ margin-left: {m['outside']}; margin-right: {m['inside']}; bleed-right: 0; }}
@page :right {{ margin-left: {m['inside']}; margin-right: {m['outside']}; bleed-left: 0; }}
:root {{ --book-title: "{title}"; font-size: {settings.font_size:g}pt;
  line-height: {settings.leading:g}; }}
html {{ string-set: book-title "{title}"; }}
"""
    if profile == "proof":
        css += "@page { marks: crop; }\n"
    if profile != "screen":
        # No links or bookmarks in a print interior.
        css += "h1, h2, h3, h4, h5, h6 { bookmark-level: none; }\n"
    return css


def _contents(book: Book, section: Section,
              pages: dict[str, str] | None = None) -> etree._Element:
    """The contents page, with page numbers; it marks the place of `section` (role toc)."""
    nav = etree.Element("nav", {"class": "contents", "id": "contents",
                                "data-section": section.id, "data-heading": "true"})
    etree.SubElement(nav, "h1").text = "Contents"
    ol = etree.SubElement(nav, "ol")
    for section in book.sections:
        if section.kind == "frontmatter":
            continue
        li = etree.SubElement(ol, "li", {"class": section.kind if section.kind == "part"
                                         else "entry"})
        link = etree.SubElement(li, "a", href=f"#{section.id}")
        if pages is not None:  # laid out in pieces: the target is in another piece
            del link.attrib["href"]
            link.set("data-page", pages[section.id])
        etree.SubElement(link, "span", {"class": "toc-title"}).text = section.toc_title
    return nav


def _section(section: Section, images: dict[str, str],
             nudged: set[str] = frozenset(), shell: bool = False) -> etree._Element:
    classes = [section.kind, section.role]
    el = etree.Element("section", {"id": section.id, "class": " ".join(dict.fromkeys(classes)),
                                   "data-title": section.toc_title, "data-section": section.id})
    if shell:
        return el
    if section.title:
        header = etree.SubElement(el, "header", {"data-heading": "true"})
        if section.number is not None:
            etree.SubElement(header, "p", {"class": "chapter-number"}).text = str(section.number)
        heading = etree.SubElement(header, "h1", {"class": f"{section.kind}-title"})
        heading.text = section.title
        if section.subtitle:
            etree.SubElement(header, "p", {"class": "subtitle"}).text = section.subtitle
    if section.body is not None:
        content = plain_html(copy.deepcopy(section.body))
        _inline_notes(content, section, nudged)
        for img in content.iter("img"):
            img.set("src", images.get(img.get("src"), img.get("src")))
        _one_document_links(content)
        el.text = content.text
        el.extend(list(content))
    return el


CHAPTER_LINK = re.compile(r"^([A-Za-z0-9_.-]+)\.xhtml(?:#(.*))?$")


def _one_document_links(content: etree._Element) -> None:
    """The EPUB's links to another chapter's file (`two.xhtml#id`) point into the one print
    document, where every id is the book's only one: `#id`, or the chapter's `<section>`."""
    for link in content.iter("a"):
        match = CHAPTER_LINK.match(link.get("href", ""))
        if match:
            stem, fragment = match[1], match[2]
            title = not fragment or fragment == f"{stem}-title"
            link.set("href", f"#{stem if title else fragment}")


def plain_html(el: etree._Element) -> etree._Element:
    """Drop the XHTML and EPUB namespaces so the HTML serializer writes plain HTML5."""
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag.startswith(f"{{{XHTML_NS}}}"):
            node.tag = node.tag.split("}", 1)[1]
        for attr in list(node.attrib):
            if attr.startswith(f"{{{EPUB_NS}}}") or attr == f"{{{XML_NS}}}lang":
                del node.attrib[attr]
    etree.cleanup_namespaces(el)
    return el


def _inline_notes(content: etree._Element, section: Section, nudged: set[str]) -> None:
    """Put each note's text where it is first called, floated to the page foot.

    A note first called from inside another note cannot float from there (a footnote holds
    no footnotes): its call there is a plain number, and the note floats from just after the
    outer note's call, so it is set below that note on the same page."""
    notes = {f"#{n.id}": n for n in section.notes}
    for ref in list(content.iter("a")):
        note = notes.get(ref.get("href")) if ref.get("class") == "noteref" else None
        if note is None:
            continue
        if ref.get("id") != note.ref_id:  # a later call of a note already placed
            _plain_call(ref, note)
            continue
        call = _note_call(note, nudged)
        call.tail = ref.tail
        ref.getparent().replace(ref, call)
        last, pending = call, [call]
        while pending:  # a loop, not recursion: a chain of notes may be thousands long
            holder = pending.pop(0)
            for inner in list(holder[0].iter("a")):
                inner_note = notes.get(inner.get("href")) \
                    if inner.get("class") == "noteref" else None
                if inner_note is None:
                    continue
                _plain_call(inner, inner_note)
                if inner.get("id") == inner_note.ref_id:
                    nested = _note_call(inner_note, nudged)
                    nested.set("class", "note-call nested")
                    last.addnext(nested)
                    nested.tail, last.tail = last.tail, None
                    last = nested
                    pending.append(nested)


def _plain_call(ref: etree._Element, note) -> None:
    """A call of a note floated from elsewhere: its number, not a link."""
    repeat = etree.Element("span", {"class": "note-repeat"})
    repeat.text, repeat.tail = str(note.number), ref.tail
    ref.getparent().replace(ref, repeat)


def _note_call(note, nudged: set[str]) -> etree._Element:
    """The span that stands at a note's call and holds the note, floated to the page foot."""
    call = etree.Element("span", {"class": "note-call", "id": note.ref_id})
    classes = "footnote nudged" if note.id in nudged else "footnote"
    footnote = etree.SubElement(call, "span", {"class": classes, "id": note.id,
                                               "data-n": str(note.number)})
    for block in note.blocks:
        para = plain_html(copy.deepcopy(block))
        _spans_only(para)
        para.set("class", "note-para" + (f" {para.get('class')}" if para.tag != "p" else ""))
        para.tag = "span"
        para.tail = None
        footnote.append(para)
    return call


def _spans_only(block: etree._Element) -> None:
    """The blocks inside a note's block (a quote's paragraphs, a list's items) as spans of
    class `note-<tag>`: the note is a span inside a paragraph, where an HTML parser would
    close the paragraph at the first `<p>` or `<ul>` and spill the rest of the note into the
    page. print.css gives each its block layout back."""
    for el in block.iter():
        if isinstance(el.tag, str) and el.tag not in PHRASING:
            classes = f"note-{el.tag} {el.get('class', '')}".strip()
            el.set("class", classes)
            if el is not block:
                el.tag = "span"
            # Line breaks between blocks are no text; inside a span they would set empty lines.
            if not (el.tail or "").strip():
                el.tail = None
            if len(el) and not (el.text or "").strip() and el[0].tag not in PHRASING:
                el.text = None


def print_images(book: Book) -> dict[str, str]:
    """Grey, opaque copies of the book's raster images (PDF/X-1a allows no RGB and no alpha).

    They go in as data URIs: WeasyPrint names images after their URL, so a content-derived URL
    keeps two builds byte-identical.
    """
    out, broken = {}, []
    for image in book.images:
        if image.media_type == "image/svg+xml":
            data, media_type = image.source.read_bytes(), image.media_type
            out[image.name] = f"data:{media_type};base64,{base64.b64encode(data).decode()}"
            continue
        try:
            data = _grey_png(image.source)
        except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
            # Pillow's words for a file that starts as an image and is not one: an HTML page
            # saved as .png, a download cut short.
            broken.append(Problem(os.path.relpath(image.source, book.config.root), None,
                                  f"the image cannot be decoded ({exc}); open it in an image "
                                  f"editor and save it again", "BB413"))
            continue
        out[image.name] = f"data:image/png;base64,{base64.b64encode(data).decode()}"
    if broken:
        raise BookError(broken)
    return out


def _grey_png(source: Path) -> bytes:
    """The picture as a grey, opaque PNG at its own resolution."""
    from PIL import Image as PILImage
    from PIL import ImageFile

    with PILImage.open(source) as picture:
        # WeasyPrint, once imported, lets Pillow load cut-short files (grey where data is
        # missing): a broken picture must be named, not printed half grey.
        lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
        try:
            picture.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = lenient
        dpi = picture.info.get("dpi", (300, 300))
        if picture.mode in ("RGBA", "LA", "P", "PA"):
            picture = picture.convert("RGBA")
            flat = PILImage.new("RGBA", picture.size, "white")
            flat.alpha_composite(picture)
            picture = flat
        buffer = io.BytesIO()
        picture.convert("L").save(buffer, "PNG", dpi=dpi)
    return buffer.getvalue()
