"""Outputs are replaced atomically: a build killed at any moment, or two builds at once, never
leave a broken or half-written file under an output's name, and the last good output stays
exactly as it was. Temporary files of killed builds are cleaned up later, and only those."""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from bookkit import make_book, tiny_png
from pypdf import PdfReader

from bookbuild.output import STALE_AFTER, atomic_write, remove_stale_parts

ENV = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}  # every build gives the same bytes
PAGE = ("Some text of the chapter, long enough to fill a page or two of the interior. " * 40
        + "\n\n") * 6
BOOK_YAML = "title: Kill Book\nauthor: Jane Doe\nspine: [ch0.md, ch1.md, ch2.md, ch3.md]\n"
FILES = {f"ch{n}.md": f"# Chapter {n}\n\n![A picture](pic.png)\n\n{PAGE}" for n in range(4)}
OUTPUTS = ("kill-book.epub", "kill-book.pdf")


def _start_build(book: Path) -> subprocess.Popen:
    # A build killed outright cannot remove its temporary files: they go beside the book.
    scratch = book.parent / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "bookbuild", "build", str(book), "--format",
                             "all", "-q"], env={**ENV, "TMPDIR": str(scratch)},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _outputs(book: Path) -> dict[str, bytes]:
    return {name: (book / "build" / name).read_bytes() for name in OUTPUTS}


def _assert_whole(outputs: dict[str, bytes]) -> None:
    """Each output opens as what it claims to be, to its end."""
    with zipfile.ZipFile(io.BytesIO(outputs["kill-book.epub"])) as epub:
        assert epub.testzip() is None
    assert len(PdfReader(io.BytesIO(outputs["kill-book.pdf"])).pages) > 4


@pytest.fixture
def book(tmp_path) -> Path:
    return make_book(tmp_path / "book", BOOK_YAML, {**FILES, "pic.png": tiny_png(40, 40)})


@pytest.mark.slow
def test_a_build_killed_at_random_moments_leaves_the_last_outputs_intact(book):
    started = time.monotonic()
    first = _start_build(book)
    assert first.wait(timeout=300) == 0, first.stderr.read()
    duration = time.monotonic() - started
    good = _outputs(book)
    _assert_whole(good)
    moments = random.Random(4).sample(range(1000), 8)  # seeded: the same moments every run
    for moment in sorted(moments):
        build = _start_build(book)
        time.sleep(duration * 1.1 * moment / 1000)
        build.kill()
        build.wait(timeout=60)
        # The kill may land before, during or after either write: the outputs are the old
        # ones or a finished rebuild, which is byte-identical.
        assert _outputs(book) == good, f"killed at {moment / 1000:.0%} of a build"
        leftovers = {p.name for p in (book / "build").iterdir()} - set(OUTPUTS)
        assert all(name.startswith(".kill-book.") and name.endswith(".part")
                   for name in leftovers), leftovers


@pytest.mark.slow
def test_two_builds_at_once_write_whole_outputs(book):
    builds = [_start_build(book), _start_build(book)]
    for build in builds:
        assert build.wait(timeout=300) == 0, build.stderr.read()
    together = _outputs(book)
    _assert_whole(together)
    assert [p.name for p in (book / "build").iterdir() if p.name.endswith(".part")] == []
    alone = _start_build(book)
    assert alone.wait(timeout=300) == 0
    assert _outputs(book) == together


# A writer that stops, holding its temporary file, just before the rename: a build killed there.
STALLED_WRITER = """
import os, sys, time
from pathlib import Path
from bookbuild import output

def stall(fd):
    print("writing", flush=True)
    time.sleep(120)

os.fsync = stall
output.atomic_write(Path(sys.argv[1]), b"%PDF-new bytes " * 1000)
"""


def _age(path: Path) -> None:
    past = time.time() - STALE_AFTER - 10
    os.utime(path, (past, past))


def test_a_write_killed_before_its_rename_leaves_the_old_file_and_a_stale_part(tmp_path):
    target = tmp_path / "book.pdf"
    target.write_bytes(b"%PDF-the last good book")
    writer = subprocess.Popen([sys.executable, "-c", STALLED_WRITER, str(target)],
                              stdout=subprocess.PIPE, text=True, env=ENV)
    try:
        assert writer.stdout.readline() == "writing\n"
        (part,) = tmp_path.glob(".book.pdf.*.part")
        _age(part)
        # A living writer holds its file locked: however old, it is not taken from under it.
        assert remove_stale_parts(target) == []
        assert part.exists()
    finally:
        writer.kill()
        writer.wait(timeout=60)
    assert target.read_bytes() == b"%PDF-the last good book"
    assert part.exists()  # what a SIGKILL leaves behind ...
    atomic_write(target, b"%PDF-the next book")  # ... the next write of the same output removes
    assert target.read_bytes() == b"%PDF-the next book"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.pdf"]


def test_only_old_unlocked_parts_of_the_same_output_are_removed(tmp_path):
    target = tmp_path / "book.pdf"
    fresh = tmp_path / ".book.pdf.fresh_12.part"  # a write that began a moment ago
    stale = tmp_path / ".book.pdf.stale_12.part"
    other = tmp_path / ".book.epub.stale_12.part"  # another output's: not this write's business
    mine = tmp_path / "notes.part"  # the author's own file
    named = tmp_path / ".book.pdf.notours.part"  # not a name bookbuild gives
    text = tmp_path / ".book.pdf.textfile.part"  # our kind of name, but not a PDF
    for path in (fresh, stale, other, mine, named):
        path.write_bytes(b"%PDF-x")
    text.write_bytes(b"an author's notes")
    secret = tmp_path.parent / f"{tmp_path.name}-secret.pdf"
    secret.write_bytes(b"%PDF-elsewhere")
    link = tmp_path / ".book.pdf.linkedto.part"  # a link named as a part: never followed
    link.symlink_to(secret)
    for path in (stale, other, mine, named, text, link, secret):
        _age(path)
    assert remove_stale_parts(target) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".book.epub.stale_12.part", ".book.pdf.fresh_12.part", ".book.pdf.linkedto.part",
        ".book.pdf.notours.part", ".book.pdf.textfile.part", "notes.part"]
    assert secret.read_bytes() == b"%PDF-elsewhere"
