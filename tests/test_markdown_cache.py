"""The Markdown cache: a rebuild converts only the chapters whose text changed, writes the same
EPUB a fresh build writes, reports the same problems, and keeps no entry it did not use."""

from __future__ import annotations

import shutil

import markdown
import pytest
from bookkit import make_book, run_cli

from bookbuild import markdown_cache

YAML = "title: Cache Book\nauthor: Jane Doe\nspine: [one.md, two.md]\n"
ONE = "# One\n\nThe first chapter, with a note.[^1]\n\n[^1]: The note.\n"
TWO = "# Two\n\nThe second chapter.\n"


@pytest.fixture
def conversions(monkeypatch):
    """The texts Python-Markdown converted in this test."""
    seen: list[str] = []
    real = markdown.Markdown.convert

    def counting(self, text):
        seen.append(text)
        return real(self, text)

    monkeypatch.setattr(markdown.Markdown, "convert", counting)
    return seen


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
    before = {p.name for p in (out / ".cache" / "markdown").iterdir()}
    (book / "two.md").write_text(TWO + "\nAn added line.\n", encoding="utf-8")
    _build(book, out)
    after = {p.name for p in (out / ".cache" / "markdown").iterdir()}
    assert len(before) == len(after) == 2
    assert len(before & after) == 1  # chapter one's entry stays; chapter two's is replaced


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
    assert first.code == 1 and not (out / ".cache").exists()
    second = run_cli("build", book, "--out", out, "--format", "epub")
    assert (second.code, second.err) == (1, first.err) and len(conversions) == 4


def test_the_key_changes_with_the_extensions_source(tmp_path, monkeypatch):
    copy = tmp_path / "markdown_ext"
    shutil.copytree(markdown_cache.EXTENSIONS, copy)
    monkeypatch.setattr(markdown_cache, "EXTENSIONS", copy)
    before = markdown_cache.MarkdownCache(tmp_path)._key(ONE)
    with (copy / "spans.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# a changed extension\n")
    assert markdown_cache.MarkdownCache(tmp_path)._key(ONE) != before

