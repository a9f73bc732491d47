"""The README's "Your first book in five minutes", run exactly as written, in a fresh home.

A newcomer's first commands must work: the new book checks clean, `stats` counts it and
`watch` serves it. The commands come from the README's code block, so the two cannot drift.
"""

from __future__ import annotations

import shlex

import pytest
from authorkit import REPO, Watch, code_blocks, commands_of, readme_section, unavailable

SECTION = "Your first book in five minutes"
MARK = "::: "


@pytest.fixture(scope="module")
def first_book(tmp_path_factory):
    commands = commands_of(code_blocks(readme_section(SECTION))[0])
    assert commands[-1].split()[:2] == ["bookbuild", "watch"], "watch keeps running: it is last"
    if not (REPO / ".venv" / "bin" / "activate").is_file():
        unavailable("no .venv in the repository (./dev build or ./dev test makes it)")
    home = tmp_path_factory.mktemp("home")
    # Each command as written; a marker line before it on both streams says whose output
    # follows. The last one replaces the shell, so stopping it stops the whole run.
    lines = ["set -euo pipefail"]
    for command in commands:
        marker = shlex.quote(MARK + command)
        lines += [f"echo {marker}; echo {marker} >&2"]
        lines.append(f"exec {command}" if command is commands[-1] else command)
    run = Watch(None, command=["bash", "-c", "\n".join(lines)], cwd=REPO,
                env={"HOME": str(home)})
    state = run.built()
    yield run, state, home, commands
    run.stop()


def output_of(lines: list[str], command: str) -> str:
    """What one command printed, from its marker line to the next marker."""
    text = "".join(lines)
    start = text.index(MARK + command + "\n") + len(MARK + command + "\n")
    end = text.find(MARK, start)
    return text[start:] if end < 0 else text[start:end]


def test_the_readme_block_starts_a_book_and_ends_with_the_preview(first_book):
    run, state, home, commands = first_book
    assert [c.split()[1] for c in commands if c.startswith("bookbuild ")] == [
        "new", "check", "stats", "watch"]
    assert (home / "books" / "my-novel" / "book.yaml").is_file()
    assert "wrote a new book in" in output_of(run.out_lines, commands[1])


def test_the_new_book_checks_clean(first_book):
    run, _, home, commands = first_book
    check = next(c for c in commands if c.startswith("bookbuild check"))
    out, err = output_of(run.out_lines, check), output_of(run.err_lines, check)
    assert "EPUBCheck: 0 errors, 0 warnings" in out
    assert err.strip() == "", "warnings or errors on a brand-new book"
    build = home / "books" / "my-novel" / "build"
    # The placeholder cover makes the book store-ready, the paperback's cover included.
    for name in ("my-novel.epub", "my-novel.pdf", "my-novel-cover.pdf"):
        assert (build / name).is_file(), name


def test_stats_counts_the_new_book(first_book):
    run, _, _, commands = first_book
    stats = output_of(run.out_lines, next(c for c in commands if c.startswith("bookbuild stats")))
    assert "The Keeper’s Ledger" in stats
    assert "total, notes included" in stats and "printed pages" in stats


def test_watch_serves_the_new_book_on_loopback(first_book):
    run, state, _, _ = first_book
    assert run.url.startswith("http://127.0.0.1:")
    assert state["lastBuild"]["ok"] and state["problems"] == []
    assert "The Keeper’s Ledger" in [s["title"] for s in state["contents"]]
    assert state["print"]["pages"] >= 24
