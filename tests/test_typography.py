"""Smart typography: curly quotes, apostrophes, dashes and ellipses, but never inside code."""

from bookkit import NS, text_of


def paragraphs(feature_books):
    doc = feature_books["typography"].epub.document("typo")
    return doc.findall(".//x:section/x:p", NS)


def test_quotes_and_apostrophes_become_curly(feature_books):
    quotes = text_of(paragraphs(feature_books)[0])
    assert quotes == ("\u201cHello,\u201d she said. \u2018Quite so.\u2019 "
                      "It\u2019s the dog\u2019s bowl.")


def test_dashes_and_ellipsis_become_characters(feature_books):
    dashes = text_of(paragraphs(feature_books)[1])
    assert dashes == "Pages 10\u201312 \u2014 and then\u2026 nothing."


def test_code_spans_keep_straight_typography(feature_books):
    last = paragraphs(feature_books)[2]
    code = last.find("x:code", NS)
    assert code.text == "\"raw\" 'single' it's -- --- ..."
    assert last.text == "Code stays: "


def test_paragraph_alignment_is_left_to_the_reader(feature_books):
    """Justified or ragged is the reader's setting; a book that sets it overrides the reader."""
    import re

    css = feature_books["typography"].epub.files["EPUB/styles/epub.css"].decode()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    (rule,) = re.findall(r"(?m)^p \{([^}]*)\}", css)
    assert "text-align" not in rule and "hyphens: auto" in rule
