"""The sample book end to end: `bookbuild check` at the repository root, then the real files.

The EPUB goes through EPUBCheck inside `check`; the PDF is read back with pypdf and poppler.
(The `sample` fixture, that one `check` run, is in conftest.py: other tests read it too.)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bookkit import run_cli

from bookbuild.pdf import minimum_gutter

ROOT = Path(__file__).resolve().parent.parent
TRIM = (432.0, 648.0)  # 6 x 9 in


def normalise(text: str) -> str:
    """Page text with line-end hyphens joined and white space folded, for searching."""
    text = re.sub(r"[\u2010-]\n", "", text)
    return " ".join(text.split())


@pytest.fixture(scope="session")
def pages(sample) -> list[str]:
    return [normalise(page.extract_text()) for page in sample["reader"].pages]


def test_check_passes_on_the_sample_book(sample):
    run = sample["run"]
    assert run.code == 0, run.err
    assert "EPUBCheck: 0 errors, 0 warnings" in run.out
    assert run.err == ""  # no warnings either: preflight and EPUBCheck are clean
    assert "make-up: " in run.out  # the make-up figures (each fault with `check --makeup`)
    assert sample["pdf"].is_file() and sample["epub"].is_file()


def test_every_page_has_the_trim_size_and_no_bleed(sample):
    for number, page in enumerate(sample["reader"].pages, start=1):
        for box in (page.mediabox, page.trimbox, page.bleedbox):
            assert abs(float(box.width) - TRIM[0]) <= 0.01, number
            assert abs(float(box.height) - TRIM[1]) <= 0.01, number


def test_page_count_is_within_print_on_demand_limits(sample):
    assert 24 <= len(sample["reader"].pages) <= 828


@pytest.mark.skipif(shutil.which("pdffonts") is None, reason="poppler-utils not installed")
def test_pdffonts_reports_every_font_embedded_and_bundled(sample):
    listing = subprocess.run(["pdffonts", sample["pdf"]], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert listing, "no fonts at all"
    for row in listing:
        name, emb = row.split()[0], row.split()[-5]
        assert emb == "yes", row
        assert name.split("+", 1)[1].startswith("Libertine"), row


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="poppler-utils not installed")
def test_pdf_is_identified_as_pdf_x_1a(sample):
    info = subprocess.run(["pdfinfo", sample["pdf"]], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"PDF subtype:\s+PDF/X-1a:2003", info)


def test_pdf_x_output_intent_and_no_annotations_or_bookmarks(sample):
    reader = sample["reader"]
    root = reader.trailer["/Root"]
    intents = [i.get_object() for i in root["/OutputIntents"]]
    assert [i["/S"] for i in intents] == ["/GTS_PDFX"]
    assert "/Outlines" not in root
    assert all("/Annots" not in page for page in reader.pages)


def test_every_colour_is_pure_cmyk_black(sample):
    """No RGB anywhere (PDF/X-1a); every colour set is DeviceCMYK 0 0 0 1 (K only)."""
    from pypdf.generic import ContentStream

    reader = sample["reader"]
    spaces, colours, operators = set(), set(), set()
    for page in reader.pages:
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            operators.add(op)
            if op in (b"cs", b"CS"):
                spaces.add(str(operands[0]))
            elif op in (b"sc", b"scn", b"SC", b"SCN", b"k", b"K"):
                colours.add(tuple(float(v) for v in operands))
    assert not operators & {b"rg", b"RG"}
    assert spaces == {"/DeviceCMYK"}
    assert colours == {(0.0, 0.0, 0.0, 1.0)}


def opener_pages(sample, pages) -> dict[str, int]:
    """1-based page of each chapter's opening, found by its dated subtitle and its title."""
    found = {}
    for section in sample["book"].chapters():
        if section.role != "chapter":
            continue
        hits = [n for n, text in enumerate(pages, start=1)
                if section.subtitle in text and section.title in text]
        assert hits, section.title
        found[section.title] = hits[0]
    return found


def test_every_chapter_opens_on_a_recto(sample, pages):
    openers = opener_pages(sample, pages)
    assert len(openers) == 5
    assert all(number % 2 == 1 for number in openers.values()), openers


def _head_text(page, top_margin: float) -> str:
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() and cm[5] + tm[5] * cm[3] > float(page.trimbox.height) - top_margin:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found)


def test_no_running_head_on_chapter_openers_but_on_other_pages(sample, pages):
    reader = sample["reader"]
    top = 0.75 * 72
    openers = opener_pages(sample, pages)
    for title, number in openers.items():
        assert _head_text(reader.pages[number - 1], top) == "", title
    # The page after an opener is a verso: folio and book title; the next, a recto with the
    # chapter's title.
    first = min(openers.values())
    title = next(t for t, n in openers.items() if n == first)
    assert sample["book"].title in _head_text(reader.pages[first], top)
    assert title in _head_text(reader.pages[first + 1], top)


def test_blank_versos_are_truly_blank(sample, pages):
    blank = [n for n, text in enumerate(pages, start=1) if text == ""]
    assert blank, "a book whose chapters all open on rectos has some blank versos"
    assert all(n % 2 == 0 for n in blank)


def test_front_matter_folios_are_roman_then_body_starts_at_arabic_one(sample, pages):
    # Small capitals come back from the text layer in mixed case, hence lower().
    contents = next(n for n, text in enumerate(pages, start=1)
                    if text.lower().startswith("contents"))
    assert pages[contents - 1].split()[-1] == _roman(contents)
    part_one = next(n for n, text in enumerate(pages, start=1)
                    if text.lower().startswith("part one") and n > contents)
    assert part_one % 2 == 1
    # The part's page is body page 1 but prints no folio; the first chapter, two pages on
    # (behind the part page, a blank verso), prints 3.
    assert not any(word.isdigit() for word in pages[part_one - 1].split())
    assert pages[part_one] == ""
    assert pages[part_one + 1].split()[-1] == "3"


def _roman(number: int) -> str:
    numerals = [(10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]
    out = ""
    for value, letters in numerals:
        while number >= value:
            out, number = out + letters, number - value
    return out


def test_contents_lists_chapters_with_their_page_numbers(sample, pages):
    contents = next(text for text in pages if text.lower().startswith("contents")).lower()
    openers = opener_pages(sample, pages)
    first_body = min(openers.values()) - 2  # part one's title page is arabic 1
    for title, number in openers.items():
        # An entry follows the previous entry's page number ("part two: the word" does not).
        match = re.search(r"\d " + re.escape(title.lower()) + r"[ .]*?(\d+)", contents)
        assert match, title
        assert int(match[1]) == number - first_body + 1, title


def test_each_footnote_is_printed_on_the_page_that_calls_it(sample, pages):
    """The words just before each call and the note's own first words share a page."""
    from bookbuild.xhtml import h

    checked = 0
    for section in sample["book"].chapters():
        for note in section.notes:
            ref = section.body.find(f".//{h('a')}[@id='{note.ref_id}']")
            before = _text_before(section.body, ref)
            note_start = " ".join("".join(note.blocks[0].itertext()).split()[:6])
            call_pages = {n for n, text in enumerate(pages) if before in text}
            words = before.split()
            for k in range(1, len(words)):  # the words run over a page break: the call
                head, tail = " ".join(words[:k]), " ".join(words[k:])  # is where they end
                call_pages |= {n for n in range(1, len(pages))
                               if head in pages[n - 1] and pages[n].lstrip().startswith(tail)
                               or head in pages[n - 1] and f"\n{tail}" in pages[n]}
            note_pages = {n for n, text in enumerate(pages) if note_start in text}
            assert call_pages & note_pages, (note.id, before, note_start)
            checked += 1
    assert checked >= 6


def _text_before(body, ref) -> str:
    """The last three words of running text before the element `ref`."""
    words = " ".join(_ordered_text(body, ref)).split()
    return " ".join(words[-3:])


def _ordered_text(body, stop) -> list[str]:
    """Document-order text of `body` up to the element `stop`."""
    out: list[str] = []

    def walk(el) -> bool:
        if el is stop:
            return True
        if el.text:
            out.append(el.text)
        for child in el:
            if walk(child):
                return True
            if child.tail:
                out.append(child.tail)
        return False

    walk(body)
    return out


def _text_x_positions(page) -> list[float]:
    xs: list[float] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            xs.append(cm[4] + tm[4] * cm[0])

    page.extract_text(visitor_text=visit)
    return xs


def test_mirrored_margins_keep_text_out_of_the_gutter(sample, pages):
    reader = sample["reader"]
    gutter = minimum_gutter(len(reader.pages)) * 72
    width = TRIM[0]
    for number, page in enumerate(reader.pages, start=1):
        xs = _text_x_positions(page)
        if not xs:
            continue
        if number % 2:  # recto: the gutter is on the left
            assert min(xs) >= gutter - 0.5, number
        else:
            assert min(xs) >= 0.5 * 72 - 0.5, number  # outside margin on the left
            assert min(xs) < width - gutter


@pytest.mark.slow
def test_two_builds_are_byte_identical(sample, tmp_path):
    run = run_cli("build", ROOT, "--out", tmp_path)
    assert run.code == 0, run.err
    for name in (sample["pdf"].name, sample["epub"].name):
        assert (tmp_path / name).read_bytes() == (sample["out"] / name).read_bytes(), name


def test_cyrillic_and_hebrew_are_set_in_the_bundled_font(sample, pages):
    text = " ".join(pages)
    assert "Без вещей" in text
    assert re.search("[\u05d0-\u05ea]", text)


def _short_rules(reader, page) -> list[float]:
    """Lengths of the horizontal K-black strokes drawn with moveto/lineto on a page."""
    from pypdf.generic import ContentStream

    ops = ContentStream(page.get_contents(), reader).operations
    rules = []
    for i in range(len(ops) - 2):
        (start, o1), (end, o2), (_, o3) = ops[i], ops[i + 1], ops[i + 2]
        if (o1, o2, o3) == (b"m", b"l", b"S") and float(start[1]) == float(end[1]):
            rules.append(float(end[0]) - float(start[0]))
    return rules


def test_a_short_rule_separates_footnotes_from_the_text(sample, pages):
    reader = sample["reader"]
    note_starts = [" ".join("".join(n.blocks[0].itertext()).split()[:5])
                   for s in sample["book"].chapters() for n in s.notes]
    with_notes = {n for n, text in enumerate(pages) if any(s in text for s in note_starts)}
    assert with_notes
    for number, page in enumerate(reader.pages):
        rules = _short_rules(reader, page)
        if number in with_notes:
            assert len(rules) == 1, number
            assert 50 < rules[0] < 100, rules  # a quarter of a 6x9 in page's measure
        else:
            assert rules == [], number
