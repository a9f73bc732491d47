"""The problem codes: the catalogue in errors.py and the README's table say the same thing."""

import re
from pathlib import Path

from bookbuild.errors import CODES, Problem

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_lists_every_problem_code_and_name():
    rows = re.findall(r"^\| (BB\d{3}) \| ([a-z-]+) \|", README.read_text(encoding="utf-8"),
                      re.MULTILINE)
    assert dict(rows) == CODES
    assert len(rows) == len(CODES), "a code is listed twice"


def test_problem_prints_as_path_line_severity_message_code():
    problem = Problem("chapters/one.md", 12, "footnote [^2] is referenced but never defined",
                      "BB203")
    assert problem.format() == ("chapters/one.md:12: error: footnote [^2] is referenced but "
                                "never defined [BB203 footnote-undefined]")
    assert Problem("book.yaml", None, "no book.yaml", "BB100").format().startswith(
        "book.yaml: error: ")
