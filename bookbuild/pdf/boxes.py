"""What a laid-out document holds, read from WeasyPrint's boxes: where sections open, where
notes fall, where each page begins in the text, and page-final hyphens; as a `PdfLayout`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bookbuild.book import Book, PageBreak
from bookbuild.pdf.margins import bleed_for, standard_for
from bookbuild.xhtml import text_units

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document, Page


@dataclass
class PdfLayout:
    """What the render produced, for the preflight and the tests."""

    path: Path
    profile: str
    standard: str
    page_count: int
    margins: dict[str, float]  # points
    bleed: float  # points
    opener_pages: dict[str, int] = field(default_factory=dict)  # section id → 1-based page
    note_pages: dict[str, tuple[int, int]] = field(default_factory=dict)  # note id → (call, note)
    body_first_page: int = 1
    # data-i of each paragraph whose page-final line ends in an automatic hyphen → its page
    page_end_hyphens: dict[str, int] = field(default_factory=dict)
    page_breaks: list[PageBreak] = field(default_factory=list)  # where each page begins
    passes: int = 1  # times the whole book was laid out
    sections_laid_out: int | None = None  # laid out in pieces: how many were not cached
    sections: int | None = None

    @property
    def summary(self) -> str:
        text = f"{self.page_count} pages, {self.passes} layout pass{'es' * (self.passes != 1)}"
        if self.sections is not None:
            text += f", {self.sections_laid_out} of {self.sections} sections laid out"
        return text

    def displaced_notes(self) -> set[str]:
        """Ids of notes set on another page than their call."""
        return {note for note, (call, page) in self.note_pages.items() if call != page}

    def faults(self) -> int:
        return len(self.displaced_notes()) + len(self.page_end_hyphens)


def layout_of(book: Book, path: Path, profile: str, margins: dict[str, float],
            document: Document) -> PdfLayout:
    anchors: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        for name in page.anchors:
            anchors.setdefault(name, number)
    layout = PdfLayout(path, profile, standard_for(book, profile), len(document.pages), margins,
                       bleed_for(book, profile))
    for section in book.sections:
        if section.kind != "frontmatter" and section.id in anchors:
            layout.opener_pages[section.id] = anchors[section.id]
        for note in section.notes:
            if note.ref_id in anchors and note.id in anchors:
                layout.note_pages[note.id] = (anchors[note.ref_id], anchors[note.id])
    if layout.opener_pages:
        layout.body_first_page = min(layout.opener_pages.values())
    layout.page_breaks = page_breaks(document, layout.body_first_page)
    for number, page in enumerate(document.pages[:-1], start=1):
        key = page_end_hyphen(page)
        if key is not None:
            layout.page_end_hyphens[key] = number
    return layout


def page_breaks(document: Document, body_first_page: int) -> list[PageBreak]:
    """Where each page begins, as a place in the model both writers share: the section, and
    how many `text_units` of its body come before the page's first word.

    The laid-out boxes of each page's main flow are read in order, leaving out running heads,
    the footnote area and generated content (note calls, ornaments), which the EPUB sets
    elsewhere or not at all. A page with no text starts where the next one does.
    """
    counts: dict[str, int] = {}
    starts: list[tuple[str, int | None] | None] = []
    last = None
    for page in document.pages:
        first = None
        for section, in_body, units in _text_runs(page._page_box.children[0], None, False):
            if first is None and section is not None:
                first = (section, counts.get(section, 0) if in_body else None)
            if in_body and section is not None:
                counts[section] = counts.get(section, 0) + units
                last = section
        starts.append(first)
    following = (last, counts.get(last, 0)) if last else None  # trailing blank pages: the end
    for index in range(len(starts) - 1, -1, -1):
        following = starts[index] = starts[index] or following
    breaks = []
    for number, start in enumerate(starts, start=1):
        if start is None:
            continue
        label = (str(number - body_first_page + 1) if number >= body_first_page
                 else roman(number))
        breaks.append(PageBreak(label, start[0], start[1]))
    return breaks


def _text_runs(box, section: str | None, in_body: bool):
    """(section id, in its body?, text units) for each piece of text under `box`, in order;
    an image counts as a piece without units, so a page that opens with one is found."""
    from weasyprint.formatting_structure import boxes

    if "::" in (box.element_tag or ""):
        return  # ::footnote-call, ::marker, ::after: generated, not the book's text
    el = box.element
    if el is not None:
        if {"footnote", "note-repeat"} & set((el.get("class") or "").split()):
            return
        if el.get("data-section"):
            section, in_body = el.get("data-section"), True
        if el.get("data-heading"):
            in_body = False
    if isinstance(box, boxes.TextBox):
        if box.text.strip():
            yield section, in_body, text_units(box.text)
    elif isinstance(box, boxes.ReplacedBox):
        yield section, in_body, 0
    elif isinstance(box, boxes.ParentBox):
        for child in box.children:
            yield from _text_runs(child, section, in_body)


def roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        count, number = divmod(number, value)
        out += letters * count
    return out


def page_end_hyphen(page: Page) -> str | None:
    """The `data-i` of the block whose line ends the page's text with an automatic hyphen."""
    from weasyprint.formatting_structure import boxes

    root = page._page_box.children[0]  # the main flow: not the footnote area, not margins
    last, owner = None, None
    stack = [(root, None)]
    while stack:
        box, block = stack.pop()
        if isinstance(box, boxes.LineBox):
            if last is None or box.position_y > last.position_y:
                last, owner = box, block
            continue
        if isinstance(box, boxes.ParentBox):
            inner = box if isinstance(box, boxes.BlockContainerBox) else block
            stack.extend((child, inner) for child in box.children)
    if last is None or owner is None:
        return None
    texts = [b for b in last.descendants() if isinstance(b, boxes.TextBox) and b.text.strip()]
    if not texts or not texts[-1].text.endswith(texts[-1].style["hyphenate_character"]):
        return None
    return owner.element.get("data-i") if owner.element is not None else None
