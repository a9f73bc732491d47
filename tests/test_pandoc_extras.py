"""More of pandoc's Markdown (issue 13): example lists numbered through the book, task lists,
Markdown inside raw HTML, `.unlisted` and `{-}` on a chapter's title, a chapter's `lang` on its
title, and bare `@key` citations warned of. The feature book `pandoc-more` (feature_books.py)
holds the constructs; EPUBCheck passes it (test_epubcheck.py)."""

from __future__ import annotations

import pytest
from bookkit import NS, XML_LANG, Epub, make_book, run_cli, text_of, tiny_png
from pypdf import PdfReader


@pytest.fixture(scope="module")
def book(feature_books):
    return feature_books["pandoc-more"].epub


def test_example_lists_are_numbered_through_the_book_and_references_resolve(book):
    examples, more = book.document("examples"), book.document("more")
    first = examples.find(".//x:ol[@class='example']", NS)
    assert [text_of(li) for li in first.iterfind("x:li", NS)] == [
        "The first example.", "The second, labelled."]
    assert first.get("start") is None
    later = more.find(".//x:ol[@class='example']", NS)
    assert later.get("start") == "3"  # numbering goes on in the next chapter, as in pandoc
    assert "As (2) shows, and (3) will." in [text_of(p) for p in examples.iterfind(".//x:p", NS)]
    assert not [el for doc in (examples, more) for el in doc.iter()
                if any(a.startswith("data-example") for a in el.attrib)]


def test_task_lists_are_disabled_checkboxes_with_a_label(book):
    tasks = book.document("examples").find(".//x:ul[@class='task-list']", NS)
    boxes = [li.find("x:input", NS) for li in tasks.iterfind("x:li", NS)]
    assert [(b.get("type"), b.get("disabled"), b.get("checked")) for b in boxes] == [
        ("checkbox", "disabled", None), ("checkbox", "disabled", "checked")]
    assert [b.get("aria-label") for b in boxes] == ["buy bread", "post the letter"]
    assert [text_of(li).strip() for li in tasks] == ["buy bread", "post the letter"]


def test_markdown_inside_html_blocks_is_read(book):
    more = book.document("more")
    div = more.find(".//x:div[@class='aside']", NS)
    assert div.find("x:p/x:em", NS).text == "Markdown"
    assert div.find("x:p/x:a", NS).get("href") == "examples.xhtml#examples-title"
    aside = more.find(".//x:aside", NS)
    assert aside.find("x:strong", NS).text == "bold" and aside.find("x:p", NS) is None


def test_an_unlisted_chapter_title_is_out_of_the_nav_and_a_french_one_is_marked(book):
    nav = book.xml(book.nav_name())
    links = nav.findall(".//x:nav[@id='toc']//x:a", NS)
    assert [text_of(a) for a in links] == ["Examples", "More", "Avant-propos", "Before It All"]
    assert links[2].get("lang") == "fr" and links[2].get(XML_LANG) == "fr"
    assert links[0].get("lang") is None
    ncx = book.xml(next(n for n in book.files if n.endswith(".ncx")))
    assert "Interlude" not in "".join(ncx.itertext())
    french = book.document("french")
    assert french.get("lang") == "fr" and french.get(XML_LANG) == "fr"  # the title's document
    assert text_of(book.document("unlisted").find(".//x:h1", NS)) == "Interlude"


def test_an_empty_span_is_an_anchor_and_a_spaced_address_stays_text(book):
    more = book.document("more")
    anchor = more.find(".//x:span[@id='anchor-here']", NS)
    assert anchor is not None and len(anchor) == 0 and not anchor.text
    assert b'<span id="anchor-here"></span>' in book.files["EPUB/text/more.xhtml"]  # not <span/>
    link = more.find(".//x:a[@href='#anchor-here']", NS)
    assert text_of(link) == "to link to"
    assert "<https://example.org/a page> holds a space" in text_of(more)
    picture = more.find(".//x:img", NS)  # `![...](<my picture.png>)`, found and packed
    assert picture.get("alt") == "A picture whose file name has a space"
    assert book.full_name(picture.get("src"), "EPUB/text/more.xhtml") in book.files


def test_a_chapter_title_s_epub_type_is_its_section_s(book):
    """pandoc's EPUB writer gives the title heading's `epub:type` to the chapter's section."""
    section = book.document("before").find(".//x:body/x:section", NS)
    assert section.get(f"{{{NS['epub']}}}type") == "prologue"
    assert section.get("role") == "doc-prologue"
    assert section.find(".//x:h1", NS).get("class") != "chapter-title"  # no chapter number
    chapter = book.document("french").find(".//x:body/x:section", NS)
    assert chapter.get(f"{{{NS['epub']}}}type") == "chapter"


def test_unlisted_and_unnumbered_chapter_titles_in_print(tmp_path):
    root = make_book(tmp_path / "book", """
        title: Listed Book
        author: Jane Doe
        spine: [one.md, two.md, three.md, four.md]
    """, {"one.md": "# Interlude {.unlisted}\n\nNot in the contents.\n",
          "two.md": "# Prologue {-}\n\nNot numbered.\n",
          "three.md": "# The Start\n\nText.\n",
          "four.md": "---\nlang: fr\n---\n\n# Avant-propos\n\nUn texte.\n"})
    run = run_cli("build", root, "--format", "pdf", "--pdf-profile", "screen")
    assert run.code == 0, run.err
    reader = PdfReader(root / "build" / "listed-book.pdf")
    pages = [p.extract_text() for p in reader.pages]
    contents = next(t for t in pages if "Contents" in t)
    assert "Prologue" in contents and "Avant-propos" in contents
    assert "Interlude" not in contents
    assert [o.title for o in reader.outline if not isinstance(o, list)] == [
        "Listed Book", "Contents", "Prologue", "The Start", "Avant-propos"]
    start = next(t for t in pages if "The Start" in t and "Text." in t)
    prologue = next(t for t in pages if "Not numbered." in t)
    lines = [line.strip() for line in start.splitlines()]
    assert "2" in lines  # the interlude is chapter 1; the prologue has no number
    assert not any(line.strip().isdigit() for line in prologue.splitlines()
                   if line.strip() != "3")  # only its folio


BARE = {"one.md": r"""
    # One

    Mail me@example.org; `@code` is code, and \@home is escaped.

    As @doe99 argues, the (@unknown) example is missing.

    On Mastodon: [@me@mastodon.scot](https://mastodon.scot/@me), or @me@mastodon.scot.

        @indented code
"""}


def test_bare_citations_and_unknown_example_references_are_warned_of_at_their_line(tmp_path):
    root = make_book(tmp_path / "book", """
        title: Cited
        author: Jane Doe
        spine: [one.md]
    """, BARE)
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    lines = run.err.splitlines()
    assert [(line.split(":")[1], line.rpartition("[")[2].split()[0]) for line in lines] == [
        ("5", "BB242"), ("5", "BB242")]
    assert "'@key' is a citation" in lines[0] and "'(@unknown)'" in lines[1]


def test_raw_tex_arguments_are_no_span_and_an_unread_grid_table_is_told_at_its_own_line(
        tmp_path):
    """From pandoc's own test files: `\\cite[22-23]{smith.1899}` is raw TeX (warned of), not a
    span with unreadable attributes (an error that stopped the build); a grid table with
    spanning cells is not read (nor by pandoc 2.17), and the warning names its line, not that
    of a table read well above it."""
    root = make_book(tmp_path / "book", """
        title: Tables and TeX
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": r"""
        # One

        - \cite[22-23]{smith.1899} and \footnote[][-.5in]{I'm a footnote}
          and \vspace*{\fill}, whose {\fill} is no attribute list (was BB211)

        +------+------+
        | a    | b    |
        +======+======+
        | c    | d    |
        +------+------+

        Spanning cells:

        +-------------+----------+
        | Property    | Earth    |
        +======+======+==========+
        | Temp | min  | -89.2 °C |
        +------+------+----------+
    """})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    assert run.told("BB212") == []
    told = [line.split(":")[1] for line in run.told("BB242")]
    assert told == ["3", "16"], run.err  # the TeX's line; the spanning table's own rule


def test_a_pandoc_title_block_titles_the_chapter(tmp_path):
    """`% Title` / `% Author` / `% Date` on a file's first lines (pandoc's title block) were
    printed as a paragraph; the title is the chapter's, the others are said to be unused."""
    root = make_book(tmp_path / "book", """
        title: Title Block
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": """
        % The Suite
        % John Doe; Anonymous
          and Another
        % July 17, 2006

        Text of the chapter.
    """})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    assert [line.split(":")[1] for line in run.told("BB241")] == ["2", "4"]
    assert "'John Doe; Anonymous and Another'" in run.told("BB241")[0]
    book = Epub(root / "build" / "title-block.epub")
    doc = book.document("one")
    assert text_of(doc.find(".//x:h1", NS)) == "The Suite"
    assert "%" not in text_of(doc.find(".//x:body", NS))


def test_lines_a_comment_fills_go_and_later_lines_keep_their_numbers(tmp_path):
    """A commented-out list item leaves the list tight (pandoc's reading), and in a one-file
    book cut in chapters a problem after the comment is told at its line in the file."""
    root = make_book(tmp_path / "book", """
        title: Comments
        author: Jane Doe
        spine: [book.md]
    """, {"book.md": """
        # One

        - one
        <!--
        - two
        -->
        - three

        # Two

        <!-- a note to self,
        over two lines -->
        A call to a note never written.[^missing]
    """})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 1
    assert [line.split(":")[1] for line in run.told("BB203")] == ["13"], run.err
    root.joinpath("book.md").write_text(
        root.joinpath("book.md").read_text().replace("[^missing]", ""))
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    items = Epub(root / "build" / "comments.epub").document("book").findall(".//x:li", NS)
    assert [text_of(li) for li in items] == ["one", "three"]
    assert all(li.find("x:p", NS) is None for li in items)  # tight, as pandoc reads it


def test_a_one_file_book_is_not_cut_inside_a_div(tmp_path):
    """`# A` and `# B` each inside a `::: column` of one `::: columns` div (pandoc's own test):
    cutting chapters there left divs open in one and closed in the other (BB206, BB207). A
    heading inside a div it does not open starts no chapter; one that opens the div does."""
    root = make_book(tmp_path / "book", """
        title: Columns
        author: Jane Doe
        spine: [book.md]
    """, {"book.md": """
        ::: columns
        ::: column
        # A

        a
        :::
        ::: column
        # B

        b
        :::
        :::

        ::: {.chapter}
        # C

        c
        :::
    """})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    book = Epub(root / "build" / "columns.epub")
    titles = [text_of(book.xml(name).find(".//x:h1", NS)) for name in book.spine()
              if "book" in name]
    assert titles == ["A", "C"]
    first = book.xml(next(name for name in book.spine() if name.endswith("book.xhtml")))
    assert [text_of(h) for h in first.findall(".//x:h2", NS)] == ["B"]


def test_raw_attributes_for_other_formats_are_left_out_and_told(tmp_path):
    """```` ```{=latex} ```` and `` `x`{=latex} `` were printed as code; pandoc's HTML leaves
    them out: so does the book, with a warning at the line; a LaTeX `\\newpage` so written is
    a page break, and `{=html}` is raw HTML."""
    root = make_book(tmp_path / "book", """
        title: Raw Formats
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": r"""
        # One

        ```{=latex}
        \newpage
        ```

        ```{=html}
        <p class="special">Raw <em>HTML</em>.</p>
        ```

        ~~~{=openxml}
        <w:p><w:r><w:br w:type="page"/></w:r></w:p>
        ~~~

        Inline `\LaTeX`{=latex} and `<b>bold</b>`{=html}.
    """})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    assert [line.split(":")[1] for line in run.told("BB242")] == ["11", "15"]
    body = Epub(root / "build" / "raw-formats.epub").document("one").find(".//x:section", NS)
    assert body.find("x:div[@class='page-break']", NS) is not None
    assert text_of(body.find("x:p[@class='special']", NS)) == "Raw HTML."
    assert body.find(".//x:b", NS).text == "bold"
    assert "LaTeX" not in text_of(body) and "w:p" not in text_of(body)
    assert body.find(".//x:code", NS) is None and body.find(".//x:pre", NS) is None


def test_a_reference_link_takes_its_attributes(tmp_path):
    """`[link][ref]{#id}`, as pandoc 3 reads it (pandoc 2.17 printed the braces): the link takes
    the attributes; it was read as a span `[ref]{#id}` after a bracketed word."""
    root = make_book(tmp_path / "book", """
        title: Reference Links
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": """
        # One

        A [link][link contents]{#there key="v"} and [a span]{.smallcaps}.

        [link contents]: https://example.com
    """})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    body = Epub(root / "build" / "reference-links.epub").document("one").find(".//x:section", NS)
    link = body.find(".//x:a[@id='there']", NS)
    assert link.get("href") == "https://example.com" and link.get("data-key") == "v"
    assert text_of(link) == "link" and "{" not in text_of(body) and "[" not in text_of(body)


def test_a_metadata_block_inside_the_text_is_left_out_and_told(tmp_path):
    """A second YAML block (`---`, keys, `...`) after a blank line was printed as a rule and a
    paragraph; pandoc reads it as metadata: it goes, with a warning at its line."""
    root = make_book(tmp_path / "book", """
        title: Metadata
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": """
        # One

        Text.

        ---
        foo: bim
        ...

        More text.[^missing]

        ---

        After a scene break.
    """})
    run = run_cli("build", root, "--format", "epub")
    assert [line.split(":")[1] for line in run.told("BB241")] == ["5"]
    assert [line.split(":")[1] for line in run.told("BB203")] == ["9"]  # numbers kept
    root.joinpath("one.md").write_text(root.joinpath("one.md").read_text().replace(
        "[^missing]", ""))
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    body = Epub(root / "build" / "metadata.epub").document("one").find(".//x:section", NS)
    assert "foo" not in text_of(body) and len(body.findall(".//x:hr", NS)) == 1


def test_raw_html_that_is_not_xhtml_is_still_reported(tmp_path):
    """Markdown inside HTML goes through Python's lenient HTML parser; a chapter whose raw
    HTML is not XHTML keeps the strict reading, so the tag is told at its line."""
    root = make_book(tmp_path / "book", """
        title: Loose
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": "# One\n\n<div>\n\n*Fine.*\n\n</div>\n\n<p class=memo>Unquoted.</p>\n"})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 1
    assert run.err.startswith("one.md:9: error: malformed HTML")


PRINTED = r"""
    # Code and tasks

    - [ ] buy bread
    - [x] post the letter

    Run `make book` first:

    ```
    def f(x): return {"a": x}  # Жук
    ```
"""


def test_code_prints_in_the_bundled_monospace_and_checkboxes_in_black_only(tmp_path):
    root = make_book(tmp_path / "book", """
        title: Printed Code
        author: Jane Doe
        spine: [code.md]
    """, {"code.md": PRINTED})
    run = run_cli("check", root, "--format", "pdf")  # the preflight: fonts, no RGB
    assert run.code == 0, run.err
    assert "[BB404 " not in run.err and "[BB405 " not in run.err and "[BB401 " not in run.err
    reader = PdfReader(root / "build" / "printed-code.pdf")
    fonts = set()
    for page in reader.pages:
        for font in page.get("/Resources", {}).get("/Font", {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert "Libertine-Mono" in fonts  # styles/fonts/LinLibertine_M.otf, not a system font
    text = "".join(p.extract_text() for p in reader.pages)
    assert 'def f(x): return {"a": x}' in text and "[x]" not in text


def test_a_picture_named_for_another_kind_goes_in_as_what_it_is(tmp_path):
    """A PNG saved as .jpg (a public pandoc book has four): pandoc takes it, so bookbuild does,
    named for its content inside the book, with a warning at its line."""
    root = make_book(tmp_path / "book", """
        title: Misnamed
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": "# One\n\n![A router](images/router.jpg)\n", "images/router.jpg": tiny_png()})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    assert run.err.startswith("one.md:3: warning: image 'images/router.jpg' is a PNG file")
    epub = Epub(root / "build" / "misnamed.epub")
    img = epub.document("one").find(".//x:img", NS)
    assert img.get("src") == "../images/router.png"
    assert epub.item_named("EPUB/images/router.png")["media-type"] == "image/png"


def test_a_page_of_front_matter_with_an_empty_unlisted_heading(tmp_path):
    """pandoc book templates start each page of front matter with `# <!-- Page break -->
    {.unlisted}`, and leave a page blank with nothing else: an untitled, unnumbered page, out
    of the contents, in the EPUB (with its print page in the page-list) and the PDF."""
    root = make_book(tmp_path / "book", """
        title: Template Book
        author: Jane Doe
        spine: [dedication.md, blank.md, one.md]
    """, {"dedication.md": "# <!-- Page break --> {.unlisted .centred}\n\n_For Jean-Luc._\n",
          "blank.md": "# <!-- Page break --> {.unlisted .clean}\n",
          "one.md": "# The Start\n\nText.\n"})
    run = run_cli("build", root)
    assert run.code == 0, run.err
    assert "BB240" not in run.err
    epub = Epub(root / "build" / "template-book.epub")
    nav = epub.xml(epub.nav_name())
    assert [text_of(a) for a in nav.iterfind(".//x:nav[@id='toc']//x:a", NS)] == ["The Start"]
    assert epub.document("dedication").find(".//x:header", NS) is None
    pages = [text_of(a) for a in nav.iterfind(".//x:nav[@epub:type='page-list']//x:a", NS)]
    assert "1" in pages
    start = epub.document("one").find(".//x:h1", NS)
    assert start.get("class") == "chapter-title"  # chapter 1: the untitled pages are not counted
    text = "".join(p.extract_text() for p in PdfReader(root / "build" / "template-book.pdf").pages)
    assert "{." not in text and "Chapter 1" not in text


WIKI = {"one.md": """
    # One

    Set it with ```set title``` on one line: inline code, not a fence.

    > For example, |[:vimgrep](http://vimdoc.sourceforge.net/)| finds matches.

    * add the mapping:<br/> nnoremap <Space> za

    ```
    let g:word_count="<unknown>"
    ```
"""}


def test_what_a_public_wiki_book_showed(tmp_path):
    """Three backticks with code after them on the same line open no fence, so the code
    block below is still code; a '|' after a link is no line block; a key written <Space> is
    raw HTML to pandoc and to bookbuild, told at its own line with what to write instead."""
    root = make_book(tmp_path / "book", """
        title: Wiki
        author: Jane Doe
        spine: [one.md]
    """, WIKI)
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 1
    assert run.err.splitlines()[0].startswith(
        "one.md:7: error: malformed HTML: Opening and ending tag mismatch: <Space> closed by")
    assert "write \\<Space> or put it in backticks" in run.err
    fixed = (root / "one.md").read_text().replace("<Space>", "\\<Space>")
    (root / "one.md").write_text(fixed)
    run = run_cli("build", root, "--format", "epub")
    assert (run.code, run.err) == (0, "")
    doc = Epub(root / "build" / "wiki.epub").document("one")
    assert [text_of(c) for c in doc.iterfind(".//x:p/x:code", NS)] == ["set title"]
    assert 'g:word_count="<unknown>"' in text_of(doc.find(".//x:pre", NS))
    assert "nnoremap <Space> za" in text_of(doc.find(".//x:li", NS))
