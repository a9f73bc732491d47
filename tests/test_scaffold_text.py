"""What the new book's afterword tells the author to do agrees with the tool: every key,
command and file it names exists, and following each instruction builds."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bookkit import NS, Epub, build_epub, run_cli, tiny_png

from bookbuild import config

# `*term*` in the afterword: a command, a book.yaml key, or a file or folder of the new book.
TERM = re.compile(r"\*([^*\n]+)\*")
KEYS = set(config.BOOK_SCHEMA) | set(config.PRINT_SCHEMA)

# How the test follows each instruction that names a key: (old text, new text) in book.yaml.
# A new instruction in the afterword must get its edit here, or the first test fails.
EDITS = {
    "spine": ("      - manuscript/02-the-harbour-board.md\n",
              "      - manuscript/02-the-harbour-board.md\n      - manuscript/03-the-light.md\n"),
    "isbn": ("# isbn:\n#   epub: 978-0-00-000000-2\n#   print: 978-0-00-000001-9\n",
             "isbn:\n  epub: 978-0-00-000000-2\n  print: 978-0-00-000001-9\n"),
    "publisher": ("# publisher: Your Own Press\n", "publisher: Harrow Press\n"),
    "date": ('# date: "2027-03-01"\n', 'date: "2027-03-01"\n'),
    "description": ("# description: A lighthouse", "description: A lighthouse"),
    "rights": ('# rights: "© 2027 Your Name. All rights reserved."\n',
               'rights: "© 2027 Ann Keeper. All rights reserved."\n'),
    "trim": ("  trim: 5.5x8.5\n", "  trim: 6x9\n"),
    "cover": ("cover: images/cover.png\n", "cover: images/cover.jpg\n"),
}


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("new") / "harrow"
    assert run_cli("new", folder, "--title", "Harrow").code == 0
    return folder


def afterword_terms(scaffold: Path) -> list[str]:
    text = (scaffold / "manuscript" / "afterword.md").read_text(encoding="utf-8")
    return TERM.findall(text.split("-->", 1)[1])


def test_afterword_names_only_real_commands_keys_and_files(scaffold):
    commands = {t.split()[1] for t in afterword_terms(scaffold) if t.startswith("bookbuild ")}
    keys = {t for t in afterword_terms(scaffold) if t in KEYS}
    files = set(afterword_terms(scaffold)) - keys - {f"bookbuild {c}" for c in commands}
    for command in commands:
        assert run_cli(command, "--help").code == 0, f"'bookbuild {command}' is no command"
    assert keys == set(EDITS), "each key the afterword names needs its edit in EDITS"
    for name in files:
        assert (scaffold / name).exists(), f"the afterword names '{name}', which the book lacks"
    assert {"isbn", "cover"} <= keys and "identifier" not in keys
    assert {"new", "watch", "check", "stats", "cover"} == commands


def test_following_every_instruction_builds(scaffold, tmp_path):
    book = tmp_path / "harrow"
    shutil.copytree(scaffold, book)
    text = (book / "book.yaml").read_text(encoding="utf-8")
    for key in sorted(set(afterword_terms(scaffold)) & KEYS):
        old, new = EDITS[key]
        assert text.count(old) == 1, f"book.yaml no longer holds {old!r}"
        text = text.replace(old, new)
    (book / "book.yaml").write_text(text, encoding="utf-8")
    (book / "manuscript" / "03-the-light.md").write_text("# The Light\n\nIt turned.\n")
    (book / "images" / "cover.jpg").write_bytes(tiny_png(1600, 2400))

    epub = Epub(build_epub(book))
    meta = epub.opf
    assert meta.xpath("//dc:identifier/text()", namespaces=NS) == ["urn:isbn:9780000000002"]
    assert meta.xpath("//dc:publisher/text()", namespaces=NS) == ["Harrow Press"]
    assert meta.xpath("//dc:rights/text()", namespaces=NS) == [
        "© 2027 Ann Keeper. All rights reserved."]
    assert any("03-the-light" in name for name in epub.spine())

    run = run_cli("cover", book, "--quiet")
    assert run.code == 0, run.err
    assert (book / "build" / "harrow-cover.pdf").is_file()


def test_every_command_the_new_books_files_name_exists(scaffold):
    # A command as the text shows one: *bookbuild new*, "bookbuild cover", `Build it: bookbuild
    # build` (not prose such as "bookbuild provides").
    shown = re.compile(r"""(?:[*"`]|:\s{2,})bookbuild ([a-z]+)""")
    named = {match for path in scaffold.rglob("*") if path.suffix in (".md", ".yaml")
             for match in shown.findall(path.read_text(encoding="utf-8"))}
    assert {"build", "check", "watch", "cover"} <= named
    for command in named:
        assert run_cli(command, "--help").code == 0, f"'bookbuild {command}' is no command"
