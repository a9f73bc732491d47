"""Last touches on the PDF objects before they are written: the rule over each page's notes,
no annotations in print, the PDF/X output intent, repeatable identifiers, and (on the assembled
book) one subset tag per embedded font program.
"""

from __future__ import annotations

import functools
import hashlib
import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

import pydyf

from bookbuild.book import Book
from bookbuild.pdf.margins import standard_for

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    import pikepdf
    from weasyprint.document import Document

# The rule over a page's footnotes: a quarter of the measure, 0.4 pt, in black ink only.
# CSS can draw the footnote area's border only across the whole measure, and WeasyPrint
# crashes on a CMYK gradient, so bookbuild draws the rule into the page itself.
FOOTNOTE_RULE_SHARE = 0.25
FOOTNOTE_RULE_WEIGHT = 0.4


def draw_footnote_rules(document: Document, pdf: pydyf.PDF) -> None:
    """Stroke a short rule at the top of every page's footnote area that holds notes."""
    from weasyprint.formatting_structure import boxes

    scale = 0.75  # PDF points per CSS pixel
    for number, page in zip(pdf.pages["Kids"][::3], document.pages, strict=True):
        area = next((b for b in page._page_box.children
                     if isinstance(b, boxes.FootnoteAreaBox) and b.children), None)
        if area is None:
            continue
        x = area.content_box_x() * scale
        y = (page.height - area.border_box_y()) * scale - FOOTNOTE_RULE_WEIGHT / 2
        length = area.width * scale * FOOTNOTE_RULE_SHARE
        # WeasyPrint's own stream leaves its flipped coordinates in force: fence it in.
        before = pydyf.Stream([b"q"])
        after = pydyf.Stream([b"Q", f"0 0 0 1 K {FOOTNOTE_RULE_WEIGHT:g} w 0 J "
                                    f"{x:.3f} {y:.3f} m {x + length:.3f} {y:.3f} l S".encode()])
        pdf.add_object(before)
        pdf.add_object(after)
        page_dict = pdf.objects[number]
        page_dict["Contents"] = pydyf.Array([before.reference, page_dict["Contents"],
                                             after.reference])


def drop_annotations(pdf: pydyf.PDF) -> None:
    """No links or comments on any page: a print interior carries none."""
    for number in pdf.pages["Kids"][::3]:  # Kids holds "n 0 R" triples
        pdf.objects[number].pop("Annots", None)


def finisher(book: Book, profile: str) -> Callable[[Document, pydyf.PDF], None]:
    """Last touches on the PDF objects: no annotations in print, repeatable identifiers. It
    can be pickled: a layout worker writes the front matter's PDF with it (chunked.py)."""
    document_id = f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, book.config.identifier)}"
    return functools.partial(_finish, document_id, standard_for(book, profile), profile)


def _finish(document_id: str, standard: str, profile: str, document: Document,
            pdf: pydyf.PDF) -> None:
    draw_footnote_rules(document, pdf)
    if standard != "none" and "OutputIntents" not in pdf.catalog:
        pdf.catalog["OutputIntents"] = pydyf.Array([_registered_output_intent()])
    if profile != "screen":
        drop_annotations(pdf)
        pdf.catalog.pop("Outlines", None)
        pdf.catalog.pop("PageMode", None)
        pdf.catalog.pop("Names", None)
    # PDF/X-4 metadata carries a random document id; derive it from the book instead.
    for obj in pdf.objects:
        if isinstance(getattr(obj, "stream", None), list):
            obj.stream = [_fixed_xmp(part, document_id) for part in obj.stream]


def _registered_output_intent():
    """An output intent naming a registered printing condition (SWOP, CGATS TR 001).

    PDF/X lets a file name a condition from the ICC registry instead of embedding a CMYK
    profile; a black-and-white interior needs nothing more.
    """
    return pydyf.Dictionary({
        "Type": "/OutputIntent",
        "S": "/GTS_PDFX",
        "OutputConditionIdentifier": pydyf.String("CGATS TR 001"),
        "OutputCondition": pydyf.String("SWOP (publication) printing in USA"),
        "RegistryName": pydyf.String("http://www.color.org"),
        "Info": pydyf.String("CGATS TR 001-1995 (SWOP)"),
    })


def _fixed_xmp(part, document_id: str):
    if isinstance(part, bytes) and b"xmp.did:" in part:
        return re.sub(rb"xmp\.did:[0-9a-f-]{36}", document_id.encode(), part)
    return part


SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
FONT_PROGRAMS = ("/FontFile", "/FontFile2", "/FontFile3")


def unique_subset_tags(pdf: pikepdf.Pdf) -> int:
    """Give every embedded font program its own subset tag; returns how many fonts were renamed.

    WeasyPrint derives a subset's tag from the font's description alone, so sections laid out
    apart and merged carry many different subsets of Libertine under one tag, which the PDF
    reference forbids (a RIP that caches fonts by name would print the wrong glyphs). Each
    program is tagged from a digest of its own bytes; byte-identical programs share one stream
    and one tag, as a single pass would have them.
    """
    import pikepdf

    programs: dict[bytes, pikepdf.Object] = {}  # digest -> the stream kept
    tags: dict[str, bytes] = {}  # tag given -> digest of its program
    descriptors = [obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary)
                   and obj.get("/Type") == "/FontDescriptor"]
    new_names: dict[tuple[int, int], str] = {}
    for descriptor in descriptors:
        key = next((k for k in FONT_PROGRAMS if k in descriptor), None)
        name = str(descriptor.get("/FontName", ""))
        if key is None or not SUBSET_TAG.match(name.lstrip("/")):
            continue
        digest = hashlib.sha256(descriptor[key].read_raw_bytes()).digest()
        descriptor[key] = programs.setdefault(digest, descriptor[key])
        base = name.lstrip("/")[7:]
        salt = 0
        while True:
            seed = hashlib.sha256(digest + base.encode() + bytes([salt])).digest()
            tag = "".join(chr(65 + b % 26) for b in seed[:6])
            if tags.setdefault(tag, digest) == digest:
                break
            salt += 1
        new = f"/{tag}+{base}"
        new_names[descriptor.objgen] = new
        descriptor.FontName = pikepdf.Name(new)
    count = 0
    for font in (obj for obj in pdf.objects if isinstance(obj, pikepdf.Dictionary)
                 and obj.get("/Type") == "/Font" and obj.get("/Subtype") == "/Type0"):
        cid_font = font.DescendantFonts[0]
        descriptor = cid_font.get("/FontDescriptor")
        new = new_names.get(descriptor.objgen) if descriptor is not None else None
        if new is None:
            continue
        if str(font.BaseFont) != new:
            count += 1
        font.BaseFont = pikepdf.Name(new)
        cid_font.BaseFont = pikepdf.Name(new)
    return count
