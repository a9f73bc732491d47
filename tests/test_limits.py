"""Limits: huge or pathological input builds, or stops with a clear `path:` message, in bounded
time and memory. The big cases run as their own process under a 512 MB address-space limit
(a build that needed more would fail) and a time limit; the limits are in the README."""

from __future__ import annotations

import json
import resource
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest
from bookkit import NS, Epub, make_book, run_cli, tiny_png

from bookbuild.errors import BookError
from bookbuild.markdown_ext.limits import MAX_BLOCKS, MAX_MARKS, MAX_NESTING

MEMORY = 512 * 2 ** 20
YAML = "title: Big Book\nauthor: Jane Doe\nspine: [one.md]\n"


def _build(book: Path, seconds: float, fmt: str = "epub") -> subprocess.CompletedProcess:
    """`bookbuild build --format FMT` in a process that may use MEMORY and `seconds`."""
    def confine() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bookbuild", "build", str(book), "--format",
                           fmt, "-q"], preexec_fn=confine, capture_output=True, text=True,
                          timeout=seconds * 3, check=False)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert "Traceback" not in done.stderr
    return done


def test_a_50_mb_chapter_is_refused_before_it_is_read(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": b"# One\n\n" + b"word " * 10_500_000})
    done = _build(book, 10)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "one.md: error: the file is 50.1 MB; bookbuild reads chapters of up to 2.0 MB: split it "
        "into several files [BB219 too-large]")


def test_a_100_mb_image_is_refused_before_it_is_read(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a huge picture](huge.png)\n"})
    with (book / "huge.png").open("wb") as handle:  # sparse: 100 MB that take no disk
        handle.write(tiny_png())
        handle.truncate(100 * 2 ** 20)
    done = _build(book, 10)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "one.md:3: error: image 'huge.png' is 100.0 MB; images may be at most 25.0 MB (stores "
        "refuse larger ones): make it smaller [BB219 too-large]")


@pytest.mark.slow
def test_a_chapter_of_10000_footnotes_builds(tmp_path):
    calls = "".join(f"Claim {n}.[^{n}]\n\n" for n in range(10_000))
    notes = "".join(f"[^{n}]: Source {n}.\n" for n in range(10_000))
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# Notes\n\n{calls}{notes}"})
    assert _build(book, 90).returncode == 0
    doc = Epub(book / "build" / "big-book.epub").document("one")
    assert len(doc.findall(".//x:aside", NS)) == 10_000


@pytest.mark.slow
def test_a_book_of_2000_chapters_builds(tmp_path):
    files = {f"ch/{n:04d}.md": f"# Chapter {n}\n\nText {n}.\n" for n in range(2000)}
    spine = "".join(f"  - ch/{n:04d}.md\n" for n in range(2000))
    book = make_book(tmp_path / "book", "title: Big Book\nauthor: Jane Doe\nspine:\n" + spine,
                     files)
    assert _build(book, 60).returncode == 0
    epub = Epub(book / "build" / "big-book.epub")
    assert len([name for name in epub.spine() if name.startswith("EPUB/text/ch-")]) == 2000


@pytest.mark.slow
def test_a_chapter_at_the_block_and_mark_limits_builds(tmp_path):
    """Python-Markdown's time grows with the square of these: the limits keep it in seconds."""
    paragraphs = "A line.\n\n" * (MAX_BLOCKS - 2)  # the heading and the marks are blocks too
    marks = "*a* " * (MAX_MARKS // 2)
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# One\n\n{paragraphs}{marks}\n"})
    assert _build(book, 60).returncode == 0


NESTINGS = {
    "quotes": lambda n: ">" * n + " Deep.\n",
    "lists": lambda n: "".join("    " * level + "- item\n" for level in range(n)),
    "divs": lambda n: "::: x\n" * n + "Deep.\n\n" + ":::\n" * n,
}


@pytest.mark.parametrize("kind", NESTINGS)
def test_nesting_builds_up_to_the_limit_and_is_refused_beyond(tmp_path, kind):
    make = NESTINGS[kind]
    inside = make_book(tmp_path / "inside", YAML, {"one.md": "# One\n\n" + make(MAX_NESTING)})
    assert run_cli("build", inside, "--format", "epub").code == 0
    beyond = make_book(tmp_path / "beyond", YAML, {"one.md": "# One\n\n" + make(MAX_NESTING + 1)})
    run = run_cli("build", beyond, "--format", "epub")
    assert run.code == 1
    assert f"this line is nested {MAX_NESTING + 1} levels deep" in run.err.splitlines()[0]
    assert run.err.startswith("one.md:")


def test_deep_raw_html_is_refused_at_its_line(tmp_path):
    deep = "<div>" * 200 + "Deep." + "</div>" * 200
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# One\n\nText.\n\n{deep}\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "one.md:5: error: the text nests more than 100 elements deep (lists, quotes or divs "
        "inside each other); bookbuild reads at most 100 [BB219 too-large]")


# Python-Markdown's slow paths, each refused before parsing at the line that starts it (each
# took from 38 s to over 300 s, most of it in one paragraph read again and again).
SLOW_PATHS = {
    "unclosed-image-brackets": (
        "![" * 3000 + "a" * 50_000,
        "one.md:3: error: the brackets [ from this line on are not closed in their paragraph (or "
        "nest deeply), and Markdown reads the rest of the paragraph for each: 159,003,000 "
        "characters, of at most 1,000,000; close them or write \\[ [BB219 too-large]"),
    "open-tags": (
        "<a \n\n" * 20_000,
        "one.md:405: error: too many tags (<...) are left open, and the HTML reader reads on to "
        "the next > for each: 20,098,697 characters by this line, of at most 20,000,000; close "
        "them, or write &lt; for a < that is text [BB219 too-large]"),
    "entities": (
        "&amp;" * 390_000,
        "one.md:3: error: this paragraph has more than 10,000 emphasis, link, note, code, tag, "
        "entity and escape marks (* _ [ ` < & \\); split it [BB219 too-large]"),
    "autolinks": (
        "Text.\n\n" + " ".join(f"<https://example.com/{n}>" for n in range(40_000)),
        "one.md:5: error: this paragraph has more than 10,000 emphasis, link, note, code, tag, "
        "entity and escape marks (* _ [ ` < & \\); split it [BB219 too-large]"),
    "long-paragraph": (
        "word " * 50_000,
        "one.md:3: error: this paragraph is longer than 200,000 characters; split it "
        "[BB219 too-large]"),
}


@pytest.mark.parametrize("case", SLOW_PATHS)
def test_markdown_slow_paths_are_refused_at_their_line(tmp_path, case):
    text, expected = SLOW_PATHS[case]
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# One\n\n{text}\n"})
    done = _build(book, 5)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == expected


def test_brackets_and_tags_within_the_limits_build(tmp_path):
    """Links, pictures, a stray [ and raw HTML, as a real chapter has them, pass the checks."""
    links = " ".join(f"[link {n}](https://example.com/{n}) <em>x</em>" for n in range(2000))
    text = f"A stray [ and x<y in prose.\n\n{links}\n\n" + "A paragraph [sic].\n\n" * 5000
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# One\n\n{text}"})
    assert _build(book, 20).returncode == 0


@pytest.mark.parametrize("text, expected", [
    ("word " * 2_000_000,
     "book.yaml: error: the file is 9.5 MB; bookbuild reads a book.yaml of up to 1.0 MB: put "
     "long texts in chapters [BB219 too-large]"),
    ("*a* " * 200_000,
     "book.yaml:4: error: 'acknowledgements' (its line 1): this paragraph has more than 10,000 "
     "emphasis, link, note, code, tag, entity and escape marks (* _ [ ` < & \\); split it "
     "[BB219 too-large]"),
    ("Thanks.\n\n" + "![" * 3000 + "a" * 50_000,
     "book.yaml:4: error: 'acknowledgements' (its line 3): the brackets [ from this line on are "
     "not closed in their paragraph (or nest deeply), and Markdown reads the rest of the "
     "paragraph for each: 159,003,000 characters, of at most 1,000,000; close them or write \\[ "
     "[BB219 too-large]"),
], ids=["10-mb", "marks", "brackets"])
def test_book_yaml_prose_has_the_limits_of_a_chapter(tmp_path, text, expected):
    book = make_book(tmp_path / "book", YAML + f"acknowledgements: {json.dumps(text)}\n",
                     {"one.md": "# One\n\nText.\n"})
    done = _build(book, 5)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == expected


def _png(width: int, height: int, rows: int | None = None) -> bytes:
    """A greyscale PNG of blank rows, which compress to almost nothing: 13000 x 13000 pixels
    is 170 KB. With `rows`, only that many rows follow the header (a truncated file)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))
    packer, row = zlib.compressobj(9), bytes(width + 1)
    data = b"".join(packer.compress(row) for _ in range(height if rows is None else rows))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0,
                                                            0, 0))
            + chunk(b"IDAT", data + packer.flush()) + chunk(b"IEND", b""))


@pytest.mark.parametrize("cover", [False, True], ids=["in-a-chapter", "as-the-cover"])
def test_an_image_of_169_megapixels_is_refused_from_its_header(tmp_path, cover):
    """A 170 KB PNG of 13000 x 13000 pixels took 2.7 GB to build (1.6 GB as the cover)."""
    yaml = YAML + ("cover: big.png\n" if cover else "")
    text = "Text.\n" if cover else "![a huge picture](big.png)\n"
    book = make_book(tmp_path / "book", yaml, {"one.md": f"# One\n\n{text}",
                                               "big.png": _png(13_000, 13_000)})
    done = _build(book, 5)
    assert done.returncode == 1
    where = "book.yaml:4: error: cover image" if cover else "one.md:3: error: image"
    assert done.stderr.splitlines()[0] == (
        f"{where} 'big.png' is 13,000 x 13,000 pixels; bookbuild reads images of up to "
        f"40,000,000 pixels (decoding takes 4 bytes a pixel): scale it down [BB219 too-large]")
    assert "DecompressionBomb" not in done.stderr


def test_images_past_pillows_limit_or_truncated_are_refused_with_their_line(tmp_path):
    """Pillow refuses to open an image over 179 million pixels, and one cut short before its
    size; only the header is read, so a few rows are enough to stand for the picture."""
    book = make_book(tmp_path / "book", YAML, {
        "one.md": "# One\n\n![a vast picture](vast.png)\n\n![a cut picture](cut.png)\n",
        "vast.png": _png(20_000, 20_000, rows=10), "cut.png": tiny_png()[:20]})
    done = _build(book, 5)
    assert done.returncode == 1
    assert done.stderr.splitlines()[:2] == [
        "one.md:3: error: image 'vast.png' is more than 178,956,970 pixels; bookbuild reads "
        "images of up to 40,000,000 pixels (decoding takes 4 bytes a pixel): scale it down "
        "[BB219 too-large]",
        "one.md:5: error: image 'cut.png' cannot be read as an image: the file is damaged or cut "
        "short [BB208 image-missing]"]


def _woff(tables: list[tuple[bytes, bytes, int]]) -> bytes:
    """A WOFF 1.0 file of (tag, zlib data, the length the table declares) tables."""
    offset = 44 + 20 * len(tables)
    directory, body = b"", b""
    for tag, packed, length in tables:
        directory += struct.pack(">4sIIII", tag, offset + len(body), len(packed), length, 0)
        body += packed
    header = struct.pack(">4sIIHHIHHIIIII", b"wOFF", 0x00010000, offset + len(body), len(tables),
                         0, 12 + 16 * len(tables) + sum(t[2] for t in tables), 1, 0, 0, 0, 0, 0, 0)
    return header + directory + body


def _woff2_bomb() -> bytes:
    """A WOFF2 whose one table declares 1 KB and whose Brotli stream unpacks to 200 MB."""
    import brotli

    packed = brotli.compress(bytes(200 * 2 ** 20), quality=1)
    directory = bytes([0x3F]) + b"DATA" + bytes([0x88, 0x00])  # an unknown tag, 1024 bytes
    header = struct.pack(">4sIIHHIIHHIIIII", b"wOF2", 0x00010000, 48 + len(directory)
                         + len(packed), 1, 0, 12 + 16 + 1024, len(packed), 1, 0, 0, 0, 0, 0, 0)
    return header + directory + packed


FONTS = {
    # a 2 MB WOFF whose table inflates to 2 GB took 4.3 GB and built
    "declares-2-gb": (lambda: _woff([(b"glyf", zlib.compress(bytes(2 ** 20)), 2 ** 31)]),
                      "the font's tables unpack to more than 50 MB; bookbuild reads fonts of up "
                      "to that [BB219 too-large]"),
    "inflates-past-its-length": (
        lambda: _woff([(b"glyf", zlib.compress(bytes(100 * 2 ** 20)), 200_000)]),
        "the font cannot be read: its table 'glyf' does not unpack to the length it declares; "
        "the file is damaged or cut short [BB225 font-unreadable]"),
    "woff2-inflates-to-200-mb": (
        _woff2_bomb,
        "the font's tables unpack to more than 50 MB; bookbuild reads fonts of up to that "
        "[BB219 too-large]"),
    "truncated": (lambda: (bookbuild_fonts() / "LinLibertine_R.otf").read_bytes()[:30_000],
                  "the font cannot be read (TTLibError: unexpected end of 'CFF ' table data: "
                  "expected 460634 bytes but got 22856 at offset 7144); the file is damaged or "
                  "cut short [BB225 font-unreadable]"),
}


def bookbuild_fonts() -> Path:
    from bookbuild.theme import PACKAGED

    return PACKAGED / "fonts"


@pytest.mark.parametrize("case", FONTS)
def test_a_font_bomb_or_a_broken_font_is_refused_before_weasyprint_loads_it(tmp_path, case):
    make, expected = FONTS[case]
    suffix = ".woff2" if "woff2" in case else ".otf" if case == "truncated" else ".woff"
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\nText.\n",
                                               f"styles/fonts/Bad{suffix}": make()})
    done = _build(book, 5, "pdf")
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == f"styles/fonts/Bad{suffix}: error: {expected}"


@pytest.mark.slow
def test_the_bundled_fonts_as_woff_and_woff2_pass_the_font_checks(tmp_path):
    from fontTools.ttLib import TTFont

    from bookbuild.pdf.fonts import check_fonts

    fonts = tmp_path / "book" / "styles" / "fonts"
    fonts.mkdir(parents=True)
    for flavor in ("woff", "woff2"):
        with TTFont(bookbuild_fonts() / "LinLibertine_R.otf") as font:
            font.flavor = flavor
            font.save(fonts / f"Own.{flavor}")
    check_fonts(tmp_path / "book")  # raises BookError if it refuses one
    (fonts / "Own.woff2").write_bytes((fonts / "Own.woff2").read_bytes()[:-500])
    with pytest.raises(BookError) as refused:
        check_fonts(tmp_path / "book")
    assert [p.format() for p in refused.value.problems] == [
        "styles/fonts/Own.woff2: error: the font cannot be read: its compressed tables lie past "
        "the end of the file; the file is damaged or cut short [BB225 font-unreadable]"]


def test_an_image_cut_short_after_its_header_is_refused_by_the_pdf_with_its_file(tmp_path):
    """Its header passes the checks; its pixels fail when the PDF decodes them."""
    data = _png(400, 400)
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a cut picture](cut.png)\n",
                                               "cut.png": data[:len(data) // 2]})
    done = _build(book, 15, "pdf")
    assert done.returncode == 1
    first = done.stderr.splitlines()[0]
    assert first.startswith("cut.png: error: the image cannot be decoded (")
    assert first.endswith("[BB413 image-undecodable]")


def test_print_css_cannot_load_a_font_bomb_from_elsewhere_in_the_book(tmp_path):
    """WeasyPrint knows a WOFF by its content, whatever its name or folder: print.css could
    load one from images/ past check_fonts; the fetcher refuses it, so it is left out."""
    from fontTools.ttLib import TTFont

    from bookbuild.pdf.fetcher import confined_fetcher

    book = make_book(tmp_path / "book", YAML, {
        "one.md": "# One\n\nText.\n",
        "images/bomb.png": _woff([(b"glyf", zlib.compress(bytes(2 ** 20)), 2 ** 31)])})
    with TTFont(bookbuild_fonts() / "LinLibertine_R.otf") as font:
        font.flavor = "woff"
        font.save(book / "images" / "good.png")
    fetcher = confined_fetcher(book)
    with pytest.raises(ValueError) as refused:
        fetcher.fetch((book / "images" / "bomb.png").resolve().as_uri())
    assert str(refused.value).startswith("the font's tables unpack to more than 50 MB;")
    response = fetcher.fetch((book / "images" / "good.png").resolve().as_uri())
    assert response.read(4) == b"wOFF"
    response.close()
