"""The print wraparound cover (back, spine, front), written from the `Book`.

The cover sheet is laid out by WeasyPrint from the `Book`, styles/cover.css and the interior's
final page count, which sets the spine width; hands back a `CoverLayout`.
"""

from __future__ import annotations

import base64
import copy
import io
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pydyf
from lxml import etree

from bookbuild.book import Book
from bookbuild.errors import Report
from bookbuild.output import atomic_write
from bookbuild.pdf.render import Typesetter
from bookbuild.theme import theme_file
from bookbuild.xhtml import h

INCH = 72.0
# Paper thickness per page (KDP's cover calculator), which makes the spine.
PAPER_INCHES_PER_PAGE = {"white": 0.002252, "cream": 0.0025}
BLEED = 0.125 * INCH  # on every edge of the sheet
SPINE_TEXT_MIN_PAGES = 100  # thinner spines are too narrow to print a title on reliably
SPINE_CLEARANCE = 0.0625 * INCH  # between spine text and each fold
BARCODE = (2.0 * INCH, 1.2 * INCH)  # the clear area KDP prints the ISBN barcode into
BARCODE_INSET = 0.25 * INCH  # from the spine fold and the bottom trim
SAFE = 0.5 * INCH  # back-cover text keeps this far inside the trim
ART_DPI = 300


@dataclass(frozen=True)
class CoverGeometry:
    """The wraparound sheet in points: back panel, spine and front panel, bleed all round."""

    trim: tuple[float, float]  # one panel, as the interior's trim
    pages: int  # the interior's page count, as bound (even)
    paper: str

    @property
    def spine(self) -> float:
        return self.pages * PAPER_INCHES_PER_PAGE[self.paper] * INCH

    @property
    def trim_size(self) -> tuple[float, float]:
        """Back + spine + front, without bleed: the cover's TrimBox."""
        return 2 * self.trim[0] + self.spine, self.trim[1]

    @property
    def sheet(self) -> tuple[float, float]:
        """The whole sheet, bleed included: the cover's MediaBox."""
        width, height = self.trim_size
        return width + 2 * BLEED, height + 2 * BLEED

    @property
    def spine_text(self) -> bool:
        return self.pages >= SPINE_TEXT_MIN_PAGES


def bound_pages(page_count: int) -> int:
    """Printers bind leaves, so an odd page count gains a blank page at the end."""
    return page_count + page_count % 2


def cover_geometry(book: Book, page_count: int) -> CoverGeometry:
    settings = book.config.print
    return CoverGeometry(settings.trim, bound_pages(page_count), settings.paper)


@dataclass
class CoverLayout:
    path: Path
    geometry: CoverGeometry
    art_dpi: float  # the front image's resolution as printed


def write_cover(book: Book, path: Path, page_count: int, report: Report) -> CoverLayout:
    """Render and write the wraparound cover PDF for an interior of `page_count` pages."""
    geometry = cover_geometry(book, page_count)
    art, text_on_dark, dpi = _artwork(book, geometry)
    if dpi < ART_DPI - 0.5:
        report.warning(book.config.source, book.config.lines.get("cover"),
                       f"the cover image prints at {dpi:.0f} dpi on a {geometry.trim[0] / INCH:g}"
                       f" x {geometry.trim[1] / INCH:g} in front; printers ask for {ART_DPI}",
                       "BB107")
    typesetter = Typesetter(book.config.root, theme_file(book.config.root, "cover.css"))
    document = typesetter.render(cover_html(book, geometry, art, text_on_dark, report))
    atomic_write(path, document.write_pdf(finisher=_tag_rgb_images, pdf_identifier=True))
    return CoverLayout(path, geometry, dpi)


def cover_html(book: Book, geometry: CoverGeometry, art: str, text_on_dark: bool,
               report: Report) -> str:
    """The sheet as HTML: the artwork under everything, then the back text (the blurb, and the
    first paragraph about the author), the barcode area and the spine; page geometry comes
    from here, the look from cover.css."""
    from bookbuild.pdf.html import plain_html

    c = book.config
    (trim_w, trim_h), (panel_w, _) = geometry.trim_size, geometry.trim
    spine = geometry.spine
    root = etree.Element("html", lang=c.language)
    head = etree.SubElement(root, "head")
    etree.SubElement(head, "meta", charset="utf-8")
    etree.SubElement(head, "title").text = f"{book.title}: cover"
    for name in ("dcterms.created", "dcterms.modified"):
        etree.SubElement(head, "meta", name=name, content=book.modified)
    etree.SubElement(head, "style").text = f"""
@page {{ size: {trim_w:.3f}pt {trim_h:.3f}pt; margin: 0; bleed: {BLEED:.3f}pt; marks: none; }}
.artwork {{ left: {-BLEED:.3f}pt; top: {-BLEED:.3f}pt; width: {trim_w + 2 * BLEED:.3f}pt;
  height: {trim_h + 2 * BLEED:.3f}pt; }}
.back {{ left: {SAFE:.3f}pt; top: {SAFE:.3f}pt; width: {panel_w - 2 * SAFE:.3f}pt;
  height: {trim_h - 2 * SAFE - BARCODE[1] - BARCODE_INSET:.3f}pt; }}
.barcode {{ left: {panel_w - BARCODE_INSET - BARCODE[0]:.3f}pt;
  top: {trim_h - BARCODE_INSET - BARCODE[1]:.3f}pt; width: {BARCODE[0]:.3f}pt;
  height: {BARCODE[1]:.3f}pt; }}
.spine {{ left: {panel_w + spine / 2 - (trim_h - 2 * SAFE) / 2:.3f}pt;
  top: {trim_h / 2 - spine / 2:.3f}pt; width: {trim_h - 2 * SAFE:.3f}pt; height: {spine:.3f}pt;
  font-size: {min(12.0, (spine - 2 * SPINE_CLEARANCE) * 0.75):.2f}pt;
  line-height: {spine:.3f}pt; }}
"""
    body = etree.SubElement(root, "body", {"class": "on-dark" if text_on_dark else "on-light"})
    etree.SubElement(body, "img", {"class": "artwork", "src": art, "alt": ""})
    back = etree.SubElement(body, "div", {"class": "back"})
    etree.SubElement(back, "p", {"class": "back-title"}).text = book.title
    report.add(book.back_cover_problems)
    for block in book.back_cover:
        block = plain_html(copy.deepcopy(block))
        block.set("class", "blurb")
        back.append(block)
    about = next((s for s in book.sections if s.role == "about-the-author"), None)
    first = about.body.find(h("p")) if about is not None and about.body is not None else None
    if first is not None:
        block = plain_html(copy.deepcopy(first))
        block.set("class", "back-author")
        block.tail = None
        back.append(block)
    etree.SubElement(body, "div", {"class": "barcode"})
    if geometry.spine_text:
        spine_box = etree.SubElement(body, "div", {"class": "spine"})
        etree.SubElement(spine_box, "span", {"class": "spine-title"}).text = book.title
        etree.SubElement(spine_box, "span", {"class": "spine-author"}).text = \
            " & ".join(a.name for a in c.authors)
    return etree.tostring(root, method="html", encoding="unicode", doctype="<!DOCTYPE html>")


def _artwork(book: Book, geometry: CoverGeometry) -> tuple[str, bool, float]:
    """The sheet's background as one RGB picture at 300 dpi: the front image filling the front
    panel and its bleed, the back and spine in the colour of the image's spine-side edge, so
    the printer converts all of it to ink the same way.

    Returns it as a data URI (repeatable builds), whether text on it should be light, and the
    front image's printed resolution.
    """
    from PIL import Image, ImageStat

    (trim_w, trim_h), (panel_w, _) = geometry.trim_size, geometry.trim
    scale = ART_DPI / INCH
    sheet_px = (round((trim_w + 2 * BLEED) * scale), round((trim_h + 2 * BLEED) * scale))
    front_left = round((trim_w - panel_w + BLEED) * scale)
    front_px = (sheet_px[0] - front_left, sheet_px[1])
    with Image.open(book.config.cover) as source:
        front = source.convert("RGB")
    ratio = max(front_px[0] / front.width, front_px[1] / front.height)
    dpi = ART_DPI / ratio
    fitted = front.resize((max(front_px[0], round(front.width * ratio)),
                           max(front_px[1], round(front.height * ratio))), Image.LANCZOS)
    left, top = (fitted.width - front_px[0]) // 2, (fitted.height - front_px[1]) // 2
    fitted = fitted.crop((left, top, left + front_px[0], top + front_px[1]))
    edge = fitted.crop((0, 0, max(1, fitted.width // 25), fitted.height))
    colour = tuple(round(v) for v in ImageStat.Stat(edge).mean[:3])
    sheet = Image.new("RGB", sheet_px, colour)
    sheet.paste(fitted, (front_left, 0))
    buffer = io.BytesIO()
    sheet.save(buffer, "JPEG", quality=90, dpi=(ART_DPI, ART_DPI), icc_profile=_srgb())
    luminance = sum(w * (v / 255) ** 2.2 for w, v in zip((0.2126, 0.7152, 0.0722), colour,
                                                         strict=True))
    uri = f"data:image/jpeg;base64,{base64.b64encode(buffer.getvalue()).decode()}"
    return uri, luminance < 0.3, dpi


def _srgb() -> bytes:
    """The sRGB profile WeasyPrint ships (a fixed file, so builds stay byte-identical)."""
    return resources.files("weasyprint.pdf").joinpath("sRGB2014.icc").read_bytes()


def _tag_rgb_images(document, pdf) -> None:
    """Give RGB images the sRGB profile they were made in ([/ICCBased] instead of DeviceRGB),
    so the printer converts them to its inks from a known colour space."""
    profile = None
    for obj in list(pdf.objects):
        extra = getattr(obj, "extra", None)
        if not extra or extra.get("Subtype") != "/Image" or extra.get("ColorSpace") != \
                "/DeviceRGB":
            continue
        if profile is None:
            profile = pydyf.Stream([_srgb()], pydyf.Dictionary({"N": 3}), compress=True)
            pdf.add_object(profile)
        extra["ColorSpace"] = pydyf.Array(("/ICCBased", profile.reference))
