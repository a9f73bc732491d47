"""Loose lines re-set: where a justified line opens word spaces wider than LOOSE times the
font's own space (or a page ends in a hyphen), its paragraph is first broken anew as a whole
(breaks.py) and the lines that change are built from its own boxes (setlines.py; where they
cannot be, set alone in a trial document); then, for the lines still loose, a few
lines around each are set again in a few variants; the lines that set the paragraph better
replace theirs in the laid-out document, pointed at its own elements.

WeasyPrint breaks lines one at a time: it fills a line, then stretches its spaces, so the line
before a long word can end with spaces twice their width. Line breaking depends only on the
text and the measure, not on the page, and a greedy breaker started at the same place in the
text with the same style makes the same lines: so a window of a paragraph's lines (from the
start of one line to the end of another) can be laid out on its own, as a paragraph of its own
text at the same width with its last line justified. Each window is set in every VARIANT (a
touch of tracking or word space, a looser hyphenation limit) in one small document; a variant
is taken where it sets the window's text in as many lines, of the same heights, each footnote
call on the page it was on, with its loosest space narrower than before. Its lines then stand
in for the window's, line for line: the paragraph keeps its line count, so the pages, their
breaks and their notes stay as they were, and nothing else is laid out again.

`reset_loose` is the one entry point: the single pass (render.py) and each section's worker
(workers.py) call it on a document as soon as it is laid out. How TeX and InDesign set whole
paragraphs at once, and the figures: docs/print.md.
"""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lxml_html

from . import breaks, setlines
from .breaks import AIM, TIGHTEST, WIDE, letter_spacing, space_width

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document

LOOSE = 1.5  # the target: no word space wider than this many of the font's own space
# AIM: lines looser than this are re-set; TIGHTEST: no line of a re-set may set its word
# spaces narrower than this (breaks.py declares both)
# What is tried for each loose line, in this order: these windows (the first and last line of
# the window, counted from the loose line) set in these variants (added to the paragraph's
# style; print.css's base is hyphenate-limit-chars 5 2 2, word-spacing -0.05em), all in one
# small trial document, the best that fit kept.
# Chosen by how many of the sample book's loose lines each mends that the earlier ones do not,
# of 55: the line before set with narrower word spaces and a hair of tracking, so that it
# takes a word from the loose line or gives it one (34); the loose line and the next lines
# tighter, so the loose line takes the next word (10, and 5). Then, for what is left, the loose
# line alone tracked out, set as WeasyPrint sets it. (The loose line tracked out as far as
# 0.03em, which mends a paragraph's first line that no neighbour can help, is breaks.py's. The
# variants take what it leaves.) Three windows squeezed harder (word spaces -0.1em, tracking
# -0.01em, words of four letters broken) and the loose line with the next three, tracked
# 0.005em, were tried too, until total-fit breaking came: after it they mended no line the
# others did not (lines over 1.5 times the normal space left: the sample 4, the benchmark novel
# 23, with them or without; Sherlock Holmes' 305 pages 36, 35 with them), and set four in ten
# of the trials' lines (the novel: 999 with them, 565 without).
TIGHT = "word-spacing: -0.07em"
VARIANTS = (
    ((-1, 0), f"letter-spacing: 0.01em; {TIGHT}"),
    ((0, 4), f"letter-spacing: -0.005em; {TIGHT}"), ((0, 1), f"letter-spacing: 0.01em; {TIGHT}"),
    ((-2, 0), "letter-spacing: 0.01em"), ((0, 2), TIGHT),
    ((0, 0), "letter-spacing: 0.02em"),
)
# The lines the trials of a document may set, over the lines of the document: a bound on
# the time the re-set takes (a trial line costs about what a line of the book does). A loose
# line tried alone is not counted: there are never more of those than loose lines.
BUDGET = 1.0
FLOOR = 40  # but a short section may set this many
# The trial document: the windows only, no page furniture, no forced page breaks, no strings.
TRIAL_CSS = ("* { break-before: auto !important; break-after: auto !important; "
             "page: auto !important; string-set: none !important; } "
             "@page { @top-left { content: none !important; } @top-center { content: none "
             "!important; } @top-right { content: none !important; } @bottom-center { "
             "content: none !important; } } "
             ".loose-tail::footnote-marker { content: none !important; }")


@dataclass
class Line:
    box: Any  # WeasyPrint's LineBox
    ratio: float | None  # its word space over the font's own space; None: not stretched
    units: int  # the characters of the paragraph's text it sets (text_units)
    calls: int  # the footnote calls it holds
    hyphen: bool  # it ends in a hyphen the breaker added
    page: int = 0  # which of the paragraph's blocks (pages) it is in


@dataclass
class Paragraph:
    key: str
    element: Any = None  # WeasyPrint's element (the parsed HTML) of its block
    blocks: list = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    @property
    def worst(self) -> float:
        return max((line.ratio for line in self.lines if line.ratio is not None), default=0.0)


ORIGIN = "data-mu-of"  # on each element of a window: its place in the paragraph's element
PAGE_RULE = re.compile(r"@page[^{]*\{[^{}]*\}")  # a page's own rule, as makeup.apply writes it
CLASS_SELECTOR = re.compile(r"\.[A-Za-z_][\w-]*")
_UNCOUNTED = re.compile(r"[\s\u00ad]")  # \s: exactly the characters str.isspace() takes
_COUNTED = re.compile(r"[^\s\u00ad]")


def text_units(text: str) -> int:
    """Characters that are neither white space nor soft hyphens: what both the HTML and the
    laid-out lines agree on."""
    return len(text) - len(_UNCOUNTED.findall(text))


def reset_loose(typesetter: Any, document: Document, html: str, extra_css: str = "",
                trials: dict | None = None, turns_only: bool = False) -> int:
    """Re-set the loose lines of `document` (laid out from `html` by `typesetter` with
    `extra_css`) in place; returns how many windows of lines were replaced. With
    `turns_only`, only the paragraphs that end a page in a hyphen are broken anew: a layout
    the make-up may yet lay out again needs no more (its loose lines are re-set once, on the
    layout that is kept; the pages stand either way).

    `trials`, if given, keeps what each window set in each variant gave (its lines, or None),
    keyed by the window's whole trial HTML, and the breaks chosen for each paragraph: a layout
    of the same section made again (the make-up's retry) tries only the windows it has not
    tried before; the result is the same."""
    found = paragraphs(document)
    # loose, or a page's last line broken by a hyphen (which new breaks mend in place, where
    # the make-up would lay the section out again)
    faulty = [p for p in found
              if (p.worst > AIM and not turns_only) or any(_turn_hyphens(p.lines))]
    if not faulty:
        return 0
    root = lxml_html.document_fromstring(html)
    elements = {key: el for el in root.iter() if (key := _key(el))}
    faulty = [p for p in faulty if p.key in elements and _matches(elements[p.key], p)]
    # The trials' cost grows with the lines they set: at most BUDGET of the document's own,
    # counted per section, so that a section is re-set the same in a single pass of the book
    # as when laid out alone (chunked.py).
    budget: dict[str, float] = {}
    for paragraph in found:
        if paragraph.key in elements:
            section = _section_of(elements[paragraph.key])
            budget[section] = budget.get(section, 0.0) + BUDGET * len(paragraph.lines)
    budget = {section: max(lines, FLOOR) for section, lines in budget.items()}
    trials = {} if trials is None else trials
    replaced = _refit(typesetter, root, elements, faulty, extra_css, budget, trials)
    loose = [p for p in ([] if turns_only else faulty) if p.worst > AIM]
    if loose:
        replaced += _vary(typesetter, root, elements, loose, extra_css, budget, trials)
    return replaced


def _section_of(el) -> str:
    return next((a.get("data-section") for a in el.iterancestors() if a.get("data-section")),
                "")


class _Trials:
    """Windows set in one small trial document, each keyed; those `trials` (the caller's
    cache) already holds are not set again."""

    def __init__(self, typesetter: Any, root, extra_css: str, trials: dict):
        self.typesetter, self.root, self.extra_css, self.trials = (
            typesetter, root, extra_css, trials)
        self.body = etree.Element("body", dict(root.find("body").attrib))
        # What a window sets depends only on its own element, the elements it sits in, the
        # page (the head) and the style sheets, not on the other windows of the document.
        self.context = (extra_css, tuple(sorted(root.attrib.items())),
                        tuple(sorted(root.find("body").attrib.items())),
                        etree.tostring(root.find("head")))
        # The make-up's rules for its classes (a style element at the end of the body, see
        # makeup.apply) apply in the trial document too; not its page rules, which number
        # the document's pages. They count in a window's key only where they may select it.
        self.body_css = "\n".join(PAGE_RULE.sub("", el.text or "")
                                  for el in root.find("body") if el.tag == "style").strip()
        self.found: dict[str, Paragraph | None] = {}
        self.pending: dict[str, tuple] = {}  # window key → its key in `trials`

    def add(self, key: str, el, twin) -> None:
        """Set `twin` (a window of `el`) under `key`."""
        cache_key = (self.context, _chain(el), etree.tostring(twin),
                     self.body_css if _selects(self.body_css, el, twin) else "")
        if cache_key in self.trials:
            self.found[key] = self.trials[cache_key]
            return
        twin.set("data-trial", key)
        self.pending[key] = cache_key
        # each window in copies of its own ancestors: no sibling before it, as it is keyed
        _ancestors(el, self.body).append(twin)

    def run(self) -> dict[str, Paragraph | None]:
        """Lay the windows out; what each set (its lines), or None."""
        if self.pending:
            trial_root = etree.Element("html", dict(self.root.attrib))
            trial_root.append(copy.deepcopy(self.root.find("head")))  # page size, margins
            trial_root.append(self.body)
            if self.body_css:
                etree.SubElement(self.body, "style").text = self.body_css
            trial = self.typesetter.render(
                etree.tostring(trial_root, method="html", encoding="unicode",
                               doctype="<!DOCTYPE html>"), self.extra_css + TRIAL_CSS)
            set_ = {p.key: p for p in paragraphs(trial, "data-trial")}
            for key, cache_key in self.pending.items():
                self.found[key] = self.trials[cache_key] = set_.get(key)
        return self.found


def _refit(typesetter: Any, root, elements: dict, loose: list[Paragraph], extra_css: str,
           budget: dict[str, float], trials: dict) -> int:
    """Each paragraph of `loose` broken anew (breaks.choose) where the new breaks set it
    better than WeasyPrint's: each line that changes (its text, or its tracking) built from
    the paragraph's own boxes (setlines.py) or, where those do not allow it, set alone,
    justified, in one trial document; the lines put in place where they fit. Returns how
    many paragraphs were replaced."""
    batch = _Trials(typesetter, root, extra_css, trials)
    windows: dict[str, tuple[Paragraph, int, int]] = {}
    replaced = 0
    for paragraph in loose:
        el = elements[paragraph.key]
        lines = paragraph.lines
        indent = (lines[0].box.children[0].position_x - lines[0].box.position_x
                  if lines[0].box.children else 0.0)
        widths = [paragraph.blocks[line.page].width - (indent if k == 0 else 0.0)
                  for k, line in enumerate(lines)]
        turns = {k for k, turn in enumerate(_turns(lines)) if turn}
        spaces = _spaces(el)
        # What the breaks depend on: the paragraph and its style, WeasyPrint's breaks, the
        # widths and the page turns; a retry of the section finds those it chose before.
        key = ("breaks", batch.context, _chain(el), etree.tostring(el),
               batch.body_css if _selects(batch.body_css, el, el) else "",
               tuple((line.units, line.hyphen) for line in lines),
               tuple(round(width, 3) for width in widths), tuple(sorted(turns)))
        if key not in trials:
            trials[key] = breaks.choose(lines, widths, spaces, turns)
        choice = trials[key]
        if choice is None:
            continue
        old, position = [(0, False)], 0
        for line in lines:
            position += line.units
            old.append((position, line.hyphen))
        new = [(0, False), *choice.starts, old[-1]]
        changed = [k for k in range(len(lines))
                   if new[k:k + 2] != old[k:k + 2] or choice.tracking[k]]
        a, b = changed[0], changed[-1]
        section = _section_of(el)
        # set from the paragraph's own boxes where they allow it (setlines.py): no layout
        direct = setlines.set_lines(paragraph, choice.starts, choice.tracking, spaces, changed)
        if direct is not None:
            candidate = Paragraph(paragraph.key, el, paragraph.blocks,
                                  [_line(direct[k], lines[k].page) if k in direct
                                   else lines[k] for k in range(a, b + 1)])
            replaced += _take(paragraph, a, b, candidate)
            continue
        if len(changed) > budget[section]:
            continue
        budget[section] -= len(changed)
        key = f"{paragraph.key}:refit"
        windows[key] = (paragraph, a, b)
        style = _first_style(paragraph)
        letter = letter_spacing(style) if style is not None else 0.0
        for k in changed:
            track = choice.tracking[k]
            batch.add(f"{key}:{k}", el, _window(
                el, paragraph, k, k, f"letter-spacing: {letter + track:.2f}px" if track else "",
                "", (new[k][0], new[k + 1][0]), new[k + 1][1]))
    if not windows:
        return replaced
    found = batch.run()
    for key, (paragraph, a, b) in windows.items():
        # the lines that change as set, those between them as they were
        parts = [found.get(f"{key}:{k}", False) for k in range(a, b + 1)]
        if None in parts:
            continue
        candidate = Paragraph(key, parts[0].element, parts[0].blocks,
                              [line for k, part in enumerate(parts, a)
                               for line in (part.lines if part else [paragraph.lines[k]])])
        replaced += _take(paragraph, a, b, _copied(candidate), check_width=True)
    return replaced


def _take(paragraph: Paragraph, a: int, b: int, candidate: Paragraph,
          check_width: bool = False) -> int:
    """Put `candidate`'s lines in place of lines `a` to `b` of the paragraph if they fit and
    set it better, with no word space under TIGHTEST; 1 if they were put, else 0."""
    if not fits(paragraph, a, b, candidate, check_width):
        return 0
    if (_better(candidate.lines, paragraph.lines[a:b + 1], _turns(paragraph.lines)[a:b + 1])
            and _tightest(candidate.lines) >= TIGHTEST):
        replace_lines(paragraph, a, candidate)
        return 1
    return 0


def _tightest(lines: list[Line]) -> float:
    """The narrowest word space of the justified lines, over the normal one (1 if none)."""
    return min((line.ratio for line in lines if line.ratio is not None), default=1.0)


def _first_style(paragraph: Paragraph) -> Any:
    """The style of the paragraph's first text, or None."""
    from weasyprint.formatting_structure import boxes

    text = next((b for b in paragraph.lines[0].box.descendants()
                 if isinstance(b, boxes.TextBox)), None)
    return text.style if text is not None else None


def _turns(lines: list[Line]) -> list[bool]:
    """For each line: does it end a page (a block of the paragraph), the paragraph going
    on on the next?"""
    return [k + 1 < len(lines) and lines[k + 1].page != line.page
            for k, line in enumerate(lines)]


def _turn_hyphens(lines: list[Line]) -> list[bool]:
    """For each line: does it end a page with a hyphen?"""
    return [line.hyphen and turn for line, turn in zip(lines, _turns(lines), strict=True)]


def _better(after: list[Line], before: list[Line], turns: list[bool] | None = None) -> bool:
    """Do lines `after` set lines `before` better: fewer lines over WIDE, or as many and
    fewer loose lines, or as many and the loosest less loose by more than a hair? Given
    `turns` (which of the lines end a page), fewer hyphens there, with no more loose lines,
    is better too."""
    def score(lines: list[Line]) -> tuple[int, int, float]:
        ratios = [line.ratio for line in lines if line.ratio is not None]
        return (sum(ratio > WIDE for ratio in ratios), sum(ratio > AIM for ratio in ratios),
                max(ratios, default=0.0))

    (wide, count, worst), (was_wide, was_count, was_worst) = score(after), score(before)
    if turns is not None:
        hyphens, were = (sum(line.hyphen and turn for line, turn in
                             zip(lines, turns, strict=True)) for lines in (after, before))
        if hyphens != were:
            return hyphens < were and (wide, count) <= (was_wide, was_count)
    return (wide, count) < (was_wide, was_count) or (
        (wide, count) == (was_wide, was_count) and worst < was_worst - 0.05)


def _spaces(el) -> set[int]:
    """The text units of `el` a breakable space stands before."""
    spaces: set[int] = set()
    position, pending = 0, False
    for kind, owner, tail in _pieces(el):
        if kind == "call":
            continue
        for ch in (owner.tail if tail else owner.text) or "":
            if ch in breaks.BREAKABLE:
                pending = True
            elif not (ch.isspace() or ch == "\u00ad"):
                if pending and position:
                    spaces.add(position)
                pending = False
                position += 1
    return spaces


def _vary(typesetter: Any, root, elements: dict, loose: list[Paragraph], extra_css: str,
          budget: dict[str, float], trials: dict) -> int:
    """Each loose line of `loose`, the loosest first, set in each of VARIANTS in one trial
    document, as far as its section's `budget` of lines goes (which is spent); the best that
    fits put in place. Windows found in `trials` are not set again. Returns how many windows
    were replaced."""
    batch = _Trials(typesetter, root, extra_css, trials)
    windows: dict[str, tuple[Paragraph, int, int]] = {}
    tried = set()
    order = sorted(((line.ratio, paragraph, k) for paragraph in loose
                    for k, line in enumerate(paragraph.lines)
                    if line.ratio is not None and line.ratio > AIM),
                   key=lambda item: -item[0])
    for _, paragraph, k in order:
        last = len(paragraph.lines) - 1
        el = elements[paragraph.key]
        section = _section_of(el)
        for (before, after), variant in VARIANTS:
            a, b = max(0, k + before), min(last, k + after)
            # the loose line alone costs no more than itself: only windows are counted
            cost = b - a + 1 if b > a else 0
            if (paragraph.key, a, b, variant) in tried or cost > budget[section]:
                continue
            tried.add((paragraph.key, a, b, variant))
            budget[section] -= cost
            key = f"{paragraph.key}:{a}:{b}:{len(windows)}"
            windows[key] = (paragraph, a, b)
            batch.add(key, el, _window(el, paragraph, a, b, variant, ""))
    if not windows:
        return 0
    found = batch.run()
    best: list[tuple[float, Paragraph, int, int, Paragraph]] = []
    for key, (paragraph, a, b) in windows.items():
        candidate = found.get(key)
        if candidate is None or not fits(paragraph, a, b, candidate):
            continue
        old = max((line.ratio or 0.0) for line in paragraph.lines[a:b + 1])
        if candidate.worst < old - 0.05 and _tightest(candidate.lines) >= TIGHTEST:
            best.append((candidate.worst, paragraph, a, b, candidate))
    # Windows of a paragraph may overlap: the best first, then any that do not overlap it.
    taken: dict[str, set[int]] = {}
    replaced = 0
    for _, paragraph, a, b, candidate in sorted(best, key=lambda item: item[0]):
        lines = set(range(a, b + 1))
        if taken.setdefault(paragraph.key, set()) & lines:
            continue
        # Its own copy of the lines: those kept in `trials` may stand in another layout too.
        replace_lines(paragraph, a, _copied(candidate))
        taken[paragraph.key] |= lines
        replaced += 1
    return replaced


def _key(el, attribute: str = "data-i") -> str | None:
    """A block's key: its `attribute`; for a footnote (set as a block, holding no calls of
    its own) its id."""
    if attribute != "data-i" or not isinstance(el.tag, str):
        return el.get(attribute) if isinstance(el.tag, str) else None
    if el.get("data-i"):
        return el.get("data-i")
    if (_is_note(el) and "nudged" not in el.get("class").split() and el.get("id")
            and not any(_is_call(n) for n in el.iter() if isinstance(n.tag, str))):
        return "note:" + el.get("id")
    return None


def paragraphs(document: Document, attribute: str = "data-i") -> list[Paragraph]:
    """Every justified block of the main flow and of the footnotes that holds only lines and
    has a key (`attribute`, or a footnote's id), in order, its blocks and lines gathered
    across pages."""
    from weasyprint.formatting_structure import boxes

    found: dict[str, Paragraph] = {}
    for page in document.pages:
        # the main flow and the footnote area: not the margins
        stack = [*(box for box in page._page_box.children[1:]
                   if isinstance(box, boxes.FootnoteAreaBox)), page._page_box.children[0]]
        while stack:
            box = stack.pop()
            if not isinstance(box, boxes.ParentBox):
                continue
            el = box.element
            key = _key(el, attribute) if el is not None else None
            if (isinstance(box, boxes.BlockContainerBox) and key
                    and box.element_tag == el.tag and box.children
                    and all(isinstance(c, boxes.LineBox) for c in box.children)):
                if box.style["text_align_all"] == "justify" or attribute != "data-i":
                    paragraph = found.setdefault(key, Paragraph(key, el))
                    paragraph.blocks.append(box)
                    for line in box.children:
                        paragraph.lines.append(_line(line, len(paragraph.blocks) - 1))
                continue
            stack.extend(reversed(box.children))
    return list(found.values())


def _line(box, page: int) -> Line:
    from weasyprint.formatting_structure import boxes

    ratio, units, calls, last = None, 0, 0, None
    stack = [box]
    while stack:
        child = stack.pop()
        if "::" in (child.element_tag or ""):
            calls += "footnote-call" in child.element_tag
            continue
        if isinstance(child, boxes.TextBox):
            units += text_units(child.text)
            last = child
            if child.justification_spacing and (" " in child.text or "\u00a0" in child.text):
                space = space_width(child.style)
                # tracking opens every gap by two halves of it and the space's own
                gap = (space + child.style["word_spacing"] + child.justification_spacing
                       + 2 * letter_spacing(child.style))
                if space > 0:
                    ratio = max(ratio or 0.0, gap / space)
        elif isinstance(child, boxes.ParentBox):
            stack.extend(reversed(child.children))
    hyphen = last is not None and last.text.endswith(last.style["hyphenate_character"])
    return Line(box, ratio, units - hyphen, calls, hyphen, page)


def _is_note(el) -> bool:
    return "footnote" in (el.get("class") or "").split()


def _is_call(el) -> bool:
    return "note-call" in (el.get("class") or "").split()


def _pieces(el):
    """The paragraph's text in order, as ("text", owner, is_tail) and ("call", element):
    a footnote's own text is set elsewhere, only its call stands in the line."""
    if el.text:
        yield "text", el, False
    for child in el:
        if not isinstance(child.tag, str):
            pass
        elif _is_call(child):
            yield "call", child, False
        elif not _is_note(child):
            yield from _pieces(child)
        if child.tail:
            yield "text", child, True


def _matches(el, paragraph: Paragraph) -> bool:
    """Do the HTML's text and the laid-out lines hold the same characters and calls? (Not
    when something is generated into the text, or a forced break ends a line unjustified.)"""
    if any(isinstance(n.tag, str) and n.tag in ("br", "img") for n in el.iter()):
        return False
    units = calls = 0
    for kind, owner, tail in _pieces(el):
        if kind == "call":
            calls += 1 + sum(1 for n in owner.iter() if n is not owner and _is_call(n))
        else:
            units += text_units(owner.tail if tail else owner.text)
    return (units == sum(line.units for line in paragraph.lines)
            and calls == sum(line.calls for line in paragraph.lines))


def _selects(css: str, el, twin) -> bool:
    """May a rule of `css` select `twin` (a window of `el`), its content or the copies of
    `el`'s ancestors? Yes unless every selector is a lone class none of them has."""
    if not css:
        return False
    selectors = [s.strip() for rule in css.split("}") if "{" in rule
                 for s in rule.split("{")[0].split(",")]
    if not all(CLASS_SELECTOR.fullmatch(s) for s in selectors):
        return True
    classes = {name for node in (*twin.iter(), *el.iterancestors()) if isinstance(node.tag, str)
               for name in (node.get("class") or "").split()}
    return any(s[1:] in classes for s in selectors)


def _chain(el) -> tuple:
    """What `_ancestors` copies of `el`'s ancestors."""
    return tuple((a.tag, tuple(sorted((k, v) for k, v in a.attrib.items() if k != "id")))
                 for a in el.iterancestors() if a.tag not in ("html", "body"))


def _copied(paragraph: Paragraph) -> Paragraph:
    """A copy of a trial's paragraph whose lines are boxes of their own."""
    return Paragraph(paragraph.key, paragraph.element, list(paragraph.blocks),
                     [Line(line.box.deepcopy(), line.ratio, line.units, line.calls,
                           line.hyphen, line.page) for line in paragraph.lines])


def _ancestors(el, trial_body) -> Any:
    """Copies of `el`'s ancestors (without ids) under `trial_body`, for its measure and the
    style it inherits; returns the innermost."""
    holder = trial_body
    for ancestor in reversed(list(el.iterancestors())):
        if ancestor.tag in ("html", "body"):
            continue
        holder = etree.SubElement(holder, ancestor.tag,
                                  {k: v for k, v in ancestor.attrib.items() if k != "id"})
    return holder


def _window(el, paragraph: Paragraph, a: int, b: int, variant: str, key: str,
            span: tuple[int, int] | None = None, end_hyphen: bool = False) -> Any:
    """A copy of `el` holding only the text of lines `a` to `b`, set in `variant`; or, given
    `span`, the text from one text unit to another, ending in a hyphen if `end_hyphen`."""
    total = sum(line.units for line in paragraph.lines)
    if span is None:
        start = sum(line.units for line in paragraph.lines[:a])
        end = start + sum(line.units for line in paragraph.lines[a:b + 1])
        end_hyphen = paragraph.lines[b].hyphen
        justify = b < len(paragraph.lines) - 1
    else:
        start, end = span
        justify = end < total
    twin = copy.deepcopy(el)
    twin.tail = None
    # each element marked with its place in `el`, for its lines' boxes to be pointed back at
    # the document's own elements (replace_lines); ids kept, for the anchors they make
    for n, node in enumerate(twin.iter(tag=etree.Element)):
        node.set(ORIGIN, str(n))
    # A note called in the window is set at the page's foot, not in its lines: emptied, it
    # still makes its call, and its text costs the trial nothing.
    for note in [n for n in twin.iter(tag=etree.Element) if n is not twin and _is_note(n)]:
        note.text = None
        for child in list(note):
            note.remove(child)
    position = 0
    for kind, owner, tail in list(_pieces(twin)):
        if kind == "call":
            if not start < position <= end:
                _drop(owner)
            continue
        text = owner.tail if tail else owner.text
        counted = _counted(text)
        units = len(counted)
        if position + units <= start or position >= end:
            text = ""  # wholly before the window or after it
        elif not (start < position and position + units < end):  # across an edge of it
            # from its character counted `start` (or, before the text, from the text's start)
            # to its character counted `end` - 1 (or, beyond the text, to the text's end),
            # white space included between them
            first = 0 if start < position else counted[start - position]
            last = len(text) if end > position + units else counted[end - position - 1] + 1
            text = text[first:last]
        position += units
        if tail:
            owner.tail = text
        else:
            owner.text = text
    if end_hyphen:  # the window ends inside a word: so does its last line
        _append_text(twin, _hyphen(paragraph))
    style = [twin.get("style", ""), f"text-indent: {_indent(paragraph) if start == 0 else '0'}"]
    # No new hyphen at a page's foot (a line of the window other than its last, which ends
    # where it did); elsewhere a paragraph set without hyphens for that reason may take some.
    # Lines whose breaks are given take none.
    turns = {k for k, turn in enumerate(_turns(paragraph.lines)) if turn}
    if span is not None or turns & set(range(a, b)):
        style.append("hyphens: manual")
    elif "no-hyphens" in (el.get("class") or "").split():
        style.append("hyphens: auto")
    if justify:
        style.append("text-align-last: justify")
    if _is_note(el) and start > 0:  # a footnote's number stands only before its first line
        twin.set("class", twin.get("class") + " loose-tail")
    twin.set("style", "; ".join([*style, variant]).strip("; "))
    twin.set("data-trial", key)
    twin.attrib.pop("data-i", None)
    return twin


def _hyphen(paragraph: Paragraph) -> str:
    """The hyphen the paragraph's lines end in when a word is broken."""
    style = _first_style(paragraph)
    return style["hyphenate_character"] if style is not None else "\u2010"


@functools.lru_cache(maxsize=1024)
def _counted(text: str) -> tuple[int, ...]:
    """Where the characters text_units counts stand in `text`: the same text is cut into
    each of its paragraph's windows."""
    return tuple(m.start() for m in _COUNTED.finditer(text))


def _drop(el) -> None:
    """Remove `el`, keeping its tail in its place."""
    parent = el.getparent()
    previous = el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _append_text(twin, hyphen: str) -> None:
    """Add `hyphen` at the end of the last text of `twin`."""
    last = None
    for kind, owner, tail in _pieces(twin):
        if kind == "text" and (owner.tail if tail else owner.text):
            last = (owner, tail)
    if last is not None:
        owner, tail = last
        if tail:
            owner.tail = owner.tail.rstrip() + hyphen
        else:
            owner.text = owner.text.rstrip() + hyphen


def _indent(paragraph: Paragraph) -> str:
    indent = paragraph.blocks[0].style["text_indent"]
    return f"{indent.value}{indent.unit}" if hasattr(indent, "unit") else "0"


def fits(paragraph: Paragraph, a: int, b: int, candidate: Paragraph,
         check_width: bool = True) -> bool:
    """Can `candidate`'s lines stand in for lines `a` to `b` of the paragraph, one for one?
    (`check_width`: laid out in a trial document, at the paragraph's width?)"""
    old = paragraph.lines[a:b + 1]
    if len(candidate.lines) != len(old):
        return False
    if check_width and abs(candidate.blocks[0].width
                           - paragraph.blocks[old[0].page].width) > 0.01:
        return False
    for before, after in zip(old, candidate.lines, strict=True):
        if abs(before.box.height - after.box.height) > 0.01:
            return False
        # a justified line with no space to stretch, short (WeasyPrint's early break before
        # an inline box, its issue #1614, sets one in a trial now and then), never in place
        # of a line that has one
        if after.ratio is None and before.ratio is not None:
            return False
        # nor a line over twice the word space where the line it replaces was not as loose
        if after.ratio is not None and after.ratio > WIDE and after.ratio > (before.ratio or 0.0):
            return False
    # no more than two hyphens in a row, unless there were already
    hyphens = [line.hyphen for line in paragraph.lines]
    hyphens[a:b + 1] = [line.hyphen for line in candidate.lines]
    if _stacked(hyphens) > _stacked([line.hyphen for line in paragraph.lines]):
        return False
    # each page keeps its footnote calls
    for page in {line.page for line in old}:
        if (sum(line.calls for line in old if line.page == page)
                != sum(new.calls for line, new in zip(old, candidate.lines, strict=True)
                       if line.page == page)):
            return False
    return True


def _stacked(hyphens: list[bool]) -> int:
    """The longest run of lines ending in a hyphen, when over two; else 0."""
    longest = run = 0
    for hyphen in hyphens:
        run = run + 1 if hyphen else 0
        longest = max(longest, run)
    return longest if longest > 2 else 0


def replace_lines(paragraph: Paragraph, a: int, candidate: Paragraph) -> None:
    """Put `candidate`'s lines in place of the paragraph's from line `a`, each where the line
    it replaces stood, its boxes pointed at the paragraph's own elements."""
    originals = [node for node in paragraph.element.iter() if isinstance(node.tag, str)]
    for offset, new in enumerate(candidate.lines):
        old = paragraph.lines[a + offset]
        for box in (new.box, *new.box.descendants()):
            mark = box.element.get(ORIGIN) if box.element is not None else None
            if mark is not None:
                box.element = originals[int(mark)]
        block = paragraph.blocks[old.page]
        new.box.translate(old.box.position_x - new.box.position_x,
                          old.box.position_y - new.box.position_y)
        block.children = [new.box if child is old.box else child for child in block.children]
        new.page = old.page
        paragraph.lines[a + offset] = new
