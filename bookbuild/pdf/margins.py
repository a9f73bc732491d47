"""The print page's geometry: margins that meet the print-on-demand minimums for a page count,
bleed and PDF standard by profile, and the page count to expect (estimated, or the last build's).
"""

from __future__ import annotations

import math
from pathlib import Path

from bookbuild.book import Book
from bookbuild.errors import Report
from bookbuild.output import atomic_write, cache_folder
from bookbuild.xhtml import h

INCH = 72.0
# Inside (gutter) minimums by page count, the strictest of KDP, IngramSpark and Lulu.
GUTTER_MINIMUMS = ((150, 0.375), (300, 0.5), (500, 0.625), (700, 0.75), (828, 0.875))
EDGE_MINIMUM = 0.5  # top, bottom, outside: IngramSpark and Lulu ask for half an inch
DEFAULT_MARGINS = {"top": 0.75, "bottom": 0.75, "outside": 0.625}
NARROWEST_OUTSIDE = 0.5625  # a narrow trim's outside margin may give up this much for the line
GUTTER_EXTRA = 0.125  # our default gutter sits this far above the minimum
PROFILES = ("pod", "proof", "screen")
PROOF_BLEED = 0.25 * INCH  # room for crop marks when the book has no bleed of its own


def minimum_gutter(page_count: int) -> float:
    """The smallest inside margin, in inches, that every POD service accepts for a page count."""
    for limit, gutter in GUTTER_MINIMUMS:
        if page_count <= limit:
            return gutter
    return GUTTER_MINIMUMS[-1][1]


def minimum_margin(key: str, page_count: int) -> float:
    return minimum_gutter(page_count) if key == "inside" else EDGE_MINIMUM


# The measure: a novel reads best at 60-70 characters a line. An average character of the
# theme's Libertine in English prose, its space included, is this wide (measured on the sample
# book: 63.9 characters on a 310pt line of 11.5pt type).
MEASURE_CHARACTERS = 65
CHARACTER_EM = 0.422


def target_measure(book: Book) -> float:
    """The width in points of a line of MEASURE_CHARACTERS in the book's body type."""
    return MEASURE_CHARACTERS * CHARACTER_EM * book.config.print.font_size


def effective_margins(book: Book, page_count: int) -> dict[str, float]:
    """Margins in points: the author's where given, else defaults safe for `page_count`.

    The side margins left out are chosen together for the measure (target_measure): the page
    width the line does not take is shared by the two, the gutter never narrower than the
    outside margin (the spine side loses some to the binding) nor than the print-on-demand
    minimum for `page_count`, and the outside never under DEFAULT_MARGINS' own.
    """
    configured = book.config.print.margins
    margins = {key: getattr(configured, key) for key in ("top", "bottom", "inside", "outside")}
    for key in ("top", "bottom"):
        if margins[key] is None:
            margins[key] = DEFAULT_MARGINS[key] * INCH
    spare = book.config.print.trim[0] - target_measure(book)
    gutter = (minimum_gutter(page_count) + GUTTER_EXTRA) * INCH
    if margins["outside"] is None:
        given = margins["inside"]
        side = spare - given if given is not None else spare / 2
        if given is None and side < gutter:
            side = spare - gutter  # the gutter takes its minimum, the outside the rest
        margins["outside"] = max(side, NARROWEST_OUTSIDE * INCH)
    if margins["inside"] is None:
        margins["inside"] = max(gutter, margins["outside"])
    return margins


def line_pitch(book: Book) -> float:
    """The body's line pitch in points: its type size times its leading."""
    return book.config.print.font_size * book.config.print.leading


def estimate_pages(book: Book) -> int:
    """Roughly how many pages the interior will have (within about a tenth).

    Only to choose the first layout's gutter, which depends on the page count: a good guess
    saves laying the whole book out a second time.
    """
    settings = book.config.print
    width, height = settings.trim
    margins = effective_margins(book, 100)
    lines_per_page = (height - margins["top"] - margins["bottom"]) / (
        settings.font_size * settings.leading)
    per_line = (width - margins["inside"] - margins["outside"]) / (0.47 * settings.font_size)
    lines = 0.0
    for section in book.chapters():
        if section.body is None:
            continue
        for el in section.body.iter(h("p"), h("li"), h("h2"), h("h3"), h("figure"), h("hr")):
            if el.tag == h("figure"):
                lines += 14
            elif el.tag == h("hr"):
                lines += 2
            else:
                lines += math.ceil(len("".join(el.itertext())) / per_line) + 0.2
        for note in section.notes:  # notes are set at 0.8em
            for block in note.blocks:
                lines += 0.8 * math.ceil(0.8 * len("".join(block.itertext())) / per_line)
    openings = sum(1 for s in book.sections if s.kind != "frontmatter")
    return round(lines / lines_per_page + 1.5 * openings + 12)


def _page_count_file(path: Path) -> Path:
    return cache_folder(path.parent) / f"{path.name}.pages"


def last_page_count(path: Path) -> int | None:
    """The page count of the previous build of this file, when there was one."""
    try:
        return int(_page_count_file(path).read_text())
    except (OSError, ValueError):
        return None


def remember_page_count(path: Path, count: int) -> None:
    atomic_write(_page_count_file(path), str(count).encode())


def check_margins(book: Book, margins: dict[str, float], pages: int, report: Report) -> None:
    settings = book.config.print
    for key, value in margins.items():
        minimum = minimum_margin(key, pages)
        if value < minimum * INCH - 0.01:
            line = settings.margin_lines.get(key)
            report.error(book.config.source, line,
                         f"print.margins.{key} is {value / INCH:.3g}in, below the {minimum}in "
                         f"that print-on-demand services require for a {pages}-page book",
                         "BB402")


def standard_for(book: Book, profile: str) -> str:
    """Only the print-on-demand file is PDF/X; proofs carry RGB crop marks, screens links."""
    return book.config.print.standard if profile == "pod" else "none"


def bleed_for(book: Book, profile: str) -> float:
    if profile == "screen":
        return 0.0
    if profile == "proof":
        return max(book.config.print.bleed, PROOF_BLEED)
    return book.config.print.bleed
