"""The print interior's make-up, read back from the built PDF: one subset tag per embedded font
program, and the figures of the make-up report.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from collections import defaultdict

import pytest
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


def words_by_line(path, page: int) -> list[list[tuple[float, float, str]]]:
    """Each line of a page as poppler's pdftotext reads it: (xMin, xMax, word) per word, the
    words grouped by their baseline (poppler's own lines split at wide gaps)."""
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path),
                          "-"], capture_output=True, check=True, text=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" '
                       r'yMax="([\d.]+)">([^<]*)</word>', out)
    lines: dict[float, list[tuple[float, float, str]]] = {}
    for x0, x1, bottom, word in found:
        key = next((k for k in lines if abs(k - float(bottom)) < 1), float(bottom))
        lines.setdefault(key, []).append((float(x0), float(x1), word))
    return [sorted(words) for _, words in sorted(lines.items())]


def gaps(line) -> list[float]:
    return [b[0] - a[1] for a, b in zip(line, line[1:], strict=False)]


def test_check_reports_the_loose_line_poppler_sees(tmp_path):
    """A forty-digit number cannot break, so the line before it is stretched: the report names
    that page, and poppler measures its word spaces at more than twice those of a ragged line."""
    number = "1234567890" * 5 + "12345"
    chapter = ("# The Ledger\n\n" + PARAGRAPH * 2 + "\n\nIt was filed as " + number
               + " in the ledger.\n\n" + PARAGRAPH * 2 + "\n")
    book = make_book(tmp_path / "book", "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch.md\n", {"ch.md": chapter})
    run = run_cli("check", book, "--format", "pdf", "--json", "--makeup")
    figures = json.loads(run.out)["makeup"]
    assert figures["loose_lines_over_2"] >= 1
    reported = [p for p in json.loads(run.out)["problems"] if p["code"] == "BB417"
                and "over twice" in p["message"]]
    page = int(reported[0]["message"].split()[1].rstrip(":"))
    lines = words_by_line(book / "build" / "small-book.pdf", page)
    at = next(i for i, line in enumerate(lines) if any(w[2] == number for w in line))
    stretched = lines[at - 1]
    right = max(line[-1][1] for line in lines)
    # A paragraph's last line, set at its natural word spacing (it ends short of the measure).
    ragged = max((line for line in lines if line[-1][1] < right - 20 and line is not stretched
                  and not any(w[2] == number for w in line)), key=len)
    assert len(ragged) >= 3
    assert min(gaps(stretched)) > 2 * max(gaps(ragged))


def test_the_report_carries_every_figure(tmp_path):
    book = chapters_book(tmp_path / "book", count=2, paragraphs=4)
    run = run_cli("check", book, "--format", "pdf", "--json")
    figures = json.loads(run.out)["makeup"]
    assert set(figures) >= {"spreads_balanced_percent", "chapter_endings_under_4_lines",
                            "loose_lines_over_1_5", "loose_lines_over_2", "widows", "orphans",
                            "hyphens_at_page_end", "stacked_hyphens_over_2",
                            "notes_off_their_page", "font_subset_names"}
    # Every subset the font descriptors hold has its own name.
    programs = font_programs(book / "build" / "small-book.pdf")
    assert figures["font_subset_names"] == figures["font_subset_programs"] == len(programs)
    # Each chapter's last page, as pypdf reads it: the report flags those under four lines.
    reader = PdfReader(book / "build" / "small-book.pdf")
    text_lines = [len([t for t in page.extract_text().splitlines() if t.strip()])
                  for page in reader.pages]
    assert figures["pages"] == len(reader.pages)
    run_text = run_cli("check", book, "--format", "pdf", "--makeup")
    assert "make-up: " in run_text.out
    flagged = {int(line.split("page ")[1].split(":")[0]) for line in run_text.err.splitlines()
               if "[BB416" in line}
    assert figures["chapter_endings_under_4_lines"] == len(flagged)
    for page in flagged:  # the folio is one of pypdf's lines
        assert text_lines[page - 1] - 1 < 4


def test_make_up_faults_are_warnings_only_when_asked_for(tmp_path):
    """`check` gives the figures; `check --makeup` lists each fault as a warning too."""
    book = chapters_book(tmp_path / "book", count=2, paragraphs=4)
    quiet = run_cli("check", book, "--format", "pdf", "--json")
    listed = run_cli("check", book, "--format", "pdf", "--json", "--makeup")
    figures = json.loads(listed.out)["makeup"]
    codes = [p["code"] for p in json.loads(listed.out)["problems"]]
    assert not any(c in ("BB415", "BB416", "BB417", "BB418", "BB419")
                   for c in (p["code"] for p in json.loads(quiet.out)["problems"]))
    assert codes.count("BB417") == figures["loose_lines_over_1_5"]
    assert codes.count("BB416") == figures["chapter_endings_under_4_lines"]


def test_nested_quotations_indent_two_levels_at_most_and_go_ragged(tmp_path):
    """Four quotations one inside the other: the innermost text starts no further in than the
    second level (3em of 11pt from the text's left edge), and keeps most of the measure."""
    nested = "> " + PARAGRAPH + "\n>\n> > " + PARAGRAPH + "\n> >\n> > > " + PARAGRAPH \
        + "\n> > >\n> > > > DEEPEST " + PARAGRAPH * 2 + "\n"
    book = make_book(tmp_path / "book", "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "print: {font-size: 11}\nspine:\n  - ch.md\n",
                     {"ch.md": "# Quotations\n\n" + PARAGRAPH
                                             + "\n\n" + nested})
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    path = book / "build" / "small-book.pdf"
    page = next(n for n, p in enumerate(PdfReader(path).pages, start=1)
                if "DEEPEST" in p.extract_text())
    lines = words_by_line(path, page)
    left = min(line[0][0] for line in lines if len(line) > 5)
    deepest = next(i for i, line in enumerate(lines) if line[0][2] == "DEEPEST")
    quote = lines[deepest:deepest + 4]
    # (the first line also has the paragraph's own indent)
    assert all(line[0][0] - left <= 3 * 11 + 1 for line in quote[1:])
    # Ragged right: its lines end at different places, not all on the measure.
    assert len({round(line[-1][1]) for line in quote}) > 1


def last_baselines(path) -> list[float]:
    """The lowest baseline on each page, where the text matrix sets the glyphs (a note's
    glyphs and the text's on one baseline have boxes of different depths), read with
    pdfplumber (the running head and folio are at the top of the page)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [max((float(page.height) - c["matrix"][5] for c in page.chars
                     if c["text"].strip()), default=0.0)
                for page in pdf.pages]


def scene_book(root):
    """Two chapters of prose with a scene break now and then: the pages holding one end off
    the line grid of the pages of plain prose."""
    files = {}
    for n in (1, 2):
        parts = []
        for k in range(24):
            parts.append(PARAGRAPH * (2 + (k * 3 + n) % 4))
            if k % 4 == 1:
                parts.append("* * *")
        files[f"ch{n}.md"] = f"# Chapter {n}\n\n" + "\n\n".join(parts) + "\n"
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch1.md\n  - ch2.md\n", files)


def spread_gaps(path) -> list[float]:
    """How far apart (pt) the two pages of each full spread end, read with pdfplumber: a
    chapter opens on the page with its large title; its last page (and a blank verso after
    it) is left out, as is every page before the first chapter."""
    import pdfplumber

    bottoms = last_baselines(path)
    with pdfplumber.open(path) as pdf:
        openers = [i for i, page in enumerate(pdf.pages)
                   if any(c["size"] > 14 and c["text"] == "C" for c in page.chars)]
        blank = [not any(c["text"].strip() for c in page.chars) for page in pdf.pages]
    ends = set()
    for following in [*openers[1:], len(bottoms)]:
        last = following - 1
        while blank[last]:
            last -= 1
        ends.add(last)
    gaps = []
    for verso in range(openers[0] + 1, len(bottoms) - 1, 2):  # 0-based: odd = even-numbered
        recto = verso + 1
        if verso in ends or recto in ends or recto in openers or blank[verso] or blank[recto]:
            continue
        gaps.append(abs(bottoms[verso] - bottoms[recto]))
    return gaps


def unbalanced_spreads(path) -> tuple[int, int]:
    """(full spreads, those whose pages end more than 1 pt apart)."""
    gaps = spread_gaps(path)
    return len(gaps), sum(gap > 1.0 for gap in gaps)


@pytest.mark.slow
def test_the_make_up_pass_balances_spreads_with_scene_breaks(tmp_path, monkeypatch):
    """Scene breaks leave pages off the line grid, their spreads ending apart: after the pass
    every spread ends on one baseline (the short page's gaps, the scene breaks' first, take up
    the difference: pdf/justify.py)."""
    book = scene_book(tmp_path / "book")
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    gaps = spread_gaps(book / "build" / "small-book.pdf")
    assert len(gaps) >= 3
    assert not [gap for gap in gaps if gap > 1.0], gaps
    # Without the pass the same book has such spreads: the test can fail.
    without_make_up(monkeypatch)
    plain = scene_book(tmp_path / "plain")
    assert run_cli("build", plain, "--format", "pdf").code == 0
    assert [gap for gap in spread_gaps(plain / "build" / "small-book.pdf") if gap > 1.0]


SHORT = "Nobody answered; the clock in the corridor struck the quarter, and the lamp went out."


def scene_head_book(root):
    """Scenes that end in a paragraph of a line or two and a scene break: where that falls
    at a page's foot, the short paragraph, the scene break and the next scene's first lines,
    kept together (print.css), go on to the next page and leave this one several lines
    short."""
    files = {}
    for n in (1, 2):
        parts = []
        for k in range(20):
            parts += [PARAGRAPH * (3 + (k * 7 + n) % 6), PARAGRAPH * (1 + (k + n) % 2),
                      SHORT, "* * *"]
        files[f"ch{n}.md"] = f"# Chapter {n}\n\n" + "\n\n".join(parts) + "\n"
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch1.md\n  - ch2.md\n", files)


@pytest.mark.slow
def test_a_scene_break_may_head_or_end_a_page_rather_than_leave_one_short(tmp_path,
                                                                          monkeypatch):
    """A page left several lines short by a scene break kept with the text on both sides:
    the make-up lets that scene break head or end a page (its ornament marks the break
    there), the lines come back, and every spread ends on one baseline. With scene breaks
    never freed, the same book has spreads three lines apart or more."""
    from bookbuild.pdf import makeup

    book = scene_head_book(tmp_path / "book")
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    gaps = spread_gaps(book / "build" / "small-book.pdf")
    assert len(gaps) >= 6 and not [gap for gap in gaps if gap > 1.0], gaps
    monkeypatch.setattr(makeup, "FREE_WITHIN", -1)  # no scene break is ever freed
    plain = scene_head_book(tmp_path / "plain")
    assert run_cli("build", plain, "--format", "pdf").code == 0
    assert [gap for gap in spread_gaps(plain / "build" / "small-book.pdf") if gap > 40]


def without_make_up(monkeypatch) -> None:
    """The make-up pass turned off for builds in this process and the layout workers it
    starts: no mends planned, no page spread."""
    from bookbuild.pdf import makeup, single, workers

    monkeypatch.setattr(makeup, "plan", lambda document: (makeup.Mends(), 0))
    monkeypatch.setattr(single, "justify", lambda document: 0)
    monkeypatch.setattr(workers, "justify", lambda document: 0)


NOTE = ("The register of the second department survives only in a copy made after the fire, "
        "and the copyist, who was paid by the page, wrote large; where the two versions "
        "disagree the later one has been followed here, with the caution that its dates were "
        "often entered a week after the events they record. ")


def long_notes_book(root):
    """Prose with a long note (seven lines or so) every sixth paragraph: some call falls on a
    line the note cannot follow on to its page, which WeasyPrint then leaves short."""
    files = {}
    for n in (1, 2):
        parts, notes = [], []
        for k in range(36):
            text = PARAGRAPH * (2 + (k * 5 + n) % 4)
            if k % 6 == 4:
                notes.append(f"[^{len(notes) + 1}]: " + NOTE * 2)
                text = text.rstrip() + f"[^{len(notes)}] " + PARAGRAPH
            parts.append(text)
        files[f"ch{n}.md"] = f"# Chapter {n}\n\n" + "\n\n".join(parts + notes) + "\n"
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch1.md\n  - ch2.md\n", files)


def note_pages(path) -> tuple[list[tuple[str, int]], list[tuple[str, int]], list[int]]:
    """Read with pdfplumber: each note's number (at the head of its text, in the notes' smaller
    size) with its page, each call (a raised figure in a line of body text) with its page, in
    reading order; and the pages whose notes begin with a note's continuation (no number)."""
    import pdfplumber

    notes, calls, continued = [], [], []
    with pdfplumber.open(path) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            chars = [c for c in page.chars if c["text"].strip()]
            # a call: a raised figure smaller than the notes' type
            figures = sorted((c for c in chars if c["size"] < 9 and c["text"].isdigit()),
                             key=lambda c: (round(c["top"]), c["x0"]))
            for n, c in enumerate(figures):  # the figures of one call stand side by side
                before = figures[n - 1] if n else None
                if before is not None and round(before["top"]) == round(c["top"]) \
                        and c["x0"] - before["x1"] < 0.5:
                    calls[-1] = (calls[-1][0] + c["text"], number)
                else:
                    calls.append((c["text"], number))
            text_foot = max((c["bottom"] for c in chars if c["size"] >= 10), default=None)
            if text_foot is None:
                continue  # no body text: not a page of the chapters
            rows: dict[float, list] = defaultdict(list)
            for c in chars:
                if 9 <= c["size"] < 10 and c["top"] > text_foot:  # the notes, under the text
                    rows[round(c["bottom"])].append(c)
            for n, (_, row) in enumerate(sorted(rows.items())):
                text = "".join(c["text"] for c in sorted(row, key=lambda c: c["x0"]))
                found = re.match(r"(\d+)\.", text)
                if re.fullmatch(r"\d+|[ivxlc]+", text):
                    continue  # a folio at the foot of an opening page
                if found:
                    notes.append((found.group(1), number))
                elif n == 0:
                    continued.append(number)
    return notes, calls, continued


def test_a_long_note_is_split_rather_than_leaving_its_page_short(tmp_path, monkeypatch):
    """A note too long to follow its call on to the page's foot begins there and goes on at
    the head of the next page's notes: each note's number is printed on its call's page, the
    page is not left short, and every spread ends on one baseline. Without the make-up the
    same book has a spread a few lines apart."""
    book = long_notes_book(tmp_path / "book")
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    pdf = book / "build" / "small-book.pdf"
    notes, calls, continued = note_pages(pdf)
    assert continued, "no note was split"
    assert len(notes) == 12 and notes == calls, (notes, calls)
    gaps = spread_gaps(pdf)
    assert gaps and not [gap for gap in gaps if gap > 1.0], gaps
    without_make_up(monkeypatch)
    plain = long_notes_book(tmp_path / "plain")
    assert run_cli("build", plain, "--format", "pdf").code == 0
    assert not note_pages(plain / "build" / "small-book.pdf")[2]
    assert [gap for gap in spread_gaps(plain / "build" / "small-book.pdf") if gap > 30]


def ending_book(root):
    """Chapter 1 ends with a paragraph of three lines that widow control sends alone on to the
    chapter's last page (found by laying it out without the make-up pass: see the test)."""
    ch1 = "# Chapter 1\n\n" + "\n\n".join(
        [PARAGRAPH * (2 + k % 3) for k in range(23)] + [PARAGRAPH]) + "\n"
    ch2 = "# Chapter 2\n\n" + "\n\n".join(PARAGRAPH * 2 for _ in range(6)) + "\n"
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch1.md\n  - ch2.md\n", {"ch1.md": ch1, "ch2.md": ch2})


def chapter_last_page_lines(path, title: str = "Chapter 2") -> int:
    """Lines of text (body size, not the running head) on the page before `title` opens,
    blank versos skipped, read with pdfplumber."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        opener = next(i for i, page in enumerate(pdf.pages)
                      if title in "".join(c["text"] for c in page.chars if c["size"] > 14))
        last = opener - 1
        while not pdf.pages[last].chars:
            last -= 1
        chars = [c for c in pdf.pages[last].chars if c["size"] >= 10 and c["text"].strip()]
        return len({round(c["bottom"]) for c in chars})


@pytest.mark.slow
def test_a_short_chapter_ending_is_mended(tmp_path, monkeypatch):

    book = ending_book(tmp_path / "book")
    assert run_cli("build", book, "--format", "pdf").code == 0
    assert chapter_last_page_lines(book / "build" / "small-book.pdf") >= 4
    spreads, bad = unbalanced_spreads(book / "build" / "small-book.pdf")
    assert bad == 0, (spreads, bad)
    # The report reads the pages run long to their last line: it finds what the PDF shows.
    figures = json.loads(run_cli("check", book, "--format", "pdf", "--json").out)["makeup"]
    assert figures["chapter_endings_under_4_lines"] == 0
    assert figures["spreads_balanced_percent"] == 100.0
    without_make_up(monkeypatch)
    plain = ending_book(tmp_path / "plain")
    assert run_cli("build", plain, "--format", "pdf").code == 0
    assert 0 < chapter_last_page_lines(plain / "build" / "small-book.pdf") < 4


ONE_LINE = "The clerks went home."


def head_book(root, short: int, before: int = 16):
    """An excerpt after `before` paragraphs of three lines (widow control breaks pages only
    between them) and `short` of one line: one of the values of `short` fills the page before
    the excerpt to its foot, putting the excerpt at the next page's head."""
    excerpt = ("::: {.excerpt source=\"The Silent Years\" author=\"S. Kornilov\"}\n\n"
               + PARAGRAPH * 2 + "\n\n:::\n")
    ch1 = "# Chapter 1\n\n" + "\n\n".join(
        [PARAGRAPH for _ in range(before)] + [ONE_LINE] * short + [excerpt]
        + [PARAGRAPH * 3] * 16) + "\n"
    ch2 = "# Chapter 2\n\n" + PARAGRAPH + "\n"
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch1.md\n  - ch2.md\n", {"ch1.md": ch1, "ch2.md": ch2})


def excerpt_head_gap(path) -> float | None:
    """How far below the text area's top (where full pages' text starts) the excerpt's first
    line (its source) sits when it opens a page, else None; read with pdfplumber, the running
    head (9 pt) left out."""
    import pdfplumber

    firsts = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            rows: dict[float, list] = defaultdict(list)
            for c in page.chars:
                if c["text"].strip() and c["size"] > 9.5:
                    rows[round(c["top"], 1)].append(c)
            if rows:
                top = min(rows)
                text = "".join(c["text"] for c in sorted(rows[top], key=lambda c: c["x0"]))
                firsts.append((top, text, len(rows)))
    # pages of running text: their first line is at the text area's top (openers are lower)
    area_top = min(top for top, _, count in firsts if count > 20)
    return next((top - area_top for top, text, _ in firsts
                 if text.startswith("FromTheSilentYears")), None)


@pytest.mark.slow
def test_no_space_above_an_excerpt_at_a_page_head(tmp_path, monkeypatch):
    from bookbuild.pdf import makeup

    real_plan = makeup.plan
    monkeypatch.setattr(makeup, "plan", lambda document: (makeup.Mends(), 0))
    before = None
    for count in range(5, 12):  # find where the excerpt opens a page, without the pass
        plain = head_book(tmp_path / f"plain{count}", count)
        assert run_cli("build", plain, "--format", "pdf").code == 0
        gap = excerpt_head_gap(plain / "build" / "small-book.pdf")
        if gap is not None:
            before = count
            break
    assert before is not None and gap > 3, gap  # the excerpt's top margin, kept
    monkeypatch.setattr(makeup, "plan", real_plan)
    book = head_book(tmp_path / "book", before)
    assert run_cli("build", book, "--format", "pdf").code == 0
    mended = excerpt_head_gap(book / "build" / "small-book.pdf")
    # (the pass may also have moved the excerpt off the page head)
    assert mended is None or abs(mended) < 1.5, mended


def widow_notes_book(root):
    """One chapter of paragraphs of one to three sentences, every third calling a note of one
    to three sentences: at one page's foot, widow control wants a line that only moving the
    page's last note on would make room for (found by building it both ways: see the test)."""
    short = "The register of the second department survives only in a copy made after the fire. "
    parts, notes = [], []
    for k in range(40):
        text = PARAGRAPH * (1 + (k * 2 + 1) % 3)
        if k % 3 == 1:
            notes.append(f"[^{len(notes) + 1}]: " + short * (1 + k % 3))
            text = text.rstrip() + f"[^{len(notes)}] " + PARAGRAPH
        parts.append(text)
    return make_book(root, "title: Small Book\nauthor: A. Writer\nlanguage: en\n"
                     "spine:\n  - ch1.md\n",
                     {"ch1.md": "# Chapter 1\n\n" + "\n\n".join(parts + notes) + "\n"})


def test_every_note_is_printed_on_its_call_s_page(tmp_path, monkeypatch):
    """WeasyPrint moves a page's last note on to the next page to make room for a line that
    widow control keeps; bookbuild lays lines out without that step (pdf/keep_notes.py), so
    each note's number is printed on the page of its call, read from the PDF."""
    import weasyprint.layout.block as block

    from bookbuild.pdf import keep_notes

    book = widow_notes_book(tmp_path / "book")
    assert run_cli("build", book, "--format", "pdf").code == 0
    notes, calls, _ = note_pages(book / "build" / "small-book.pdf")
    assert len(notes) == 13 and notes == calls, (notes, calls)
    # WeasyPrint's own line layout (the bookbuild mends still made) leaves a note off its page.
    assert keep_notes.install()
    monkeypatch.setattr(block, "_linebox_layout", keep_notes.ORIGINAL["_linebox_layout"])
    plain = widow_notes_book(tmp_path / "plain")
    assert run_cli("build", plain, "--format", "pdf").code == 0
    notes, calls, _ = note_pages(plain / "build" / "small-book.pdf")
    assert len(notes) == 13 and notes != calls


def test_the_report_holds_one_page_at_a_time(tmp_path, monkeypatch):
    """Reading the interior back keeps each page's lines, not its characters: a 1,000,000-word
    book's check had grown past 13 GB when it was stopped."""
    import tracemalloc

    from bookbuild.build import build
    from bookbuild.checks import makeup

    book = chapters_book(tmp_path / "book", count=4, paragraphs=12)
    held: list[int] = []  # traced memory as each page begins, the last pages read
    real = makeup.page_lines

    def counting(page, area):
        held.append(tracemalloc.get_traced_memory()[0])
        return real(page, area)

    monkeypatch.setattr(makeup, "page_lines", counting)
    tracemalloc.start()
    try:
        result = build(book, tmp_path / "out", ("pdf",), check=True)
    finally:
        tracemalloc.stop()
    assert result.figures["makeup"]["pages"] >= 20 and len(held) >= 15
    per_page = (held[-1] - held[1]) / (len(held) - 2)
    assert per_page < 100_000, f"{per_page:.0f} bytes kept per page read"
