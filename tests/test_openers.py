"""Contents and openers in print, read from the PDF itself: the contents' rows (back matter at
the top level, leaders ending together, page numbers in one column), no folio on a part's page
or a blank one, no number over a chapter whose title says it, no indent after an opening
quotation, a dedication set as one whatever its spine entry says, the copyright at the foot.
"""

from __future__ import annotations

import re

import pdfplumber
import pytest
from bookkit import NS, Epub, make_book, run_cli, text_of

from bookbuild.pdf.html import names_its_number
from bookbuild.read.matter import role_from_title

TRIM_HEIGHT = 9 * 72
BOTTOM = 0.8 * 72  # the book's bottom margin, set below
LEFT = 0.625 * 72  # inside and outside alike, so both pages of a spread start here
FILLER = " ".join(["The snow lay on the roofs of the ministries like a verdict."] * 5)


def chapter(title: str, paragraphs: int = 2, opening: str = "") -> str:
    body = "\n\n".join(f"{FILLER} ({n})" for n in range(paragraphs))
    return f"# {title}\n\n{opening}{body}\n"


OPENINGS = f"""# The Quotations

::: {{.epigraph author="K. Dubrovina" source="Winter Notebooks"}}
For three years the whole country leaned toward one bed.
:::

After the epigraph. {FILLER}

Indented. {FILLER}

> A plain quotation.

After the quotation. {FILLER}

#### A small heading

After the heading. {FILLER}

* * *

After the scene break. {FILLER}

<div class="centered">A raw division.</div>

After the division. {FILLER}
"""

BOOK = """
title: Openers
author: A. Writer
language: en
acknowledgements: Thanks to everyone.
spine:
  - {file: front/dedication.md, type: frontmatter}
  - {file: front/legal.md, type: frontmatter, role: copyright-page}
  - part: "Part One: The Hand"
    chapters: [one.md, two.md, three.md]
  - part: "Part Two: The Word"
    chapters: [four.md, five.md, six.md]
  - {file: back/note.md, type: backmatter, role: afterword}
  - {file: back/about_the_author.md, type: backmatter}
print:
  margins: {top: 0.75in, bottom: 0.8in, inside: 0.625in, outside: 0.625in}
"""
FILES = {
    "front/dedication.md": "# Dedication\n\nFor M., who waited.\n",
    "front/legal.md": ("# Copyright\n\nCopyright 2026 A. Writer.\n\n"
                       + "All rights reserved. " * 3 + "\n\nFirst edition.\n"),
    "one.md": chapter("Chapter VII", 14),
    "two.md": chapter("Chapter Seven: The Storm", 2),
    "three.md": chapter("The Thaw", 14),
    "four.md": OPENINGS,
    "five.md": chapter("The Last Word", 10, "> Nobody asked the hand.\n\n"
                                            "--- Sofia Levina, *Notes*\n\nAfter the source. "),
    "six.md": chapter("The Long Night of the Interpreters, in Which Nobody Sleeps and "
                      "Everyone Listens at the Door", 1),
    "back/note.md": chapter("Historical Note", 1),
    "back/about_the_author.md": "The author lives by the sea.\n",
}


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    """The book checked once (EPUBCheck and the preflight) and its PDF read with pdfplumber:
    each page's lines as (x0, x1, top, bottom, text) and its characters."""
    root = make_book(tmp_path_factory.mktemp("openers") / "book", BOOK, FILES)
    run = run_cli("check", root)
    assert run.code == 0, run.out + run.err
    assert "EPUBCheck: 0 errors, 0 warnings" in run.out, run.out
    told = [line for line in (run.out + run.err).splitlines()
            if "warning:" in line and "BB249" not in line]  # BB249: it has no cover
    assert told == [], told
    with pdfplumber.open(root / "build" / "openers.pdf") as pdf:
        pages = [{"lines": [(line["x0"], line["x1"], line["top"], line["bottom"], line["text"])
                            for line in page.extract_text_lines()],
                  "chars": page.chars, "text": page.extract_text() or ""}
                 for page in pdf.pages]
    return {"root": root, "pages": pages, "epub": Epub(root / "build" / "openers.epub")}


def page_with(pages, text: str) -> int:
    (index,) = [i for i, page in enumerate(pages) if any(line[4] == text
                                                          for line in page["lines"])]
    return index


def contents_rows(pages) -> dict[str, dict]:
    """Each contents row by title: where its title starts, its dots, and its page number."""
    page = pages[page_with(pages, "Contents")]
    rows: dict[float, list] = {}
    for char in page["chars"]:
        if char["top"] < page["lines"][0][3] + 5 or char["text"] == " ":
            continue  # the heading, and spaces
        rows.setdefault(round(char["bottom"]), []).append(char)
    out = {}
    for chars in rows.values():
        chars.sort(key=lambda c: c["x0"])
        dots = [c for c in chars if c["text"] == "."]
        if not dots:
            continue  # the folio
        title = "".join(c["text"] for c in chars if c["x1"] <= dots[0]["x0"])
        number = [c for c in chars if c["x0"] >= dots[-1]["x1"]]
        out[title] = {"x0": chars[0]["x0"], "dots": [d["x0"] for d in dots],
                      "number": "".join(c["text"] for c in number),
                      "number_x1": number[-1]["x1"], "number_x0": number[0]["x0"]}
    return out


@pytest.mark.slow
def test_back_matter_stands_at_the_top_level_of_the_contents(book):
    rows = contents_rows(book["pages"])
    parts = [rows[t]["x0"] for t in rows if t.startswith("Part")]
    assert len(parts) == 2 and parts[0] == pytest.approx(parts[1])
    for title in ("ChapterVII", "TheThaw", "TheLastWord"):
        assert rows[title]["x0"] > parts[0] + 10  # a part's chapters, indented
    for title in ("HistoricalNote", "Acknowledgements", "AbouttheAuthor"):
        assert rows[title]["x0"] == pytest.approx(parts[0], abs=0.1), title


@pytest.mark.slow
def test_leaders_end_together_and_page_numbers_share_one_column(book):
    rows = contents_rows(book["pages"])
    numbers = [row["number"] for row in rows.values()]
    assert {len(n) for n in numbers} == {1, 2}, numbers  # one and two digits
    assert "EveryoneListensattheDoor" in rows  # a title's second line, before the column
    last_dots = [row["dots"][-1] for row in rows.values()]
    assert max(last_dots) - min(last_dots) < 0.1, last_dots
    ends = [row["number_x1"] for row in rows.values()]
    assert max(ends) - min(ends) < 0.1, ends
    # The dots stand on one grid, row to row.
    step = rows["TheThaw"]["dots"][1] - rows["TheThaw"]["dots"][0]
    for row in rows.values():
        offsets = [(x - last_dots[0]) / step for x in row["dots"]]
        assert all(abs(o - round(o)) < 0.02 for o in offsets), row
    # A gap of the same width before every page number, however many digits.
    assert min(row["number_x0"] for row in rows.values()) > last_dots[0] + 5


@pytest.mark.slow
def test_a_screen_pdf_numbers_its_contents_as_the_print_one(book, tmp_path):
    out = tmp_path / "screen"
    run = run_cli("build", book["root"], "--format", "pdf", "--pdf-profile", "screen",
                  "--out", out)
    assert run.code == 0, run.err
    with pdfplumber.open(out / "openers.pdf") as pdf:
        pages = [{"lines": [(0, 0, 0, line["bottom"], line["text"])
                            for line in page.extract_text_lines()], "chars": page.chars}
                 for page in pdf.pages]
    screen, printed = contents_rows(pages), contents_rows(book["pages"])
    assert {t: r["number"] for t, r in screen.items()} == \
           {t: r["number"] for t, r in printed.items()}
    assert {t: round(r["dots"][-1], 1) for t, r in screen.items()} == \
           {t: round(r["dots"][-1], 1) for t, r in printed.items()}


@pytest.mark.slow
def test_part_pages_and_blank_pages_carry_no_folio(book):
    pages = book["pages"]
    for title in ("Part One: The Hand", "Part Two: The Word"):
        index = page_with(pages, title)
        assert [line[4] for line in pages[index]["lines"]] == [title]
        assert pages[index + 1]["text"].strip() == ""  # the blank verso behind it
    # No page holds a folio alone (a blank page's, or an empty part page's), arabic or roman.
    alone = [n for n, page in enumerate(pages, start=1)
             if re.fullmatch(r"\d+|[ivxlc]+", page["text"].strip())]
    assert alone == []
    assert sum(not page["text"].strip() for page in pages) >= 4  # blank pages there are
    # Folios do print elsewhere: a chapter's opening page has its own at the foot.
    opener = pages[page_with(pages, "The Thaw")]
    assert opener["lines"][-1][4].isdigit()


@pytest.mark.slow
def test_a_chapter_title_that_says_its_number_gets_no_number_above_it(book):
    pages = book["pages"]
    for title in ("Chapter VII", "Chapter Seven: The Storm"):
        lines = pages[page_with(pages, title)]["lines"]
        assert lines[0][4] == title, lines[:2]
    numbered = pages[page_with(pages, "The Thaw")]["lines"]
    assert [line[4] for line in numbered[:2]] == ["3", "The Thaw"]
    # The unprinted number keeps its place: titles and first lines stand at one height.
    assert lines[0][3] == pytest.approx(numbered[1][3], abs=0.1)
    assert lines[1][3] == pytest.approx(numbered[2][3], abs=0.1)


@pytest.mark.parametrize("title", [
    "Chapter VII", "Chapter 7", "Chapter Seven", "CHAPTER XII. THE STORM", "Chapter 7: Night",
    "Chapter the Twenty-First", "Chapter Thirty-One", "VII", "12", "7. The Storm",
    "Chapitre IV", "Глава 3"])
def test_titles_that_say_their_number(title):
    assert names_its_number(title)


@pytest.mark.parametrize("title", [
    "The Thaw", "Chapter and Verse", "Chapter: The End", "Liv", "I Remember", "1984 Revisited",
    "Chapters", "Chapter the Last", "The Seventh Day"])
def test_titles_that_do_not(title):
    assert not names_its_number(title)


@pytest.mark.slow
def test_no_first_line_indent_after_an_opening_quotation_a_heading_or_a_break(book):
    lines = book["pages"][page_with(book["pages"], "The Quotations")]["lines"]
    lines += book["pages"][page_with(book["pages"], "The Quotations") + 1]["lines"]
    starts = {line[4].split(".")[0]: line[0] for line in lines}
    for after in ("After the epigraph", "After the quotation", "After the heading",
                  "After the scene break", "After the division"):
        assert starts[after] == pytest.approx(LEFT, abs=0.5), (after, starts[after])
    assert starts["Indented"] > LEFT + 5


@pytest.mark.slow
def test_an_opening_quotations_source_line_is_set_as_its_attribution(book):
    lines = book["pages"][page_with(book["pages"], "The Last Word")]["lines"]
    (source,) = [line for line in lines if line[4].startswith("\u2014")]
    assert source[1] == pytest.approx(6 * 72 - LEFT, abs=0.5)  # set to the right
    (after,) = [line for line in lines if line[4].startswith("After the source.")]
    assert after[0] == pytest.approx(LEFT, abs=0.5)


@pytest.mark.slow
def test_a_file_titled_dedication_is_set_as_a_dedication(book):
    pages = book["pages"]
    index = page_with(pages, "For M., who waited.")
    (line,) = pages[index]["lines"]  # alone on its page: no heading, no folio
    centre = (line[0] + line[1]) / 2
    assert centre == pytest.approx(LEFT + (6 * 72 - 2 * LEFT) / 2, abs=1)
    assert index < page_with(pages, "Contents")  # in the opening pages, before the contents
    assert not any("Dedication" in page["text"] for page in pages)
    epub = book["epub"]
    section = epub.document("dedication").find(".//x:body/x:section", NS)
    assert section.get(f"{{{NS['epub']}}}type") == "dedication"
    assert section.get("role") == "doc-dedication"
    about = epub.document("about-the-author").find(".//x:body/x:section", NS)
    assert about.get("aria-label") == "About the Author"  # named by its file
    assert "The author lives by the sea." in text_of(about)


@pytest.mark.parametrize(("title", "stem", "role"), [
    ("Dedication", "front", "dedication"), ("  acknowledgments: ", "x", "acknowledgments"),
    ("Acknowledgements", "x", "acknowledgments"), ("About the Author", "x", "about-the-author"),
    ("Appendix B: Maps", "x", "appendix"), (None, "00-dedication", "dedication"),
    (None, "about_the_author", "about-the-author"), ("For M.", "dedication", None),
    ("The Dedication of Sofia Levina", "x", None), (None, "notes", None)])
def test_roles_named_by_a_title_or_a_file_name(title, stem, role):
    assert role_from_title(title, stem) == role


@pytest.mark.slow
def test_the_copyright_text_sits_at_the_foot_of_its_page(book):
    pages = book["pages"]
    index = page_with(pages, "First edition.")
    lines = pages[index]["lines"]
    assert lines[-1][4] == "First edition."
    assert lines[-1][3] == pytest.approx(TRIM_HEIGHT - BOTTOM, abs=3)
    assert lines[0][2] > TRIM_HEIGHT / 2  # all of it in the lower half
    assert index == page_with(pages, "A. Writer") + 1  # the verso behind the title page
    assert not any(line[4] == "Copyright" for line in lines)  # no heading in print
