"""pandoc's simple, multiline and grid tables (issue 13) in the EPUB and the PDF: pandoc's own
alignment, widths and captions (tests/test_pandoc_conformance.py compares them with pandoc),
EPUBCheck-valid (test_epubcheck.py runs the feature book `pandoc-tables`), and in print no
wider than the text block."""

from __future__ import annotations

import pdfplumber
import pytest
from bookkit import NS, make_book, run_cli, text_of


@pytest.fixture(scope="module")
def tables(feature_books):
    doc = feature_books["pandoc-tables"].epub.document("tables")
    return doc.findall(".//x:section//x:table", NS)


def test_three_tables_with_their_captions(tables):
    assert [text_of(t.find("x:caption", NS)) for t in tables[:2]] == [
        "A simple table.", "A multiline table."]
    assert len(tables) == 3 and tables[2].find("x:caption", NS) is None


def test_simple_table_alignment_from_the_header_over_the_dashes(tables):
    assert [th.get("style") for th in tables[0].findall(".//x:th", NS)] == [
        "text-align: right;", "text-align: left;", "text-align: center;", None]
    assert tables[0].find("x:colgroup", NS) is None  # simple tables keep the browser's widths
    assert tables[0].find(".//x:td/x:em", NS) is not None  # cells carry inline Markdown


def test_multiline_widths_are_pandocs(tables):
    cols = tables[1].findall("x:colgroup/x:col", NS)
    # 12, 8, 16 and 26 of pandoc's 72 columns, truncated to whole percents
    assert [c.get("style") for c in cols] == ["width: 16%", "width: 11%", "width: 22%",
                                              "width: 36%"]
    assert tables[1].get("style") == "width:86%;"
    assert text_of(tables[1].findall(".//x:td", NS)[3]) == \
        "Example of a row that\nspans multiple lines."


def test_grid_cells_hold_blocks_and_colons_align(tables):
    assert [th.get("style") for th in tables[2].findall(".//x:th", NS)] == [
        "text-align: right;", "text-align: left;", "text-align: center;"]
    items = tables[2].findall(".//x:td/x:ul/x:li", NS)
    assert [text_of(li) for li in items] == ["built-in wrapper", "bright color"]


def test_no_dashed_line_became_a_rule(feature_books):
    doc = feature_books["pandoc-tables"].epub.document("tables")
    assert doc.find(".//x:hr", NS) is None
    assert "---" not in text_of(doc.find(".//x:section", NS))


WORDS = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor. " * 14
def line(cells: list[str], width: int, bar: str = "") -> str:
    return bar + "".join(f"{' ' if bar else ''}{c:<{width}}{' ' if bar else ''}{bar}"
                         if bar else f"{c:<{width}} " for c in cells).rstrip()


COLUMNS = ["Name", "Description", "Quantity", "Unit price", "Supplier", "Warehouse", "Remarks"]
ROWS = [["Widget", "Extraordinary", "1000000000", "123456789.00", "Incorporated",
         "Northwestern", "Unbreakable-remarks"],
        ["1234567890123", "1234567890123", "1234567890123", "1234567890123", "1234567890123",
         "1234567890123", "1234567890123"]]
# a simple table (seven columns of 14 characters) and a grid table (three of 36): too wide
SIMPLE = "\n".join([line(COLUMNS, 14), line(["-" * 14] * 7, 14),
                    *(line(row, 14) for row in ROWS)])
RULE = "+" + "+".join(["-" * 38] * 3) + "+"
GRID = "\n".join([RULE, line(["Column one, a long sentence", "Column two", "Three"], 36, "|"),
                  RULE.replace("-", "="),
                  line(["supercalifragilisticexpialidocious", "more text", "1"], 36, "|"),
                  RULE])
WIDE = f"""# Wide

{WORDS}

{SIMPLE}

Table: A table wider than the page.

{GRID}

{WORDS}
"""


@pytest.mark.slow
def test_a_wide_table_stays_inside_the_text_block_and_the_pdf_passes_preflight(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Wide Tables
        author: Jane Doe
        spine: [wide.md]
    """, {"wide.md": WIDE})
    run = run_cli("check", book, "--format", "pdf")  # the PDF/X preflight included
    assert run.code == 0, run.err
    assert "[BB405 " not in run.err, run.err
    with pdfplumber.open(book / "build" / "wide-tables.pdf") as pdf:
        chars = [(page.page_number % 2, c) for page in pdf.pages for c in page.chars
                 if c["text"].strip()]
    sizes = [round(c["size"], 1) for _, c in chars]
    body = max(set(sizes), key=sizes.count)  # the paragraphs' size; tables are set at 0.9em
    # the text block's right edge, recto and verso: where the justified lines end
    right = {side: max(c["x1"] for s, c in chars if s == side and round(c["size"], 1) == body)
             for side in (0, 1)}
    cells = [(side, c) for side, c in chars if round(c["size"], 1) == round(0.9 * body, 1)]
    words = "".join(c["text"] for _, c in cells).replace("\u2010", "")  # hyphenation's
    assert "Widget" in words and "12345" in words and "supercalifragilistic" in words
    assert max(c["x1"] - right[side] for side, c in cells) <= 0.5
