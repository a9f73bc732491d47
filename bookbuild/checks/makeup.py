"""The make-up report: how the print interior is made up, measured on the written PDF.

Reads every glyph's position back (pdfplumber) and finds the text lines of each page's text
area; from them: facing pages that end on different baselines, chapters whose last page holds
fewer than four lines, loose lines (word spaces wider than 1.5× and 2× the font's own space),
widows and orphans, hyphens at a page's foot, more than two hyphens stacked; with the notes set
off their call's page (from the layout) and the font subset names (from the font descriptors).
`MakeupReport.figures` is what `bookbuild check` prints and `--json` carries; each fault is
also a warning `Problem` with its page and the chapter's source file.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field

from pdfplumber.page import Page

from bookbuild.book import Book
from bookbuild.errors import Problem
from bookbuild.pdf import PdfLayout
from bookbuild.pdf.makeup import HYPHENS
from bookbuild.pdf.margins import line_pitch

SAME_BASELINE = 1.0  # points: two baselines closer than this are one (a balanced spread)
FULL_LINE = 1.5  # points: a line reaching this close to the measure's end is justified
SHORT_ENDING = 4  # a chapter's last page should hold at least this many lines
# A line set larger than this part of the body size is the text's (a document's lines are
# 0.93 of it in print.css); smaller, a note's (0.8), a caption's or a note call.
FLOW_SIZE = 0.87
LOOSE, VERY_LOOSE = 1.5, 2.0  # word space over the font's own space


@dataclass
class Line:
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    ratio: float | None  # the line's word space over its font's space, if justified
    baseline: float = 0.0  # from the page's top, as the glyphs' text matrix places them


@dataclass
class Fault:
    code: str
    page: int
    message: str
    section: str | None = None


@dataclass
class MakeupReport:
    pages: int = 0
    spreads: int = 0
    spreads_balanced: int = 0
    lines: int = 0
    subset_names: int = 0
    subset_programs: int = 0
    notes: int = 0
    faults: list[Fault] = field(default_factory=list)

    def count(self, code: str, detail: str = "") -> int:
        return sum(f.code == code and detail in f.message for f in self.faults)

    @property
    def figures(self) -> dict[str, float | int]:
        balanced = 100.0 * self.spreads_balanced / self.spreads if self.spreads else 100.0
        return {
            "pages": self.pages,
            "spreads": self.spreads,
            "spreads_balanced_percent": round(balanced, 1),
            "chapter_endings_under_4_lines": self.count("BB416"),
            "loose_lines_over_1_5": self.count("BB417"),
            "loose_lines_over_2": self.count("BB417", "over twice"),
            "widows": self.count("BB418", "widow"),
            "orphans": self.count("BB418", "orphan"),
            "hyphens_at_page_end": self.count("BB411"),
            "stacked_hyphens_over_2": self.count("BB419"),
            "notes": self.notes,
            "notes_off_their_page": self.count("BB409"),
            "font_subset_names": self.subset_names,
            "font_subset_programs": self.subset_programs,
        }

    def lines_of_text(self) -> list[str]:
        f = self.figures
        return [
            f"make-up: {f['pages']} pages; spreads balanced {f['spreads_balanced_percent']}% "
            f"of {f['spreads']}; chapter endings under 4 lines: "
            f"{f['chapter_endings_under_4_lines']}",
            f"make-up: loose lines > 1.5x word space: {f['loose_lines_over_1_5']}, > 2x: "
            f"{f['loose_lines_over_2']}; widows {f['widows']}, orphans {f['orphans']}; "
            f"hyphens at page end {f['hyphens_at_page_end']}, stacked > 2: "
            f"{f['stacked_hyphens_over_2']}",
            f"make-up: notes off their call's page: {f['notes_off_their_page']} of "
            f"{f['notes']}; font subset names {f['font_subset_names']} for "
            f"{f['font_subset_programs']} font programs",
        ]


def page_lines(page: Page, area: tuple[float, float, float, float]) -> list[Line]:
    """The text lines inside `area` (left, top, right, bottom; pdfplumber's coordinates), top
    to bottom, each with its word space measured against the space glyph of its size."""
    left, top, right, bottom = area
    chars = [c for c in page.chars if top - 2 <= c["top"] and c["bottom"] <= bottom + 2
             and left - 2 <= c["x0"] and c["x1"] <= right + 2]
    spaces: dict[float, list[float]] = {}
    for c in chars:
        if c["text"] == " " and c["x1"] > c["x0"]:
            spaces.setdefault(round(c["size"], 1), []).append(c["x1"] - c["x0"])
    rows: list[list[dict]] = []
    for c in sorted((c for c in chars if c["text"] != " "), key=lambda c: (c["bottom"], c["x0"])):
        if rows and abs(rows[-1][0]["bottom"] - c["bottom"]) < SAME_BASELINE:
            rows[-1].append(c)
        else:
            rows.append([c])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c["x0"])
        size = Counter(round(c["size"], 1) for c in row).most_common(1)[0][0]
        space = statistics.median(spaces[size]) if size in spaces else 0.25 * size
        gaps, text = [], row[0]["text"]
        for a, b in zip(row, row[1:], strict=False):
            gap = b["x0"] - a["x1"]
            if gap > 0.5 * space:
                gaps.append(gap)
                text += " "
            text += b["text"]
        x0, x1 = row[0]["x0"], max(c["x1"] for c in row)
        justified = x1 >= right - FULL_LINE and len(gaps) >= 2
        ratio = statistics.median(gaps) / space if justified else None
        # The baseline is where the text matrix puts the glyphs (their boxes' bottoms differ
        # with the type size: a note's and the text's on one baseline are not level).
        baseline = max(float(page.height) - c["matrix"][5] for c in row)
        lines.append(Line(min(c["top"] for c in row), max(c["bottom"] for c in row), x0, x1,
                          size, text, ratio, baseline))
    return lines


def measure(book: Book, layout: PdfLayout, subset_names: dict[str, int]) -> MakeupReport:
    """The make-up figures and faults of the written interior."""
    import pdfplumber

    report = MakeupReport(subset_names=len(subset_names),
                          subset_programs=sum(subset_names.values()))
    body = sorted(((page, sid) for sid, page in layout.opener_pages.items()))
    owner: dict[int, str] = {}
    pages: dict[int, list[Line]] = {}
    lefts: dict[int, float] = {}
    with pdfplumber.open(layout.path) as pdf:
        report.pages = len(pdf.pages)
        for number in range(layout.body_first_page, len(pdf.pages) + 1):
            page = pdf.pages[number - 1]
            x0, y0, x1, y1 = (float(v) for v in page.page_obj.attrs.get("TrimBox", page.bbox))
            height = float(page.height)
            trim_top, trim_bottom = height - y1, height - y0
            recto = number % 2 == 1
            inside, outside = layout.margins["inside"], layout.margins["outside"]
            # (a line lower: a page run long, the make-up's mend for a short ending, holds one
            # more line than the margins give)
            area = (x0 + (inside if recto else outside), trim_top + layout.margins["top"],
                    x1 - (outside if recto else inside),
                    trim_bottom - layout.margins["bottom"] + line_pitch(book))
            pages[number] = page_lines(page, area)
            page.close()  # its characters let go once read (kept, a long book filled memory)
            report.lines += len(pages[number])
            lefts[number] = area[0]
            _page_faults(report, number, pages[number])
    for (start, sid), nxt in zip(body, [*body[1:], (len(pages) + layout.body_first_page, None)],
                                 strict=True):
        for number in range(start, nxt[0]):
            owner[number] = sid
    last_pages = set()
    sections = {s.id: s for s in book.sections}
    for sid in {*owner.values()}:
        own = [n for n, s in owner.items() if s == sid and pages.get(n)]
        if not own:
            continue
        last = max(own)
        last_pages.add(last)
        section = sections.get(sid)
        if (section is not None and section.kind == "chapter" and len(own) > 1
                and len(pages[last]) < SHORT_ENDING):
            report.faults.append(Fault("BB416", last, f"page {last}: the chapter ends with "
                                       f"{len(pages[last])} line(s) on its last page", sid))
    body_size = Counter(line.size for lines in pages.values() for line in lines).most_common(1)
    body_size = body_size[0][0] if body_size else 0
    for number, lines in pages.items():
        if number % 2 or number + 1 not in pages:
            continue
        facing = pages[number + 1]
        if not lines or not facing or number in last_pages or number + 1 in last_pages:
            continue
        report.spreads += 1
        # Balanced: both pages' last baselines within SAME_BASELINE (a chapter's last page,
        # and the page facing it, are not counted).
        gap = abs(lines[-1].baseline - facing[-1].baseline)
        if gap < SAME_BASELINE:
            report.spreads_balanced += 1
        else:
            report.faults.append(Fault("BB415", number, f"pages {number}-{number + 1}: the "
                                       f"facing pages end {gap:.1f} pt apart",
                                       owner.get(number)))
    for number, lines in pages.items():
        # the text's last line, a document's (set a little smaller) included, not a note's
        flow = [line for line in lines if line.size > FLOW_SIZE * body_size]
        if flow and number not in last_pages and flow[-1].text.endswith(HYPHENS):
            report.faults.append(Fault("BB411", number, f"page {number} ends with a hyphenated "
                                       f"word ({flow[-1].text.split()[-1]!r})",
                                       owner.get(number)))
        running = [line for line in lines if abs(line.size - body_size) < 0.2]
        if not running or number in last_pages:
            continue
        following = pages.get(number + 1) or []
        following = [line for line in following if abs(line.size - body_size) < 0.2]
        if not following:
            continue
        last, first = running[-1], following[0]
        if last.ratio is not None and first.ratio is None and len(following) > 1:
            report.faults.append(Fault("BB418", number + 1, f"page {number + 1}: a widow (the "
                                       f"last line of a paragraph heads the page)",
                                       owner.get(number + 1)))
        if (last.ratio is not None and last.x0 > lefts[number] + 1
                and abs(first.x0 - lefts[number + 1]) < 1 and first.ratio is not None):
            report.faults.append(Fault("BB418", number, f"page {number}: an orphan (a "
                                       f"paragraph's first line ends the page)",
                                       owner.get(number)))
    for note in (n for s in book.chapters() for n in s.notes):
        pages_of = layout.note_pages.get(note.id)
        report.notes += 1
        if pages_of and pages_of[0] != pages_of[1]:
            report.faults.append(Fault("BB409", pages_of[0], f"footnote {note.number} is "
                                       f"called on page {pages_of[0]} but printed on page "
                                       f"{pages_of[1]}"))
    return report


def _page_faults(report: MakeupReport, number: int, lines: list[Line]) -> None:
    """Loose lines and stacked hyphens on one page."""
    for line in lines:
        if line.ratio is not None and line.ratio > LOOSE:
            word = "over twice" if line.ratio > VERY_LOOSE else "over 1.5 times"
            report.faults.append(Fault("BB417", number, f"page {number}: a loose line, its "
                                       f"word spaces {word} the normal width ({line.ratio:.2f}×): "
                                       f"{line.text[:40]!r}"))
    run = 0
    for line in [*lines, None]:
        if line is not None and line.text.endswith(HYPHENS):
            run += 1
            continue
        if run > 2:
            report.faults.append(Fault("BB419", number, f"page {number}: {run} lines in a row "
                                       f"end in a hyphen"))
        run = 0


def makeup_problems(book: Book, report: MakeupReport, shown_as: str) -> list[Problem]:
    """Each fault as a warning, named by the chapter's source file where it has one."""
    sections = {s.id: s for s in book.sections}
    problems = []
    for fault in report.faults:
        if fault.code in ("BB409", "BB411"):
            continue  # the preflight's own checks name these
        section = sections.get(fault.section or "")
        where = (str(section.source.relative_to(book.config.root))
                 if section is not None and section.source else shown_as)
        problems.append(Problem(where, None, fault.message, fault.code, "warning"))
    return problems
