"""Limits: huge or pathological input builds, or stops with a clear `path:` message, in bounded
time and memory. The big cases run as their own process under a 512 MB address-space limit
(a build that needed more would fail) and a time limit; the limits are in the README."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bookkit import NS, Epub, make_book, run_cli, tiny_png

from bookbuild.manuscript import MAX_BLOCKS, MAX_MARKS, MAX_NESTING

MEMORY = 512 * 2 ** 20
YAML = "title: Big Book\nauthor: Jane Doe\nspine: [one.md]\n"


def _build(book: Path, seconds: float) -> subprocess.CompletedProcess:
    """`bookbuild build --format epub` in a process that may use MEMORY and `seconds`."""
    def confine() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "bookbuild", "build", str(book), "--format",
                           "epub", "-q"], preexec_fn=confine, capture_output=True, text=True,
                          timeout=seconds * 3, check=False)
    elapsed = time.monotonic() - started
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert "Traceback" not in done.stderr
    return done


def test_a_50_mb_chapter_is_refused_before_it_is_read(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": b"# One\n\n" + b"word " * 10_500_000})
    done = _build(book, 10)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "one.md: error: the file is 50.1 MB; bookbuild reads chapters of up to 2.0 MB: split it "
        "into several files [BB219 too-large]")


def test_a_100_mb_image_is_refused_before_it_is_read(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a huge picture](huge.png)\n"})
    with (book / "huge.png").open("wb") as handle:  # sparse: 100 MB that take no disk
        handle.write(tiny_png())
        handle.truncate(100 * 2 ** 20)
    done = _build(book, 10)
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (
        "one.md:3: error: image 'huge.png' is 100.0 MB; images may be at most 25.0 MB (stores "
        "refuse larger ones): make it smaller [BB219 too-large]")


@pytest.mark.slow
def test_a_chapter_of_10000_footnotes_builds(tmp_path):
    calls = "".join(f"Claim {n}.[^{n}]\n\n" for n in range(10_000))
    notes = "".join(f"[^{n}]: Source {n}.\n" for n in range(10_000))
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# Notes\n\n{calls}{notes}"})
    assert _build(book, 90).returncode == 0
    doc = Epub(book / "build" / "big-book.epub").document("one")
    assert len(doc.findall(".//x:aside", NS)) == 10_000


def test_a_book_of_2000_chapters_builds(tmp_path):
    files = {f"ch/{n:04d}.md": f"# Chapter {n}\n\nText {n}.\n" for n in range(2000)}
    spine = "".join(f"  - ch/{n:04d}.md\n" for n in range(2000))
    book = make_book(tmp_path / "book", "title: Big Book\nauthor: Jane Doe\nspine:\n" + spine,
                     files)
    assert _build(book, 60).returncode == 0
    epub = Epub(book / "build" / "big-book.epub")
    assert len([name for name in epub.spine() if name.startswith("EPUB/text/ch-")]) == 2000


@pytest.mark.slow
def test_a_chapter_at_the_block_and_mark_limits_builds(tmp_path):
    """Python-Markdown's time grows with the square of these: the limits keep it in seconds."""
    paragraphs = "A line.\n\n" * (MAX_BLOCKS - 2)  # the heading and the marks are blocks too
    marks = "*a* " * (MAX_MARKS // 2)
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# One\n\n{paragraphs}{marks}\n"})
    assert _build(book, 60).returncode == 0


NESTINGS = {
    "quotes": lambda n: ">" * n + " Deep.\n",
    "lists": lambda n: "".join("    " * level + "- item\n" for level in range(n)),
    "divs": lambda n: "::: x\n" * n + "Deep.\n\n" + ":::\n" * n,
}


@pytest.mark.parametrize("kind", NESTINGS)
def test_nesting_builds_up_to_the_limit_and_is_refused_beyond(tmp_path, kind):
    make = NESTINGS[kind]
    inside = make_book(tmp_path / "inside", YAML, {"one.md": "# One\n\n" + make(MAX_NESTING)})
    assert run_cli("build", inside, "--format", "epub").code == 0
    beyond = make_book(tmp_path / "beyond", YAML, {"one.md": "# One\n\n" + make(MAX_NESTING + 1)})
    run = run_cli("build", beyond, "--format", "epub")
    assert run.code == 1
    assert f"this line is nested {MAX_NESTING + 1} levels deep" in run.err.splitlines()[0]
    assert run.err.startswith("one.md:")


def test_deep_raw_html_is_refused_at_its_line(tmp_path):
    deep = "<div>" * 200 + "Deep." + "</div>" * 200
    book = make_book(tmp_path / "book", YAML, {"one.md": f"# One\n\nText.\n\n{deep}\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert run.err.splitlines()[0] == (
        "one.md:5: error: the text nests more than 100 elements deep (lists, quotes or divs "
        "inside each other); bookbuild reads at most 100 [BB219 too-large]")
