"""`bookbuild new`: a new book that builds at once, shows every feature, and teaches book.yaml.

That the new book passes `bookbuild check` with nothing to report is tested by running the
README's "first book" commands (test_first_book.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import pytest
from authorkit import load_yaml, schema_errors, switch_on_commented_settings
from bookkit import Epub, build_epub, run_cli, tiny_png, tree_digest

from bookbuild import config
from bookbuild.commands.new import SCHEMA_FILE
from bookbuild.read import read_book
from bookbuild.theme import PACKAGED, theme_file
from bookbuild.xhtml import h

# Every key book.yaml can hold, at every level: the scaffold shows each one.
KNOWN_KEYS = (set(config.BOOK_SCHEMA) | set(config.PRINT_SCHEMA) | set(config.MARGIN_KEYS)
              | {k for option in config.BOOK_SCHEMA.values()
                 for k in getattr(option, "SCHEMA", {})}
              | {k for option in config.BOOK_SCHEMA.values()
                 if isinstance(option, config.Section) for k in option.schema}
              | set(config.Spine.FILE_SCHEMA) | set(config.Spine.PART_SCHEMA))


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("new") / "my-novel"
    run = run_cli("new", folder)
    assert run.code == 0, run.err
    return folder


def test_new_writes_book_yaml_chapters_styles_and_gitignore(scaffold):
    files = set(tree_digest(scaffold))
    assert {"book.yaml", ".gitignore", "styles/README.md",
            "manuscript/01-the-keepers-ledger.md", "manuscript/02-the-harbour-board.md",
            "manuscript/images/harrow-point.png"} <= files
    assert "build/" in (scaffold / ".gitignore").read_text().split()


def test_new_book_takes_its_title_from_the_folder(scaffold):
    assert read_book(config.load(scaffold)).config.title == "My Novel"


def test_new_refuses_a_folder_that_holds_anything(tmp_path):
    folder = tmp_path / "novel"
    folder.mkdir()
    (folder / "draft.md").write_text("My only copy.\n")
    run = run_cli("new", folder)
    assert run.code == 1
    assert "[BB002 folder-not-empty]" in run.err
    assert sorted(p.name for p in folder.iterdir()) == ["draft.md"]
    assert (folder / "draft.md").read_text() == "My only copy.\n"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    assert run_cli("new", a_file).code == 1
    assert a_file.read_text() == "x"


def test_new_accepts_an_empty_folder(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    assert run_cli("new", folder).code == 0
    assert (folder / "book.yaml").is_file()


def test_title_and_author_may_hold_any_characters(tmp_path):
    folder = tmp_path / "odd"
    title, author = 'Ça "va": l\'été # 2', "Zoë O'Brien-Łukasz"
    assert run_cli("new", folder, "--title", title, "--author", author).code == 0
    text = (folder / "book.yaml").read_text(encoding="utf-8")
    assert schema_errors(load_yaml(text)) == []
    book = Epub(build_epub(folder, tmp_path / "out"))
    assert book.metadata("dc:title") == ['Ça “va”: l’été # 2']  # set as the title page sets it
    assert book.metadata("dc:creator") == [author]


def test_new_book_keeps_no_theme_of_its_own(scaffold):
    """No fonts or stylesheets are copied: the packaged theme styles the book until the author
    puts a file of the same name in styles/, as styles/README.md explains."""
    assert [p.name for p in (scaffold / "styles").iterdir()] == ["README.md"]
    assert theme_file(scaffold, "epub.css") == PACKAGED / "epub.css"
    assert theme_file(scaffold, "print.css") == PACKAGED / "print.css"
    readme = (scaffold / "styles" / "README.md").read_text(encoding="utf-8")
    assert str(PACKAGED.resolve()) in readme
    assert "epub.css" in readme and "print.css" in readme


def test_book_yaml_starts_with_the_schema_line_for_editors(scaffold):
    first = (scaffold / "book.yaml").read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    uri = urlsplit(first[len(prefix):])
    assert uri.scheme == "file"
    assert Path(url2pathname(uri.path)) == SCHEMA_FILE.resolve()
    assert run_cli("schema").out.strip() == first


def test_book_yaml_is_valid_against_the_schema(scaffold):
    assert schema_errors(load_yaml((scaffold / "book.yaml").read_text(encoding="utf-8"))) == []


def test_book_yaml_shows_every_key_the_loader_knows(scaffold):
    """Each key is in use or in a comment, so the author learns it where it goes."""
    text = (scaffold / "book.yaml").read_text(encoding="utf-8")
    missing = {key for key in KNOWN_KEYS
               if not re.search(rf"(^|[\s{{,#-]){re.escape(key)}:", text, re.M)}
    assert missing == set(), "keys missing from the new book's book.yaml"


def test_every_commented_setting_works_when_switched_on(scaffold, tmp_path):
    text, switched = switch_on_commented_settings(
        (scaffold / "book.yaml").read_text(encoding="utf-8"), KNOWN_KEYS)
    assert len(switched) >= 20
    data = load_yaml(text)
    assert schema_errors(data) == []
    copy = tmp_path / "all-on"
    for source in scaffold.rglob("*"):
        if source.is_file():
            target = copy / source.relative_to(scaffold)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    (copy / data["cover"]).parent.mkdir(parents=True, exist_ok=True)
    (copy / data["cover"]).write_bytes(tiny_png(1600, 2400))
    (copy / "book.yaml").write_text(text, encoding="utf-8")
    loaded = config.load(copy)
    assert loaded.print.paper == "white" and loaded.isbn.print and loaded.also_by


def _classes(book) -> set[str]:
    return {c for s in book.chapters() if s.body is not None
            for el in s.body.iter() if isinstance(el.tag, str)
            for c in (el.get("class") or "").split()}


def test_sample_chapters_show_each_markdown_feature(scaffold):
    book = read_book(config.load(scaffold))
    chapters = [s for s in book.chapters() if s.role == "chapter"]
    assert len(chapters) == 2 and all(s.subtitle for s in chapters)
    assert {"epigraph", "letter", "newspaper", "transcript", "excerpt", "scene-break", "image",
            "speech", "direction", "signoff", "dateline"} <= _classes(book)
    bodies = [s.body for s in chapters]
    found = {tag: any(b.find(f".//{h(tag)}") is not None for b in bodies)
             for tag in ("figcaption", "ul", "blockquote", "br", "em", "h2")}
    assert all(found.values()), found
    assert any(s.notes and len(s.notes[0].blocks) == 2 for s in chapters), "a two-part note"
    spans = {(el.get("lang"), el.get("dir")) for b in bodies for el in b.iter(h("span"))}
    assert ("nl", None) in spans and ("he", "rtl") in spans
    text = "".join(t for b in bodies for t in b.itertext())
    assert "“" in text and "—" in text and "–" in text, "smart quotes and dashes"
    assert "The Harbour Board" in [s.title for s in chapters]
    assert any(s.kind == "part" for s in book.sections)
    assert any(s.kind == "backmatter" for s in book.sections)


def test_the_teaching_comments_never_reach_the_book(scaffold):
    book = read_book(config.load(scaffold))
    text = " ".join(t for s in book.chapters() if s.body is not None for t in s.body.itertext())
    assert "Comments like this one" not in text
    assert "<!--" not in text and "-->" not in text
    source = (scaffold / "manuscript" / "01-the-keepers-ledger.md").read_text(encoding="utf-8")
    assert "Comments like this one are for you" in source
