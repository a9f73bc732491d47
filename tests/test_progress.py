"""Build progress: a bar per stage on a terminal, a line per stage with -v, silence in logs."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bookkit import make_book, run_module
from pypdf import PdfReader

BOOK = """
    title: Progress Book
    author: Pat Writer
    spine: [one.md, two.md]
"""
FILES = {"one.md": "# One\n\n" + "Words, and more words. " * 400 + "\n",
         "two.md": "# Two\n\nThe end.\n"}
STAGE_LINE = re.compile(r"^bookbuild: (?P<stage>.+?): \d+\.\d s(?: \((?P<detail>.*)\))?$")


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return make_book(tmp_path_factory.mktemp("progress") / "book", BOOK, FILES)


def test_verbose_prints_each_stage_with_its_time(book):
    run = run_module("build", book, "-v")
    assert run.returncode == 0, run.stderr
    stages = {m["stage"]: m["detail"] for m in map(STAGE_LINE.match, run.stderr.splitlines())
              if m}
    assert {"Reading the manuscript", "Laying out the PDF", "Writing the EPUB"} <= set(stages)
    pages = len(PdfReader(book / "build" / "progress-book.pdf").pages)
    assert re.match(rf"{pages} pages, \d+ layout pass", stages["Laying out the PDF"])
    assert all(STAGE_LINE.match(line) for line in run.stderr.splitlines()), run.stderr
    assert "wrote " in run.stdout


def test_output_that_is_not_a_terminal_gets_no_progress(book):
    run = run_module("build", book)
    assert run.returncode == 0
    assert run.stderr == ""
    assert all(line.startswith("wrote ") for line in run.stdout.splitlines())


def test_quiet_and_verbose_cannot_be_combined(book):
    run = run_module("build", book, "-q", "-v")
    assert run.returncode == 2
    assert "not allowed with" in run.stderr


def test_a_terminal_shows_a_bar_per_stage(book):
    """stderr on a pseudo-terminal, as in an author's shell: rich draws the bars there."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "bookbuild", "build", str(book)], stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=follower,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "120"})
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    out = process.stdout.read().decode()
    assert process.wait(timeout=120) == 0
    screen = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))
    pages = len(PdfReader(book / "build" / "progress-book.pdf").pages)
    for stage in ("Reading the manuscript", "Laying out the PDF", "Writing the EPUB"):
        assert stage in screen
    assert re.search(rf"{pages} pages, \d+ layout pass", screen), "the PDF bar counts pages"
    assert "━" in screen, "a bar is drawn"
    assert "wrote " in out
