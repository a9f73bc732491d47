"""A section laid out again only where its changes reach, not from its start: the make-up's
retry (workers.lay_out_section) changes a few elements of a section's print HTML (a class, a
style, a page's foot margin), and the pages before the first of them, and those after the
last once the page breaks fall where they fell, come out of WeasyPrint as they did the first
time.

WeasyPrint 70 keeps, for each page, where its content resumes and in which state
(`context.page_maker`: the resume point, a path of child indices into the box tree; the next
page's side and break; counters and page groups), and its page loop (`make_all_pages`) lays
out again only the pages whose entry says so, reusing the others; a page laid out again whose
end state differs from the one kept marks the next page to be laid out again too. `capture()`
keeps a copy of the entries and of the pages (before the loose-line re-set and the margin
boxes) of a layout; `seeded()` hands both to the next layout's page loop, each page marked to
be laid out again when `changes()` finds a changed element on it or on the page after it, or
a page rule of its own. A mend adds attributes, and a style element at the end of the body;
only a split note puts elements in (its second part, after its call). The two documents'
elements are paired in document order, from the start up to the first difference in shape
and from the end back to the last (`_align`); the pages holding what lies between, and the
parent it was put into (WeasyPrint resumes a page at a path of child indices), are laid out
again. The kept pages' boxes are pointed at the new document's elements, and a kept page's
footnotes are taken off the new document's list of notes still to place as the loop passes
it. A page whose notes are not exactly its calls' (a note carried over the page turn) is laid
out again with the next; a layout with boxes out of the flow is laid out from its start.
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
    seed, again = _STATE.get("seed"), _STATE.get("again")
    kept = notes = None
    if seed is not None and again and not pages:
        prepared = _prepare(seed, again, context, html)
        _STATE["seeded"] = prepared is not None
        if prepared is not None:
            kept, notes = prepared
            pages = kept
    made, reused = [], 0
    for number, page in enumerate(_STATE["original"](context, root_box, html, pages)):
        if kept is not None and number < len(kept) and page is kept[number]:
            reused += 1  # a page kept: its notes are no longer waiting for a page
            context.footnotes[:] = [note for note in context.footnotes
                                    if id(note.element) not in notes[number]]
        if kept is not None and context.reported_footnotes \
                and number + 1 < len(context.page_maker):
            context.page_maker[number + 1][4]["content_changed"] = True  # a note carried on
        made.append(page)
        yield page
    if _STATE.get("capture"):
        _STATE["captured"] = Seed(
            html.etree_element,
            [tuple(copy.deepcopy(entry[:4])) for entry in context.page_maker],
            [page.deepcopy() for page in made], reused)


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
def seeded(seed: Seed | None, again: set[int] | None) -> Iterator[dict]:
    """Within: the next layout reuses `seed`'s pages but those in `again` and those whose
    start WeasyPrint finds moved (when it safely can: `result["seeded"]` after), and keeps
    its own page loop (`result["seed"]`)."""
    _install()
    result: dict = {}
    _STATE.update(seed=seed, again=again, seeded=False, capture=True, captured=None)
    try:
        yield result
    finally:
        result["seeded"] = _STATE.pop("seeded", False)
        result["seed"] = _STATE.pop("captured", None)
        for key in ("seed", "again", "capture"):
            _STATE.pop(key, None)


def _prepare(seed: Seed, again: set[int], context, html) -> tuple[list, list] | None:
    """The seed's pages, their boxes pointed at `html`'s elements, and the page loop set to
    make again the pages in `again` (and a page whose notes are not all its calls', and the
    next); with, per page, the notes it places. None when that would not be exact."""
    from weasyprint.formatting_structure import boxes

    if not seed.pages or len(seed.entries) != len(seed.pages) + 1:
        return None
    old_tree, new_tree = _Tree(seed.root), _Tree(html.etree_element)
    places, _ = _align(old_tree, new_tree)  # each old element's place in the new document
    new, index, at = new_tree.elements, old_tree.position, new_tree.position
    pages = [page.deepcopy() for page in seed.pages]
    again = set(again)
    notes = []
    for number, page in enumerate(pages):
        calls, placed = set(), set()
        for box in page.descendants():
            if type(box).__name__ == "AbsolutePlaceholder" or (box.style is not None and (
                    box.is_floated() or box.is_absolutely_positioned() or box.is_running())):
                return None  # out of the flow: WeasyPrint may carry it over a page turn
            if box.element is not None:
                n = places.get(index.get(id(box.element), -1))
                if n is None:
                    if number in again:
                        continue  # an element taken out or moved: its page is laid out anew
                    return None
                if new[n].tag != box.element.tag:
                    return None
                box.element = new[n]
                if box.element_tag.endswith("::footnote-call"):
                    calls.add(n)
        for area in page.children[1:]:
            if isinstance(area, boxes.FootnoteAreaBox):
                placed |= {at[id(note.element)] for note in area.children
                           if note.element is not None and id(note.element) in at}
        if calls != placed:
            again |= {number, number + 1}  # a note carried over the page turn
        notes.append({id(new[n]) for n in placed})
    fresh = {"content_changed": False, "pages_wanted": False, "anchors": [],
             "content_lookups": []}
    context.page_maker[:] = [(*copy.deepcopy(entry), dict(fresh, content_changed=n in again))
                             for n, entry in enumerate(seed.entries)]
    return pages, notes


def changes(seed: Seed, old_html: str, new_html: str) -> set[int] | None:
    """The 0-based pages of the seed's layout (of `old_html`) to lay out again for
    `new_html`: each page holding an element whose tag, attributes or text differ, or that
    was taken out, or into which elements were put (a split note's second part), or
    given its own rule (`@page :nth()`, written by makeup.apply at the end of the body); and
    the page before each (a change can pull a line back over the page turn). None when the
    two differ in any other way."""
    old_tree = _Tree(lxml_html.document_fromstring(old_html))
    new_tree = _Tree(lxml_html.document_fromstring(new_html))
    places, changed = _align(old_tree, new_tree)
    old, new = old_tree.elements, new_tree.elements
    for n, m in places.items():
        a, b = old[n], new[m]
        if a.attrib != b.attrib or a.text != b.text or a.tail != b.tail:
            changed.add(n)
    pages: set[int] = set()
    styles = ([el for el in old if old_tree.body_style(el)],
              [el for el in new if new_tree.body_style(el)])
    for a, b in zip(*styles, strict=False):
        if NTH.sub("", a.text or "") != NTH.sub("", b.text or ""):
            return None
        pages |= {_nth(rule) for rule in set(NTH.findall(a.text or ""))
                  ^ set(NTH.findall(b.text or ""))}
    shorter = min(len(styles[0]), len(styles[1]))
    for el in styles[0][shorter:] + styles[1][shorter:]:
        # a round's style element added: its rules for elements apply only to the elements
        # given their classes (found above); its page rules
        pages |= {_nth(rule) for rule in NTH.findall(el.text or "")}
    positions = {id(el): n for n, el in enumerate(e for e in seed.root.iter()
                                                  if isinstance(e.tag, str))}
    found: set[int] = set()
    for number, page in enumerate(seed.pages):
        held = {positions.get(id(box.element)) for box in page.descendants()
                if box.element is not None} & changed
        if held:
            pages.add(number)
            found |= held
    if found != changed:
        return None  # an element without a box changed: from the start
    return pages | {number - 1 for number in pages if number > 0}


class _Tree:
    """A document's elements in document order, each one's place in it (by its id) and its
    parent (WeasyPrint's tree, the standard library's, does not know its elements' parents)."""

    def __init__(self, root):
        self.elements = [el for el in root.iter() if isinstance(el.tag, str)]
        self.position = {id(el): n for n, el in enumerate(self.elements)}
        # (after: lxml makes an element's Python object anew unless one is held, as here)
        self.parent = {id(child): el for el in self.elements for child in el
                       if isinstance(child.tag, str)}

    def depth(self, el) -> int:
        depth = 0
        while (el := self.parent.get(id(el))) is not None:
            depth += 1
        return depth

    def body_style(self, el) -> bool:
        """A style element of the body's own: where the make-up writes its rules."""
        parent = self.parent.get(id(el))
        return el.tag == "style" and parent is not None and parent.tag == "body"


def _align(old: _Tree, new: _Tree) -> tuple[dict[int, int], set[int]]:
    """Two documents' elements in document order, paired: those before the first place where
    the two differ in tag or depth keep their place, those after the last are paired from the
    end (elements put in or taken out between shift them). Returns each paired old element's
    place in `new`, and the old elements to lay out again whatever their attributes: those
    not paired (between), and the parents of elements put in or taken out, whose boxes'
    children are counted anew (WeasyPrint resumes a page at a path of child indices). The
    body's style elements (the make-up's rules) are left out: changes() compares them."""
    a = [n for n, el in enumerate(old.elements) if not old.body_style(el)]
    b = [n for n, el in enumerate(new.elements) if not new.body_style(el)]
    shape_a = [(old.elements[n].tag, old.depth(old.elements[n])) for n in a]
    shape_b = [(new.elements[n].tag, new.depth(new.elements[n])) for n in b]
    shortest = min(len(a), len(b))
    head = 0
    while head < shortest and shape_a[head] == shape_b[head]:
        head += 1
    tail = 0
    while tail < shortest - head and shape_a[-1 - tail] == shape_b[-1 - tail]:
        tail += 1
    places = {a[k]: b[k] for k in range(head)}
    places.update({a[-1 - k]: b[-1 - k] for k in range(tail)})
    if len(a) == len(b) and head == len(a):
        return places, set()
    unpaired = set(a[head:len(a) - tail])
    counterpart = {id(new.elements[m]): n for n, m in places.items()}
    parents = {counterpart.get(id(new.parent.get(id(new.elements[m]))))
               for m in b[head:len(b) - tail]}
    parents |= {old.position.get(id(old.parent.get(id(old.elements[n])))) for n in unpaired}
    return places, unpaired | (parents - {None})


def _nth(rule: str) -> int:
    """The 0-based page of an `@page :nth()` rule."""
    return int(re.search(r"\d+", rule).group()) - 1
