"""The most common mistakes draw a message at the line where the author made them, in the
author's words, with the fix (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
from bookkit import make_book, run_cli

CHAPTER = "# One\n\nText.\n"


def problem_lines(book, *argv: str) -> list[str]:
    run = run_cli("build", book, "--format", "epub", *argv)
    assert "Traceback" not in run.err
    return [line for line in run.err.splitlines() if not line.startswith("bookbuild: ")]


# ---- YAML syntax: the line where the construct starts ----

@pytest.mark.parametrize("value, mark", [('"The Harbour Board', '"'),
                                         ("'The Harbour Board", "'")])
def test_unclosed_quote_is_reported_where_it_opens(tmp_path, value, mark):
    book = make_book(tmp_path / "book", f"""
        title: Harbour
        author: Jane Doe
        description: {value}
        spine:
          - one.md
        rights: {mark}Mine{mark}
    """, {"one.md": CHAPTER})
    assert problem_lines(book) == [
        f"book.yaml:3: error: YAML syntax: this quote opened on line 3 is never closed: end the "
        f"value with {mark}, or leave the quotes out [BB102 yaml-syntax]"]


def test_unclosed_quote_at_the_end_of_the_file(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Harbour
        author: Jane Doe
        spine:
          - one.md
        subtitle: "A Novel
    """, {"one.md": CHAPTER})
    assert problem_lines(book) == [
        'book.yaml:5: error: YAML syntax: this quote opened on line 5 is never closed: end the '
        'value with ", or leave the quotes out [BB102 yaml-syntax]']


def test_a_closed_quote_with_an_escaped_quote_inside_is_not_blamed(tmp_path):
    book = make_book(tmp_path / "book", """
        title: "The \\"Harbour\\" Board"
        author: 'Jane O''Hara'
        spine: [one.md]
        subtitle: one: two
    """, {"one.md": CHAPTER})
    assert problem_lines(book) == [
        "book.yaml:4: error: YAML syntax: a value that holds ': ' needs quotes around it: "
        "subtitle: \"one: two\" [BB102 yaml-syntax]"]


def test_a_tab_is_reported_with_the_fix(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\nspine:\n\t- one.md\n",
                     {"one.md": CHAPTER})
    assert problem_lines(book) == [
        "book.yaml:4: error: YAML syntax: a tab here: YAML is indented with spaces, not tabs "
        "[BB102 yaml-syntax]"]


def test_an_unclosed_list_is_reported_where_it_opens(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Harbour
        spine: [one.md,
        author: Jane Doe
    """, {"one.md": CHAPTER})
    assert problem_lines(book) == [
        "book.yaml:2: error: YAML syntax: this '[' opened on line 2 is never closed: end the "
        "list with ']' [BB102 yaml-syntax]"]


def test_chapter_header_unclosed_quote_is_reported_where_it_opens(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\nspine: [one.md]\n", {
        "one.md": '---\ntitle: "The Ledger\nsubtitle: "A Beginning"\n---\n\nText.\n'})
    assert problem_lines(book) == [
        'one.md:2: error: YAML header: this quote opened on line 2 is never closed: end the '
        'value with ", or leave the quotes out [BB202 chapter-header]']


def test_chapter_header_colon_in_a_value(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\nspine: [one.md]\n", {
        "one.md": "---\ntitle: The Ledger\nsubtitle: Part one: the ledger\n---\n\nText.\n"})
    assert problem_lines(book) == [
        "one.md:3: error: YAML header: a value that holds ': ' needs quotes around it: "
        "subtitle: \"Part one: the ledger\" [BB202 chapter-header]"]


# ---- aliases: refused before they expand ----

def _bomb(levels: int = 9) -> str:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "\n".join(lines) + f"\n? *l{levels - 1}\n: boom\n"


def test_alias_bomb_in_book_yaml_fails_fast_at_its_line(tmp_path):
    book = make_book(tmp_path / "book", "title: Bomb\nauthor: Jane Doe\nspine: [one.md]\n"
                     + _bomb(), {"one.md": CHAPTER})
    started = time.monotonic()
    run = subprocess.run([sys.executable, "-m", "bookbuild", "build", str(book), "--format",
                          "epub"], capture_output=True, text=True, timeout=30, check=False)
    assert time.monotonic() - started < 5
    assert run.returncode == 1
    assert run.stderr.splitlines()[0] == (
        "book.yaml:5: error: the YAML alias '*l0' repeats a value marked '&'; aliases are not "
        "accepted here (a few nested ones can make a small file expand beyond any memory): "
        "write the value out in full where it is needed [BB108 yaml-alias]")


def test_alias_in_a_chapter_header_is_refused(tmp_path):
    book = make_book(tmp_path / "book", "title: Bomb\nauthor: Jane Doe\nspine: [one.md]\n", {
        "one.md": "---\ntitle: &t The Ledger\nsubtitle: *t\n---\n\nText.\n"})
    started = time.monotonic()
    assert problem_lines(book) == [
        "one.md:3: error: the YAML alias '*t' repeats a value marked '&'; aliases are not "
        "accepted here (a few nested ones can make a small file expand beyond any memory): "
        "write the value out in full where it is needed [BB108 yaml-alias]"]
    assert time.monotonic() - started < 5
