"""The vertical make-up pass: read a laid-out document's pages (WeasyPrint's boxes) for the
faults a typesetter mends by hand, and plan the local changes that mend them in one more
layout of the same HTML.

Three faults, each measured per page on the boxes:
- a page left short because the line calling a long note could not take the note with it
  (WeasyPrint keeps a note whole and on its call's page): the note is split, as a book's
  long notes are, its first lines on the call's page and the rest carried to the head of
  the next page's notes (`split`); shorter differences between facing pages are evened out
  on the final layout without laying out again (justify.py);
- a section whose last page holds fewer than four lines of text: the pages before it run a
  line long (a smaller foot margin, `@page :nth()`), the verso facing the last page alone, a
  spread's two pages together, and paragraphs ending there with a short last line are set a
  little tighter; where that was tried and failed (widows and orphans kept the lines), the
  same pages run a line short, pushing lines on to the last page;
- a block at the head of a page (not a section's first) that keeps its space above.

`plan(document)` gives the `Mends` and how many faults it saw; `apply(html, mends)` writes
them into the print HTML (a class or a style on the elements concerned, found by their
place in document order, and the pages' foot margins). The caller lays the mended HTML out
again and keeps it only when it has fewer faults (workers.lay_out_section, single.lay_out).
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document

SHORT_ENDING = 4  # a section's last page should hold at least this many lines
MEND_ROUNDS = 2  # layouts with mends at most, after the first (a third changed nothing measured)
SAME = 4 / 3  # px (CSS pixels, WeasyPrint's unit; 1 pt): closer is the same baseline
# A tighter setting for a paragraph that should lose its short last line: a word space a
# twentieth of an em narrower and the letters a two-hundredth of an em closer, invisible side by
# side with its neighbours (the loose-line limit of the make-up report is not approached).
TIGHT_CSS = ".mu-tight { word-spacing: -0.05em; letter-spacing: -0.005em; }"
HYPHENS = ("-", "\u2010", "\u00ad")  # what a line broken inside a word ends in
CONTINUED = "data-mu-continued"  # on every element of a split note's second part
SPLIT_NOTE_LINES = 2  # a split note keeps at least this many lines on its call's page
HEAD_CSS = ".mu-head { margin-top: 0 !important; }"
# A scene break that may head or end a page: its ornament marks the break there as well
# (print.css keeps it with the text on both sides, where a page left short by that is the
# worse fault).
FREE_CSS = ".mu-free { break-before: auto !important; break-after: auto !important; }"
FREE_WITHIN = 4  # lines: a scene break this near the next page's head may be freed
LAST_ROOM = 6  # lines: a note may be split on to a section's last page with this much room


@dataclass
class Mends:
    """Local changes to a document's print HTML, each keyed by the element's index among the
    document's elements in document order."""

    split: dict[int, int] = field(default_factory=dict)  # note → words kept on its call's page
    heads: set[int] = field(default_factory=set)  # elements whose space above is dropped
    tight: set[int] = field(default_factory=set)  # paragraphs set a little tighter
    # pages run long or short, as (section id, its page counted from 1): their foot margin, px
    foot: dict[tuple[str, int], float] = field(default_factory=dict)
    free: set[int] = field(default_factory=set)  # scene breaks that may head or end a page

    def __bool__(self) -> bool:
        return bool(self.split or self.heads or self.tight or self.foot or self.free)

    def merged(self, other: Mends) -> Mends:
        """These mends and `other`, planned on the layout these made: a page's foot margin
        and a note's split are the later ones."""
        return Mends({**self.split, **other.split}, self.heads | other.heads,
                     self.tight | other.tight,
                     {**self.foot, **other.foot}, self.free | other.free)


@dataclass
class _Page:
    number: int  # 1-based in the document
    section: str | None
    top: float  # the page area's top and bottom
    bottom: float
    lines: list  # line boxes of the main flow, top to bottom, with the element owning each
    notes: list  # line boxes of the footnote area
    first_chain: list  # elements whose boxes open the page's main flow, outermost first
    elements: set  # every element with a box on the page
    note_boxes: list = field(default_factory=list)  # the footnotes set on the page
    note_area: Any = None  # the footnote area's box
    margin_bottom: float = 0.0

    @property
    def last_baseline(self) -> float | None:
        lines = self.notes or self.lines
        if not lines:
            return None
        line = lines[-1][0]
        return line.position_y + line.baseline

    @property
    def room(self) -> float:
        """The space left under the main flow's last line: down to the notes, or to the
        page area's foot (none on a page without lines)."""
        if not self.lines:
            return 0.0
        last = self.lines[-1][0]
        return (self.note_area.position_y if self.notes else self.bottom) \
            - (last.position_y + last.height)

    def line_count(self) -> int:
        return len(self.lines) + len(self.notes)


def plan(document: Document) -> tuple[Mends, int]:
    """The mends this layout needs and the number of faults it has (pages left short by a
    long note, spreads ending far apart, sections ending with fewer than four lines, blocks
    keeping their space at a page head): `plan_sections`, all sections together."""
    mends, faults = Mends(), 0
    for own, count in plan_sections(document).values():
        mends, faults = mends.merged(own), faults + count
    return mends, faults


def plan_sections(document: Document) -> dict[str, tuple[Mends, int]]:
    """Each body section's mends and faults, planned on its own pages only, with its own line
    pitch: a section laid out alone plans the same (single.lay_out keeps or drops each
    section's mends as the workers do)."""
    pages = [read_page(number, page) for number, page in enumerate(document.pages, start=1)]
    if not pages:
        return {}
    index = _element_index(document)
    by_section: dict[str, list[_Page]] = {}
    for page in pages:
        if page.section is not None:
            by_section.setdefault(page.section, []).append(page)
    result: dict[str, tuple[Mends, int]] = {}
    for section, own in by_section.items():
        mends, faults = Mends(), 0
        pitch = body_pitch(own)
        last = own[-1]
        for page in own[1:]:  # a section's first page opens on its own terms
            faults += _head_space(page, pages, index, mends)
        # (Lines of text: a page of one line over its notes is a stranded ending too.)
        if len(own) > 1 and 0 < len(last.lines) < SHORT_ENDING:
            faults += 1
            _pull_back(own, len(last.lines), index, mends)
            _run_long(own, len(last.lines), pitch, mends)
        for verso in own[1:-1]:
            if verso.number % 2:
                continue
            recto = next((p for p in own if p.number == verso.number + 1), None)
            if recto is None or recto is last:
                continue
            faults += _balance(verso, recto, pitch)
        # (Not on to the section's last page, unless it has room to spare: the text pulled
        # back over the split, the section could end a page sooner, and the note's second part
        # be carried out of it.)
        room = last.room if not last.notes else 0.0
        ends = own[1:] if room >= LAST_ROOM * pitch else own[1:-1]
        for page, following in zip(own, ends, strict=False):
            faults += _split_note(page, following, pitch, index, mends)
            _free_scene_break(page, following, pitch, index, mends)
        result[section] = (mends, faults)
    return result


def apply(html: str, mends: Mends, starts: dict[str, int] | None = None) -> str:
    """`html` with `mends` written into it: classes and styles on the elements concerned, and
    a foot margin for the pages run long or short, numbered from `starts` (each section's
    first page in the document; by default the document is one section)."""
    if not mends:
        return html
    root = lxml_html.document_fromstring(html)
    elements = [el for el in root.iter() if isinstance(el.tag, str) and CONTINUED not in el.attrib]
    for key in mends.heads:
        _add_class(elements[key], "mu-head")
    for key in mends.tight:
        _add_class(elements[key], "mu-tight")
    for key in mends.free:
        _add_class(elements[key], "mu-free")
    for key, words in mends.split.items():
        _split(elements[key], words)
    css = [HEAD_CSS, TIGHT_CSS, FREE_CSS]
    css += [f"@page :nth({(starts or {}).get(section, 1) + page - 1}) "
            f"{{ margin-bottom: {margin:.2f}px; }}"
            for (section, page), margin in sorted(mends.foot.items())]
    # At the end of the body, so that no element's place in document order moves: the mends
    # of a later round are planned on this HTML and keyed the same way.
    body = root.find("body")
    if body is not None:
        etree.SubElement(body, "style").text = "\n".join(css)
    return etree.tostring(root, method="html", encoding="unicode", doctype="<!DOCTYPE html>")


def starts(document: Document) -> dict[str, int]:
    """Each body section's first page in `document` (1-based)."""
    found: dict[str, int] = {}
    for number, page in enumerate(document.pages, start=1):
        main = page._page_box.children[0] if page._page_box.children else None
        section = _section_of(main) if main is not None else None
        if section is not None:
            found.setdefault(section, number)
    return found


def _add_class(el, name: str) -> None:
    el.set("class", (el.get("class", "") + " " + name).strip())


def _element_index(document: Document) -> dict[int, int]:
    """id() of each element of WeasyPrint's tree → its index in document order, the order in
    which lxml walks the same HTML (apply)."""
    if not document.pages:
        return {}
    root = document.pages[0]._page_box.children[0].element  # <html>
    return {id(el): n for n, el in enumerate(e for e in root.iter()
                                              if isinstance(e.tag, str)
                                              and CONTINUED not in e.attrib)}


def read_page(number: int, page: Any) -> _Page:
    from weasyprint.formatting_structure import boxes

    box = page._page_box
    top = box.content_box_y()
    result = _Page(number, None, top, top + box.height, [], [], [], set())
    result.margin_bottom = box.margin_bottom
    main = box.children[0] if box.children else None
    for child in box.children:
        if isinstance(child, boxes.FootnoteAreaBox):
            result.note_area = child
            result.note_boxes = list(child.children)
            _collect(child, None, result.notes, result.elements)
    if main is not None:
        _collect(main, None, result.lines, result.elements)
        result.section = _section_of(main)
        chain, current = [], main
        while isinstance(current, boxes.BlockContainerBox) and current.children:
            current = current.children[0]
            if isinstance(current, boxes.LineBox):
                break
            if current.element is not None and current.element_tag.isalnum():
                chain.append(current)
        result.first_chain = chain
    result.lines.sort(key=lambda item: item[0].position_y)
    result.notes.sort(key=lambda item: item[0].position_y)
    return result


def _collect(box, owner, lines: list, elements: set) -> None:
    from weasyprint.formatting_structure import boxes

    if box.element is not None:
        elements.add(id(box.element))
    if isinstance(box, boxes.LineBox):
        lines.append((box, owner))
        return
    if not isinstance(box, boxes.ParentBox):
        return
    if isinstance(box, boxes.BlockContainerBox) and box.element is not None \
            and box.element_tag.isalnum():
        owner = box
    for child in box.children:
        _collect(child, owner, lines, elements)


def _section_of(main) -> str | None:
    """The body section on the page (front matter is left as it is: laid out in pieces, it
    has no make-up pass either)."""
    stack = [main]
    while stack:
        box = stack.pop()
        if box.element is not None and box.element.get("data-section"):
            if box.element_tag != "section" or \
                    "frontmatter" in (box.element.get("class") or "").split():
                return None
            return box.element.get("data-section")
        stack.extend(reversed(getattr(box, "children", [])[:3]))
    return None


def body_pitch(pages: list[_Page]) -> float:
    """The body's line pitch: the most common height of a main-flow line."""
    heights = Counter(round(line.height, 2) for page in pages for line, _ in page.lines)
    return heights.most_common(1)[0][0] if heights else 0.0


def _head_space(page: _Page, pages: list[_Page], index: dict[int, int], mends: Mends) -> int:
    """A block opening the page that keeps its space above (a quotation's top margin, say)."""
    before = pages[page.number - 2].elements if page.number > 1 else set()
    found = 0
    for box in page.first_chain:
        if id(box.element) in before:
            continue  # continued from the page before: no space above it here
        if box.margin_top and box.margin_top > 0.01 and id(box.element) in index:
            mends.heads.add(index[id(box.element)])
            found = 1
    return found


def _pull_back(own: list[_Page], missing: int, index: dict[int, int], mends: Mends) -> None:
    """Pull a short ending back: paragraphs ending on the pages before the last with the
    shortest last lines are set tighter, one more than the lines to save."""
    candidates = []
    for page in own[-3:-1]:
        following = own[own.index(page) + 1].elements
        ends: dict[int, tuple] = {}
        for line, owner in page.lines:
            if owner is None or owner.element_tag != "p" or id(owner.element) in following:
                continue
            ends[id(owner.element)] = (line, owner)
        for line, owner in ends.values():
            width = owner.width or 1
            used = (max((c.position_x + c.width for c in line.children), default=line.position_x)
                    - owner.content_box_x())
            lines_in = sum(1 for _, o in page.lines if o is owner)
            if lines_in >= 2 and id(owner.element) in index:
                candidates.append((used / width, index[id(owner.element)]))
    candidates.sort()
    for _, key in candidates[:missing + 1]:
        mends.tight.add(key)


def _run_long(own: list[_Page], missing: int, pitch: float, mends: Mends) -> None:
    """Mend a short ending by running pages before the last a line long each (LaTeX's
    \\enlargethispage), pulling the ending back: the verso facing the last page alone, the
    pages of a full spread both, so that each spread still ends on one baseline; as many as
    the `missing` lines need. Where that was tried already (the pages run long: widows and
    orphans kept the lines from moving), the same pages run a line short instead, pushing
    lines on to the last page."""
    if not pitch:
        return
    usual = own[-1].margin_bottom  # a section's last page is never run long or short
    pages = {page.number: page for page in own[1:-1]}
    tried = any(page.margin_bottom < usual - 1 for page in pages.values())
    number, gained = own[-1].number - 1, 0
    while gained < missing and number in pages:
        # a verso facing the last page runs long alone; else a spread's two pages together
        group = [number] if number % 2 == 0 and number + 1 == own[-1].number \
            else [number - 1, number]
        if any(n not in pages for n in group):
            return
        for n in group:
            key = (own[0].section or "", n - own[0].number + 1)
            mends.foot[key] = usual + pitch if tried else max(0.0, usual - pitch - 0.01)
        gained += len(group)
        number = group[0] - 1


def _balance(verso: _Page, recto: _Page, pitch: float) -> int:
    """1 if the spread's pages end more than two lines apart, farther than justify.py spreads
    a page: a fault left for the note splitting (or one that stays)."""
    a, b = verso.last_baseline, recto.last_baseline
    if a is None or b is None:
        return 0
    return int(abs(a - b) > 2 * pitch)


def _split_note(page: _Page, following: _Page, pitch: float, index: dict[int, int],
                mends: Mends) -> int:
    """A page left short because its next line calls a note too long to come with it: the
    note split after as many words as fill the page's foot (counted on its lines on the next
    page, at the same measure); 1 if planned."""
    from weasyprint.formatting_structure import boxes

    if not page.lines or not following.note_boxes or not pitch:
        return 0
    room = page.room
    if room < 2 * pitch:
        return 0
    note, element = _first_note(following.note_boxes[0])
    if element is None or element.get(CONTINUED) is not None or id(element) not in index:
        return 0
    before = next((n for n, (line, _) in enumerate(following.lines)
                   if any(box.element is element and box.element_tag.endswith("-call")
                          for box in line.descendants())), None)
    if before is None or before > 3:
        return 0  # called further down the page: not what left the page before short
    if note.element is element:  # a block of its own
        lines = [box for box in note.descendants() if isinstance(box, boxes.LineBox)]
    else:  # set inline, its lines among the others'
        lines = [line for line, _ in following.notes
                 if any(inner.element is element for inner in line.descendants())]
    area = following.note_area
    separator = 0.0 if page.notes else \
        area.margin_top + area.border_top_width + area.padding_top
    # The first part is set as a block note (a note set inline, `nudged`, is set on the text's
    # leading in the notes' area: its own leading is what it takes as a block)
    height = lines[0].height if lines else 0
    if note.element is not element:
        style = next(box.style for box in note.descendants() if box.element is element)
        leading = style["line_height"]  # a number times the type size, or a length
        if isinstance(leading, (int, float)):
            height = style["font_size"] * leading
        elif getattr(leading, "unit", None) == "px":
            height = leading.value
    if not height:
        return 0
    keep = int((room - (before + 1) * pitch - separator) // height)
    if "split" in (element.get("class") or "").split():
        keep = min(keep, len(lines)) - 1  # split before and still carried on: a line fewer
    if keep < SPLIT_NOTE_LINES or keep >= len(lines):
        return 0
    # A word broken at a line's end is one word; broken at the last kept line's end, it goes
    # to the second part whole.
    text = ""
    for line in lines[:keep]:
        line_text = _line_text(line).strip()
        broken = line_text.endswith(HYPHENS)
        text += line_text[:-1] if broken else line_text + " "
    words = len(text.split()) - broken
    if words < 2:
        return 0
    mends.split[index[id(element)]] = words
    return 1


def _free_scene_break(page: _Page, following: _Page, pitch: float, index: dict[int, int],
                      mends: Mends) -> None:
    """A page left short because the lines heading the next come before a scene break kept
    with them: the scene break may head or end a page, the lines come back."""
    if not page.lines or not pitch or page.room < 2 * pitch:
        return
    for n, (_, owner) in enumerate(following.lines[:FREE_WITHIN + 1]):
        element = owner.element if owner is not None else None
        if (n and element is not None and owner.element_tag == "hr"
                and "scene-break" in (element.get("class") or "").split()
                and id(element) in index):
            mends.free.add(index[id(element)])
            return


def _first_note(box) -> tuple:
    """The box and element of the first note in a footnote area's child: the child itself,
    or the first of the notes set inline (`nudged`) in an anonymous block."""
    for inner in box.descendants():
        classes = (inner.element.get("class") or "").split() if inner.element is not None \
            else []
        if "footnote" in classes and not inner.element_tag.endswith("marker"):
            return box, inner.element
    return box, None


def _line_text(line) -> str:
    return "".join(box.text for box in line.descendants()
                   if hasattr(box, "text") and not _is_marker(box))


def _is_marker(box) -> bool:
    return box.element_tag.endswith("::footnote-marker") if box.element_tag else False


def _split(note: etree._Element, words: int) -> None:
    """Split the note element `note` after `words` words: it keeps them (its last line set
    full, it runs on), and a second part with the rest follows its call as a note of its own
    with neither mark nor call, carried to the next page's notes when it does not fit
    (print.css, `.footnote.continued`)."""
    second = copy.deepcopy(note)
    slots = _slots(note)
    twin_slots = _slots(second)
    count, cut = 0, None
    for n, (el, attr) in enumerate(slots):
        text = getattr(el, attr) or ""
        for match in re.finditer(r"\S+", text):
            count += 1
            if count == words:
                cut = (n, match.end())
                break
        if cut:
            break
    if cut is None:
        return
    n, offset = cut
    for m, (el, attr) in enumerate(slots):
        if m > n:
            setattr(el, attr, None)
        elif m == n:
            setattr(el, attr, (getattr(el, attr) or "")[:offset])
    for m, (el, attr) in enumerate(twin_slots):
        if m < n:
            setattr(el, attr, None)
        elif m == n:
            setattr(el, attr, (getattr(el, attr) or "")[offset:].lstrip())
    note.set("class", " ".join(c for c in note.get("class", "").split() if c != "nudged"))
    _add_class(note, "split")
    second.set("class", "footnote continued")
    for el in second.iter():
        for name in ("id", "data-n"):
            el.attrib.pop(name, None)
        el.set(CONTINUED, "")
    holder = etree.Element("span", {"class": "note-call continued", CONTINUED: ""})
    holder.append(second)
    call = note.getparent()
    call.addnext(holder)
    holder.tail, call.tail = call.tail, None


def _slots(root: etree._Element) -> list[tuple[etree._Element, str]]:
    """The places text can sit inside `root`, in reading order: each element's text, then
    its children's, then its tail (not `root`'s own tail)."""
    found: list[tuple[etree._Element, str]] = []

    def walk(el: etree._Element) -> None:
        found.append((el, "text"))
        for child in el:
            if isinstance(child.tag, str):
                walk(child)
            found.append((child, "tail"))

    walk(root)
    return found
