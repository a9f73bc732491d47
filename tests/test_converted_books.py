"""Books converted to Markdown by pandoc from an edition's HTML (`pandoc -f html -t markdown`
of Standard Ebooks' chapters, as a new user does): each chapter wrapped in
`::: {#chapter-3 .section .chapter epub:type="chapter"}`, divs inside block quotes and list
items, spans and link attributes running over lines, words of an unknown language as
`lang="x-local"`. They build with no false error and nothing printed as typed."""

from __future__ import annotations

import pytest
from bookkit import NS, XML_LANG, Epub, build_epub, make_book, run_cli, text_of
from lxml import etree

from bookbuild.xhtml import EPUB_TYPE

CHAPTER = '''\
::: {#chapter-1 .section .chapter .z3998:diary epub:type="chapter z3998:diary"}
## I {#i epub:type="z3998:ordinal z3998:roman"}

> ::: {role="presentation"}
> Telegram, Seward, London, to Van Helsing, Amsterdam.
> :::
>
> "*5 September.* [Patient greatly improved. Good appetite; sleeps
> naturally; good spirits; colour coming back.]{.telegram}"

They were "[Ordog]{lang="x-local"}," and "[Herr]{lang="de"}."

> [Dear [Miss Hunter]{.z3998:recipient
> epub:type="z3998:recipient"}]{.z3998:salutation
> epub:type="z3998:salutation"}: come at once.

He'll play hookey this
evening,[1](chapter-2.md#note-1){#noteref-1 .endnote-call
epub:type="noteref"} and her soul\\![2](chapter-2.md#note-2){#noteref-2
.endnote-call} was sad.
:::
'''
NOTES = '''\
::: {#chapter-2 .section .endnotes epub:type="endnotes"}
## Endnotes {#endnotes epub:type="title"}

1.  ::: {#note-1}
    Southwestern for "afternoon."
    [back](chapter-1.md#noteref-1){.backlink epub:type="backlink"}
    :::
2.  ::: {#note-2}
    Taken from a volume. [back](chapter-1.md#noteref-2){.backlink
    epub:type="backlink"}
    :::
:::
'''


@pytest.fixture(scope="module")
def converted(tmp_path_factory):
    root = make_book(tmp_path_factory.mktemp("converted") / "book",
                     "title: Converted\nauthor: A\nlanguage: en-GB\n"
                     "spine: [chapter-1.md, chapter-2.md]\n",
                     {"chapter-1.md": CHAPTER, "chapter-2.md": NOTES})
    run = run_cli("build", root, "--format", "epub")
    return run, Epub(build_epub(root))


def test_it_builds_with_no_problem_but_the_chapter_heading_level(converted):
    run, _ = converted
    assert run.code == 0, run.err
    assert [line.split(": ")[0] + " " + line.split()[-2] for line in run.err.splitlines()] == [
        "chapter-1.md:2 [BB251"], run.err  # its `## I` titles no chapter: told once


def test_nothing_is_printed_as_typed(converted):
    _, book = converted
    for name in ("chapter-1", "chapter-2"):
        text = text_of(book.document(name))
        for markup in ("{", ":::", "epub:type", "](", "\\"):
            assert markup not in text, (name, markup, text)


def test_the_chapter_div_keeps_its_classes_and_gives_its_id_to_the_chapter(converted):
    _, book = converted
    doc = book.document("chapter-1")
    div = doc.find(".//x:div[@class='section chapter z3998:diary']", NS)
    # epub:type stays epub:type; `chapter` is the chapter section's own already
    assert div.get(EPUB_TYPE) == "z3998:diary" and div.get("role") is None
    salutation = doc.find(".//x:span[@class='z3998:salutation']", NS)
    assert salutation.get(EPUB_TYPE) == "z3998:salutation"
    assert div.get("id") is None  # the chapter's section has it: a link lands at the same place
    assert [el.get("id") for el in doc.iter() if el.get("id") == "chapter-1"] != []


def test_divs_in_quotes_and_spans_over_lines_are_read(converted):
    _, book = converted
    doc = book.document("chapter-1")
    quote = doc.find(".//x:blockquote", NS)
    assert text_of(quote.find("x:div[@data-role='presentation']/x:p", NS)).startswith("Telegram")
    telegram = quote.find(".//x:span[@class='telegram']", NS)
    assert text_of(telegram).startswith("Patient greatly") and text_of(telegram).endswith("back.")
    salutation = doc.find(".//x:span[@class='z3998:salutation']", NS)
    assert text_of(salutation.find("x:span[@class='z3998:recipient']", NS)) == "Miss Hunter"


def test_a_private_use_language_is_accepted_and_left_out(converted):
    _, book = converted
    spans = {text_of(s): s for s in book.document("chapter-1").iter(f"{{{NS['x']}}}span")}
    assert spans["Ordog"].get("lang") is None and spans["Ordog"].get(XML_LANG) is None
    assert spans["Herr"].get("lang") == "de"


def test_link_attributes_over_lines_and_an_escaped_bang_make_links(converted):
    _, book = converted
    calls = book.document("chapter-1").findall(".//x:a[@class='endnote-call']", NS)
    assert [(a.get("id"), text_of(a)) for a in calls] == [("noteref-1", "1"), ("noteref-2", "2")]
    assert "soul!" in text_of(book.document("chapter-1"))
    notes = book.document("chapter-2")
    items = notes.findall(".//x:ol/x:li", NS)
    assert [li.find("x:div", NS).get("id") for li in items] == ["note-1", "note-2"]
    assert all(li.find("x:div/x:p/x:a[@class='backlink']", NS) is not None for li in items)


ONE_FILE = '''\
::: {#chapter-1 .section .chapter epub:type="chapter"}
# I {#i epub:type="z3998:ordinal z3998:roman"}

It is a truth universally acknowledged.
:::

::: {#chapter-2 .section .chapter epub:type="chapter"}
# II {#ii}

Mr. Bennet was among the earliest. See [the first](#i).
:::
'''


def test_a_one_file_book_of_chapter_divs_splits_at_the_divs_and_takes_their_titles(tmp_path):
    # pandoc's EPUB writer makes a chapter of a div that opens with a level-1 heading
    root = make_book(tmp_path / "book", "title: One\nauthor: A\nspine: [novel.md]\n",
                     {"novel.md": ONE_FILE})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0 and "error" not in run.err and "warning" not in run.err, run.err
    book = Epub(build_epub(root))
    nav = book.xml(book.nav_name()).findall(".//x:nav[@id='toc']//x:a", NS)
    assert [text_of(a) for a in nav] == ["I", "II"]
    second = book.document("novel-2")
    assert second.find(".//x:div[@id='chapter-2']/x:p", NS) is not None
    assert second.find(".//x:div//x:h1", NS) is None  # the title left the div for the header
    assert second.find(".//x:a[.='the first']", NS).get("href") == "novel.xhtml#novel-title"


def test_chapter_headings_at_level_two_are_told_once(tmp_path):
    root = make_book(tmp_path / "book", "title: Two\nauthor: A\nspine: [a.md, b.md]\n",
                     {"a.md": "## I\n\nText.\n", "b.md": "## II\n\nMore.\n"})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0
    told = run.told("BB251")
    assert len(told) == 1 and told[0].startswith("a.md:1: warning:"), run.err
    assert "'Chapter 1'" in told[0]


def test_printed_attributes_inside_a_div_are_told_at_their_paragraph_not_the_fence(tmp_path):
    root = make_book(tmp_path / "book", "title: T\nauthor: A\nspine: [a.md]\n",
                     {"a.md": "# A\n\n::: {.section}\nText.\n\n> ::: {.y}\n> quoted\n"
                              "> text]{.x} here\n> :::\n:::\n"})
    run = run_cli("build", root, "--format", "epub")
    told = run.told("BB240")
    assert len(told) == 1 and told[0].startswith("a.md:7: warning:"), run.err


def test_an_epub_type_of_an_undeclared_vocabulary_is_left_out_and_told_at_its_line(tmp_path):
    # EPUBCheck refuses `se:` (OPF-028); pandoc keeps it on a heading, a link or a span it
    # converts: left out with a warning, once per chapter and prefix, on every element alike
    root = make_book(tmp_path / "book", "title: T\nauthor: A\nspine: [a.md, b.md]\n",
                     {"a.md": '# A\n\n## Part {epub:type="se:bridgehead"}\n\n'
                              'A [ship](https://example.org){epub:type="z3998:ship"}, and\n'
                              '[one](https://example.org){epub:type="se:name.vessel"}.\n',
                      "b.md": '# B\n\nText.\n\n[Dear Sir,]{epub:type="se:letter.dateline '
                              'z3998:salutation"}\n\n<p epub:type="se:x">Raw.</p>\n'})
    run = run_cli("build", root, "--format", "epub")
    assert run.code == 0, run.err
    assert [line.split(" epub:type")[0] for line in run.err.splitlines()
            if "BB252" in line] == ["a.md:3: warning:", "b.md:5: warning:"], run.err
    book = Epub(build_epub(root))
    typed = [el.get(EPUB_TYPE) for name in ("a", "b") for el in book.document(name).iter()
             if el.get(EPUB_TYPE) and etree.QName(el).localname not in ("body", "section")]
    assert typed == ["z3998:ship", "z3998:salutation"]
