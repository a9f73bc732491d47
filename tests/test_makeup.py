"""The print interior's make-up, read back from the built PDF: one subset tag per embedded font
program, and the figures of the make-up report.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from bookkit import make_book, run_cli
from pypdf import PdfReader

from bookbuild.pdf import chunked

PARAGRAPH = ("The ministry's windows were lit until late, and the clerks went home through "
             "the snow with their collars up, saying nothing to one another. ")


def chapters_book(root, count: int = 3, paragraphs: int = 12):
    files, names = {}, []
    for n in range(1, count + 1):
        # Each chapter uses different letters, so each section's font subset differs.
        extra = "Quartz jackdaws vex my big sphinx. " * n if n % 2 else "Éclat, *zéphyr* wit."
        files[f"ch{n}.md"] = f"# Chapter {n}\n\n" + "\n\n".join(
            PARAGRAPH * 3 + extra for _ in range(paragraphs)) + "\n"
        names.append(f"ch{n}.md")
    spine = "".join(f"      - {name}\n" for name in names)
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - part: \"Part One\"\n    chapters:\n" + spine, files)


def font_programs(path) -> dict[str, set[str]]:
    """Every font descriptor reachable from the pages (and their forms), read with pypdf:
    subset name -> digests of the programs embedded under it."""
    found: dict[str, set[str]] = defaultdict(set)
    seen: set[int] = set()

    def visit(resources) -> None:
        resources = resources.get_object() if resources is not None else {}
        for ref in (resources.get("/Font") or {}).values():
            font = ref.get_object()
            for sub in font.get("/DescendantFonts") or [font]:
                descriptor = sub.get_object().get("/FontDescriptor")
                if descriptor is None:
                    continue
                descriptor = descriptor.get_object()
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        data = descriptor[key].get_object().get_data()
                        found[str(descriptor["/FontName"])].add(hashlib.sha256(data).hexdigest())
                        assert str(sub.get_object()["/BaseFont"]) == str(descriptor["/FontName"])
        for ref in (resources.get("/XObject") or {}).values():
            xobject = ref.get_object()
            if id(xobject) not in seen and xobject.get("/Subtype") == "/Form":
                seen.add(id(xobject))
                visit(xobject.get("/Resources"))

    for page in PdfReader(path).pages:
        visit(page.get("/Resources"))
    return found


def test_each_font_program_has_its_own_subset_name(tmp_path):
    book = chapters_book(tmp_path / "book")
    run = run_cli("check", book, "--format", "pdf")
    assert run.code == 0, run.err
    programs = font_programs(book / "build" / "small-book.pdf")
    # Sections are laid out apart: several subsets of the one typeface, each with its name.
    assert len(programs) >= 4
    assert all(len(digests) == 1 for digests in programs.values()), programs
    assert "BB414" not in run.err


def test_a_subset_name_shared_by_two_programs_is_a_preflight_error(tmp_path, monkeypatch):
    monkeypatch.setattr(chunked, "unique_subset_tags", lambda pdf: 0)
    book = chapters_book(tmp_path / "book")
    run = run_cli("check", book, "--format", "pdf")
    programs = font_programs(book / "build" / "small-book.pdf")
    shared = [name for name, digests in programs.items() if len(digests) > 1]
    assert shared  # the merge without renaming does share names...
    assert run.code == 1
    assert "[BB414 font-subset-name-shared]" in run.err  # ...and the preflight says so
    assert shared[0].lstrip("/") in run.err
