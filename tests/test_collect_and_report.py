"""Collect, then stop: a build reports every problem of every chapter in one run, as lines or as
JSON (`check --format json`, `--json`); `--strict` makes warnings fail the build; and whatever
happens, nothing in the book folder but build/ changes."""

from __future__ import annotations

import json

from bookkit import make_book, run_cli, tree_digest

THREE_BROKEN = {
    "one.md": "# One\n\nA call to nothing.[^gone]\n",
    "two.md": "# Two\n\nText.\n\n<script>alert(1)</script>\n",
    "three.md": "# Three\n\n![](missing.png)\n",
}
YAML = "title: Broken Book\nauthor: Jane Doe\nspine: [one.md, two.md, three.md]\n"
EXPECTED = [
    ("one.md", 3, "BB203"), ("two.md", 5, "BB210"), ("three.md", 3, "BB209"),
    ("three.md", 3, "BB208"),
]


def test_one_run_reports_the_problems_of_every_chapter(tmp_path):
    book = make_book(tmp_path / "book", YAML, THREE_BROKEN)
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    *problems, summary = run.err.splitlines()
    assert [(p.split(":")[0], int(p.split(":")[1]), p.rsplit("[", 1)[1].split()[0])
            for p in problems] == EXPECTED
    assert summary == "bookbuild: 4 errors; nothing was written, and earlier outputs are untouched"


def test_check_format_json_prints_the_problems_for_editors_and_ci(tmp_path):
    book = make_book(tmp_path / "book", YAML, THREE_BROKEN)
    run = run_cli("check", book, "--format", "json")
    assert run.code == 1
    assert run.err == ""  # stdout holds the whole report, and nothing else is printed
    report = json.loads(run.out)
    assert report["ok"] is False and report["outputs"] == []
    assert [(p["path"], p["line"], p["code"]) for p in report["problems"]] == EXPECTED
    assert report["problems"][1] == {
        "path": "two.md", "line": 5, "column": None, "severity": "error", "code": "BB210",
        "name": "html-forbidden", "message": "<script>: scripts are not allowed in a book"}
    # --json says the same; it also works with any format.
    same = run_cli("check", book, "--format", "epub", "--json")
    assert json.loads(same.out)["problems"] == report["problems"]


def test_json_is_a_format_of_check_only(tmp_path):
    book = make_book(tmp_path / "book", YAML, THREE_BROKEN)
    run = run_cli("build", book, "--format", "json")
    assert run.code == 2
    assert "invalid choice: 'json'" in run.err


def test_strict_turns_warnings_into_errors(tmp_path):
    book = make_book(tmp_path / "book", "title: Book\nauthor: Jane Doe\nspine: [one.md]\n",
                     {"one.md": "# One\n\nA bell\x07 rings.\n"})
    warning = "one.md:3: warning: control character removed (not allowed in XHTML) [BB214 " \
              "control-character]"
    lenient = run_cli("build", book, "--format", "epub")
    assert lenient.code == 0
    assert lenient.err.splitlines() == [warning]
    strict = run_cli("build", book, "--format", "epub", "--strict")
    assert strict.code == 1
    assert strict.err.splitlines()[0] == warning.replace(": warning: ", ": error: ")
    report = json.loads(run_cli("build", book, "--format", "epub", "--strict", "--json").out)
    assert report["ok"] is False
    assert [p["severity"] for p in report["problems"]] == ["error"]


def test_nothing_in_the_book_folder_changes_but_build(tmp_path):
    """Hashes of every file before and after: a good build, a failed one, and one with --out
    elsewhere, which writes nothing at all into the book folder."""
    book = make_book(tmp_path / "book", "title: Book\nauthor: Jane Doe\nspine: [one.md]\n",
                     {"one.md": "# One\n\nText.[^1]\n\n[^1]: A note.\n",
                      "styles/epub.css": "p { margin: 0 }\n"})
    everything = tree_digest(book, skip=())
    assert run_cli("build", book, "--out", tmp_path / "elsewhere").code == 0
    assert tree_digest(book, skip=()) == everything
    assert sorted(p.name for p in (tmp_path / "elsewhere").iterdir()) == [
        "book.epub", "book.pdf"]
    sources = tree_digest(book)
    assert run_cli("build", book).code == 0
    assert tree_digest(book) == sources
    (book / "one.md").write_text("# One\n\n<p>Unclosed <b>bold.</p>\n")
    sources = tree_digest(book)
    assert run_cli("build", book).code == 1
    assert tree_digest(book) == sources
