"""The EPUB package: metadata (accessibility included), manifest and spine through ebooklib,
then the zip rewritten so that the same book gives the same bytes.
"""

from __future__ import annotations

import datetime
import io
import zipfile

from ebooklib import epub
from lxml import etree

from bookbuild import __version__
from bookbuild.book import Book, PageBreak
from bookbuild.config.schema import CLAIMS
from bookbuild.epub.documents import section_document
from bookbuild.epub.navigation import nav_document, ncx_document
from bookbuild.theme import theme_file
from bookbuild.xhtml import XML_NS

PARTICLES = ("van", "von", "de", "der", "den", "del", "della", "di", "da", "du", "des", "la",
             "le", "ten", "ter", "zu", "dos", "das", "bin", "ibn", "al", "el", "mac", "st.")
SUFFIXES = ("jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md")


def file_as(name: str) -> str:
    """The name as a catalogue sorts it: "Bram Stoker" → "Stoker, Bram", "Ludwig van
    Beethoven" → "Beethoven, Ludwig van", "Martin Luther King Jr." → "King, Martin Luther,
    Jr.", "Ursula K. Le Guin" → "Le Guin, Ursula K."; one word, or a name already "Surname,
    Given", stays as written."""
    if "," in name.rstrip(",").replace(", Jr", "").replace(", Sr", ""):
        return name
    words = name.replace(",", "").split()
    suffix = []
    while len(words) > 2 and words[-1].lower() in SUFFIXES:
        suffix.insert(0, words.pop())
    if len(words) < 2:
        return name
    surname = words.pop()
    # A capitalised particle belongs to the surname (Le Guin, De Quincey); a lower-case one
    # follows the given names (Beethoven, Ludwig van), as library catalogues sort them.
    while len(words) > 1 and words[-1].lower() in PARTICLES and words[-1][0].isupper():
        surname = f"{words.pop()} {surname}"
    given = " ".join(words)
    return ", ".join([surname, given, *([" ".join(suffix)] if suffix else [])])


def conformance_claim(book: Book) -> str | None:
    """The `dcterms:conformsTo` the book claims: None unless book.yaml asks for one and names
    who certifies it."""
    wanted = book.config.accessibility
    if wanted.claim == "none" or not wanted.certified_by:
        return None
    return CLAIMS[wanted.claim]


def _metadata(book: Book, eb: epub.EpubBook, page_breaks: list[PageBreak]) -> None:
    c = book.config
    eb.set_identifier(c.identifier)
    eb.set_unique_metadata("OPF", "generator", "",
                           {"name": "generator", "content": f"bookbuild {__version__}"})
    eb.title = book.title
    eb.add_metadata("DC", "title", book.title, {"id": "title"})
    eb.add_metadata(None, "meta", "main", {"refines": "#title", "property": "title-type"})
    if book.subtitle:
        eb.add_metadata("DC", "title", book.subtitle, {"id": "subtitle"})
        eb.add_metadata(None, "meta", "subtitle",
                        {"refines": "#subtitle", "property": "title-type"})
    eb.set_language(c.language)
    for n, author in enumerate(c.authors, start=1):
        uid = f"creator-{n}"
        eb.add_metadata("DC", "creator", author.name, {"id": uid})
        eb.add_metadata(None, "meta", "aut",
                        {"refines": f"#{uid}", "property": "role", "scheme": "marc:relators"})
        eb.add_metadata(None, "meta", author.file_as or file_as(author.name),
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
    claim = conformance_claim(book)
    if claim:  # only when book.yaml makes it, with the one who stands by it (checks/claim.py)
        eb.add_metadata(None, "meta", claim, {"property": "dcterms:conformsTo"})
        eb.add_metadata(None, "meta", book.config.accessibility.certified_by,
                        {"property": "a11y:certifiedBy"})
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
    parts.append("No flashing, motion or sound.")
    claim = conformance_claim(book)
    if claim:
        parts.append(f"Meets {claim.replace(' - ', ' and ')}, as certified by "
                     f"{book.config.accessibility.certified_by}.")
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


def epub_bytes(book: Book, page_breaks: list[PageBreak]) -> bytes:
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
    # Stored, not compressed: repack compresses every entry once, for good.
    epub.write_epub(buffer, eb, {"mtime": modified, "compresslevel": 0, "epub2_guide": False,
                                 "epub3_landmark": False, "epub3_pages": False})
    return buffer.getvalue()


def repack(data: bytes, epoch: int, language: str) -> bytes:
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
