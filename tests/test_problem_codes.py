"""The problem codes: one catalogue in errors.py; docs/problem-codes.md is generated from it."""

import re
from pathlib import Path

from bookbuild import reference
from bookbuild.errors import CATALOGUE, CODES, Problem

REPO = Path(__file__).resolve().parents[1]


def test_the_generated_reference_pages_are_up_to_date():
    assert reference.stale_pages() == [], "run ./dev docs"


def test_the_codes_page_lists_every_code_once_with_its_name():
    page = (REPO / "docs" / "problem-codes.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (BB\d{3}) \| ([a-z-]+) \|", page, re.MULTILINE)
    assert dict(rows) == CODES
    assert len(rows) == len(CATALOGUE), "a code is listed twice"


def test_a_stale_page_is_found_and_made_anew(tmp_path):
    page = (REPO / "docs" / "problem-codes.md").read_text(encoding="utf-8")
    (tmp_path / "problem-codes.md").write_text(page.replace("| BB203 |", "| BB299 |"))
    assert reference.stale_pages(tmp_path, pages=["problem-codes.md"]) == ["problem-codes.md"]
    reference.stale_pages(tmp_path, write=True, pages=["problem-codes.md"])
    assert (tmp_path / "problem-codes.md").read_text(encoding="utf-8") == page


def test_every_code_the_source_raises_is_in_the_catalogue():
    used = set()
    for source in (REPO / "bookbuild").rglob("*.py"):
        used |= set(re.findall(r"\"(BB\d{3})\"", source.read_text(encoding="utf-8")))
    assert used - set(CATALOGUE) == set()


def test_problem_prints_as_path_line_severity_message_code():
    problem = Problem("chapters/one.md", 12, "footnote [^2] is referenced but never defined",
                      "BB203")
    assert problem.format() == ("chapters/one.md:12: error: footnote [^2] is referenced but "
                                "never defined [BB203 footnote-undefined]")
    assert Problem("book.yaml", None, "no book.yaml", "BB100").format().startswith(
        "book.yaml: error: ")
