"""Front and back matter from book.yaml: the generated pages, their semantics and order, and
the author's own pages replacing them; in the EPUB and in the print PDF alike."""

from __future__ import annotations

import re

import pytest
from bookkit import NS, make_book, run_cli, text_of
from pypdf import PdfReader

EPUB_TYPE = f"{{{NS['epub']}}}type"


def section_of(epub, name: str):
    return epub.xml(name).find(".//x:body/x:section", NS)


def stems(epub) -> list[str]:
    return [name.rsplit("/", 1)[-1].removesuffix(".xhtml") for name in epub.spine()]


def test_generated_pages_open_and_close_the_book_in_the_usual_order(feature_books):
    epub = feature_books["matter"].epub
    assert stems(epub) == [
        "cover", "half-title", "title-page", "copyright", "dedication", "epigraph", "nav",
        "pre", "ch1", "after", "acknowledgements", "about-the-author", "also-by"]


@pytest.mark.parametrize(("stem", "epub_type", "role"), [
    ("cover", "cover", None),
    ("half-title", "halftitlepage", None),
    ("title-page", "titlepage", None),
    ("copyright", "copyright-page", None),
    ("dedication", "dedication", "doc-dedication"),
    ("epigraph", "epigraph", "doc-epigraph"),
    ("acknowledgements", "acknowledgments", "doc-acknowledgments"),
    ("about-the-author", None, None),  # neither vocabulary has a term for these two
    ("also-by", None, None),
])
def test_each_generated_page_has_its_structural_semantics(feature_books, stem, epub_type, role):
    epub = feature_books["matter"].epub
    section = section_of(epub, f"EPUB/text/{stem}.xhtml")
    assert section.get(EPUB_TYPE) == epub_type
    assert section.get("role") == role
    assert section.get("aria-label") or section.get("aria-labelledby")
    body = section.getparent()
    front = stem not in ("acknowledgements", "about-the-author", "also-by")
    assert body.get(EPUB_TYPE) == ("frontmatter" if front else "backmatter")


def test_landmarks_reach_cover_title_copyright_contents_text_and_back_matter(feature_books):
    epub = feature_books["matter"].epub
    nav_name = epub.nav_name()
    (landmarks,) = epub.xml(nav_name).xpath("//x:nav[@epub:type='landmarks']", namespaces=NS)
    marks = {a.get(EPUB_TYPE): epub.full_name(a.get("href"), nav_name)
             for a in landmarks.iter(f"{{{NS['x']}}}a")}
    assert marks == {"cover": "EPUB/text/cover.xhtml", "titlepage": "EPUB/text/title-page.xhtml",
                     "copyright-page": "EPUB/text/copyright.xhtml", "toc": "EPUB/nav.xhtml",
                     "bodymatter": "EPUB/text/ch1.xhtml", "backmatter": "EPUB/text/after.xhtml"}


def test_title_page_and_half_title_come_from_the_metadata(feature_books):
    epub = feature_books["matter"].epub
    half = section_of(epub, "EPUB/text/half-title.xhtml")
    assert [text_of(p) for p in half] == ["Matter Book"]
    title = section_of(epub, "EPUB/text/title-page.xhtml")
    assert [(el.tag.split("}")[1], text_of(el)) for el in title] == [
        ("h1", "Matter Book"), ("p", "Pages From Metadata"), ("p", "Jane Doe and John Roe"),
        ("p", "Test Press")]


def test_copyright_page_has_rights_notice_edition_publisher_and_both_isbns(feature_books):
    epub = feature_books["matter"].epub
    lines = [text_of(p) for p in section_of(epub, "EPUB/text/copyright.xhtml")]
    assert lines[0] == "Copyright \u00a9 2026 Jane Doe and John Roe"  # no `rights:`: made up
    assert lines[1].startswith("This is a work of fiction.")
    assert lines[2:] == ["Second edition", "Published by Test Press, 2026",
                         "ISBN 0-306-40615-2 (paperback)", "ISBN 978-0-00-000195-5 (ebook)"]
    # The ebook ISBN is the package's identifier when book.yaml sets none.
    assert epub.metadata(f"dc:identifier[@id='{epub.opf.get('unique-identifier')}']") == [
        "urn:isbn:9780000001955"]


def test_book_yaml_prose_is_typeset_like_a_chapter_and_never_runs_html(feature_books):
    epub = feature_books["matter"].epub
    dedication = section_of(epub, "EPUB/text/dedication.xhtml")
    (p,) = dedication
    assert text_of(p) == "For everyone who \u201casked\u201d."
    assert p.find("x:em", NS).text == "everyone"
    epigraph = section_of(epub, "EPUB/text/epigraph.xhtml").find("x:blockquote", NS)
    words, footer = list(epigraph)
    (attribution,) = footer
    assert text_of(words) == "Words без слов & <b>no tags</b>."
    assert words.find("x:b", NS) is None
    span = words.find("x:span", NS)
    assert span.get("lang") == span.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"
    assert text_of(attribution) == "\u2014\u2009A.\u00a0Speaker, A Source"  # set as text is
    assert attribution.find("x:cite", NS).text == "A Source"
    thanks = section_of(epub, "EPUB/text/acknowledgements.xhtml")
    assert [text_of(p) for p in thanks.findall("x:p", NS)] == [
        "First paragraph of thanks.", "Second paragraph of thanks."]
    assert thanks.find("x:header/x:h1", NS).text == "Acknowledgements"


def test_also_by_lists_the_titles_under_the_authors_names(feature_books):
    section = section_of(feature_books["matter"].epub, "EPUB/text/also-by.xhtml")
    assert section.find("x:header/x:h1", NS).text == "Also by Jane Doe and John Roe"
    assert [text_of(li) for li in section.iter(f"{{{NS['x']}}}li")] == ["First Book",
                                                                       "Second Book"]


def test_contents_lists_the_text_not_the_books_furniture(feature_books):
    epub = feature_books["matter"].epub
    nav = epub.xml(epub.nav_name())
    labels = [text_of(a) for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)]
    assert labels == ["Dedication", "Epigraph", "Preface", "One", "Afterword",
                      "Acknowledgements", "About the Author", "Also by Jane Doe and John Roe"]


def test_the_authors_own_pages_replace_the_generated_ones_in_the_same_places(feature_books):
    epub = feature_books["matter_replaced"].epub
    assert stems(epub) == ["half-title", "title", "legal", "dedication", "nav", "ch1", "about"]
    assert text_of(section_of(epub, "EPUB/text/title.xhtml")).strip() == "Our own title page."
    assert section_of(epub, "EPUB/text/title.xhtml").get(EPUB_TYPE) == "titlepage"
    assert section_of(epub, "EPUB/text/legal.xhtml").get(EPUB_TYPE) == "copyright-page"
    assert text_of(section_of(epub, "EPUB/text/dedication.xhtml")).strip() == "For the file."
    about = section_of(epub, "EPUB/text/about.xhtml")
    assert about.find("x:header/x:h1", NS).text == "About Jane"
    assert "generated" not in b"".join(epub.files.values()).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def matter_pdf(feature_books, tmp_path_factory) -> PdfReader:
    """The `matter` feature book's print interior."""
    out = tmp_path_factory.mktemp("matter-pdf")
    run = run_cli("build", feature_books["matter"].root, "--format", "pdf", "--out", out)
    assert run.code == 0, run.err
    return PdfReader(out / "matter-book.pdf")


def test_print_edition_sets_the_same_generated_pages(matter_pdf):
    pages = [" ".join(re.sub(r"[\u2010-]\n", "", page.extract_text()).split())
             for page in matter_pdf.pages]
    # Small capitals come back from the text layer in mixed case.
    assert pages[0].lower() == "matter book"  # half title
    assert pages[1] == ""
    title = next(n for n, text in enumerate(pages) if "Pages From Metadata" in text)
    assert title % 2 == 0, "the title page is a recto (odd page number)"
    # Display pages print no folio and no running head: nothing but their own text.
    assert pages[title].lower() == "matter book pages from metadata jane doe and john roe " \
                                   "test press"
    copyright_page = pages[title + 1]  # its verso
    assert "This is a work of fiction." in copyright_page
    assert "ISBN 0-306-40615-2 (paperback)" in copyright_page
    assert "ISBN 978-0-00-000195-5 (ebook)" in copyright_page
    rest = pages[title + 2:]
    assert rest[0].startswith("For everyone who \u201casked\u201d.")  # dedication, a recto
    assert any(text.startswith("Words без слов") for text in rest)
    back = " ".join(rest[rest.index(next(t for t in rest if t.startswith("Afterword"))):])
    for heading in ("Acknowledgements", "About the Author", "Also by Jane Doe and John Roe",
                    "First Book"):
        assert heading in back
    # The cover is a sheet of its own in print (`bookbuild cover`), not an interior page.
    assert not any(page.images for page in matter_pdf.pages)


def test_isbn_with_a_wrong_check_digit_is_an_error_at_its_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: T
        author: A
        isbn:
          epub: 978-0-00-000195-5
          print: 978-0-00-000196-3
        spine: [a.md]
    """, {"a.md": "Text.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert run.err.startswith("book.yaml:5: error: 'print' ISBN '978-0-00-000196-3' is not "
                              "valid: the check digit is 3, but the other digits make it 2 "
                              "[BB103 invalid-value]"), run.err


def test_the_two_editions_need_different_isbns(tmp_path):
    book = make_book(tmp_path / "book", """
        title: T
        author: A
        isbn: {epub: 9780000001955, print: 978-0-00-000195-5}
        spine: [a.md]
    """, {"a.md": "Text.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert "book.yaml:3: error: the ebook and the print edition each need their own ISBN" \
        in run.err


@pytest.mark.parametrize(("isbn", "problem"), [
    ("978-0-306-40615-7", None),
    ("9780306406157", None),
    ("0-306-40615-2", None),
    ("0-8044-2957-X", None),
    ("080442957x", None),
    ("978-0-306-40615-8", "the check digit is 8, but the other digits make it 7"),
    ("0-306-40615-3", "the check digit is 3, but the other digits make it 2"),
    ("977-0-306-40615-7", "an ISBN-13 starts with 978 or 979"),
    ("978-0-306-4061", "an ISBN has 13 digits (or 10, the last of which may be X)"),
    ("97803064061X7", "an ISBN has 13 digits (or 10, the last of which may be X)"),
])
def test_isbn_check_digits(isbn, problem):
    from bookbuild.config import isbn_problem

    assert isbn_problem(isbn) == problem


def test_fiction_must_be_true_or_false_and_epigraph_needs_its_text(tmp_path):
    book = make_book(tmp_path / "book", """
        title: T
        author: A
        fiction: maybe
        epigraph: {author: Somebody}
        spine: [a.md]
    """, {"a.md": "Text.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert "book.yaml:3: error: 'fiction' must be true or false [BB103 invalid-value]" in run.err
    assert "book.yaml:4: error: epigraph needs the key 'text' [BB104 missing-key]" in run.err


def test_a_character_the_fonts_lack_on_a_generated_page_is_a_warning_at_its_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: T
        author: A
        dedication: For \u4e2d.
        spine: [a.md]
    """, {"a.md": "# A\n\nText.\n"})
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    assert "book.yaml:3: warning: '\u4e2d' (U+4E2D CJK UNIFIED IDEOGRAPH-4E2D) is in none of " \
           "the bundled fonts" in run.err


def test_back_matter_from_book_yaml_follows_the_authors_own(tmp_path):
    from bookkit import Epub, build_epub

    book = make_book(tmp_path / "book", """
        title: T
        author: A
        afterword: Why this book.
        about-the-author: A lives here.
        spine:
          - a.md
          - {file: notes.md, type: backmatter, role: appendix}
    """, {"a.md": "# A\n\nText.\n", "notes.md": "# Notes\n\nMore.\n"})
    epub = Epub(build_epub(book))
    assert stems(epub)[-4:] == ["a", "notes", "afterword", "about-the-author"]
    assert section_of(epub, "EPUB/text/afterword.xhtml").get(EPUB_TYPE) == "afterword"
