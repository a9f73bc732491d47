"""`bookbuild import` of a Word .docx: made in the test from Markdown through pandoc.

Each imported book is built and validated by EPUBCheck (one JVM); a round trip Markdown →
.docx → import → build reads as the book built from the Markdown itself.
"""

from __future__ import annotations

import re
import textwrap
import zipfile
from pathlib import Path

import pypandoc
import pytest
from bookkit import Epub, body_text, build_epub, make_book, run_cli, tiny_png
from lxml import etree

from bookbuild import config
from bookbuild.checks.epubcheck import run_epubcheck_many
from bookbuild.xhtml import XHTML_NS as XHTML

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

NOVEL = """\
---
title: The Long Winter
author: Kestrel
lang: en-GB
subject: Alternate history
description: A winter in Moscow, 1953.
---

Copyright © 2027 Kestrel. All rights reserved.

For Tanya, who kept the light on.

# Prologue

Snow fell on the Lubyanka all night.

# Without Belongings

“Levina. Up.” [Без вещей]{lang=ru}, he said.[^1] She read the [Decree]{.smallcaps} twice,
*slowly*, and **once more**.

::: {custom-style="Quote"}
Write it down, even if nobody reads it.
:::

* * *

![A dashed line from the Lubyanka west to Kuntsevo.](route.png)

The car went west.[^2] [A margin remark]{.comment-start id="0" author="Ed"}She did not look
back.[]{.comment-end id="0"}

# The Harbour

Nobody came to the harbour that night.

# Acknowledgements

My thanks to the keepers of the Saltby library.

[^1]: “Without belongings”: the prisoner was expected to return to the cell.

[^2]: The Near Dacha at Kuntsevo.
"""


def make_docx(folder: Path, markdown: str, name: str = "novel.docx") -> Path:
    """A .docx written by pandoc from `markdown` (images beside it are embedded)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "route.png").write_bytes(tiny_png(8, 6))
    source = folder / (Path(name).stem + ".md")
    source.write_text(markdown, encoding="utf-8")
    target = folder / name
    pypandoc.convert_file(str(source), "docx", format="markdown", outputfile=str(target),
                          extra_args=[f"--resource-path={folder}"])
    return target


def with_tracked_changes(docx: Path) -> Path:
    """The same file with one insertion and one deletion tracked in its first chapter."""
    with zipfile.ZipFile(docx) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    document = etree.fromstring(parts["word/document.xml"])
    run = next(r for r in document.iter(f"{{{W}}}r")
               if "Snow fell" in "".join(r.itertext()))
    inserted = etree.Element(f"{{{W}}}ins", {f"{{{W}}}id": "901", f"{{{W}}}author": "Ed",
                                             f"{{{W}}}date": "2027-01-01T00:00:00Z"})
    run.addprevious(inserted)
    new_run = etree.SubElement(inserted, f"{{{W}}}r")
    etree.SubElement(new_run, f"{{{W}}}t", {"{http://www.w3.org/XML/1998/namespace}space":
                                             "preserve"}).text = "Inserted words. "
    deleted = etree.Element(f"{{{W}}}del", {f"{{{W}}}id": "902", f"{{{W}}}author": "Ed",
                                            f"{{{W}}}date": "2027-01-01T00:00:00Z"})
    run.addnext(deleted)
    old_run = etree.SubElement(deleted, f"{{{W}}}r")
    etree.SubElement(old_run, f"{{{W}}}delText").text = " Deleted words."
    parts["word/document.xml"] = etree.tostring(document, xml_declaration=True,
                                                encoding="UTF-8", standalone=True)
    tracked = docx.with_name("tracked.docx")
    with zipfile.ZipFile(tracked, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return tracked


@pytest.fixture(scope="module")
def novel(tmp_path_factory) -> tuple[Path, str, Path]:
    root = tmp_path_factory.mktemp("docx")
    docx = make_docx(root / "word", NOVEL)
    run = run_cli("import", docx, root / "book")
    assert run.code == 0, run.err
    return root / "book", run.out + run.err, build_epub(root / "book")


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory) -> tuple[Path, Path]:
    """The same two chapters built from Markdown, and from a .docx made of that Markdown."""
    root = tmp_path_factory.mktemp("round")
    chapters = {
        "manuscript/01.md": """\
            ---
            title: The Keeper's Ledger
            ---

            The ledger was under the floor, wrapped in oilcloth.[^1] "Nobody," she said,
            "writes in a ledger *for fun*."

            It held a **letter**, never sent, and a date: 1893.

            * * *

            [Tak]{lang=da} — she said it twice.

            [^1]: Oilcloth: cotton made waterproof with linseed oil.
            """,
        "manuscript/02.md": """\
            ---
            title: The Harbour Board
            ---

            The board met on Tuesdays. Its minutes are lost.
            """}
    original = make_book(root / "original", """\
        title: Round Trip
        author: Kestrel
        language: en
        spine: [manuscript/01.md, manuscript/02.md]
        """, chapters)
    pandoc_text = "\n\n".join(
        "# " + re.search(r"title: (.*)", text)[1] + "\n\n"
        + textwrap.dedent(text).split("---\n", 2)[2] for text in chapters.values())
    docx = make_docx(root / "word", "---\ntitle: Round Trip\nauthor: Kestrel\n---\n\n"
                     + pandoc_text, "round.docx")
    run = run_cli("import", docx, root / "imported")
    assert run.code == 0, run.err
    return build_epub(original), build_epub(root / "imported")


@pytest.fixture(scope="module")
def epubcheck(novel, round_trip):
    return run_epubcheck_many([novel[2], *round_trip])


def _chapter_texts(epub: Path) -> list[str]:
    book = Epub(epub)
    return [body_text(doc) for name, doc in book.documents().items()
            if not any(page in name for page in ("nav", "title", "copyright", "cover"))]


def test_imported_word_books_pass_epubcheck(epubcheck):
    for epub, messages in epubcheck.items():
        assert [m for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")] == [], epub


def test_round_trip_through_word_gives_the_same_text(round_trip):
    original, imported = (_chapter_texts(p) for p in round_trip)
    assert len(original) == len(imported) >= 2
    for before, after in zip(original, imported, strict=True):
        assert " ".join(before.split()) == " ".join(after.split())


def test_chapters_split_at_heading_1_with_roles(novel):
    book, out, _ = novel
    spine = (book / "book.yaml").read_text()
    assert "  - {file: manuscript/01-prologue.md, type: frontmatter, role: prologue}" in spine
    assert "  - manuscript/02-without-belongings.md\n  - manuscript/03-the-harbour.md\n" in spine
    assert ("{file: manuscript/04-acknowledgements.md, type: backmatter, role: acknowledgments}"
            in spine)
    assert "4 chapters" in out


def test_properties_and_front_matter_go_to_book_yaml(novel):
    book = config.load(novel[0])
    assert book.title == "The Long Winter"
    assert book.authors[0].name == "Kestrel"
    assert book.language == "en-GB"
    text = (novel[0] / "book.yaml").read_text()
    assert 'rights: "Copyright © 2027 Kestrel. All rights reserved."' in text
    assert 'dedication: "For Tanya, who kept the light on."' in text
    assert 'description: "A winter in Moscow, 1953."' in text
    assert 'subjects: ["Alternate history"]' in text
    assert "# epigraph:" in text and "# publisher:" in text  # the rest commented, as `new`
    chapters = "".join(p.read_text() for p in (novel[0] / "manuscript").glob("*.md"))
    assert "Copyright" not in chapters and "For Tanya" not in chapters


def test_notes_marks_languages_quotes_and_breaks_are_carried_over(novel):
    text = (novel[0] / "manuscript" / "02-without-belongings.md").read_text()
    assert "“Levina. Up.” [Без вещей]{lang=ru}, he said.[^1]" in text
    assert "[Decree]{.smallcaps}" in text and "*slowly*" in text and "**once more**" in text
    assert "> Write it down, even if nobody reads it." in text
    assert "\n* * *\n" in text
    assert "[^1]: “Without belongings”: the prisoner was expected to return to the cell." in text
    assert "[^2]: The Near Dacha at Kuntsevo." in text
    epub = Epub(novel[2])
    doc = next(d for n, d in epub.documents().items() if "without-belongings" in n)
    assert doc.xpath("//*[@lang='ru' or @xml:lang='ru']")
    assert len(doc.xpath("//*[@epub:type='noteref']",
                         namespaces={"epub": "http://www.idpf.org/2007/ops"})) == 2


def test_images_are_extracted_with_their_alt_text(novel):
    book, _, _ = novel
    images = sorted(p.name for p in (book / "manuscript" / "images").iterdir())
    assert images == ["the-long-winter-1.png"]
    assert ("![A dashed line from the Lubyanka west to Kuntsevo.](images/the-long-winter-1.png)"
            in (book / "manuscript" / "02-without-belongings.md").read_text())


def test_comments_are_dropped_with_a_warning(novel):
    book, out, _ = novel
    assert "novel.docx: warning: 1 comment in the margin was left out [BB504" in out
    assert "margin remark" not in (book / "manuscript" / "02-without-belongings.md").read_text()


def test_an_image_without_a_description_is_named_in_a_warning(tmp_path):
    docx = make_docx(tmp_path / "w", "# One\n\n![](route.png)\n")
    run = run_cli("import", docx, tmp_path / "b")
    assert run.code == 0, run.err
    assert "warning: the image manuscript/images/novel-1.png has no description" in run.err
    assert "![](images/novel-1.png)" in (tmp_path / "b" / "manuscript" / "01-one.md").read_text()
    assert config.load(tmp_path / "b").title == "B"  # no title in the file: the folder's name


def test_verse_style_becomes_a_line_block(tmp_path):
    docx = make_docx(tmp_path / "w", '# One\n\n::: {custom-style="Poem"}\nThe sea keeps\\\n'
                                     'no records\n:::\n')
    assert run_cli("import", docx, tmp_path / "b").code == 0
    assert "| The sea keeps\n| no records" in (tmp_path / "b" / "manuscript" / "01-one.md"
                                               ).read_text()
    # ...and the book sets it as verse: one line each, no pipe showing.
    doc = next(d for name, d in Epub(build_epub(tmp_path / "b")).documents().items()
               if "one" in name)
    text = body_text(doc)
    assert "The sea keeps" in text and "no records" in text and "|" not in text
    assert doc.xpath("//x:div[contains(@class, 'line-block')]", namespaces={"x": XHTML})


def test_the_author_names_the_chapter_style(tmp_path):
    docx = make_docx(tmp_path / "w", '::: {custom-style="Chapter Title"}\nFirst\n:::\n\nOne.\n\n'
                                     '::: {custom-style="Chapter Title"}\nSecond\n:::\n\nTwo.\n')
    run = run_cli("import", docx, tmp_path / "b", "--chapter-style", "Chapter Title")
    assert run.code == 0, run.err
    assert sorted(p.name for p in (tmp_path / "b" / "manuscript").glob("*.md")) == [
        "01-first.md", "02-second.md"]


def test_tracked_changes_are_refused_with_their_count(tmp_path):
    tracked = with_tracked_changes(make_docx(tmp_path / "w", NOVEL))
    run = run_cli("import", tracked, tmp_path / "b")
    assert run.code == 1 and "Traceback" not in run.err
    assert "holds 2 tracked changes (1 insertions, 1 deletions)" in run.err
    assert "[BB503 tracked-changes]" in run.err
    assert not (tmp_path / "b").exists()


@pytest.mark.parametrize(("choice", "kept", "gone"), [("accept", "Inserted words.",
                                                       "Deleted words."),
                                                      ("reject", "Deleted words.",
                                                       "Inserted words.")])
def test_tracked_changes_accepted_or_rejected(tmp_path, choice, kept, gone):
    tracked = with_tracked_changes(make_docx(tmp_path / "w", NOVEL))
    run = run_cli("import", tracked, tmp_path / "b", "--track-changes", choice)
    assert run.code == 0, run.err
    prologue = (tmp_path / "b" / "manuscript" / "01-prologue.md").read_text()
    assert kept in prologue and gone not in prologue


def _refused(run, target: Path, words: str) -> None:
    assert run.code == 1
    assert "[BB501 import-unreadable]" in run.err and "Traceback" not in run.err
    assert words in run.err
    assert not target.exists()


def test_a_password_protected_file_is_refused(tmp_path):
    (tmp_path / "locked.docx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    _refused(run_cli("import", tmp_path / "locked.docx", tmp_path / "b"), tmp_path / "b",
             "password-protected")


def test_a_corrupt_file_is_refused(tmp_path):
    good = make_docx(tmp_path / "w", NOVEL).read_bytes()
    (tmp_path / "cut.docx").write_bytes(good[: len(good) // 2])
    _refused(run_cli("import", tmp_path / "cut.docx", tmp_path / "b"), tmp_path / "b",
             "not a Word .docx file, or it is damaged")


def test_text_named_docx_and_an_odt_are_refused(tmp_path):
    (tmp_path / "notes.docx").write_text("just text")
    _refused(run_cli("import", tmp_path / "notes.docx", tmp_path / "b"), tmp_path / "b",
             "not a Word .docx file")
    with zipfile.ZipFile(tmp_path / "novel.docx", "w") as odt:
        odt.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        odt.writestr("content.xml", "<office:document-content/>")
    _refused(run_cli("import", tmp_path / "novel.docx", tmp_path / "b"), tmp_path / "b",
             "OpenDocument (.odt)")
    (tmp_path / "novel.odt").write_bytes((tmp_path / "novel.docx").read_bytes())
    _refused(run_cli("import", tmp_path / "novel.odt", tmp_path / "b"), tmp_path / "b",
             "save it as .docx")


def test_a_hostile_document_xml_is_refused_without_reading_entities(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    good = make_docx(tmp_path / "w", "# One\n\nText.\n")
    with zipfile.ZipFile(good) as archive:
        parts = {i.filename: archive.read(i) for i in archive.infolist()}
    parts["word/document.xml"] = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        f'<w:document xmlns:w="{W}"><w:body><w:p><w:r><w:t>&x;</w:t></w:r></w:p>'
        f'</w:body></w:document>').encode()
    with zipfile.ZipFile(tmp_path / "evil.docx", "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    run = run_cli("import", tmp_path / "evil.docx", tmp_path / "b")
    assert "Traceback" not in run.err
    if run.code == 0:
        assert "TOP SECRET" not in "".join(p.read_text() for p in
                                           (tmp_path / "b").rglob("*.md"))


def test_ornament_paragraphs_become_scene_breaks_and_tables_pipe_tables(tmp_path):
    docx = make_docx(tmp_path / "w", "# One\n\nBefore.\n\n\\#\n\nMiddle.\n\n⁂\n\nAfter.\n\n"
                                     "| Year | Event |\n|---|---|\n| 1953 | March |\n")
    assert run_cli("import", docx, tmp_path / "b").code == 0
    text = (tmp_path / "b" / "manuscript" / "01-one.md").read_text()
    assert "Before.\n\n* * *\n\nMiddle.\n\n* * *\n\nAfter." in text
    assert "| Year | Event |\n|---|---|\n| 1953 | March |" in text
    doc = next(d for name, d in Epub(build_epub(tmp_path / "b")).documents().items()
               if "one" in name)
    cells = [c.text for c in doc.iter(f"{{{XHTML}}}td")]
    assert cells == ["1953", "March"]
