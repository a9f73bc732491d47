"""Page-turn quality on a generated book long enough to have the faults: words hyphenated
across a page turn, and footnotes WeasyPrint sets on the wrong page.

The writer's own detection is checked against the PDF's text layer, read with pypdf.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from bookkit import run_cli
from pypdf import PdfReader

from bookbuild import config as config_module
from bookbuild.pdf.boxes import layout_of
from bookbuild.pdf.html import print_images
from bookbuild.pdf.margins import effective_margins
from bookbuild.pdf.render import render
from bookbuild.read import read_book

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from generate import generate  # noqa: E402

HYPHEN = "\u2010"  # WeasyPrint's hyphenate-character; authors' own hyphens are U+002D


@pytest.fixture(scope="session")
def long_book(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("long") / "book", 30_000, 8, seed=7)


def last_body_line(page, body_size: float) -> str:
    """The text of the lowest line of the main text: footnotes (0.8em) are left out, in-world
    documents (0.93em) and the body are not; folios sit in the margin, below the text."""
    runs: list[tuple[float, float, str]] = []
    bottom_margin = 0.75 * 72 - 1

    def visit(text, cm, tm, font, size):
        y = cm[5] + tm[5] * cm[3]
        if text.strip() and size * tm[0] * cm[0] > 0.87 * body_size and y > bottom_margin:
            runs.append((round(y, 1), cm[4] + tm[4] * cm[0], text))

    page.extract_text(visitor_text=visit)
    if not runs:
        return ""
    lowest = min(y for y, _, _ in runs)
    return "".join(t for y, _, t in sorted(r for r in runs if r[0] == lowest)).rstrip()


@pytest.mark.slow
def test_page_end_hyphen_detection_matches_the_pdf(long_book, tmp_path):
    book = read_book(config_module.load(long_book))
    margins = effective_margins(book, 120)
    document, _ = render(book, margins, "pod", print_images(book))
    layout = layout_of(book, tmp_path / "x.pdf", "pod", margins, document)
    target = tmp_path / "first-pass.pdf"
    document.write_pdf(target)
    reader = PdfReader(target)
    flagged = set(layout.page_end_hyphens.values())
    assert flagged, "a 30,000-word book has some page-final hyphen before the fix"
    size = book.config.print.font_size
    for number, page in enumerate(reader.pages[:-1], start=1):
        ends_hyphenated = last_body_line(page, size).endswith(HYPHEN)
        assert ends_hyphenated == (number in flagged), (number, last_body_line(page, size))


@pytest.mark.slow
def test_built_pdf_has_no_page_end_hyphen_it_does_not_report(long_book):
    run = run_cli("check", long_book, "--format", "pdf", "--json")
    assert run.code == 0, run.err
    answer = json.loads(run.out)
    reported = {int(p["message"].split("page ")[1].split()[0]) for p in answer["problems"]
                if p["code"] == "BB411"}
    reader = PdfReader(next((long_book / "build").glob("*.pdf")))
    size = read_book(config_module.load(long_book)).config.print.font_size
    hyphenated = {n for n, page in enumerate(reader.pages[:-1], start=1)
                  if last_body_line(page, size).endswith(HYPHEN)}
    assert hyphenated == reported
    # the make-up report, reading the PDF's lines itself, counts the same pages
    assert answer["makeup"]["hyphens_at_page_end"] == len(hyphenated)
    assert len(hyphenated) <= 1
