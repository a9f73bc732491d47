"""The hostile corpus: one tiny book per mistake or attack, each with the exact problems it must
draw. Committed cases live in tests/hostile/NAME/ (book.yaml, chapters, expected.txt); cases
that need binary, big or linked files are made here at run time (GENERATED); the huge ones
are in test_limits.py, which also bounds their time and memory.

Every case must hold the promise of issue #4 whatever it contains: no traceback, exactly the
expected `path:line: error|warning: ... [code]` lines, exit status 1 with nothing written when
there is an error, sources unchanged, and, when it builds, an EPUB that EPUBCheck passes.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from bookkit import make_book, run_cli, tiny_png, tree_digest

from bookbuild.checks.epubcheck import run_epubcheck_many

CORPUS = Path(__file__).resolve().parent / "hostile"
YAML = "title: Hostile Book\nauthor: Jane Doe\nspine: [one.md]\n"


def _non_utf8(root: Path) -> None:
    make_book(root, YAML, {"one.md": "# One\n\nFirst line.\n\nCaf\xe9 in Latin-1.\n".encode(
        "latin-1")})


def _bom_and_crlf(root: Path) -> None:
    make_book(root, YAML, {"one.md": "\ufeff# One\r\n\r\nWindows line ends.[^1]\r\n\r\n"
                                     "[^1]: A note.\r\n".encode()})


def _fake_image(root: Path) -> None:
    make_book(root, YAML, {"one.md": "# One\n\n![a picture](photo.jpg)\n\n![a drawing](pic.gif)\n",
                           # no picture at all (a PNG named .jpg goes in as PNG: test_pandoc_extras)
                           "photo.jpg": b"<html><script>alert(1)</script></html>",
                           "pic.gif": b"GIF89a" + bytes(16)})


def _secret(root: Path, name: str, content: bytes) -> Path:
    """A file outside the book, in a folder a stranger's book should never read."""
    secret = root.parent / "secret"
    secret.mkdir(exist_ok=True)
    (secret / name).write_bytes(content)
    return secret / name


def _symlinked_chapter(root: Path) -> None:
    make_book(root, "title: Hostile Book\nauthor: Jane Doe\nspine: [one.md, notes.md]\n",
              {"one.md": "# One\n\nText.\n"})
    (root / "notes.md").symlink_to(_secret(root, "notes.md", b"# Notes\n\nPrivate.\n"))


def _symlinked_image(root: Path) -> None:
    make_book(root, YAML, {"one.md": "# One\n\n![a picture](id.png)\n"})
    (root / "id.png").symlink_to(_secret(root, "id.png", tiny_png()))


def _symlinked_theme(root: Path) -> None:
    make_book(root, YAML, {"one.md": "# One\n\nText.\n"})
    (root / "styles").mkdir()
    (root / "styles" / "epub.css").symlink_to(_secret(root, "keys.css", b"/* id_rsa */\n"))


def _too_many_blocks(root: Path) -> None:
    make_book(root, YAML, {"one.md": "# One\n\n" + "A line.\n\n" * 31_000})


def _too_many_marks(root: Path) -> None:
    make_book(root, YAML, {"one.md": "# One\n\nFirst.\n\n" + "*a* " * 11_000 + "\n"})


# name: (make the book at the given folder, the exact problem lines it must draw)
GENERATED = {
    "non-utf8": (_non_utf8, [
        "one.md:5: error: not UTF-8: byte 0xe9 at offset 23; save the file as UTF-8 "
        "[BB201 bad-encoding]"]),
    "bom-and-crlf": (_bom_and_crlf, []),
    "fake-image": (_fake_image, [
        "one.md:3: error: image 'photo.jpg' is not a JPEG file (its content does not match its "
        "name) [BB208 image-missing]",
        "one.md:5: error: image 'pic.gif' cannot be read as an image: the file is damaged or cut "
        "short [BB208 image-missing]"]),
    "symlinked-chapter": (_symlinked_chapter, [
        "book.yaml:3: error: 'notes.md' is outside the book folder; spine files must be inside "
        "it [BB105 path-outside-book]"]),
    "symlinked-image": (_symlinked_image, [
        "one.md:3: error: image 'id.png' is outside the book folder [BB105 path-outside-book]"]),
    "symlinked-theme": (_symlinked_theme, [
        "styles/epub.css: error: this theme file leads outside the book folder (a symbolic "
        "link?); put the file itself in styles/ [BB105 path-outside-book]"]),
    "too-many-blocks": (_too_many_blocks, [
        "one.md:60001: error: the chapter has more than 30,000 paragraphs, list items and notes; "
        "split it into several files [BB219 too-large]"]),
    "too-many-marks": (_too_many_marks, [
        "one.md:5: error: this paragraph has more than 10,000 emphasis, link, note, code, tag, "
        "entity and escape marks (* _ [ ` < & \\); split it [BB219 too-large]"]),
}


@dataclass
class Case:
    name: str
    root: Path
    code: int
    problems: list[str]  # stderr without the closing summary line
    output: str
    sources_before: dict[str, str]
    sources_after: dict[str, str]
    epub: Path | None
    expected: list[str]


def _expected(case_dir: Path) -> list[str]:
    return (case_dir / "expected.txt").read_text(encoding="utf-8").splitlines()


def _build(name: str, root: Path, expected: list[str]) -> Case:
    """Build the book at `root`, with a picture and files outside it that cases point at."""
    (root / "pic.png").write_bytes(tiny_png())
    (root.parent / "outside.png").write_bytes(tiny_png())
    (root.parent / "outside.md").write_text("# Outside\n\nNot part of the book.\n")
    before = tree_digest(root)
    run = run_cli("build", root, "--format", "epub")
    lines = run.err.splitlines()
    if run.code == 1 and lines and lines[-1].startswith("bookbuild: "):
        lines = lines[:-1]
    epubs = list((root / "build").glob("*.epub")) if (root / "build").is_dir() else []
    return Case(name, root, run.code, lines, run.out + run.err, before, tree_digest(root),
                epubs[0] if epubs else None, expected)


@pytest.fixture(scope="module")
def cases(tmp_path_factory) -> dict[str, Case]:
    """Every case built once: committed ones copied out of the repository first."""
    work = tmp_path_factory.mktemp("hostile")
    built = {}
    for case_dir in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        root = work / case_dir.name / "book"
        shutil.copytree(case_dir, root, ignore=shutil.ignore_patterns("expected.txt"))
        built[case_dir.name] = _build(case_dir.name, root, _expected(case_dir))
    for name, (make, expected) in GENERATED.items():
        root = work / name / "book"
        root.parent.mkdir()
        make(root)
        built[name] = _build(name, root, expected)
    return built


NAMES = sorted([p.name for p in CORPUS.iterdir() if p.is_dir()] + list(GENERATED))


@pytest.mark.parametrize("name", NAMES)
def test_hostile_book_draws_exactly_its_problems(name, cases):
    case = cases[name]
    assert "Traceback" not in case.output
    assert case.problems == case.expected
    errors = [line for line in case.problems if ": error: " in line]
    assert case.code == (1 if errors else 0), case.output
    assert (case.epub is None) == bool(errors), "an EPUB is written exactly when nothing failed"
    assert case.sources_after == case.sources_before


@pytest.mark.slow
def test_hostile_books_that_build_pass_epubcheck(cases):
    built = {case.epub: name for name, case in cases.items() if case.epub is not None}
    # The corpus must really reach the validator with the markup it allows and repairs.
    assert {"allowed-html", "repaired-markup", "invisible-characters", "control-characters",
            "bom-and-crlf"} <= set(built.values())
    results = run_epubcheck_many(list(built))
    invalid = {built[path]: [f"{m.id}: {m.message} ({m.location})" for m in messages
                             if m.severity in ("FATAL", "ERROR", "WARNING")]
               for path, messages in results.items()}
    assert {name: found for name, found in invalid.items() if found} == {}


def test_no_secret_reaches_the_epub_through_a_link(cases):
    """The linked chapter, picture and stylesheet stop the build; none is copied anywhere."""
    for name in ("symlinked-chapter", "symlinked-image", "symlinked-theme"):
        case = cases[name]
        assert case.epub is None
        written = [p for p in case.root.rglob("*") if p.is_file() and not p.is_symlink()
                   and "build" in p.relative_to(case.root).parts]
        assert written == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_chapter_is_a_problem_not_a_crash(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\nText.\n"})
    (book / "one.md").chmod(0)
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert run.err.startswith("one.md: error: cannot read the file: Permission denied [BB106")


def test_a_font_or_cover_linked_from_outside_the_book_is_refused(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\nText.\n"})
    (book / "styles" / "fonts").mkdir(parents=True)
    (book / "styles" / "fonts" / "Body.otf").symlink_to(_secret(book, "Private.otf", b"OTTO"))
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 1 and "Traceback" not in run.err
    assert run.err.splitlines()[0] == (
        "styles/fonts/Body.otf: error: this theme file leads outside the book folder (a symbolic "
        "link?); put the file itself in styles/ [BB105 path-outside-book]")
    (book / "book.yaml").write_text(YAML + "cover: cover.jpg\n")
    (book / "cover.jpg").symlink_to(_secret(book, "photo.jpg", b"\xff\xd8\xff"))
    run = run_cli("build", book, "--format", "epub")
    assert run.err.splitlines()[0] == ("book.yaml:4: error: 'cover.jpg' is outside the book "
                                       "folder [BB105 path-outside-book]")
    assert not (book / "build").exists() or not any((book / "build").glob("*.*"))


@pytest.mark.parametrize(("content", "expected"), [
    # saved as .png: Pillow cannot read its header, so reading the chapter names it at its line
    (b"\x89PNG\r\n\x1a\n<!DOCTYPE html><html><body>A page.</body></html>\n",
     "one.md:3: error: image 'pic.png' cannot be read as an image: the file is damaged or cut "
     "short [BB208 image-missing]"),
    # a download cut short: its header reads, its pixels fail when the PDF decodes them
    (tiny_png(40, 40)[:60],
     "pic.png: error: the image cannot be decoded ("),
])
def test_a_picture_that_only_starts_as_a_png_is_named_not_an_internal_error(tmp_path, content,
                                                                            expected):
    import weasyprint  # noqa: F401  (as in any build: it makes Pillow lenient on import)

    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a picture](pic.png)\n",
                                               "pic.png": content})
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 1 and "Traceback" not in run.err
    [line] = run.err.splitlines()[:-1]
    assert line.startswith(expected)
    if expected.startswith("pic.png"):
        assert line.endswith("); open it in an image editor and save it again "
                             "[BB413 image-undecodable]")
    assert not (book / "build").exists() or not any((book / "build").glob("*.pdf"))
