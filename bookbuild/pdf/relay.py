"""A section laid out again from the page before its first change, not from its start: the
make-up's retry (workers.lay_out_section) changes a few elements of a section's print HTML
(a class, a style, a page's foot margin), and every page before the first of them comes out
of WeasyPrint as it did the first time.

WeasyPrint 70 keeps, for each page, where its content resumes and in which state
(`context.page_maker`: the resume point, a path of child indices into the box tree; the next
page's side and break; counters and page groups), and its page loop (`make_all_pages`) lays
out again only the pages whose entry says so, reusing the others. `capture()` keeps a copy of
the entries and of the pages (before the loose-line re-set and the margin boxes) of a first
layout; `seeded()` hands both to the next layout's page loop for the pages before page `k`,
so that it starts at page `k`. The mended HTML has the same elements as the first (a mend
adds attributes, and a style element at the end of the body), so the resume points and each
element's place in document order still hold: the kept pages' boxes are pointed at the new
document's elements, and the footnotes set on them are taken off the new document's list of
notes still to place. Where that cannot be done exactly (a note carried over a page turn into
page `k`, boxes out of the flow) the section is laid out from its start, as before.
tests/test_pdf_chunks.py holds a re-lay to a full one, box for box.

Only for a section laid out without furniture (its margin boxes, which read strings and
running elements set on every page, are drawn by the furniture pass).
"""

from __future__ import annotations

import contextlib
import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import html as lxml_html

NTH = re.compile(r"@page :nth\(\d+\)[^}]*}")  # a page's own rule, as makeup.apply writes it
_STATE: dict[str, Any] = {}


@dataclass
class Seed:
    """What a layout's page loop made: its entries and its pages, copied."""

    root: Any  # the parsed HTML the pages' boxes point into (lxml, WeasyPrint's tree)
    entries: list  # context.page_maker, copied: (resume_at, next_page, right_page, state)
    pages: list  # the page boxes, copied, before margin boxes and the loose-line re-set
    reused: int = 0  # how many of them the layout took from an earlier one


def _install() -> None:
    import weasyprint.layout as layout

    if "original" not in _STATE:
        _STATE["original"] = layout.make_all_pages
        layout.make_all_pages = _make_all_pages


def _make_all_pages(context, root_box, html, pages):
    seed, start = _STATE.get("seed"), _STATE.get("start", 0)
    if seed is not None and not pages and start > 0:
        pages = _start_from(seed, start, context, html)
        _STATE["seeded"] = pages is not None
        pages = pages or []
    reused = len(pages)
    made = list(_STATE["original"](context, root_box, html, pages))
    if _STATE.get("capture"):
        _STATE["captured"] = Seed(
            html.etree_element,
            [tuple(copy.deepcopy(entry[:4])) for entry in context.page_maker],
            [page.deepcopy() for page in made], reused)
    yield from made


@contextlib.contextmanager
def capture() -> Iterator[dict]:
    """Within: the next layout's page loop is kept; `result["seed"]` after."""
    _install()
    result: dict = {}
    _STATE.update(capture=True, captured=None)
    try:
        yield result
    finally:
        result["seed"] = _STATE.pop("captured", None)
        _STATE.pop("capture", None)


@contextlib.contextmanager
def seeded(seed: Seed | None, start: int) -> Iterator[dict]:
    """Within: the next layout reuses `seed`'s first `start` pages (when it safely can:
    `result["seeded"]` after) and keeps its own page loop (`result["seed"]`)."""
    _install()
    result: dict = {}
    _STATE.update(seed=seed, start=start, seeded=False, capture=True, captured=None)
    try:
        yield result
    finally:
        result["seeded"] = _STATE.pop("seeded", False)
        result["seed"] = _STATE.pop("captured", None)
        for key in ("seed", "start", "capture"):
            _STATE.pop(key, None)


def _start_from(seed: Seed, start: int, context, html) -> list | None:
    """The seed's first `start` pages, their boxes pointed at `html`'s elements, with the
    page loop set to go on from there; None when that would not be exact."""
    from weasyprint.formatting_structure import boxes

    if start >= len(seed.pages) or start >= len(seed.entries):
        return None
    old = [el for el in seed.root.iter() if isinstance(el.tag, str)]
    new = [el for el in html.etree_element.iter() if isinstance(el.tag, str)]
    index = {id(el): n for n, el in enumerate(old)}
    at = {id(el): n for n, el in enumerate(new)}  # the same places, in the new document
    pages = [page.deepcopy() for page in seed.pages[:start]]
    calls, notes = set(), set()
    for page in pages:
        for box in page.descendants():
            if type(box).__name__ == "AbsolutePlaceholder" or (box.style is not None and (
                    box.is_floated() or box.is_absolutely_positioned() or box.is_running())):
                return None  # out of the flow: WeasyPrint may carry it over a page turn
            if box.element is not None:
                n = index.get(id(box.element))
                if n is None or n >= len(new) or new[n].tag != box.element.tag:
                    return None
                box.element = new[n]
                if box.element_tag.endswith("::footnote-call"):
                    calls.add(n)
        for area in page.children[1:]:
            if isinstance(area, boxes.FootnoteAreaBox):
                notes |= {at[id(note.element)] for note in area.children
                          if note.element is not None and id(note.element) in at}
    if calls != notes:
        return None  # a note whose call is on a kept page is set on a later one, or reverse
    placed = {id(new[n]) for n in notes}
    context.footnotes[:] = [note for note in context.footnotes if id(note.element) not in placed]
    fresh = {"content_changed": False, "pages_wanted": False, "anchors": [],
             "content_lookups": []}
    entries = [(*copy.deepcopy(entry), dict(fresh)) for entry in seed.entries[:start + 1]]
    entries[start][4]["content_changed"] = True  # page `start` is laid out again
    context.page_maker[:] = entries
    return pages


def first_change(seed: Seed, old_html: str, new_html: str) -> int:
    """The 0-based page of the seed's layout (of `old_html`) that the changes of `new_html`
    reach first: the first element whose tag, attributes or text differ, or a page's own
    rule (`@page :nth()`, written by makeup.apply at the end of the body). 0 when the two
    differ in any other way."""
    old = [el for el in lxml_html.document_fromstring(old_html).iter() if isinstance(el.tag, str)]
    new = [el for el in lxml_html.document_fromstring(new_html).iter() if isinstance(el.tag, str)]
    pages: list[int] = []
    first = None
    for n, (a, b) in enumerate(zip(old, new, strict=False)):
        if a.tag != b.tag:
            return 0
        if a.tag == "style" and a.getparent() is not None and a.getparent().tag == "body":
            before, after = set(NTH.findall(a.text or "")), set(NTH.findall(b.text or ""))
            if NTH.sub("", a.text or "") != NTH.sub("", b.text or ""):
                return 0
            pages += [_nth(rule) for rule in before ^ after]
            continue
        if (a.attrib != b.attrib or a.text != b.text or a.tail != b.tail) and first is None:
            first = n
    if len(old) != len(new):
        extra = old[len(new):] or new[len(old):]
        if not all(el.tag == "style" for el in extra):
            return 0
        for el in extra:  # a round's style element added: its rules for elements apply
            # only to the elements given their classes (found above); its page rules
            pages += [_nth(rule) for rule in NTH.findall(el.text or "")]
    if first is not None:
        pages.append(_page_of(seed, first))
    return min(pages, default=len(seed.pages))


def _page_of(seed: Seed, position: int) -> int:
    """The first page holding a box of an element at or after `position` in document order."""
    index = {id(el): n for n, el in enumerate(e for e in seed.root.iter()
                                               if isinstance(e.tag, str))}
    for number, page in enumerate(seed.pages):
        for box in page.descendants():
            if box.element is not None and index.get(id(box.element), -1) >= position:
                return number
    return len(seed.pages)


def _nth(rule: str) -> int:
    """The 0-based page of an `@page :nth()` rule."""
    return int(re.search(r"\d+", rule).group()) - 1
