"""A book's `build/` folder is untrusted input: links there are never followed, files there that
bookbuild did not write are never deleted, and nothing there is read back as a cache.

A stranger's book may arrive with `build/` (or anything under it) as a symbolic link to some
other folder, or with files planted where earlier versions kept their caches.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest
from bookkit import make_book, run_cli, tree_digest

from bookbuild.errors import BookError
from bookbuild.output import cache_folder, replace_folder

YAML = "title: Linked Book\nauthor: Jane Doe\nspine: [one.md, two.md]\n"
CHAPTERS = {"one.md": "# One\n\nThe first chapter.[^1]\n\n[^1]: A note.\n",
            "two.md": "# Two\n\nThe second chapter.\n"}


def _victim(root: Path) -> tuple[Path, dict[str, str]]:
    """A folder outside the book holding files of every kind a cache or a build might touch."""
    victim = root / "victim"
    victim.mkdir()
    for name, data in {"notes.txt": b"keep me", ".hidden": b"keep me too",
                       "report.pdf": b"%PDF-1.7 someone's", "facts.json": b"{}",
                       "linked-book.epub": b"PK\x03\x04 someone else's book",
                       "0123456789abcdef0123456789abcdef.json": b"{}",
                       ".linked-book.pdf.abcdefgh.part": b"%PDF-1.7 old"}.items():
        (victim / name).write_bytes(data)
    return victim, tree_digest(victim, skip=())


@pytest.mark.parametrize("linked", ["build", "build/.cache", "build/.cache/chapters",
                                    "build/.cache/chunks/pod"])
def test_a_link_under_the_book_never_lets_a_build_touch_another_folder(tmp_path, linked):
    book = make_book(tmp_path / "book", YAML, CHAPTERS)
    victim, before = _victim(tmp_path)
    link = book / linked
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim, target_is_directory=True)
    run = run_cli("build", book)
    assert "Traceback" not in run.err
    assert tree_digest(victim, skip=()) == before, "a file outside the book was changed"
    if linked == "build":
        assert run.code == 1
        assert run.err.splitlines()[0] == (
            "build: error: the output folder build/ is a symbolic link; bookbuild writes only "
            "into real folders inside the book: remove it, or choose another output folder "
            "with --out [BB116 output-folder]")
    else:
        # The old cache places are not bookbuild's any more: the build succeeds beside them.
        assert run.code == 0, run.err
        assert (book / "build" / "linked-book.pdf").read_bytes().startswith(b"%PDF-")


def test_an_output_folder_under_a_linked_folder_is_refused(tmp_path):
    book = make_book(tmp_path / "book", YAML, CHAPTERS)
    victim, before = _victim(tmp_path)
    (book / "out").symlink_to(victim, target_is_directory=True)
    run = run_cli("build", book, "--out", book / "out" / "dist", "--format", "epub")
    assert run.code == 1
    assert run.err.startswith("out: error: the output folder out/ is a symbolic link")
    assert tree_digest(victim, skip=()) == before


def test_a_file_where_the_output_folder_goes_is_refused(tmp_path):
    book = make_book(tmp_path / "book", YAML, {**CHAPTERS, "build": "not a folder\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert run.err.startswith("build: error: the output folder build/ is not a folder")
    assert (book / "build").read_text() == "not a folder\n"


def test_an_output_folder_outside_the_book_named_by_the_user_is_used(tmp_path):
    book = make_book(tmp_path / "book", YAML, CHAPTERS)
    (tmp_path / "real").mkdir()
    (tmp_path / "dist").symlink_to(tmp_path / "real", target_is_directory=True)
    run = run_cli("build", book, "--out", tmp_path / "dist", "--format", "epub")
    assert run.code == 0, run.err
    assert (tmp_path / "real" / "linked-book.epub").is_file()


def test_caches_live_outside_the_book(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOKBUILD_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    book = make_book(tmp_path / "book", YAML, CHAPTERS)
    assert run_cli("build", book).code == 0
    assert sorted(p.name for p in (book / "build").iterdir()) == [
        "linked-book.epub", "linked-book.pdf"]
    cache = cache_folder(book / "build")
    assert cache.is_relative_to(tmp_path / "user-cache" / "bookbuild")
    assert len(list((cache / "chapters").glob("*.json"))) == 2
    assert list((cache / "chunks" / "pod").glob("*.pdf"))


def test_files_planted_where_caches_once_were_are_not_read(tmp_path):
    """Entries copied into the book's build/.cache (the old cache place) with a script and
    foreign text in them change nothing: a rebuild is byte-identical to the first build."""
    book = make_book(tmp_path / "book", YAML, CHAPTERS)
    assert run_cli("build", book).code == 0
    out = book / "build"
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    cache = cache_folder(out)
    for kind in ("chapters", "chunks/pod"):
        planted = out / ".cache" / kind
        planted.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(cache / kind, planted)
        for entry in planted.iterdir():
            if entry.suffix in (".json", ".html"):
                entry.write_text(entry.read_text().replace(
                    "The first chapter.", "<script>alert(1)</script>Foreign text."))
    shutil.rmtree(cache)  # the real cache is gone: the planted one is all there is
    assert run_cli("build", book).code == 0
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()} == first
    with zipfile.ZipFile(out / "linked-book.epub") as epub:
        text = "".join(epub.read(name).decode("utf-8", "replace") for name in epub.namelist())
    assert "Foreign" not in text and "<script" not in text and "The first chapter." in text


def test_a_report_folder_is_replaced_only_when_bookbuild_wrote_it(tmp_path):
    victim, before = _victim(tmp_path)
    out = tmp_path / "build"
    out.mkdir()

    def fresh() -> Path:
        folder = out / ".ace.new"
        folder.mkdir()
        (folder / "report.json").write_text('{"earl:result": {}, "assertions": []}')
        return folder

    # A link where the report goes: refused, and its target untouched.
    (out / "ace").symlink_to(victim, target_is_directory=True)
    with pytest.raises(BookError, match="build/ace was not written by bookbuild"):
        replace_folder(out / "ace", fresh(), _is_report, "build/ace")
    assert tree_digest(victim, skip=()) == before and not (out / ".ace.new").exists()
    # A folder that is not a report: refused, kept.
    (out / "ace").unlink()
    (out / "ace").mkdir()
    (out / "ace" / "mine.txt").write_text("an author's file")
    with pytest.raises(BookError):
        replace_folder(out / "ace", fresh(), _is_report, "build/ace")
    assert (out / "ace" / "mine.txt").read_text() == "an author's file"
    # An earlier report holding a link: replaced, and the link's target untouched.
    (out / "ace" / "mine.txt").unlink()
    (out / "ace" / "report.json").write_text('{"earl:result": {}}')
    (out / "ace" / "data").symlink_to(victim, target_is_directory=True)
    replace_folder(out / "ace", fresh(), _is_report, "build/ace")
    assert sorted(p.name for p in (out / "ace").iterdir()) == ["report.json"]
    assert sorted(p.name for p in out.iterdir()) == ["ace"]
    assert tree_digest(victim, skip=()) == before


def _is_report(folder: Path) -> bool:
    report = folder / "report.json"
    return report.is_file() and "earl:" in report.read_text()
