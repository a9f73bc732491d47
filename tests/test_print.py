"""Print settings, PDF profiles and the preflight, on tiny books built in tmp_path.

Each preflight check is also shown failing on a PDF that breaks it, so none can pass vacuously.
"""

from __future__ import annotations

import pytest
from bookkit import make_book, run_cli
from pypdf import PdfReader

from bookbuild import config as config_module
from bookbuild.checks.preflight import check_footnote_pages, check_openers
from bookbuild.pdf import PdfLayout, minimum_gutter
from bookbuild.read import read_book

CHAPTER = """---
title: The Only Chapter
subtitle: March 1st, 1953
---
The snow came early that year.[^1] It lay on the roofs of the ministries like a verdict.

{more}

[^1]: A note in the historian's voice.
"""
FILLER = "\n\n".join("Lorem ipsum dolor sit amet, the Moscow evening went on. " * 6
                     for _ in range(6))


def tiny_book(tmp_path, print_yaml: str = "", chapter: str | None = None, files=None):
    text = chapter if chapter is not None else CHAPTER.format(more=FILLER)
    yaml_text = ("title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                 "spine:\n  - part: \"Part One\"\n    chapters:\n      - ch.md\n" + print_yaml)
    return make_book(tmp_path / "book", yaml_text, {"ch.md": text, **(files or {})})


def build_pdf(book, *extra):
    run = run_cli("check", book, "--format", "pdf", *extra)
    return run, PdfReader(book / "build" / "small-book.pdf") if run.code == 0 else None


@pytest.mark.parametrize(("trim", "size"), [
    ("5x8", (360.0, 576.0)),
    ("a5", (419.53, 595.28)),
    ('"152mm x 229mm"', (430.87, 649.13)),
])
def test_trim_sets_the_trim_box(tmp_path, trim, size):
    run, reader = build_pdf(tiny_book(tmp_path, f"print:\n  trim: {trim}\n"))
    assert run.code == 0, run.err
    for page in reader.pages:
        assert abs(float(page.trimbox.width) - size[0]) <= 0.01
        assert abs(float(page.trimbox.height) - size[1]) <= 0.01


def test_bleed_grows_the_page_on_the_outside_top_and_bottom_only(tmp_path):
    run, reader = build_pdf(tiny_book(tmp_path, "print:\n  trim: 6x9\n  bleed: 0.125in\n"))
    assert run.code == 0, run.err
    for number, page in enumerate(reader.pages, start=1):
        media, trim = page.mediabox, page.trimbox
        assert abs(float(media.width) - 441) <= 0.01 and abs(float(media.height) - 666) <= 0.01
        assert float(trim.width) == pytest.approx(432, abs=0.01)
        if number % 2:  # recto: spine on the left, bleed on the right
            assert float(trim.left) == pytest.approx(float(media.left), abs=0.01)
        else:
            assert float(trim.right) == pytest.approx(float(media.right), abs=0.01)
        assert float(page.bleedbox.width) == pytest.approx(441, abs=0.01)


def test_margin_below_the_minimum_is_an_error_naming_key_pages_and_minimum(tmp_path):
    book = tiny_book(tmp_path, "print:\n  margins:\n    inside: 0.25in\n")
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 1
    assert "book.yaml:10: error: print.margins.inside is 0.25in, below the 0.375in" in run.err
    assert "-page book" in run.err
    assert not (book / "build" / "small-book.pdf").exists()


def test_unknown_print_key_names_the_closest_valid_one(tmp_path):
    run = run_cli("build", tiny_book(tmp_path, "print:\n  trimm: 6x9\n"))
    assert run.code == 1
    assert "book.yaml:9: error: unknown key 'trimm' in print (did you mean 'trim'?)" in run.err


@pytest.mark.parametrize(("pages", "gutter"), [
    (24, 0.375), (150, 0.375), (151, 0.5), (300, 0.5), (301, 0.625), (500, 0.625),
    (501, 0.75), (700, 0.75), (701, 0.875), (828, 0.875)])
def test_gutter_minimum_follows_the_page_count(pages, gutter):
    assert minimum_gutter(pages) == gutter


def test_character_no_bundled_font_has_is_a_warning_at_its_line(tmp_path):
    chapter = "# Plain\n\nOne line.\n\nThe seal read \u4e2d in red.\n"
    run = run_cli("build", tiny_book(tmp_path, chapter=chapter), "--format", "pdf")
    assert run.code == 0, run.err
    assert "ch.md:5: warning: '\u4e2d' (U+4E2D CJK UNIFIED IDEOGRAPH-4E2D) is in none of " \
           "the bundled fonts" in run.err
    strict = run_cli("build", tiny_book(tmp_path / "s", chapter=chapter), "--format", "pdf",
                     "--strict")
    assert strict.code == 1


def test_rgb_colour_fails_the_pdf_x_1a_preflight(tmp_path):
    chapter = CHAPTER.format(more='<p>A <span style="color: rgb(200, 0, 0)">red</span> word.</p>')
    run, _ = build_pdf(tiny_book(tmp_path, chapter=chapter))
    assert run.code == 1
    assert "RGB colour operator" in run.err and "[BB405 rgb-colour]" in run.err


def test_short_book_gets_a_page_count_warning(tmp_path):
    run, reader = build_pdf(tiny_book(tmp_path))
    assert run.code == 0, run.err
    assert f"warning: {len(reader.pages)} pages: print-on-demand paperbacks need 24 to 828" \
        in run.err


def test_screen_profile_has_links_and_bookmarks_and_no_pdf_x(tmp_path):
    run, reader = build_pdf(tiny_book(tmp_path), "--pdf-profile", "screen")
    assert run.code == 0, run.err
    root = reader.trailer["/Root"]
    assert "/Outlines" in root
    assert any("/Annots" in page for page in reader.pages)  # the contents links
    assert "/GTS_PDFXVersion" not in (reader.metadata or {})


def test_proof_profile_adds_crop_mark_space_around_the_trim(tmp_path):
    run, reader = build_pdf(tiny_book(tmp_path), "--pdf-profile", "proof")
    assert run.code == 0, run.err
    page = reader.pages[0]
    assert float(page.trimbox.width) == pytest.approx(432, abs=0.01)
    assert float(page.mediabox.height) == pytest.approx(648 + 36, abs=0.01)


def test_pdf_x_4_is_identified_in_xmp_and_reproducible(tmp_path):
    book = tiny_book(tmp_path, "print:\n  standard: pdf/x-4\n")
    run, reader = build_pdf(book)
    assert run.code == 0, run.err
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    first = (book / "build" / "small-book.pdf").read_bytes()
    assert run_cli("build", book, "--format", "pdf").code == 0
    assert (book / "build" / "small-book.pdf").read_bytes() == first


def _layout(book_dir, **kwargs) -> tuple:
    book = read_book(config_module.load(book_dir))
    return book, PdfLayout(book_dir / "x.pdf", "pod", "pdf/x-1a", 30,
                           {"top": 54, "bottom": 54, "inside": 36, "outside": 45}, 0, **kwargs)


def test_preflight_reports_a_footnote_set_on_another_page(tmp_path):
    book, layout = _layout(tiny_book(tmp_path))
    note = book.chapters()[0].notes[0]
    layout.note_pages[note.id] = (5, 6)
    problems = check_footnote_pages(book, layout)
    assert [p.format() for p in problems] == [
        "ch.md: warning: footnote 1 is called on page 5 but printed on page 6 "
        "[BB409 footnote-page]"]
    layout.note_pages[note.id] = (5, 5)
    assert check_footnote_pages(book, layout) == []


def test_preflight_reports_a_chapter_opening_on_a_verso(tmp_path):
    run, reader = build_pdf(tiny_book(tmp_path))
    assert run.code == 0, run.err
    book, layout = _layout(tmp_path / "book")
    layout.opener_pages["ch"] = 2
    findings = check_openers(reader, layout)
    assert any(f.code == "BB408" and "page 2, a verso" in f.message for f in findings)


def test_a_note_holding_a_quote_and_a_list_stays_whole_in_print(tmp_path):
    """The note is a span inside its paragraph; a `<p>` or `<ul>` inside it would make an HTML
    parser end the paragraph there and spill the rest of the note into the page."""
    import tinyhtml5

    from bookbuild.pdf.html import print_html, print_images
    from bookbuild.pdf.margins import effective_margins

    chapter = ("# One\n\nThe archive was silent.[^1] The sentence goes on after the call.\n\n"
               "[^1]: The clerk wrote:\n\n    > Quoted words of the clerk.\n\n"
               "    - first item of the list\n    - second item of the list\n")
    book_dir = tiny_book(tmp_path, chapter=chapter)
    book = read_book(config_module.load(book_dir))
    html = print_html(book, effective_margins(book, 40), "pod", print_images(book))
    root = tinyhtml5.parse(html)  # the parser WeasyPrint uses
    ns = "{http://www.w3.org/1999/xhtml}"
    note = next(el for el in root.iter(f"{ns}span") if "footnote" in el.get("class", "").split())
    note_text = " ".join("".join(note.itertext()).split())
    assert "Quoted words of the clerk." in note_text
    assert "first item of the list" in note_text and "second item" in note_text
    paragraph = next(p for p in root.iter(f"{ns}p") if note in list(p.iter()))
    assert "goes on after the call" in "".join(paragraph.itertext())

    run, pdf = build_pdf(book_dir)
    assert run.code == 0, run.err
    page = next(p.extract_text() for p in pdf.pages if "archive was silent" in p.extract_text())
    assert "Quoted words of the clerk" in page and "second item of the list" in page


def test_a_note_called_only_from_inside_another_note_is_set_below_it(tmp_path):
    """A footnote holds no footnotes: the inner notes float from just after the outer call, on
    its page, each once, and the text shows only the outer call (it was missing, BB409)."""
    chapter = ("# One\n\nThe archive was silent.[^a] The sentence goes on.[^e]\n\n"
               "[^a]: The clerk's note, which cites another.[^b]\n\n"
               "[^b]: The second note, citing a third.[^c]\n\n"
               "[^c]: The third note.\n\n"
               "[^e]: A later note from the text.\n")
    run, pdf = build_pdf(tiny_book(tmp_path, chapter=chapter))
    assert run.code == 0, run.err
    assert "BB409" not in run.err
    page = next(p.extract_text() for p in pdf.pages if "archive was silent" in p.extract_text())
    lines = page.splitlines()
    # Notes are numbered in the order of their calls in the text (e is 2), as in the EPUB;
    # the inner notes are set right below the note that calls them.
    assert "The archive was silent.1 The sentence goes on.2" in lines
    notes = [" ".join(line.split()) for line in lines if line[:1].isdigit() and "." in line[:3]]
    assert notes == ["1. The clerk’s note, which cites another.3",
                     "3. The second note, citing a third.4", "4. The third note.",
                     "2. A later note from the text."]
