"""The most common mistakes draw a message at the line where the author made them, in the
author's words, with the fix (issue 11)."""

from __future__ import annotations

import subprocess
import sys
import time
import zipfile

import pytest
from bookkit import make_book, run_cli, tiny_png

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
        "book.yaml:2: error: YAML syntax: this '[' opened on line 2 is never closed: close it "
        "with ']' [BB102 yaml-syntax]"]


@pytest.mark.parametrize("text, line, message", [
    ("title: Harbour\n  author: Jane Doe\nspine: [one.md]\n", 2,
     "this line is indented differently from the lines above it: the keys of one mapping, and "
     "the items of one list, start in the same column"),
    ("title: Harbour\nauthor: Jane Doe\nspine:\n  - one.md\n - two.md\n", 5,
     "this line is indented differently from the lines above it: the keys of one mapping, and "
     "the items of one list, start in the same column"),
    ("title: Harbour\nauthor Jane Doe\nspine: [one.md]\n", 2,
     "this line is neither 'key: value' nor a list item '- ...': add the missing ':' or '- ', "
     "or a '#' in front of a comment"),
    ("title:Harbour\nauthor: Jane Doe\nspine: [one.md]\n", 1,
     "a key needs a space after its colon: title: Harbour"),
    ("title: Harbour\nauthor: Jane Doe\nsubtitle: [Draft] A Novel\nspine: [one.md]\n", 3,
     "a value that starts with '[' needs quotes around it: subtitle: \"[Draft] A Novel\""),
    ("title: Harbour\nauthor: Jane Doe\nsubtitle: *Draft*\nspine: [one.md]\n", 3,
     "a value that starts with '*' needs quotes around it: subtitle: \"*Draft*\""),
])
def test_common_yaml_mistakes_get_their_fix(tmp_path, text, line, message):
    book = make_book(tmp_path / "book", text, {"one.md": CHAPTER})
    assert problem_lines(book) == [
        f"book.yaml:{line}: error: YAML syntax: {message} [BB102 yaml-syntax]"]


def test_an_unknown_yaml_error_still_names_its_line_and_the_usual_fixes(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\nspine: [one.md]\n"
                                        "%YAML 1.1\n", {"one.md": CHAPTER})
    (line,) = problem_lines(book)
    assert line.startswith("book.yaml:4: error: YAML syntax: ")
    assert line.endswith("(put a value that holds ': ' or starts with a quote in quotes; indent "
                         "with spaces, not tabs; close every quote and bracket you open) "
                         "[BB102 yaml-syntax]")


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


# ---- the spine and the files of the book ----

def test_missing_spine_file_names_the_closest_existing_file(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Harbour
        author: Jane Doe
        spine:
          - manuscript/01-the-keepers-ledger.md
          - manuscript/02-harbour-board.md
    """, {"manuscript/01-the-keepers-ledger.md": CHAPTER,
          "manuscript/02-the-harbour-board.md": "# Two\n\nText.\n"})
    assert problem_lines(book) == [
        "book.yaml:5: error: chapter file 'manuscript/02-harbour-board.md' does not exist (did "
        "you mean 'manuscript/02-the-harbour-board.md'?) [BB106 file-missing]"]


def test_missing_spine_file_in_the_wrong_folder_is_found_by_its_name(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Harbour
        author: Jane Doe
        spine: [chapters/the-harbour-board.md]
    """, {"manuscript/the-harbour-board.md": CHAPTER, "manuscript/notes.md": "Notes.\n"})
    assert problem_lines(book)[0] == (
        "book.yaml:3: error: chapter file 'chapters/the-harbour-board.md' does not exist (did "
        "you mean 'manuscript/the-harbour-board.md'?) [BB106 file-missing]")


def test_missing_spine_file_with_nothing_close_suggests_nothing(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\nspine: [zzz.md]\n",
                     {"one.md": CHAPTER})
    assert problem_lines(book) == [
        "book.yaml:3: error: chapter file 'zzz.md' does not exist [BB106 file-missing]"]


UNLISTED = ("manuscript/03-the-storm.md: warning: 'manuscript/03-the-storm.md' is not in the "
            "spine, so it is not in the book: list it under 'spine:' in book.yaml, or under "
            "'exclude:' to leave it out on purpose [BB109 chapter-not-in-spine]")


def _forgetful_book(root, extra: str = ""):
    return make_book(root, "title: Harbour\nauthor: Jane Doe\nspine:\n"
                           "  - manuscript/01-one.md\n" + extra, {
        "manuscript/01-one.md": CHAPTER, "manuscript/03-the-storm.md": "# Storm\n\nWind.\n",
        "manuscript/drafts/old.md": "Old.\n", "notes.md": "Not under manuscript/.\n"})


def test_markdown_file_the_spine_forgets_is_a_warning(tmp_path):
    book = _forgetful_book(tmp_path / "book", "exclude: manuscript/drafts\n")
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err
    assert run.err.splitlines() == [UNLISTED]


def test_exclude_silences_the_warning_for_files_and_folders(tmp_path):
    book = _forgetful_book(tmp_path / "book", "exclude:\n  - manuscript/03-the-storm.md\n"
                                              "  - manuscript/drafts\n")
    run = run_cli("build", book, "--format", "epub")
    assert (run.code, run.err) == (0, "")


def test_exclude_outside_the_book_is_refused(tmp_path):
    book = _forgetful_book(tmp_path / "book", "exclude: [../elsewhere]\n")
    assert problem_lines(book) == [
        "book.yaml:5: error: '../elsewhere' is outside the book folder [BB105 path-outside-book]"]


def test_no_spine_shows_an_example_made_of_the_books_files(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\n", {
        "manuscript/01-the-ledger.md": CHAPTER, "manuscript/02-the-board.md": CHAPTER,
        "README.md": "Notes.\n"})
    assert problem_lines(book) == [
        "book.yaml:1: error: book.yaml needs the key 'spine': the chapter files in reading "
        "order, such as [BB104 missing-key]",
        "    spine:",
        "      - manuscript/01-the-ledger.md",
        "      - manuscript/02-the-board.md"]


def test_an_empty_spine_shows_an_example(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\nspine:\n")
    assert problem_lines(book) == [
        "book.yaml:3: error: 'spine' must be a list: the chapter files in reading order, such "
        "as [BB103 invalid-value]",
        "    spine:",
        "      - manuscript/01-first-chapter.md",
        "      - manuscript/02-second-chapter.md"]


def test_bookbuild_in_a_subfolder_finds_the_book_above(tmp_path):
    book = _forgetful_book(tmp_path / "book", "exclude: [manuscript]\n")
    run = subprocess.run([sys.executable, "-m", "bookbuild", "build", "--format", "epub"],
                         cwd=book / "manuscript" / "drafts", capture_output=True, text=True,
                         timeout=120, check=False)
    assert (run.returncode, run.stderr) == (0, "")
    assert (book / "build" / "harbour.epub").is_file()
    assert not (book / "manuscript" / "drafts" / "build").exists()


def test_a_folder_with_no_book_above_still_says_so(tmp_path):
    (tmp_path / "empty").mkdir()
    run = run_cli("build", tmp_path / "empty", "--format", "epub")
    assert run.err.splitlines()[0].startswith(
        f"book.yaml: error: no book.yaml in {tmp_path / 'empty'}")


# ---- images ----

def test_missing_image_says_where_it_looked_and_names_the_file_elsewhere(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\n"
                                        "spine: [manuscript/one.md]\n", {
        "manuscript/one.md": "# One\n\n![the harbour](images/harbour.png)\n",
        "art/harbour.png": tiny_png()})
    assert problem_lines(book) == [
        "manuscript/one.md:3: error: image 'images/harbour.png' does not exist: looked for "
        "'manuscript/images/harbour.png' (an image's path is relative to the chapter file, or "
        "to the book folder as pandoc reads it); there is 'art/harbour.png': write "
        "'../art/harbour.png' [BB208 image-missing]"]


def test_an_image_named_from_the_book_folder_is_found_as_pandoc_finds_it(tmp_path):
    """A book written for pandoc names its pictures from the folder pandoc runs in."""
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\n"
                                        "spine: [chapters/one.md]\n", {
        "chapters/one.md": "# One\n\n![the harbour](images/harbour.png)\n",
        "images/harbour.png": tiny_png()})
    assert problem_lines(book) == []
    with zipfile.ZipFile(book / "build" / "harbour.epub") as epub:
        assert any(name.endswith("harbour.png") for name in epub.namelist())


def test_missing_image_with_no_namesake_says_where_it_looked(tmp_path):
    book = make_book(tmp_path / "book", "title: Harbour\nauthor: Jane Doe\n"
                                        "spine: [manuscript/one.md]\n", {
        "manuscript/one.md": "# One\n\n![the harbour](harbour.png)\n",
        "build/harbour.png": tiny_png()})
    assert problem_lines(book) == [
        "manuscript/one.md:3: error: image 'harbour.png' does not exist: looked for "
        "'manuscript/harbour.png' (an image's path is relative to the chapter file, or to the "
        "book folder as pandoc reads it) "
        "[BB208 image-missing]"]


# ---- print: matters to the PDF only ----

PRINT_MISTAKE = """
    title: Harbour
    author: Jane Doe
    spine: [one.md]
    print:
      trim: 6x9
      font-size: 40
      margns: {top: 1in}
"""


def test_a_print_mistake_does_not_stop_the_epub(tmp_path):
    book = make_book(tmp_path / "book", PRINT_MISTAKE, {"one.md": CHAPTER})
    run = run_cli("build", book, "--format", "epub")
    assert (run.code, run.err) == (0, "")
    assert (book / "build" / "harbour.epub").is_file()


@pytest.mark.parametrize("fmt", ["pdf", "cover", "all"])
def test_a_print_mistake_stops_the_builds_that_use_print(tmp_path, fmt):
    book = make_book(tmp_path / "book", PRINT_MISTAKE,
                     {"one.md": CHAPTER})
    run = run_cli("build", book, "--format", fmt)
    assert run.code == 1
    assert run.err.splitlines()[:2] == [
        "book.yaml:6: error: 'font-size' must be a number from 7 to 16 [BB103 invalid-value]",
        "book.yaml:7: error: unknown key 'margns' in print (did you mean 'margins'?) "
        "[BB101 unknown-key]"]
    assert not (book / "build").exists()


def test_a_print_mistake_is_reported_in_line_order_with_the_others(tmp_path):
    book = make_book(tmp_path / "book", PRINT_MISTAKE + "    subtitle: ''\n", {"one.md": CHAPTER})
    lines = problem_lines(book, "--format", "pdf")[-3:]
    assert [line.split(":")[1] for line in lines] == ["6", "7", "8"]
