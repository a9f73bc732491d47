"""Reading ahead (read/ahead.py): spine files read by the layout workers while the build reads
from the first give the same book as reading them all here, problems included; a file no
worker has begun, or one whose reading failed there, is read here."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import pytest
from bookkit import make_book, tiny_png
from lxml import etree

from bookbuild import config as config_module
from bookbuild.errors import Report
from bookbuild.pdf.workers import Workers
from bookbuild.read import read_book
from bookbuild.read.ahead import ReadAhead
from bookbuild.read.cache import ChapterCache

YAML = """
    title: Ahead Book
    author: Jane Doe
    spine:
      - part: Part One
        chapters: [one.md, two.md]
      - three.md
      - four.md
      - five.md
"""
FILES = {
    "one.md": "# One\n\nThe first chapter, with a note.[^1]\n\n[^1]: The note.\n",
    "two.md": "# Two\n\nA picture:\n\n![A dot](dot.png)\n",
    # a warning while reading: the chapter is read again here, and told once
    "three.md": "# Three\n\nSome `\\relax`{=latex} raw text.\n",
    "four.md": "# Four\n\n> A quotation\n> in two lines.\n",
    "five.md": "# Five\n\nThe last chapter --- \"quoted\".\n",
    "dot.png": tiny_png(),
}



@pytest.fixture
def book(tmp_path) -> Path:
    return make_book(tmp_path / "book", YAML, FILES)


def _read(book: Path, folder: Path, ahead_of=None):
    """(the book's sections as text, the problems as told, the ReadAhead used)"""
    config = config_module.load(book)
    report = Report(book)
    ahead = ahead_of(config, folder) if ahead_of else None
    model = read_book(config, report, ChapterCache(folder),
                      ahead.entries if ahead is not None else None)
    sections = [(s.id, s.kind, s.role, s.title, s.number, s.part,
                 etree.tostring(s.body) if s.body is not None else None,
                 [(n.id, n.ref_id, [etree.tostring(b) for b in n.blocks]) for n in s.notes])
                for s in model.sections]
    return sections, [p.format() for p in report.problems], ahead


def test_files_read_by_the_workers_give_the_same_book_and_nothing_is_converted_here(
        book, tmp_path, conversions):
    alone = _read(book, tmp_path / "alone")
    assert len(conversions) == 5 and any("BB242" in p for p in alone[1])
    conversions.clear()
    with Workers(book, start=True) as workers:
        def ahead_of(config, folder):
            ahead = ReadAhead(config, folder, workers.submit)
            for job in ahead.jobs.values():  # every file read there before reading here
                job.result()
            return ahead

        read = _read(book, tmp_path / "ahead", ahead_of)
    assert read[:2] == alone[:2]
    assert read[2].handed == 5
    # Python-Markdown ran in the workers only: even the chapter with a picture and the one
    # with a warning, read again here, took the workers' markup.
    assert conversions == []


def _pending(function, *args) -> Future:
    return Future()  # never begun: the reading cancels it and reads the file itself


def _failed(function, *args) -> Future:
    job = Future()
    job.set_exception(RuntimeError("a worker's reading failed"))
    return job


@pytest.mark.parametrize("submit", [_pending, _failed])
def test_a_file_no_worker_read_is_read_here(book, tmp_path, conversions, submit):
    alone = _read(book, tmp_path / "alone")
    conversions.clear()
    read = _read(book, tmp_path / "ahead",
                 lambda config, folder: ReadAhead(config, folder, submit))
    assert read[:2] == alone[:2]
    assert read[2].handed == 0 and len(conversions) == 5
    assert all(job.cancelled() for job in read[2].jobs.values())


def test_an_id_another_file_took_is_read_here(tmp_path, conversions):
    """Read alone, a file's ids are its own; here an earlier file (a part) took one: the keys
    differ, and the section read here has the id it gets here (the workers' markup serves).
    """
    book = make_book(tmp_path / "book", """
        title: Ids
        author: Jane Doe
        spine:
          - part: The Part
            chapters: [part-1.md]
    """, {"part-1.md": "# Named Like The Part\n\nText.\n"})
    alone = _read(book, tmp_path / "alone")
    conversions.clear()

    def done(function, *args) -> Future:
        job = Future()
        job.set_result(function(*args))
        return job

    read = _read(book, tmp_path / "ahead",
                 lambda config, folder: ReadAhead(config, folder, done))
    assert read[:2] == alone[:2]
    assert [s[0] for s in read[0] if s[1] != "frontmatter"] == ["part-1", "part-1-2"]
