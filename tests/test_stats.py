"""`bookbuild stats`: words per section and in all, printed pages, reading time."""

from __future__ import annotations

import json

from bookkit import make_book, run_cli
from pypdf import PdfReader

BOOK = """
    title: Counted
    author: Pat Writer
    dedication: For the counters.
    spine:
      - part: The Part
        chapters: [one.md, two.md]
      - {file: after.md, type: backmatter, role: afterword}
"""
FILES = {
    # It's, a, well-known, fact, said, Анна, that, words, count: 9 (the title is not text).
    "one.md": "# One\n\nIt's a well-known fact, said [Анна]{lang=ru}, that words count.[^n]\n\n"
              "[^n]: Two words.\n",
    "two.md": "# Two\n\n* * *\n\nThree more words.\n",
    "after.md": "# After\n\nOne more.\n",
}


def test_stats_counts_words_per_section_notes_apart(tmp_path):
    book = make_book(tmp_path / "book", BOOK, FILES)
    run = run_cli("stats", book, "--json")
    assert run.code == 0, run.err
    stats = json.loads(run.out)
    rows = {s["title"]: (s["words"], s["note_words"]) for s in stats["sections"]}
    assert rows == {"The Part": (0, 0), "One": (9, 2), "Two": (3, 0), "After": (2, 0)}
    assert (stats["words"], stats["note_words"], stats["reading_minutes"]) == (16, 2, 1)


def test_stats_leaves_out_the_pages_bookbuild_writes(tmp_path):
    """The half title, title page, copyright page, dedication and contents are not the
    author's words, so they are not counted."""
    run = run_cli("stats", make_book(tmp_path / "book", BOOK, FILES))
    assert "Copyright" not in run.out and "Half Title" not in run.out
    assert "Dedication" not in run.out and "Contents" not in run.out


def test_stats_prints_a_table_and_a_summary(tmp_path):
    run = run_cli("stats", make_book(tmp_path / "book", BOOK, FILES))
    lines = run.out.splitlines()
    assert lines[0].split() == ["words", "notes", "section"]
    assert lines[1].strip() == "The Part"
    assert lines[2].split() == ["9", "2", "One"]
    assert lines[-2].split()[0] == "16"
    assert lines[-1].startswith("about ") and "printed pages (6x9, 11.5 pt)" in lines[-1]
    assert lines[-1].endswith("and 1 min of reading")


def test_stats_page_estimate_is_near_the_real_page_count(tmp_path):
    book = make_book(tmp_path / "book", BOOK, {
        **FILES, "two.md": "# Two\n\n" + "\n\n".join(["A sentence of ordinary length, with a "
                                                      "few words in it, and then some more."]
                                                     * 400) + "\n"})
    estimate = json.loads(run_cli("stats", book, "--json").out)["pages"]
    assert run_cli("build", book, "--format", "pdf").code == 0
    pages = len(PdfReader(book / "build" / "counted.pdf").pages)
    assert abs(estimate - pages) <= 0.2 * pages, (estimate, pages)


def test_stats_reports_problems_as_build_does(tmp_path):
    book = make_book(tmp_path / "book", BOOK, {**FILES, "two.md": "# Two\n\nA call.[^gone]\n"})
    run = run_cli("stats", book)
    assert run.code == 1
    assert "two.md:3: error: " in run.err and "[BB203 footnote-undefined]" in run.err
