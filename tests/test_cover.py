"""Covers: the EPUB's cover image and page, the warnings about images stores reject, and the
print wraparound cover (back, spine, front) sized from the interior's page count."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from bookkit import NS, make_book, picture, run_cli
from pypdf import PdfReader
from pypdf.generic import ContentStream

from bookbuild import config as config_module
from bookbuild.cover import write_cover
from bookbuild.errors import Report
from bookbuild.read import read_book

INCH = 72.0
REPO = Path(__file__).resolve().parents[1]
BOOK = """
    title: Covered Book
    author: Jane Doe
    cover: {cover}
    spine: [a.md]
"""


def covered_book(tmp_path, image: bytes, name: str = "art/cover.jpg"):
    return make_book(tmp_path / "book", BOOK.format(cover=name),
                     {"a.md": "# A\n\nText.\n", name: image})


# ---- the EPUB cover ----


def test_epub_cover_is_a_cover_image_and_the_first_page(feature_books):
    epub = feature_books["matter"].epub
    manifest = epub.manifest()
    (cover_id,) = [i for i, item in manifest.items()
                   if "cover-image" in item.get("properties", "").split()]
    assert manifest[cover_id]["href"] == "images/cover.jpg"
    assert manifest[cover_id]["media-type"] == "image/jpeg"
    assert epub.opf.xpath("//opf:meta[@name='cover']/@content", namespaces=NS) == [cover_id]
    first = epub.spine()[0]
    assert first == "EPUB/text/cover.xhtml"
    (img,) = epub.xml(first).iter(f"{{{NS['x']}}}img")
    assert epub.full_name(img.get("src"), first) == "EPUB/images/cover.jpg"
    assert img.get("role") == "doc-cover"
    assert img.get("alt") == "The cover of Matter Book, by Jane Doe & John Roe"


@pytest.mark.parametrize(("image", "warning"), [
    (picture(1000, 1500), "is 1000 x 1500 px; stores ask for at least 1400 px on the short side"),
    (picture(1400, 2100, "L"), "is greyscale; stores expect an RGB cover"),
    (picture(1400, 2100, "CMYK"), "is CMYK; stores expect an RGB cover"),
])
def test_cover_image_stores_would_reject_is_a_warning_at_the_cover_line(tmp_path, image,
                                                                         warning):
    run = run_cli("build", covered_book(tmp_path, image), "--format", "epub")
    assert run.code == 0, run.err
    assert f"book.yaml:3: warning: cover image 'art/cover.jpg' {warning}" in run.err
    assert "[BB107 cover-image]" in run.err


def test_cover_image_over_five_megabytes_is_a_warning(tmp_path):
    from PIL import Image

    noise = Image.frombytes("RGB", (1500, 1300), os.urandom(1500 * 1300 * 3))
    path = tmp_path / "noise.png"
    noise.save(path, compress_level=0)
    assert path.stat().st_size > 5 * 2**20
    run = run_cli("build", covered_book(tmp_path, path.read_bytes(), "art/cover.png"),
                  "--format", "epub")
    assert run.code == 0, run.err
    assert "warning: cover image 'art/cover.png' is 5.6 MB; stores accept at most 5 MB" in run.err


def test_a_good_cover_draws_no_warning(tmp_path):
    run = run_cli("build", covered_book(tmp_path, picture(1600, 2400)), "--format", "epub")
    assert (run.code, run.err) == (0, "")


@pytest.mark.parametrize(("name", "files", "message"), [
    ("art/none.jpg", {}, "book.yaml:3: error: cover image 'art/none.jpg' does not exist "
                         "[BB208 image-missing]"),
    ("art/cover.gif", {"art/cover.gif": b"GIF89a"},
     "book.yaml:3: error: cover image 'art/cover.gif' must be a JPEG or PNG file [BB208"),
    ("../outside.jpg", {}, "book.yaml:3: error: '../outside.jpg' is outside the book folder "
                           "[BB105"),
])
def test_a_cover_that_is_missing_outside_or_not_jpeg_or_png_is_an_error(tmp_path, name, files,
                                                                         message):
    book = make_book(tmp_path / "book", BOOK.format(cover=name), {"a.md": "Text.\n", **files})
    (tmp_path / "outside.jpg").write_bytes(picture(1600, 2400))
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert message in run.err


# ---- the print cover ----


def sheet_inches(reader: PdfReader) -> tuple[float, float]:
    (page,) = reader.pages
    return float(page.mediabox.width) / INCH, float(page.mediabox.height) / INCH


def test_sample_cover_sheet_is_back_spine_and_front_with_bleed_for_its_page_count(sample):
    pages = len(sample["reader"].pages)
    pages += pages % 2  # printers bind leaves: an odd count gains a blank page
    cover = PdfReader(sample["cover"])
    spine = pages * 0.002252  # white paper, the sample's setting
    width, height = sheet_inches(cover)
    assert width == pytest.approx(0.125 + 6 + spine + 6 + 0.125, abs=0.01)
    assert height == pytest.approx(0.125 + 9 + 0.125, abs=0.01)
    (page,) = cover.pages
    trim = page.trimbox
    assert float(trim.width) / INCH == pytest.approx(12 + spine, abs=0.01)
    assert float(trim.left) - float(page.mediabox.left) == pytest.approx(9, abs=0.01)
    assert float(trim.bottom) - float(page.mediabox.bottom) == pytest.approx(9, abs=0.01)


@pytest.fixture(scope="module")
def thick_cover(tmp_path_factory):
    """The sample book's cover for a 321-page interior on cream paper (spine text)."""
    root = tmp_path_factory.mktemp("thick")
    yaml_text = (REPO / "book.yaml").read_text(encoding="utf-8")
    yaml_text = yaml_text.replace("  trim: 6x9", "  trim: 5.5x8.5\n  paper: cream")
    assert "paper: cream" in yaml_text
    (root / "book.yaml").write_text(yaml_text, encoding="utf-8")
    shutil.copytree(REPO / "manuscript", root / "manuscript")
    book = read_book(config_module.load(root))
    report = Report(root)
    layout = write_cover(book, root / "cover.pdf", 321, report)
    return layout, PdfReader(layout.path), report


def test_cream_paper_and_page_count_set_the_spine_width(thick_cover):
    layout, reader, report = thick_cover
    assert layout.geometry.pages == 322
    spine = 322 * 0.0025
    width, height = sheet_inches(reader)
    assert width == pytest.approx(0.125 + 5.5 + spine + 5.5 + 0.125, abs=0.01)  # 12.055 in
    assert height == pytest.approx(8.5 + 0.25, abs=0.01)
    assert report.problems == []


def _text_positions(page) -> list[tuple[str, float, float]]:
    found = []

    def visit(text, cm, tm, font, size):  # the text origin, through a CTM that may rotate
        if text.strip():
            found.append((text.strip(), cm[0] * tm[4] + cm[2] * tm[5] + cm[4],
                          cm[1] * tm[4] + cm[3] * tm[5] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def test_spine_title_only_from_a_hundred_pages(sample, thick_cover):
    _, reader, _ = thick_cover
    (page,) = reader.pages
    panel, spine = 5.5 * INCH, 322 * 0.0025 * INCH
    on_spine = [t for t, x, _ in _text_positions(page) if panel < x < panel + spine]
    assert "the mute regency" in " ".join(on_spine).lower()
    assert "Helena Markham" in " ".join(on_spine)
    (thin,) = PdfReader(sample["cover"]).pages
    assert len(sample["reader"].pages) < 100
    thin_spine = (float(thin.trimbox.width) - 12 * INCH)
    assert not [t for t, x, _ in _text_positions(thin) if 6 * INCH <= x <= 6 * INCH + thin_spine]


def test_back_cover_has_the_blurb_and_a_clear_barcode_area(thick_cover):
    _, reader, _ = thick_cover
    (page,) = reader.pages
    texts = _text_positions(page)
    back = " ".join(t for t, x, _ in texts if x < 5.5 * INCH)
    assert "Sofia Levina, a neurologist" in back
    # KDP's barcode box, 2 x 1.2 in at the bottom right of the back: no text in it.
    left, bottom = 5.5 * INCH - 0.25 * INCH - 2 * INCH, 0.25 * INCH
    assert not [t for t, x, y in texts
                if left <= x <= left + 2 * INCH and bottom <= y <= bottom + 1.2 * INCH]


def test_cover_is_cmyk_but_for_the_artwork_which_carries_its_srgb_profile(thick_cover):
    _, reader, _ = thick_cover
    (page,) = reader.pages
    operators = {op for _, op in ContentStream(page.get_contents(), reader).operations}
    assert not operators & {b"rg", b"RG"}, "vector colour must be CMYK"
    xobjects = page["/Resources"]["/XObject"]
    images = [x.get_object() for x in xobjects.values()
              if x.get_object()["/Subtype"] == "/Image"]
    assert len(images) == 1
    space = images[0]["/ColorSpace"]
    assert space[0] == "/ICCBased" and space[1].get_object()["/N"] == 3
    assert images[0]["/Width"] >= 300 * (2 * 5.5 + 0.805 + 0.25) - 2  # 300 dpi, whole sheet


def test_cover_command_writes_only_the_cover(tmp_path):
    book = covered_book(tmp_path, picture(1600, 2400))
    run = run_cli("cover", book)
    assert run.code == 0, run.err
    assert run.out.splitlines()[0] == f"wrote {book / 'build' / 'covered-book-cover.pdf'}"
    assert sorted(p.name for p in (book / "build").glob("*.pdf")) == ["covered-book-cover.pdf"]
    written = book / "build" / "covered-book-cover.pdf"
    assert sheet_inches(PdfReader(written))[1] == pytest.approx(9.25, abs=0.01)
    first = written.read_bytes()
    assert run_cli("cover", book).code == 0
    assert written.read_bytes() == first, "the same sources make the same cover, byte for byte"


def test_cover_command_without_a_cover_image_says_what_to_add(tmp_path):
    book = make_book(tmp_path / "book", "title: T\nauthor: A\nspine: [a.md]\n",
                     {"a.md": "Text.\n"})
    run = run_cli("cover", book)
    assert run.code == 1
    assert "book.yaml: error: the print cover needs a front image: add 'cover: " \
           "images/cover.jpg' to book.yaml [BB104 missing-key]" in run.err
