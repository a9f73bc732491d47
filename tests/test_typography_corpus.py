"""The typography corpus (typography_corpus.py): every sentence set exactly, in the EPUB and in
the PDF, across emphasis, links and spans and never in code; off when book.yaml says so."""

import re

import pytest
from bookkit import NS, Epub, make_book, run_cli, text_of
from pypdf import PdfReader
from typography_corpus import BLOCKS, CORPUS, NBSP, YAML_CORPUS

from bookbuild.read.typography import TypographySettings, curl_quotes, typeset


def corpus_paragraphs(feature_books):
    doc = feature_books["typography-corpus"].epub.document("corpus")
    return [text_of(p) for p in doc.findall(".//x:section/x:p", NS)]


@pytest.mark.parametrize("index", range(len(CORPUS)), ids=[m[:30] for m, _ in CORPUS])
def test_corpus_sentence_is_set_exactly_in_the_epub(feature_books, index):
    assert corpus_paragraphs(feature_books)[index] == CORPUS[index][1]


def test_quotes_are_curled_inside_documents_and_block_quotes(feature_books):
    doc = feature_books["typography-corpus"].epub.document("plain")
    texts = [text_of(p) for p in doc.iter("{http://www.w3.org/1999/xhtml}p")]
    assert "“Quoted,” she said." in texts
    assert "’Tis a quote in a quote block." in texts


def test_typography_can_be_switched_off(feature_books):
    doc = feature_books["typography-off"].epub.document("off")
    (p,) = doc.findall(".//x:section/x:p", NS)
    # Dashes and ellipses are still Python-Markdown's; quotes and spaces stay as typed.
    assert text_of(p).strip() == "\"Hello,\" Mr. Orlov said—'tis all…"


def test_wrong_way_quotes_are_warned_with_their_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Wrong Way
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": "# One\n\nFine here.\n\n‘Tis wrong, and ”so is this.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.out
    warnings = run.told("BB245")
    assert len(warnings) == 2, run.err
    assert all("one.md:5" in line for line in warnings), warnings


def test_no_warning_for_quotes_curled_the_right_way():
    text = "“Right,” she said, ‘quite’ right, ’tis so."
    assert curl_quotes(text, list(text), ["en"] * len(text), False) == []


def test_the_pass_is_the_same_on_a_plain_string():
    assert typeset("'Tis \"Mr. S. P. Orlov's\"...") == "’Tis “Mr.\u00a0S.\u00a0P.\u00a0Orlov’s”…"
    assert typeset('"x"', TypographySettings(quotes="straight")) == '"x"'


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[b[0][:30] for b in BLOCKS])
def test_corpus_block_is_set_exactly_in_the_epub(feature_books, index):
    """Inside tables, line blocks, definition lists, spans and notes; never inside code."""
    doc = feature_books["typography-corpus"].epub.document("blocks")
    (block,) = doc.xpath("//x:div[@id=$id]", id=f"block-{index}", namespaces=NS)
    _, xpath, expected = BLOCKS[index]
    assert [text_of(el) for el in block.xpath(xpath, namespaces=NS)] == expected


def test_no_wrong_way_warning_from_quotes_inside_code(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Code Quotes
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": "# One\n\n```\n‘tis ”so\n```\n\n    ‘tis ”so\n\nSee `‘tis ”so` here.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err
    assert "BB245" not in run.err


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u200a\u2060]+", "", text)


@pytest.fixture(scope="module")
def corpus_pdf_text(feature_books, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("corpus-pdf")
    run = run_cli("build", feature_books["typography-corpus"].root, "--format", "pdf",
                  "--out", out)
    assert run.code == 0, run.out
    (pdf,) = out.glob("*.pdf")
    return flat("".join(page.extract_text() for page in PdfReader(pdf).pages))


def test_corpus_sentences_reach_the_pdf(corpus_pdf_text):
    for _, expected in CORPUS[:-1]:  # Hebrew comes out of a PDF in visual order
        assert flat(expected) in corpus_pdf_text, expected


def test_corpus_blocks_reach_the_pdf(corpus_pdf_text):
    for _, _, texts in BLOCKS:
        for expected in texts:
            assert flat(expected.removeprefix("1. ")) in corpus_pdf_text, expected


# ---- book.yaml and chapter headers: the same pass, in the book's or the chapter's language ----

def _epub_text(epub) -> str:
    texts = [text_of(doc) for doc in epub.documents().values()]
    texts += [text_of(epub.xml(name)) for name in epub.files if name.endswith("nav.xhtml")]
    return "\n".join(texts + epub.metadata("dc:title"))


IN_EPUB = [entry for entry in YAML_CORPUS if entry[0] != "back-cover"]  # printed only


@pytest.mark.parametrize("key,typed,expected", IN_EPUB, ids=[k for k, _, _ in IN_EPUB])
def test_book_yaml_and_header_text_is_set_as_the_text_is_in_the_epub(feature_books, key,
                                                                    typed, expected):
    epub = feature_books["typography-yaml"].epub
    text = _epub_text(epub)
    assert expected in text, (key, typed)
    if typed != expected:
        assert typed not in text, key


def test_the_book_title_is_set_in_the_metadata(feature_books):
    epub = feature_books["typography-yaml"].epub
    assert epub.metadata("dc:title") == ["Don’t Say “Never”", "’Tis a Novel of ’53"]


def test_book_yaml_and_header_text_is_set_as_the_text_is_in_the_pdf(feature_books, tmp_path):
    book = feature_books["typography-yaml"].root
    run = run_cli("build", book, "--format", "all", "--out", tmp_path)
    assert run.code == 0, run.out + run.err
    texts = {}
    for pdf in tmp_path.glob("*.pdf"):
        raw = "".join(page.extract_text() for page in PdfReader(pdf).pages)
        texts[pdf.name.endswith("-cover.pdf")] = re.sub(r"[\s\u00a0\u200a\u2060]+", "", raw)
    assert set(texts) == {True, False}, list(tmp_path.iterdir())
    for key, _, expected in YAML_CORPUS:
        want = re.sub(r"[\s\u00a0\u200a\u2060]+", "", expected)
        assert want in texts[key == "back-cover"], key


def test_wrong_way_quotes_in_book_yaml_are_warned_at_the_key(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Wrong Way
        author: Jane Doe
        dedication: For ‘tis all.
        spine: [one.md]
    """, {"one.md": "# One\n\nFine.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.out
    warnings = run.told("BB245")
    assert len(warnings) == 1 and "book.yaml:3" in warnings[0], run.err


def test_quotes_nested_in_their_own_kind_that_cannot_be_paired_are_warned(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Nested
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": '# One\n\n"He said "no" to me," she said.\n\n"He said "no to me.\n'})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.out
    warnings = run.told("BB250")
    assert len(warnings) == 1 and "one.md:5" in warnings[0], run.err


@pytest.mark.parametrize("style,expected", [
    ("closed", f"Wait… then,{NBSP}… no… “…so”"),
    ("spaced", f"Wait{NBSP}… then,{NBSP}… no{NBSP}… “…so”"),
    ("typed", f"Wait{NBSP}… then,{NBSP}… no… “…so”")])
def test_the_ellipsis_is_spaced_as_book_yaml_says(tmp_path, style, expected):
    book = make_book(tmp_path / "book", f"""
        title: Ellipses
        author: Jane Doe
        typography: {{ellipsis: {style}}}
        spine: [one.md]
    """, {"one.md": '# One\n\nWait ... then, ... no... "...so"\n'})
    run = run_cli("build", book, "--format", "epub", "--out", tmp_path / "out")
    assert run.code == 0, run.err
    (epub,) = (tmp_path / "out").glob("*.epub")
    (p,) = Epub(epub).document("one").findall(".//x:section/x:p", NS)
    assert text_of(p) == expected
