"""`bookbuild import` of a forum serial: saved XenForo 2 pages, or a folder of text posts.

The pages are written by hand in XenForo 2's markup (xenforo.py); each imported book is
built, and EPUBCheck validates all of them in one JVM.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from bookkit import Epub, body_text, build_epub, run_cli, tiny_png, tree_digest
from xenforo import page, plain_quote, post, quote, spoiler

from bookbuild import config
from bookbuild.checks.epubcheck import run_epubcheck_many
from bookbuild.importers import import_book
from bookbuild.read import read_book

CHAPTER_ONE = """<b>Excerpt from <i>The Silent Years</i> by S. P. Kornilov</b><br />
<br />
Of all the hours of the Regency, none has been argued over more than the three after
midnight.[1]<br />
The Presidium sat until dawn.<br />
<br />
Taken from the Transcript of the Plenum of the Central Committee, 5 March 1953<br />
<br />
MALENKOV: Comrades, the situation is grave.<br />
BERIA: We are all aware of it.[2]<br />
<div style="text-align: center">* * *</div>
The key turned at twenty minutes to one. "Levina. Up." She said <i>nothing</i> at all,
and <b>waited</b> for <u>the guard</u>.<br />
<br />
[1] The Regency lasted from 1953 to 1956.<br />
[2] Beria's words, as the stenographer took them down."""

CHAPTER_TWO = """The car went west along the river.<br />
<br />
Extract from "Moscow Nights" by Anna Grey:<br />
The embankment was empty at that hour.<br />
<br />
***<br />
She did not look back.<br />
""" + plain_quote("Write it down, even if nobody reads it.") + spoiler(
    "Map", "The route ran past the Kremlin.") + """
The map was <img src="page-1_files/route.png" alt="A dashed line from the Lubyanka west to
Kuntsevo." class="bbImage" loading="lazy" /> in the file.<br />
<img src="https://images.example/remote.jpg" class="bbImage" alt="remote.jpg" />"""


def _serial_pages(folder: Path) -> Path:
    """Two pages, the second saved a day later: it repeats the last post, since edited."""
    folder.mkdir(parents=True)
    (folder / "page-1_files").mkdir()
    (folder / "page-1_files" / "route.png").write_bytes(tiny_png(4, 3))
    one = [post("Kestrel", CHAPTER_ONE, 101, threadmark="Without Belongings-March 2nd, 1953"),
           post("Ann Reader", quote("Kestrel", "The key turned at twenty minutes", 101)
                + "Great chapter! Can't wait for more.", 102),
           post("Kestrel", "Thanks all! Next one on Friday.", 103),
           post("Kestrel", CHAPTER_TWO, 104, threadmark="The Embankment - March 3rd, 1953")]
    two = [post("Kestrel", "The Embankment, first draft.", 104,
                threadmark="The Embankment - March 3rd, 1953"),
           post("Bo", "Is the map right?", 105),
           post("Kestrel", "Nobody came to the harbour that night.<br />\n<br />\nThe end.", 106,
                threadmark="Epilogue")]
    two[0] = post("Kestrel", CHAPTER_TWO, 104, threadmark="The Embankment - March 3rd, 1953",
                  edited="2021-03-04T08:00:00+0000")
    (folder / "page-2.html").write_text(page(two, number=2), encoding="utf-8")
    (folder / "page-1.html").write_text(page(one, number=1), encoding="utf-8")
    return folder


def _unmarked_pages(folder: Path) -> Path:
    folder.mkdir(parents=True)
    posts = [post("Kestrel", "<b>Prologue</b><br />\n<br />\nSnow fell on Harrow.", 201),
             post("Bo", "First!", 202),
             post("Kestrel", "The keeper woke at four.<br />\nHe lit the lamp.", 203)]
    (folder / "thread.html").write_text(page(posts), encoding="utf-8")
    return folder


def _text_posts(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "01.txt").write_text(
        "Without Belongings - March 2nd, 1953\n\nThe key turned.[1] She sat [i]still[/i].\n"
        "Transcript of the interrogation of L. Levina\nVOLKOV: Name?\nLEVINA: Levina.\n\n"
        "* * *\n\nMorning came.\n[1] At twenty minutes to one.\n", encoding="utf-8")
    (folder / "02.txt").write_text("The Harbour\n\n# not a heading\n1. not a list\n"
                                   "Excerpt from Harbour Rules by the Board\nNo lights after "
                                   "ten.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> dict[str, tuple[Path, str, Path]]:
    """Each source imported and built: its book folder, the import's output, its EPUB."""
    root = tmp_path_factory.mktemp("forum")
    sources = {"serial": (_serial_pages(root / "pages"), []),
               "unmarked": (_unmarked_pages(root / "unmarked"), []),
               "posts": (_text_posts(root / "posts"), ["--author", "Pen Name"])}
    books = {}
    for name, (source, extra) in sources.items():
        book = root / f"{name}-book"
        run = run_cli("import", source, book, *extra)
        assert run.code == 0, run.err
        books[name] = (book, run.out + run.err, build_epub(book))
    return books


@pytest.fixture(scope="module")
def epubcheck(imported):
    return run_epubcheck_many([epub for _, _, epub in imported.values()])


def _chapters(book: Path) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((book / "manuscript").glob("*.md"))]


def test_every_imported_serial_passes_epubcheck(imported, epubcheck):
    for epub, messages in epubcheck.items():
        assert [m for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")] == [], epub


def test_threadmarked_posts_are_the_chapters_in_thread_order(imported):
    book, out, _ = imported["serial"]
    loaded = read_book(config.load(book))
    assert [(s.title, s.subtitle) for s in loaded.sections
            if s.kind == "chapter"] == [
        ("Without Belongings", "March 2nd, 1953"), ("The Embankment", "March 3rd, 1953"),
        ("Epilogue", None)]
    files = sorted(p.name for p in (book / "manuscript").glob("*.md"))
    assert files == ["01-without-belongings.md", "02-the-embankment.md", "03-epilogue.md"]
    assert "3 chapters" in out and "replies left out: 3" in out
    assert config.load(book).title == "The Long Winter: A Novel of 1953"
    assert config.load(book).authors[0].name == "Kestrel"


def test_title_date_becomes_title_and_subtitle(imported):
    first, second, third = _chapters(imported["serial"][0])
    assert first.startswith('---\ntitle: "Without Belongings"\nsubtitle: "March 2nd, 1953"\n')
    assert second.startswith('---\ntitle: "The Embankment"\nsubtitle: "March 3rd, 1953"\n')
    assert third.startswith('---\ntitle: "Epilogue"\n---')


def test_replies_quotes_of_posts_signatures_and_furniture_are_dropped(imported):
    text = "\n".join(_chapters(imported["serial"][0]))
    for dropped in ("Great chapter", "Thanks all", "Is the map right", "Thanks for reading",
                    "Click to", "Last edited", "Reply", "Like", "Threadmarks", "said:",
                    "Write your reply", "first draft"):
        assert dropped not in text


def test_excerpt_and_transcript_lines_open_documents(imported):
    first = _chapters(imported["serial"][0])[0]
    assert '::: {.excerpt source="The Silent Years" author="S. P. Kornilov"}' in first
    assert '::: {.transcript source="the Plenum of the Central Committee, 5 March 1953"}' in first
    epub = Epub(imported["serial"][2])
    doc = next(d for name, d in epub.documents().items() if "without-belongings" in name)
    excerpt = doc.xpath("//*[contains(@class, 'excerpt')]", namespaces={"x": NS_X})[0]
    assert "none has been argued over" in "".join(excerpt.itertext())
    assert "The Silent Years" in "".join(excerpt.itertext())
    assert "MALENKOV" not in "".join(excerpt.itertext())
    transcript = doc.xpath("//*[contains(@class, 'transcript')]", namespaces={"x": NS_X})[0]
    assert "BERIA" in "".join(transcript.itertext())
    # The scene break closed the transcript: the narrative is outside it.
    assert "The key turned" not in "".join(transcript.itertext())
    assert "The key turned" in body_text(doc)


def test_an_excerpt_runs_to_the_scene_break(imported):
    second = _chapters(imported["serial"][0])[1]
    assert '::: {.excerpt source="Moscow Nights" author="Anna Grey"}' in second
    opened = second.index("{.excerpt")
    assert second.index(":::", opened + 10) < second.index("* * *") < second.index("She did not")


def test_bracketed_numbers_become_footnotes(imported):
    first = _chapters(imported["serial"][0])[0]
    assert "midnight.[^1]" in first and "aware of it.[^2]" in first
    assert "[^1]: The Regency lasted from 1953 to 1956." in first
    epub = Epub(imported["serial"][2])
    doc = next(d for name, d in epub.documents().items() if "without-belongings" in name)
    assert len(doc.xpath("//*[@epub:type='noteref']", namespaces=NSMAP)) == 2
    assert "[1]" not in body_text(doc)


def test_marks_quotes_and_spoilers_of_the_author_are_kept(imported):
    book, out, _ = imported["serial"]
    first, second, _ = _chapters(book)
    assert "said *nothing* at all" in first and "**waited**" in first
    assert "[the guard]{.underline}" in first
    assert "> Write it down, even if nobody reads it." in second
    assert "The route ran past the Kremlin." in second
    assert "post 104: warning: a spoiler ('Map') was kept as plain text" in out


def test_an_edited_post_from_a_later_page_wins(imported):
    second = _chapters(imported["serial"][0])[1]
    assert "The car went west" in second and "first draft" not in second


def test_images_saved_beside_the_page_are_kept_remote_ones_warned(imported):
    book, out, epub = imported["serial"]
    assert (book / "manuscript" / "images" / "route.png").read_bytes() == tiny_png(4, 3)
    assert "![A dashed line from the Lubyanka west to Kuntsevo.](images/route.png)" in \
        _chapters(book)[1]
    assert "post 104: warning: an image ('https://images.example/remote.jpg') was not saved" in out
    assert any(i["href"].endswith("route.png") for i in Epub(epub).manifest().values())


def test_without_threadmarks_the_thread_authors_posts_are_chapters(imported):
    book, out, _ = imported["unmarked"]
    prologue, keeper = _chapters(book)
    assert prologue.startswith('---\ntitle: "Prologue"\n---\n\nSnow fell on Harrow.')
    assert keeper.startswith('---\ntitle: "Chapter 2"\n---\n\nThe keeper woke at four.\n\n'
                             'He lit the lamp.')
    assert "First!" not in prologue + keeper


def test_author_names_whose_posts_are_chapters(tmp_path):
    run = run_cli("import", _unmarked_pages(tmp_path / "t"), tmp_path / "b", "--author", "Bo")
    assert run.code == 0, run.err
    assert "First!" in _chapters(tmp_path / "b")[0]
    assert config.load(tmp_path / "b").authors[0].name == "Bo"


def test_a_folder_of_text_posts_becomes_a_book(imported):
    book, _, epub = imported["posts"]
    first, second = _chapters(book)
    assert first.startswith('---\ntitle: "Without Belongings"\nsubtitle: "March 2nd, 1953"\n')
    assert "She sat *still*." in first and "[^1]: At twenty minutes to one." in first
    assert '::: {.transcript source="the interrogation of L. Levina"}' in first
    assert "\\# not a heading\n\n1\\. not a list" in second
    assert config.load(book).authors[0].name == "Pen Name"
    assert "not a heading" in body_text(next(d for n, d in Epub(epub).documents().items()
                                             if "harbour" in n))


# ---- bad input: a clear error, nothing written ----

def _refused(run, code: str, target: Path) -> None:
    assert run.code == 1
    assert f"[{code} " in run.err and "Traceback" not in run.err
    assert not target.exists() or not any(target.iterdir())


def test_html_that_is_not_a_thread_is_refused(tmp_path):
    (tmp_path / "news.html").write_text("<html><body><article><p>News</p></article></body>"
                                        "</html>")
    _refused(run_cli("import", tmp_path / "news.html", tmp_path / "b"), "BB501", tmp_path / "b")


def test_garbage_saved_as_a_page_is_refused(tmp_path):
    (tmp_path / "page.html").write_bytes(bytes(range(256)) * 40)
    _refused(run_cli("import", tmp_path / "page.html", tmp_path / "b"), "BB501", tmp_path / "b")


def test_a_thread_without_the_authors_posts_is_empty(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "p.html").write_text(page([post("Bo", "Hello", 1), post("Ann", "Hi", 2)]))
    _refused(run_cli("import", folder, tmp_path / "b", "--author", "Kestrel"), "BB502",
             tmp_path / "b")


def test_a_target_that_holds_anything_is_refused(tmp_path):
    target = tmp_path / "b"
    target.mkdir()
    (target / "draft.md").write_text("my only copy")
    run = run_cli("import", _unmarked_pages(tmp_path / "t"), target)
    assert run.code == 1 and "[BB002 folder-not-empty]" in run.err
    assert tree_digest(target) == {"draft.md": tree_digest(target)["draft.md"]}


def test_an_empty_target_folder_is_filled(tmp_path):
    (tmp_path / "b").mkdir()
    run = run_cli("import", _unmarked_pages(tmp_path / "t"), tmp_path / "b")
    assert run.code == 0, run.err
    assert (tmp_path / "b" / "book.yaml").is_file()


def test_an_image_path_out_of_the_folder_is_not_followed(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(tiny_png())
    folder = tmp_path / "t" / "pages"
    folder.mkdir(parents=True)
    body = 'Text.<br />\n<img src="../../secret.png" alt="A secret." class="bbImage" />'
    (folder / "p.html").write_text(page([post("Kestrel", body, 1, threadmark="One")]))
    run = run_cli("import", folder, tmp_path / "b")
    assert run.code == 0, run.err
    assert "not a PNG, JPEG, GIF or WebP file saved beside the page" in run.err
    assert not (tmp_path / "b" / "manuscript" / "images").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b", "secret.png", "t"]


def test_a_word_97_file_is_refused(tmp_path):
    (tmp_path / "novel.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500))
    run = run_cli("import", tmp_path / "novel.doc", tmp_path / "b")
    _refused(run, "BB501", tmp_path / "b")
    assert "save it as .docx" in run.err


def test_a_300_chapter_thread_imports_in_seconds(tmp_path):
    folder = tmp_path / "big"
    folder.mkdir()
    paragraph = ("The snow had not stopped for three days, and the road to the harbour was "
                 "a white line between white fields. ") * 6
    body = "<br />\n<br />\n".join([paragraph] * 25)  # about 2,600 words a chapter
    for number in range(12):
        posts = []
        for n in range(number * 25, number * 25 + 25):
            posts.append(post("Kestrel", body + "[1]<br />\n[1] A note.", 1000 + 2 * n,
                              threadmark=f"Chapter {n + 1} - March {n % 28 + 1}th, 1953"))
            posts.append(post("Bo", quote("Kestrel", paragraph, 1000 + 2 * n) + "More!",
                              1001 + 2 * n))
        (folder / f"page-{number + 1}.html").write_text(page(posts, number=number + 1))
    started = time.perf_counter()
    draft, written = import_book(folder, tmp_path / "book")
    elapsed = time.perf_counter() - started
    assert len(draft.chapters) == 300 and len(written) >= 302
    assert elapsed < 10, f"{elapsed:.1f} s"
    print(f"300-chapter thread ({sum(p.stat().st_size for p in folder.iterdir()) // 2**20} MB "
          f"of pages): imported in {elapsed:.2f} s")


NS_X = "http://www.w3.org/1999/xhtml"
NSMAP = {"x": NS_X, "epub": "http://www.idpf.org/2007/ops"}


def test_the_imported_book_passes_bookbuild_check(imported):
    book, _, _ = imported["unmarked"]
    run = run_cli("check", book, "--format", "epub")
    assert run.code == 0, run.err
    assert "error" not in run.err and "warning" not in run.err


def test_a_text_post_that_is_not_utf8_is_refused(tmp_path):
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "01.txt").write_bytes("Caf\u00e9 au lait".encode("cp1252"))
    run = run_cli("import", folder, tmp_path / "b")
    _refused(run, "BB501", tmp_path / "b")
    assert "01.txt: error: is not UTF-8 text (byte 3)" in run.err
