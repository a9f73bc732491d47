"""Bad input: one `path:line: error:` per problem, exit code 1, no traceback, and the last good
EPUB left exactly as it was."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from bookkit import build_epub, make_book, run_cli, run_module, tiny_png, tree_digest

GOOD_YAML = """\
title: Broken Book
author: Jane Doe
spine:
  - chapters/one.md
"""
GOOD_CHAPTER = "# One\n\nText.[^1]\n\n[^1]: A note.\n"


class GoodBook:
    """A book that built once; each test then breaks it and builds again."""

    def __init__(self, root: Path):
        self.root = make_book(root, GOOD_YAML, {"chapters/one.md": GOOD_CHAPTER,
                                                "chapters/map.png": tiny_png()})
        self.epub = build_epub(self.root)
        self.good = self.epub.read_bytes()

    def write(self, name: str, text: str) -> None:
        (self.root / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")

    def chapter(self, text: str) -> None:
        self.write("chapters/one.md", text)

    def spine(self, *lines: str) -> None:
        self.write("book.yaml", GOOD_YAML.replace("  - chapters/one.md\n",
                                                  "".join(f"  {line}\n" for line in lines)))

    def rejects(self, expected: str, *argv: str) -> str:
        """Build again; assert it failed with a problem line starting `expected`; return stderr."""
        sources = tree_digest(self.root)
        run = run_cli("build", *(argv or (self.root,)), "--format", "epub")
        assert run.code == 1, run.err
        assert "Traceback" not in run.err + run.out
        problems = run.err.splitlines()
        assert any(line.startswith(expected) for line in problems), run.err
        assert problems[-1].startswith("bookbuild: ")
        assert problems[-1].endswith("nothing was written, and earlier outputs are untouched")
        assert self.epub.read_bytes() == self.good
        # Beside the last good output, nothing: no partial file, and no cache (it lives in
        # the user's cache folder).
        left = [p.name for p in self.epub.parent.iterdir()]
        assert left == [self.epub.name]
        assert tree_digest(self.root) == sources
        return run.err


@pytest.fixture
def book(tmp_path) -> GoodBook:
    return GoodBook(tmp_path / "book")


def test_missing_book_yaml(book):
    (book.root / "book.yaml").unlink()
    err = book.rejects("book.yaml: error: no book.yaml in ")
    assert "[BB100 book-yaml-missing]" in err


def test_yaml_syntax_error_reports_its_line(book):
    book.write("book.yaml", """
        title: Broken Book
        author: Jane Doe
        subtitle: one: two
        spine: [chapters/one.md]
    """)
    err = book.rejects("book.yaml:3: error: YAML syntax: ")
    assert "[BB102 yaml-syntax]" in err


def test_unknown_key_names_the_closest_valid_key(book):
    book.write("book.yaml", """
        author: Jane Doe
        titel: Broken Book
        spine: [chapters/one.md]
    """)
    err = book.rejects("book.yaml:2: error: unknown key 'titel' in book.yaml "
                       "(did you mean 'title'?)")
    assert "[BB101 unknown-key]" in err


def test_unknown_nested_key_names_the_closest_valid_key(book):
    # (print: would not do: an EPUB build leaves print: mistakes to the PDF's build.)
    book.write("book.yaml", GOOD_YAML + "epigraph:\n  text: Words.\n  auther: Ann\n")
    book.rejects("book.yaml:7: error: unknown key 'auther' in epigraph (did you mean 'author'?)")


def test_missing_chapter_file_reports_the_yaml_line(book):
    book.spine("- chapters/one.md", "- chapters/missing.md")
    err = book.rejects("book.yaml:5: error: chapter file 'chapters/missing.md' does not exist")
    assert "[BB106 file-missing]" in err


def test_footnote_reference_without_definition(book):
    book.chapter("""
        ---
        title: One
        ---

        Text.[^1] And more.[^gone]

        [^1]: A note.
    """)
    book.rejects("chapters/one.md:5: error: footnote [^gone] is referenced but never defined")


def test_footnote_definition_never_referenced(book):
    book.chapter("""
        # One

        Text.[^1]

        [^1]: A note.
        [^spare]: Nobody calls me.
    """)
    err = book.rejects("chapters/one.md:6: error: footnote [^spare] is defined but never "
                       "referenced")
    assert "[BB204 footnote-unused]" in err


def test_unclosed_div_reports_the_line_that_opens_it(book):
    book.chapter("""
        # One

        ::: excerpt
        Outer text.

        ::: {.letter}
        Inner text.
        :::
    """)
    err = book.rejects("chapters/one.md:3: error: this ':::' div is never closed")
    assert "chapters/one.md:6:" not in err


@pytest.mark.parametrize("path_text", ["../outside.md", "ABSOLUTE"])
def test_spine_path_outside_the_book_folder(book, path_text):
    outside = book.root.parent / "outside.md"
    outside.write_text("# Outside\n", encoding="utf-8")
    if path_text == "ABSOLUTE":
        path_text = str(outside)
    book.spine("- chapters/one.md", f"- {path_text}")
    err = book.rejects(f"book.yaml:5: error: '{path_text}' is outside the book folder")
    assert "[BB105 path-outside-book]" in err


def test_missing_image_file(book):
    book.chapter("""
        # One

        ![A map of the city](missing.png)
    """)
    err = book.rejects("chapters/one.md:3: error: image 'missing.png' does not exist")
    assert "[BB208 image-missing]" in err


def test_image_without_alt_text(book):
    book.chapter("""
        # One

        Some text.

        ![](map.png)
    """)
    err = book.rejects("chapters/one.md:5: error: image 'map.png' has no alt text")
    assert "[BB209 image-alt-missing]" in err


def test_raw_html_image_missing_file_or_alt(book):
    book.chapter("""
        # One

        <p><img src="map.png"/></p>

        <p><img src="gone.png" alt="a lost map"/></p>
    """)
    err = book.rejects("chapters/one.md:3: error: image 'map.png' has no alt text")
    assert "chapters/one.md:5: error: image 'gone.png' does not exist" in err


def test_script_element_is_an_error(book):
    book.chapter("""
        # One

        <div class="fine"><span>allowed</span></div>

        <script>alert("hi")</script>
    """)
    err = book.rejects("chapters/one.md:5: error: <script>: scripts are not allowed")
    assert "[BB210 html-forbidden]" in err


def test_event_handler_attribute_is_an_error(book):
    book.chapter("""
        # One

        <p class="fine">allowed</p>

        <p onclick="steal()">Click me.</p>
    """)
    book.rejects("chapters/one.md:5: error: event handler 'onclick' on <p>")


def test_remote_image_is_an_error(book):
    book.chapter("""
        # One

        <p><img src="map.png" alt="a local map"/></p>

        <p><img src="http://example.com/map.png" alt="a remote map"/></p>
    """)
    err = book.rejects('chapters/one.md:5: error: <img src="http://example.com/map.png">: '
                       "remote resources are not allowed")
    assert "chapters/one.md:3:" not in err


def test_problem_paths_are_relative_to_the_book_not_the_working_folder(book, monkeypatch):
    book.chapter("# One\n\nText.[^gone]\n")
    monkeypatch.chdir(book.root.parent)
    err = book.rejects("chapters/one.md:3: error: footnote [^gone]", "book")
    assert "book/chapters" not in err


def test_bad_input_from_the_command_line_process(book):
    book.write("book.yaml", GOOD_YAML.replace("title:", "titel:"))
    done = run_module("build", book.root, "--format", "epub")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("book.yaml:1: error: unknown key 'titel'")
    assert book.epub.read_bytes() == book.good
