"""pandoc's Markdown as authors bring it (issue 13): each construct renders as pandoc renders
it, in the EPUB, and markup bookbuild does not read is reported at its line, never printed in
silence. The feature book `pandoc` (feature_books.py) holds the constructs."""

from __future__ import annotations

import pytest
from bookkit import NS, XML_LANG, Epub, make_book, run_cli, text_of
from pypdf import PdfReader

from bookbuild.markdown_ext.headings import pandoc_id


@pytest.fixture(scope="module")
def doc(feature_books):
    return feature_books["pandoc"].epub.document("pandoc")


def section(doc):
    return doc.find(".//x:section", NS)


def test_heading_attributes_leave_the_title_and_set_class_and_id(doc, feature_books):
    assert text_of(doc.find(".//x:header/x:h1", NS)) == "Chapter 1"
    headings = section(doc).findall("x:h2", NS)
    assert [(text_of(h), h.get("id"), h.get("class")) for h in headings] == [
        ("Interlude", "interlude", "unnumbered"), ("Names", "cast", "unlisted")]
    nav = feature_books["pandoc"].epub
    assert "{" not in text_of(nav.xml(nav.nav_name()))


@pytest.mark.parametrize("text, expected", [
    ("Maître d'hôtel", "maître-dhôtel"), ("Dogs?--in my house?", "dogs--in-my-house"),
    ("3. Applications", "applications"), ("33", ""), ("Chapter 1", "chapter-1")])
def test_automatic_ids_follow_pandocs_algorithm(text, expected):
    assert pandoc_id(text) == expected  # the examples of pandoc's manual


def test_links_to_heading_ids_resolve(doc):
    hrefs = [a.get("href") for a in section(doc).iter(f"{{{NS['x']}}}a")
             if not a.get("class")]
    assert hrefs == ["#cast", "#interlude"]


def test_sub_sup_strike_and_marked_spans(doc):
    first = section(doc).find("x:p", NS)
    assert [(el.tag.rpartition("}")[2], el.text) for el in first
            if el.get("class") != "noteref"] == [("sub", "2"), ("sup", "10"), ("del", "gone")]
    assert "\u00a0" in text_of(first) and "a b" not in text_of(first)
    spans = section(doc).xpath(".//x:p[x:span]", namespaces=NS)[0]
    assert [(el.tag.rpartition("}")[2], el.get("class")) for el in spans if el.tag != "a"][:3] \
        == [("span", "smallcaps"), ("u", None), ("mark", None)]


def test_inline_and_labelled_notes_share_one_numbering(doc):
    calls = section(doc).findall(".//x:a[@class='noteref']", NS)
    assert [c.text for c in calls] == ["1", "2"]
    notes = doc.findall(".//x:aside", NS)
    assert [text_of(n).split(" ", 1)[1].strip() for n in notes] == ["An inline note.",
                                                           "A labelled note."]


def test_backslash_newline_is_a_line_break(doc):
    letter = section(doc).xpath(".//x:p[starts-with(., 'Yours')]", namespaces=NS)[0]
    assert letter.find("x:br", NS) is not None and "\\" not in text_of(letter)


def test_line_block_keeps_lines_and_indentation(doc):
    block = section(doc).find("x:div[@class='line-block']", NS)
    assert len(block.findall("x:br", NS)) == 1
    assert text_of(block) == ("The limerick packs laughs anatomical\n"
                              "\u00a0\u00a0\u00a0Into space that is quite economical.")


def test_pipe_table_with_caption_and_alignment(doc):
    table = section(doc).find("x:table", NS)
    assert text_of(table.find("x:caption", NS)) == "Numbers"
    assert [th.get("style") for th in table.findall(".//x:th", NS)] == [
        "text-align: right;", "text-align: left;"]


def test_code_keeps_straight_quotes_and_is_not_checked(doc):
    blocks = [text_of(p) for p in section(doc).findall("x:pre", NS)]
    assert blocks == ['x = "straight"\n', "regex [^>]+ stays code\n"]


def test_newpage_is_a_page_break_and_comments_are_gone(doc):
    assert section(doc).find("x:div[@class='page-break']", NS) is not None
    assert "newpage" not in text_of(section(doc)) and "never" not in text_of(section(doc))


def test_lists_keep_start_numbers_and_stay_apart(doc):
    lists = [el for el in section(doc) if el.tag.rpartition("}")[2] in ("ol", "ul", "dl")]
    assert [(el.tag.rpartition("}")[2], el.get("start")) for el in lists] == [
        ("ol", "3"), ("ul", None), ("ol", None), ("dl", None)]


def test_chapter_header_lang_applies_and_other_keys_are_accepted(feature_books):
    doc = feature_books["pandoc"].epub.document("header")
    div = doc.find(".//x:section/x:div", NS)
    assert div.get("lang") == "fr" and div.get(XML_LANG) == "fr"


PROBLEMS = {
    "one.md": r"""
        # One {.recto}

        Cost $5 and $x^2$ here, as [@doe] says.

        This ~~never closes.

        A note ^[that never closes.

        \vspace{2em}

        <!-- text [^in-a-comment] is not checked -->

        As @doe99 says, mail me@example.org.

        +---+---
        | a | b |
        +---+---+
    """,
    "two.md": """
        ---
        tags: [draft]
        ---
        # Two
    """,
    "three.md": """
        ---
        tags: [draft]
        author: Me
        ---
        # Three
    """,
}


def test_unread_markup_is_warned_of_at_its_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Leftovers
        author: Jane Doe
        spine: [one.md, two.md, three.md]
    """, PROBLEMS)
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err
    lines = run.err.splitlines()
    assert [(line.split(":")[0], line.split(":")[1], line.rpartition("[")[2].split()[0])
            for line in lines] == [
        ("one.md", "3", "BB242"), ("one.md", "3", "BB242"), ("one.md", "5", "BB240"),
        ("one.md", "7", "BB240"), ("one.md", "9", "BB242"), ("one.md", "13", "BB242"),
        ("one.md", "15", "BB242"),
        ("two.md", "2", "BB241"), ("three.md", "3", "BB241")]
    assert "'tags'" in lines[7] and "'author'" in lines[8]
    assert "'@key' is a citation" in lines[5] and "grid table was not read" in lines[6]


LINKED = {
    "one.md": """
        # Chapter One

        See [the later scene](#later), [the next chapter](#chapter-two), [my notes](#notes)
        and [theirs](#notes-1); also [Later] and [the second chapter][Chapter Two].

        ## Notes
    """,
    "two.md": """
        # Chapter Two

        ## Later

        ## Notes

        Back to [the start](#chapter-one).
    """,
}


def test_links_resolve_across_the_whole_book(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Linked
        author: Jane Doe
        spine: [one.md, two.md]
    """, LINKED)
    run = run_cli("build", book, "--format", "epub")
    assert (run.code, run.err) == (0, "")
    epub = Epub(book / "build" / "linked.epub")
    one, two = epub.document("one"), epub.document("two")
    assert [a.get("href") for a in one.iterfind(".//x:section//x:a", NS)] == [
        "two.xhtml#later", "two.xhtml#two-title", "#notes", "two.xhtml#notes-1",
        "two.xhtml#later", "two.xhtml#two-title"]
    assert "[" not in text_of(one.find(".//x:section", NS))
    assert [h.get("id") for h in two.iterfind(".//x:section//x:h2", NS)] == ["later", "notes-1"]
    assert [a.get("href") for a in two.iterfind(".//x:section//x:a", NS)] == [
        "one.xhtml#one-title"]


def test_an_id_given_twice_in_the_book_is_reported_with_both_places(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Twice
        author: Jane Doe
        spine: [one.md, two.md]
    """, {"one.md": "# One\n\n## Scene {#scene}\n",
          "two.md": "# Two\n\nText.\n\n## Again {#scene}\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert run.err.splitlines()[:1] == [
        "two.md:5: error: the id 'scene' is used twice in the book (first in one.md at line 3); "
        "ids are one namespace across chapters, as in pandoc [BB217 duplicate-id]"]


ONE_FILE = r"""
    A preface before any heading.

    # The First

    Calls a note.[^a] See [the second](#the-second) and [later](#later).

    ```
    # not a heading
    ```

    The Second
    ==========

    Text two.[^b]

    ## Later

    # Third

    Calls the first note again.[^a]

    [^a]: Note A.

        Its second paragraph.

    [^b]: Note B.
"""


def test_a_one_file_manuscript_is_split_into_chapters_at_level_one_headings(tmp_path):
    book = make_book(tmp_path / "book", """
        title: One File
        author: Jane Doe
        spine: [novel.md]
    """, {"novel.md": ONE_FILE})
    run = run_cli("build", book, "--format", "epub")
    assert (run.code, run.err) == (0, "")
    epub = Epub(book / "build" / "one-file.epub")
    docs = [epub.document(stem) for stem in ("novel", "novel-2", "novel-3", "novel-4")]
    titles = [text_of(d.find(".//x:header/x:h1", NS)) for d in docs[1:]]
    assert titles == ["The First", "The Second", "Third"]
    # the text before the first heading: an untitled section, as pandoc makes it, unnumbered
    # and out of the contents; the chapters are numbered from the first heading
    assert docs[0].find(".//x:header", NS) is None
    assert [d.find(".//x:h1", NS).get("class") for d in docs[1:]] == ["chapter-title"] * 3
    assert text_of(docs[0].find(".//x:section/x:p", NS)) == "A preface before any heading."
    assert "# not a heading" in text_of(docs[1].find(".//x:pre", NS))
    assert [a.get("href") for a in docs[1].iterfind(".//x:section/x:p/x:a", NS)
            if a.get("class") != "noteref"] == ["novel-3.xhtml#novel-3-title",
                                                "novel-3.xhtml#later"]
    notes = [[text_of(n).split(" ", 1)[1].strip() for n in d.iterfind(".//x:aside", NS)]
             for d in docs]
    assert notes == [[], ["Note A.\nIts second paragraph."], ["Note B."],
                     ["Note A.\nIts second paragraph."]]
    assert [a.get("href").split("#")[0] for a in epub.xml(epub.nav_name()).iterfind(
        ".//x:nav[@epub:type='toc']//x:a", NS)] == [
        "text/novel-2.xhtml", "text/novel-3.xhtml", "text/novel-4.xhtml"]


def test_a_note_called_nowhere_in_a_split_file_is_reported_at_its_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: One File
        author: Jane Doe
        spine: [novel.md]
    """, {"novel.md": "# One\n\nText.\n\n# Two\n\nText.\n\n[^lost]: Never called.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.err.splitlines()[0] == ("novel.md:9: error: footnote [^lost] is defined but "
                                       "never referenced in the text [BB204 footnote-unused]")


PRINTED = r"""
    # Verse

    | The limerick packs laughs anatomical
    |     Into space that is quite economical.

    Water is H~2~O.

    \newpage

    Overleaf.

    | Right | Left |
    |------:|:-----|
    | 12    | twelve |
"""


def test_line_blocks_tables_and_newpage_print_in_the_pdf(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Printed
        author: Jane Doe
        spine: [verse.md]
    """, {"verse.md": PRINTED})
    run = run_cli("check", book, "--format", "pdf")  # the preflight too: no RGB in a table
    assert run.code == 0, run.err
    assert "[BB405 " not in run.err
    pages = [p.extract_text() for p in PdfReader(book / "build" / "printed.pdf").pages]
    verse = next(n for n, text in enumerate(pages) if "limerick" in text)
    lines = [line.strip() for line in pages[verse].splitlines()]
    assert "The limerick packs laughs anatomical" in lines
    assert "Into space that is quite economical." in lines
    assert "H2O" in pages[verse].replace(" ", "") and "Overleaf" not in pages[verse]
    assert "Overleaf" in pages[verse + 1] and "twelve" in pages[verse + 1]
    assert "|" not in "".join(pages) and "newpage" not in "".join(pages)


def test_book_wide_links_go_to_the_right_page_of_the_pdf(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Linked
        author: Jane Doe
        spine: [one.md, two.md]
    """, LINKED)
    run = run_cli("build", book, "--format", "pdf", "--pdf-profile", "screen")
    assert run.code == 0, run.err
    reader = PdfReader(book / "build" / "linked.pdf")
    pages = [p.extract_text() for p in reader.pages]
    later = next(n for n, text in enumerate(pages) if "Later" in text and "Back to" in text)
    one = next(n for n, text in enumerate(pages) if "See the later scene" in text)
    targets = []
    for annot in reader.pages[one].get("/Annots", []):
        annot = annot.get_object()
        assert "/URI" not in annot.get("/A", {}), annot  # nothing points at an .xhtml file
        dest = annot.get("/Dest") or annot.get("/A", {}).get("/D")
        if dest is not None:
            if not isinstance(dest, list):
                dest = reader.named_destinations[str(dest)]
                dest = [dest.page]
            targets.append(reader.get_page_number(dest[0].get_object()))
    assert targets.count(later) >= 3  # later, the chapter two title (same page), notes-1


def test_cross_references_and_stray_attributes_are_warned_of(tmp_path):
    """pandoc-crossref's references and an attribute list where pandoc reads none: both would
    print as typed, so each is told at its first line, naming every other line that holds
    one; a real span and an e-mail address are not."""
    book = make_book(tmp_path / "book", """
        title: Maps
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": """
        # Maps

        See @fig:harbour for the harbour.

        The line of the coast {#eq:line} runs north.

        A [real span]{.smallcaps} stays quiet, and so does ann@example.com: fine.

        The river {#eq:river} and @tbl:tides, again.

        And once more, @fig:quay.
    """})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err
    found = [(line.split(":")[1], line.rpartition("[")[2].split()[0])
             for line in run.err.splitlines()]
    assert found == [("3", "BB242"), ("5", "BB240")], run.err
    lines = run.err.splitlines()
    assert "cross references" in lines[0] and lines[0].endswith("(also on lines 9, 11) "
                                                                "[BB242 pandoc-unsupported]")
    assert "{#id}" in lines[1] and "(also on line 9)" in lines[1]


# Every kind of message from a later chapter of a one-file book, at the file's line: each part
# holds only its own lines (read/split.py), the numbers kept beside them.
NUMBERED = """\
# One

Text calling the last note.[^end]

::: aside
Open div closed below.
:::

# Two

A stray fence follows.

:::

A link to [the other](#dup) and <span id="dup">one</span>.

# Three

Raw <blink>tag</blink> here.

A ~~struck never closed.

An undefined call.[^none]

## Dup {#dup}

[^end]: The last note, with a <blink>tag</blink>.
"""


def test_every_message_of_a_split_file_names_the_files_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Numbered
        author: Jane Doe
        spine: [novel.md]
    """, {"novel.md": NUMBERED})
    run = run_cli("build", book, "--format", "epub")
    found = [(line.split(":")[1], line.rpartition("[")[2].split()[0])
             for line in run.err.splitlines() if line.startswith("novel.md:")]
    assert found == [("13", "BB207"), ("19", "BB210"), ("21", "BB240"), ("23", "BB203"),
                     ("25", "BB217"), ("27", "BB210")], run.err
    assert "first in novel.md at line 15" in run.err
