"""The chapter cache: a rebuild reads only the chapters whose text changed, writes the same EPUB
a fresh build writes, reports the same problems, checks pictures again, and keeps no entry it
did not use."""

from __future__ import annotations

import shutil
from pathlib import Path

from bookkit import make_book, run_cli, tiny_png

from bookbuild import output
from bookbuild.output import cache_folder
from bookbuild.pdf.chunk_cache import theme_digest
from bookbuild.read import cache as chapter_cache
from bookbuild.theme import theme_file

YAML = "title: Cache Book\nauthor: Jane Doe\nspine: [one.md, two.md]\n"
ONE = "# One\n\nThe first chapter, with a note.[^1]\n\n[^1]: The note.\n"
TWO = "# Two\n\nThe second chapter.\n"



def _build(book, out):
    run = run_cli("build", book, "--out", out, "--format", "epub")
    assert run.code == 0, run.err
    return run


def test_a_rebuild_converts_only_the_edited_chapter_and_matches_a_fresh_build(
        tmp_path, conversions):
    book = make_book(tmp_path / "book", YAML, {"one.md": ONE, "two.md": TWO})
    out = tmp_path / "out"
    _build(book, out)
    assert len(conversions) == 2
    (book / "two.md").write_text(TWO + "\nAn added line.\n", encoding="utf-8")
    conversions.clear()
    _build(book, out)
    assert len(conversions) == 1 and "An added line." in conversions[0]

    fresh = tmp_path / "fresh"
    _build(book, fresh)
    assert (out / "cache-book.epub").read_bytes() == (fresh / "cache-book.epub").read_bytes()


def test_the_edited_chapters_old_entry_is_removed(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": ONE, "two.md": TWO})
    out = tmp_path / "out"
    _build(book, out)
    before = {p.name for p in cache_folder(out, "chapters").iterdir()}
    (book / "two.md").write_text(TWO + "\nAn added line.\n", encoding="utf-8")
    _build(book, out)
    after = {p.name for p in cache_folder(out, "chapters").iterdir()}
    # A section each, kept in place of its markup; chapter one's stays.
    assert (len(before), len(after), len(before & after)) == (2, 2, 1)
    assert {Path(name).suffix for name in before | after} == {".json"}


def test_a_cached_chapter_reports_its_warnings_again(tmp_path, conversions):
    text = ONE + "\nA zero\u200bwidth space.\n"
    book = make_book(tmp_path / "book", YAML, {"one.md": text, "two.md": TWO})
    out = tmp_path / "out"
    first = run_cli("build", book, "--out", out, "--format", "epub")
    conversions.clear()
    second = run_cli("build", book, "--out", out, "--format", "epub")
    assert conversions == []  # both chapters came from the cache
    assert "BB215" in first.err and (second.code, second.err) == (0, first.err)


def test_a_failed_build_keeps_nothing(tmp_path, conversions):
    text = ONE + '\n<span onclick="x()">A handler.</span>\n'
    book = make_book(tmp_path / "book", YAML, {"one.md": text, "two.md": TWO})
    out = tmp_path / "out"
    first = run_cli("build", book, "--out", out, "--format", "epub")
    assert first.code == 1 and not cache_folder(out).exists()
    second = run_cli("build", book, "--out", out, "--format", "epub")
    assert (second.code, second.err) == (1, first.err) and len(conversions) == 4


def test_the_key_changes_with_bookbuilds_source(tmp_path, monkeypatch):
    copy = tmp_path / "bookbuild"
    shutil.copytree(output.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(output, "PACKAGE", copy)
    output.source_digest.cache_clear()
    before = chapter_cache.ChapterCache(tmp_path).key("markup", ONE)
    with (copy / "markdown_ext" / "spans.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a changed extension\n")
    output.source_digest.cache_clear()
    assert chapter_cache.ChapterCache(tmp_path).key("markup", ONE) != before
    output.source_digest.cache_clear()


def test_the_layout_cache_key_changes_with_bookbuilds_source(tmp_path, monkeypatch):
    """A laid-out section is kept by its HTML and the layout code: a new make-up or loose-line
    pass must lay every section out again, not reuse the old pages."""
    css = theme_file(tmp_path, "print.css")
    copy = tmp_path / "bookbuild"
    shutil.copytree(output.PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(output, "PACKAGE", copy)
    output.source_digest.cache_clear()
    before = theme_digest(tmp_path, css)
    with (copy / "pdf" / "loose.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a changed pass\n")
    output.source_digest.cache_clear()
    assert theme_digest(tmp_path, css) != before
    output.source_digest.cache_clear()


def test_a_chapter_with_a_picture_has_its_picture_checked_again(tmp_path, conversions):
    text = ONE + "\n![A map.](map.png)\n"
    book = make_book(tmp_path / "book", YAML, {"one.md": text, "two.md": TWO,
                                               "map.png": tiny_png()})
    out = tmp_path / "out"
    _build(book, out)
    assert len(list(cache_folder(out, "chapters").glob("*.json"))) == 1  # chapter two only
    (book / "map.png").write_bytes(b"not a picture")
    conversions.clear()
    run = run_cli("build", book, "--out", out, "--format", "epub")
    assert run.code == 1 and "one.md:7: error: image 'map.png'" in run.err, run.err
    assert conversions == []  # its Markdown came from the cache all the same


def test_the_sample_book_rebuilt_from_the_cache_is_the_same_epub(tmp_path):
    root = Path(__file__).resolve().parent.parent
    cached, fresh = tmp_path / "cached", tmp_path / "fresh"
    for out in (cached, cached, fresh):
        run = run_cli("build", root, "--out", out, "--format", "epub")
        assert run.code == 0, run.err
    epub = next(cached.glob("*.epub")).name
    assert (cached / epub).read_bytes() == (fresh / epub).read_bytes()
    assert len(list(cache_folder(cached, "chapters").glob("*.json"))) >= 4
