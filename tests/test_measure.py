"""The measure: at each trim, the type size and margins bookbuild chooses set a novel's line at
60-70 characters, counted on the built PDF's justified lines (pdfplumber)."""

from __future__ import annotations

import statistics

import pdfplumber
import pytest
from bookkit import make_book, run_cli

PROSE = ("She came down the stairs with the letter still in her hand, and the porter, who had "
         "seen her do this every morning for a year, looked up from his newspaper and said "
         "nothing at all about the weather. Outside, the tram was late again; the queue at the "
         "bakery had reached the corner, and a boy was selling yesterday's evening paper as if "
         "it were news. ")


def full_lines(path) -> list[str]:
    """The text of each line that runs the measure's full width (a justified line), on every
    page of running text."""
    lines = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            rows: dict[float, list[dict]] = {}
            for char in page.chars:
                key = next((k for k in rows if abs(k - char["bottom"]) < 1), char["bottom"])
                rows.setdefault(key, []).append(char)
            if len(rows) < 10:
                continue  # an opening or a short page: no measure to read
            right = max(max(c["x1"] for c in row) for row in rows.values())
            for row in rows.values():
                glyphs = sorted((c for c in row if c["text"] != " "), key=lambda c: c["x0"])
                if not glyphs or glyphs[-1]["x1"] < right - 1.5:
                    continue
                text = glyphs[0]["text"]
                for a, b in zip(glyphs, glyphs[1:], strict=False):
                    # a word space: wider than any kerning, narrower than a third of an em
                    text += (" " if b["x0"] - a["x1"] > 0.12 * a["size"] else "") + b["text"]
                lines.append(text)
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("trim", ["5x8", "5.5x8.5", "6x9", "7in x 10in", "8.5in x 11in"])
def test_a_novel_line_holds_60_to_70_characters_at_every_trim(tmp_path, trim):
    chapter = "# One\n\n" + "\n\n".join(PROSE * 3 for _ in range(14)) + "\n"
    book = make_book(tmp_path / "book", "title: Measure\nauthor: A. Writer\nlanguage: en\n"
                     f"print:\n  trim: \"{trim}\"\nspine:\n  - ch.md\n", {"ch.md": chapter})
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    lines = full_lines(book / "build" / "measure.pdf")
    assert len(lines) > 40
    average = statistics.mean(len(line) for line in lines)
    assert 60 <= average <= 70, (trim, average)
