"""Total-fit line breaking of one laid-out paragraph: the breaks that set its text in as many
lines as WeasyPrint's with the most even word spaces.

WeasyPrint fills one line at a time. Knuth and Plass's method (TeX's) weighs every way of
breaking the paragraph at once: a line a little looser than it need be can spare the next
one from being very loose. Here the paragraph's own laid-out lines are the model: each word
is measured in the font it was set in (Pango, as WeasyPrint measures it), the break points
are the spaces, the points after a dash and the hyphenation points pyphen finds under the
paragraph's limits, and each line is as wide as the one it replaces. The line count and
each page's footnote calls are held, and no page ends in a hyphen, so the pages stay as they
are. `choose` returns the breaks; loose.py sets the lines they make and keeps them only where
the layout agrees.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import math
import re
from dataclasses import dataclass
from typing import Any

SLACK = 40  # how far (text units) a line's start may move from where WeasyPrint put it
MARGIN = 0.1  # px kept free at a new line's end: what the measure here may be off by
HYPHEN_COST = 40.0  # a hyphen weighs as a line 1.34 times the normal word space
SHORT = 0.5  # no line but the last is tried shorter than this part of the measure
RUNT = 0.12  # a paragraph's last line shorter than this part of the measure costs RUNT_COST
RUNT_COST = 50.0
AIM = 1.45  # a line looser than this is loose (the report's 1.5, less what the PDF's
# measure of a space may differ by)
OVER = 1000.0
WIDE = 2.0  # a line looser than this (the report's other bound, which must not be passed)
WIDER = 5 * OVER  # costs this more: as five more loose lines
LOOSEST = 3.0  # no new line looser than this is weighed (it costs over twelve loose lines)
# A line may be tracked (letter-spacing: every character's advance) in or out a little, as
# InDesign's letter-spacing justification does: in to take a syllable it otherwise could
# not, out towards an EASY word space; the tracking costs as its square.
TRACK_IN, TRACK_OUT = -0.01, 0.03  # em
TRACK_STEP = 0.05  # px: the tracking is rounded to this (the same line, the same key)
TRACK_COST = 15.0  # a line tracked 0.01 em costs as one 1.28 times the normal word space
EASY = 1.3
CHANGE_COST = 20.0  # a line set otherwise than WeasyPrint set it
TIGHTEST = 0.75  # no line set with word spaces narrower than this many of the font's
SURE = 0.005  # what a ratio measured here may be off by: lines are chosen this far inside
STACK = 2  # no more than this many lines in a row end in a hyphen
DASHES = "\u2014\u2013"  # a line may break after these, as WeasyPrint's breaker does
BREAKABLE = " \t\n\r\f"  # the white space a line may break at (not a no-break space)


@dataclass
class Item:
    """A box (a piece of a word, or a call), a glue (a breakable space) or a penalty (a
    break inside a word: a hyphenation point, or after a dash)."""
    kind: str
    width: float = 0.0
    units: int = 0
    calls: int = 0
    stretch: int = 0  # the expandable spaces it holds: a glue one, a box its no-break spaces
    hyphen: bool = False  # a penalty that adds a hyphen
    glyphs: int = 0  # the characters it sets, each spaced by the tracking
    text: str = ""  # a box's text (not a call's)
    style: Any = None  # a box's or a glue's style
    unligated: float | None = None  # a box's width tracked, less the tracking (_tracked_sums)


@dataclass
class Choice:
    """New breaks: for each line after the first, the text unit it begins at and whether
    the line before ends in an added hyphen; each line's word space over the normal one,
    as measured here (None for the last); the tracking each is set with."""
    starts: list[tuple[int, bool]]
    ratios: list[float | None]
    tracking: list[float]  # each line's letter spacing added, in CSS px


def badness(ratio: float) -> float:
    """A justified line's cost: nothing at the normal word space, 100 at 1.5 times it,
    growing with the cube beyond; a line looser than AIM costs OVER more, so that fewer
    loose lines are always better than more, and one looser than WIDE costs WIDER more."""
    return (100.0 * (max(ratio - 1.0, 0.0) / 0.5) ** 3 + (OVER if ratio > AIM else 0.0)
            + (WIDER if ratio > WIDE else 0.0))


def choose(lines: list, widths: list[float], spaces: set[int], turns: set[int]
           ) -> Choice | None:
    """New breaks for a paragraph laid out in `lines` (loose.Line), line k `widths[k]`
    wide. `spaces`: the text units a breakable space stands before.
    `turns`: the lines that end a page. None when the paragraph cannot be modelled, or
    WeasyPrint's breaks are already the best."""
    _TRACKED.clear()  # keyed by the styles of this paragraph only
    _KEYS.clear()  # (and the layouts kept with them)
    if sum(len(widths) for widths in _WIDTHS.values()) > WIDTHS_KEPT:
        _WIDTHS.clear()
        _WORDS.clear()
        _STYLES.clear()
    model = _model(lines, spaces)
    if model is None or len(lines) < 2:
        return None
    items, style = model
    n = len(items)
    W = list(itertools.accumulate(
        (item.width if item.kind != "penalty" else 0.0 for item in items), initial=0.0))
    G = list(itertools.accumulate(
        (item.glyphs if item.kind != "penalty" else 0 for item in items), initial=0))
    S = list(itertools.accumulate((item.stretch for item in items), initial=0))
    U = list(itertools.accumulate((item.units for item in items), initial=0))
    C = list(itertools.accumulate((item.calls for item in items), initial=0))
    # by break (n: the paragraph's end): whether it adds a hyphen, and what it adds to the
    # line before it (a penalty's width: its hyphen's, and kerning across the break)
    hyphens = [item.hyphen for item in items] + [False]
    added = [item.width if item.kind == "penalty" else 0.0 for item in items] + [0.0]
    hyphen_width = [item.width if item.hyphen else 0.0 for item in items] + [0.0]
    # WeasyPrint's breaks, as items of the model: each must be one, or the model is wrong
    starts, position = [], 0
    for line in lines[:-1]:
        position += line.units
        starts.append(position)
    breaks = [b for b, item in enumerate(items) if item.kind != "box"]
    by_unit: dict[int, list[int]] = {}
    for b in breaks:
        by_unit.setdefault(U[b], []).append(b)
    original = []
    for k, unit in enumerate(starts):
        found = [b for b in by_unit.get(unit, ()) if items[b].hyphen == lines[k].hyphen]
        if not found:
            return None
        original.append(found[0])
    laid = set(zip(range(len(lines)), [-1, *original], [*original, n], strict=True))
    space = space_width(style)
    base = space + style["word_spacing"] + 2 * letter_spacing(style)
    em = style["font_size"]
    unligated: list[float] = []  # the widths summed as set with any tracking (_tracked_sums)
    track_in = TRACK_IN * em

    def fit(a: int, b: int, k: int) -> tuple[float, float] | None:
        """Line k from break a to break b: its word space over the normal one, justified
        (0 for the paragraph's last line, set ragged), and the tracking it is set with;
        None if it cannot be set (too long even tracked in, or no space to stretch) or is not
        weighed (a new line looser than LOOSEST even tracked out as far as it may be: half
        the lines a paragraph's breaks allow)."""
        start = 0 if a < 0 else a + 1
        room = widths[k] - (W[b] - W[start] + added[b])
        own = (k, a, b) in laid  # a line as WeasyPrint set it
        if b == n:  # the last line: as it comes, but not too short
            return (0.0, 0.0) if room >= MARGIN or own else None
        stretch = S[b] - S[start]
        if not stretch:
            return None
        glyphs = G[b] - G[start] + (1 if hyphens[b] else 0)
        if not own and (base + room / stretch - max(glyphs / stretch - 2, 0.0) * TRACK_OUT
                        * em) / space > LOOSEST:
            return None

        def rest() -> float:
            """The room left on the line set with some tracking, before the tracking's own
            share and the hyphen's."""
            if not unligated:
                unligated.extend(_tracked_sums(items))
            return widths[k] - (unligated[b] - unligated[start])

        track = 0.0
        if room < MARGIN and not own:  # tracked in, just enough
            track = math.floor((room - MARGIN) / glyphs / TRACK_STEP) * TRACK_STEP
            if track >= track_in:
                tracked_room = rest()
                while (track >= track_in
                       and tracked_room - track * glyphs - hyphen_width[b] < MARGIN):
                    track -= TRACK_STEP
            if track < track_in:
                return None
        elif (base + room / stretch) / space > AIM and glyphs > 2 * stretch:
            # tracked out, towards an easy word space
            track = min((base + room / stretch - EASY * space) / (glyphs / stretch - 2),
                        TRACK_OUT * em)
            track = math.floor(track / TRACK_STEP) * TRACK_STEP
            if track > 0:
                tracked_room = rest()
                while track > 0 and tracked_room - track * glyphs - hyphen_width[b] < MARGIN:
                    track -= TRACK_STEP
        # the room left on the line set with the tracking
        left = rest() - track * glyphs - hyphen_width[b] if track else room
        value = (base + 2 * track + left / stretch) / space
        return (value, track) if value >= TIGHTEST + SURE or own else None

    def cost(a: int, b: int, k: int) -> tuple[float, float] | None:
        """What line k from break a to break b costs, and its tracking."""
        found = fit(a, b, k)
        if found is None:
            return None
        value, track = found
        # a line set anew costs a little: it is laid out again
        change = 0.0 if not track and (k, a, b) in laid else CHANGE_COST
        if b == n:
            return (RUNT_COST if W[b] - W[0 if a < 0 else a + 1] < RUNT * widths[k]
                    else 0.0) + change, 0.0
        return (badness(value) + TRACK_COST * (track / (0.01 * em)) ** 2
                + (HYPHEN_COST if hyphens[b] else 0.0) + change), track

    # best[k][(b, run)] = (cost, previous state): k + 1 lines set, the last ending at b
    # with `run` lines in a row ending in a hyphen
    layer: dict[tuple[int, int], tuple[float, Any]] = {(-1, 0): (0.0, None)}
    history = []
    at = [U[b] for b in breaks]  # ascending, as the breaks
    for k in range(len(lines)):
        last = k == len(lines) - 1
        if last:
            ends = [n]
        else:
            ends = breaks[bisect.bisect_left(at, starts[k] - SLACK):
                          bisect.bisect_right(at, starts[k] + SLACK)]
            if k in turns:  # a page's foot: no hyphen, and the page keeps its calls
                ends = [b for b in ends if not items[b].hyphen
                        and C[b] == C[original[k]]]
        reach = [W[b] for b in ends]  # ascending
        measure_k, shortest = widths[k], 0.0 if last else SHORT * widths[k]
        following: dict[tuple[int, int], tuple[float, Any]] = {}
        costs: dict[int, dict[int, tuple[float, float] | None]] = {}  # by a, by b
        for (a, run), (so_far, _) in layer.items():
            start = 0 if a < 0 else a + 1
            w_start, g_start = W[start], G[start]
            from_a = costs.setdefault(a, {})
            # from the first end after a that makes a line not too short
            first = max(bisect.bisect_right(ends, a),
                        bisect.bisect_left(reach, w_start + shortest))
            for b in ends[first:]:
                if W[b] - w_start + track_in * (G[b] - g_start) > measure_k:
                    break  # too long even tracked in: so are the lines that end later
                found = from_a.get(b, False)
                if found is False:
                    found = from_a[b] = cost(a, b, k)
                if found is None:
                    continue
                run_after = run + 1 if hyphens[b] else 0
                if run_after > STACK:
                    continue
                total = so_far + found[0]
                kept = following.get((b, run_after))
                if kept is None or total < kept[0]:
                    following[b, run_after] = (total, (a, run))
        if not following:
            return None
        history.append(following)
        layer = following
    # back from the end
    state = min(layer, key=lambda s: layer[s][0])
    chosen = [n]
    for k in range(len(lines) - 1, 0, -1):
        state = history[k][state][1]
        chosen.append(state[0])
    chosen.reverse()
    pairs = list(zip([-1, *chosen[:-1]], chosen, strict=True))
    fits = [fit(a, b, k) for k, (a, b) in enumerate(pairs)]
    if chosen[:-1] == original and not any(track for _, track in fits):
        return None
    return Choice([(U[b], items[b].hyphen) for b in chosen[:-1]],
                  [None if b == n else value for b, (value, _) in zip(chosen, fits, strict=True)],
                  [track for _, track in fits])


def _model(lines: list, spaces: set[int]) -> tuple[list[Item], Any] | None:
    """The paragraph as boxes, glues and penalties; None if a line holds anything but text,
    footnote calls and markers (an image, an inline block, an inline box with a border)."""
    from weasyprint.formatting_structure import boxes

    # what stands before the first character: `lead`; the word being read, as runs of its
    # text: [text, style, the widths and calls of what stands right after its last
    # character or None, the unit of its first character or None (a no-break space, a thin
    # space: set, not counted)]
    lead: list[tuple[float, int]] = []
    items: list[Item] = []
    word: list[list] = []
    bounds = sorted(spaces)
    unit = 0
    main = None
    for line in lines:
        texts = [b for b in line.box.descendants() if isinstance(b, boxes.TextBox)]
        stack = list(reversed(line.box.children))
        while stack:
            box = stack.pop()
            if "::" in (box.element_tag or ""):
                fixed = (box.margin_width(), int("footnote-call" in box.element_tag))
                if not word:
                    lead.append(fixed)
                elif word[-1][2] is None:
                    word[-1][2] = [fixed]
                else:
                    word[-1][2].append(fixed)
                continue
            if isinstance(box, boxes.TextBox):
                text = box.text
                if line.hyphen and box is texts[-1]:
                    text = text[: -len(box.style["hyphenate_character"])]
                main = main or box.style
                style = box.style
                text = text.translate(_UNSET)
                runs = ([(ch, not ch.isspace()) for ch in text] if _SPACE.search(text)
                        else [(text, True)] if text else [])
                for run, counted in runs:
                    if not counted:
                        word.append([run, style, None, None])
                        continue
                    # a new word at each unit a breakable space stands before
                    cut = 0
                    for at in bounds[bisect.bisect_left(bounds, unit):
                                     bisect.bisect_left(bounds, unit + len(run))]:
                        if at - unit > cut:
                            word.append([run[cut:at - unit], style, None, unit + cut])
                            cut = at - unit
                        if word:
                            items.extend(_word(word))
                            word = []
                            items.append(Item("glue", _glue(style), stretch=1, glyphs=1,
                                              style=style))
                    word.append([run[cut:], style, None, unit + cut])
                    unit += len(run)
            elif isinstance(box, boxes.InlineBox):
                if box.margin_width() - box.width > 0.01:
                    return None
                stack.extend(reversed(box.children))
            else:  # an image, an inline block
                return None
    if main is None:
        return None
    if word:
        items.extend(_word(word))
    return [Item("box", width, calls=calls) for width, calls in lead] + items, main


_UNSET = dict.fromkeys(map(ord, BREAKABLE + "\u00ad"))  # (str.translate: taken out)
_SPACE = re.compile(r"\s")  # (what str.isspace holds white space)


def _word(runs: list[list]) -> list[Item]:
    """A word's boxes and the penalties between them (hyphenation points and dashes), from
    its runs (`_model`)."""
    style = runs[0][1]
    if all(run[1] is style and run[3] is not None for run in runs) and all(
            run[2] is None for run in runs[:-1]):
        return _plain_word("".join(run[0] for run in runs), style, runs[-1][2])
    # a character at a time: [unit or None, character, style, what stands right after it]
    word = []
    for text, run_style, after, first in runs:
        word.extend([None if first is None else first + i, ch, run_style, None]
                    for i, ch in enumerate(text))
        if after:
            word[-1][3] = after
    text = "".join(entry[1] for entry in word)
    cuts = _cuts(text, style, {i for i, entry in enumerate(word) if entry[3]},
                 all(_same(entry[2], style) and not entry[3] for entry in word[:-1]))
    items: list[Item] = []
    begin = 0
    for end in [*sorted(cuts), len(word)]:
        items.extend(_boxes(word[begin:end]))
        if end < len(word):
            items.append(Item("penalty", hyphen=cuts[end]))
        begin = end
    if any(cuts.values()):
        _from_prefixes(items, text, style)
    return items


_WORDS: dict[tuple, list[Item]] = {}  # _plain_word's items, cleared with _WIDTHS
_STYLES: dict[tuple, Any] = {}  # the style they are made with, by what of it they depend on


def _plain_word(text: str, style: Any, after: list | None) -> list[Item]:
    """`_word` for a word of one style, every character counted, nothing within it but
    (`after`) what stands after its last character: the most words, without a list a
    character. Made once for each text, style and what stands after (the items are only
    read after)."""
    sets = _in_use(style)[3]
    key = (text, sets, tuple(after) if after else None)
    found = _WORDS.get(key)
    if found is None:
        # made with the first style of its key: the items keep no other document's alive
        found = _WORDS[key] = _plain_word_items(text, _STYLES.setdefault(sets, style), after)
    return found


def _plain_word_items(text: str, style: Any, after: list | None) -> list[Item]:
    cuts = _cuts(text, style, set(), True)
    items: list[Item] = []
    begin = 0
    for end in [*sorted(cuts), len(text)]:
        piece = text[begin:end]
        items.append(Item("box", measure(piece, style), units=len(piece), glyphs=len(piece),
                          text=piece, style=style))
        if end < len(text):
            items.append(Item("penalty", hyphen=cuts[end]))
        begin = end
    if after:
        items.extend(Item("box", width, calls=calls) for width, calls in after)
    if any(cuts.values()):
        _from_prefixes(items, text, style)
    return items


def _cuts(text: str, style: Any, called: set[int], hyphenate: bool) -> dict[int, bool]:
    """Where a word may break: the index in `text` a piece begins at → whether the break
    adds a hyphen. After a dash with a letter or a digit next (not one a call stands after:
    `called`); else, where it is of one style (`hyphenate`), at pyphen's points."""
    cuts: dict[int, bool] = {}
    if any(dash in text for dash in DASHES):
        for i, ch in enumerate(text[:-1]):
            if ch in DASHES and i not in called and text[i + 1].isalnum():
                cuts[i + 1] = False
    if not cuts and hyphenate and style["hyphens"] == "auto" and style["lang"]:
        for index in _hyphenation(text, style):
            cuts[index] = True
    return cuts


def _from_prefixes(items: list[Item], text: str, style: Any) -> None:
    """The widths of a hyphenated word's pieces (one style) from the word's own prefixes, so
    that they add up to the word (kerning and ligatures across a hyphenation point
    included); a call keeps its own."""
    prefix, done = 0.0, 0
    for item in items:
        if item.kind == "penalty":
            item.width = measure(text[:done] + style["hyphenate_character"], style) - prefix
        elif item.text:
            done += item.units
            whole = measure(text[:done], style)
            item.width, prefix = whole - prefix, whole


def _boxes(piece: list) -> list[Item]:
    """A piece of a word as boxes: one per run of one style, and the calls after them."""
    items: list[Item] = []
    run: list = []

    def flush() -> None:
        if run:
            text = "".join(entry[1] for entry in run)
            items.append(Item("box", measure(text, run[0][2]),
                              units=sum(entry[0] is not None for entry in run),
                              stretch=text.count("\u00a0"), glyphs=len(text), text=text,
                              style=run[0][2]))
            run.clear()

    for entry in piece:
        if run and not _same(entry[2], run[0][2]):
            flush()
        run.append(entry)
        if entry[3]:
            flush()
            items.extend(Item("box", width, calls=calls) for width, calls in entry[3])
    flush()
    return items


def _hyphenation(text: str, style: Any) -> list[int]:
    """Where pyphen may break `text` (a word with its punctuation), as WeasyPrint would."""
    limits = style["hyphenate_limit_chars"]
    if not all(isinstance(value, int) for value in limits):
        return []
    total, left, right = limits
    lead = len(text) - len(text.lstrip("\"'“‘([«„"))
    core = text[lead:].rstrip("\"'”’)].,;:!?»…")
    if len(core) < total or not core.isalpha():
        return []
    dictionary = _dictionary(style["lang"], left, right)
    if dictionary is None:
        return []
    return [lead + int(p) for p in dictionary.positions(core)]


@functools.lru_cache(maxsize=32)
def _dictionary(lang: str, left: int, right: int):
    import pyphen

    language = pyphen.language_fallback(lang)
    return pyphen.Pyphen(lang=language, left=left, right=right) if language else None


def _tracked_sums(items: list[Item]) -> list[float]:
    """The widths of the items set with some tracking, before the tracking's own share,
    summed from the first (a penalty counts nothing: its hyphen only where a line breaks).

    Pango sets a tracked text without its ligatures (fi, ff) but kerned as before, and
    adds the tracking to each character's advance: so a text's width tracked by t is its
    width at any one tracking, less that tracking's share, plus t for each character (to
    within a hundredth of a pixel a line). One measure a word serves every tracking."""
    sums = [0.0]
    glues: dict[int, float] = {}  # by the id of a style of the paragraph's
    for item in items:
        if item.kind == "box":
            if item.unligated is None:  # (a word's items serve every paragraph: _WORDS)
                item.unligated = (measure(item.text, tracked(item.style, TRACK_STEP))
                                  - TRACK_STEP * len(item.text) if item.text else item.width)
            width = item.unligated
        elif item.kind == "glue":
            width = glues.get(id(item.style))
            if width is None:
                width = glues[id(item.style)] = (_glue(tracked(item.style, TRACK_STEP))
                                                 - TRACK_STEP)
        else:
            width = 0.0
        sums.append(sums[-1] + width)
    return sums


_TRACKED: dict[tuple[int, float], Any] = {}


def tracked(style: Any, track: float) -> Any:
    """`style` with `track` more letter spacing."""
    key = (id(style), track)
    if key not in _TRACKED:
        copy = style.copy()
        copy["letter_spacing"] = letter_spacing(style) + track
        _TRACKED[key] = (style, copy)  # the style kept: its id is not reused meanwhile
    return _TRACKED[key][1]


_FONT = ("font_family", "font_size", "font_weight", "font_style", "font_stretch",
         "font_variant_caps", "font_variant_ligatures", "font_variant_numeric",
         "font_variant_position", "font_feature_settings", "font_kerning",
         "font_language_override", "letter_spacing", "word_spacing", "lang")
# a style's key (what of it sets a text's width) → each text's width in it, for the words
# of every paragraph; and, by the id of a style in use, its key and its widths
_WIDTHS: dict[tuple, dict[str, float]] = {}
WIDTHS_KEPT = 300_000  # widths kept at most
_KEYS: dict[int, tuple[Any, tuple, dict[str, float], tuple, list]] = {}


def _in_use(style: Any) -> tuple[Any, tuple, dict[str, float], tuple, list]:
    """`style`, its key, the widths measured in it, what of it a word's items depend on
    (`_plain_word`: its key and how it hyphenates), and its layout for measuring once made
    (`_layout`: the layout and the attributes it was set up with)."""
    found = _KEYS.get(id(style))
    if found is None or found[0] is not style:  # (kept with it: its id is not reused)
        key = tuple(repr(style[name]) for name in _FONT)
        found = _KEYS[id(style)] = (
            style, key, _WIDTHS.setdefault(key, {}),
            (key, style["hyphens"], repr(style["hyphenate_limit_chars"]),
             style["hyphenate_character"]), [])
    return found


def style_key(style: Any) -> tuple:
    """What of `style` sets a text's width."""
    return _in_use(style)[1]


def _same(style: Any, other: Any) -> bool:
    """Do two styles set text alike? (Not only the same object: a page kept from an earlier
    layout, relay.py, holds that layout's.)"""
    return style is other or style_key(style) == style_key(other)


def measure(text: str, style: Any) -> float:
    """The advance of `text` set alone in `style`, as WeasyPrint measures a line."""
    widths = _in_use(style)[2]
    width = widths.get(text)
    if width is None:
        from weasyprint.text.line_break import line_size

        layout = _layout(style)
        layout.set_text(text)
        line, _ = layout.get_first_line()
        width = widths[text] = line_size(line, style)[0]
    return width


def _layout(style: Any) -> Any:
    """A WeasyPrint layout set up in `style`, its text to be set: one for each style (most
    of a short text's measure is the setting up), its attributes put back as they were set
    up (setting a text adds to them its word and letter spacing: the attributes it was set up
    with are font features, or none)."""
    from weasyprint.text.ffi import ffi, pango
    from weasyprint.text.line_break import Layout

    made = _in_use(style)[4]
    if not made:
        layout = Layout(style)
        attributes = pango.pango_layout_get_attributes(layout.layout)
        if attributes != ffi.NULL:
            attributes = ffi.gc(_attr_list_copy()(attributes), pango.pango_attr_list_unref)
        made += [layout, attributes]
        return layout
    layout, attributes = made
    if attributes == ffi.NULL:
        pango.pango_layout_set_attributes(layout.layout, ffi.NULL)
    else:
        fresh = _attr_list_copy()(attributes)
        pango.pango_layout_set_attributes(layout.layout, fresh)  # (the layout's own now)
        pango.pango_attr_list_unref(fresh)
    return layout


def _attr_list_copy() -> Any:
    """Pango's pango_attr_list_copy, which WeasyPrint does not declare."""
    from weasyprint.text.ffi import ffi, pango

    try:
        return pango.pango_attr_list_copy
    except AttributeError:
        ffi.cdef("PangoAttrList * pango_attr_list_copy (PangoAttrList *list);")
        return pango.pango_attr_list_copy


# A word of Latin letters: the letters and the common characters (digits, punctuation,
# quotes, dashes) they take into their script; printable, no space of any kind, no soft
# hyphen, no mark, no format character, no micro sign (a Latin-1 letter of no script)
_LATIN = re.compile("[!-~\u00a1-\u00ac\u00ae-\u00b4\u00b6-\u024f\u2010-\u2027"
                    "\u2030-\u205e]+")
_LETTER = re.compile("[A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")


def measure_words(text: str, style: Any) -> float:
    """`measure` of a text of words and single spaces, summed from the words' own widths
    (most measured already, by `choose`) where that sum is Pango's width to the bit.

    That is where WeasyPrint gives each space a letter spacing of its own (the word
    spacing) and the words none: Pango makes a run of each span of one letter spacing and
    shapes each alone, so the text is its words and spaces side by side, each word as wide
    as set alone, each space a word space (`_glue`), all in whole Pango units (so the sum of
    their floats is exact). Only for words of Latin letters, set left to right: a word of
    none (a number, a dash) is set alone in no script, but in the line's within it, which
    may shape it otherwise; and set right to left, the punctuation at a word's end goes
    the other way alone than between two words."""
    widths = _in_use(style)[2]
    width = widths.get(text)
    if width is not None:
        return width
    words = text.split(" ")
    if (len(words) < 2 or style["direction"] != "ltr" or letter_spacing(style)
            or not int(style["word_spacing"] * 1024)
            or not all(_LATIN.fullmatch(word) and _LETTER.search(word) for word in words)):
        return measure(text, style)
    width = widths[text] = (sum(measure(word, style) for word in words)
                            + (len(words) - 1) * _glue(style))
    return width


def letter_spacing(style: Any) -> float:
    """`style`'s letter spacing, in CSS px."""
    return 0.0 if style["letter_spacing"] == "normal" else style["letter_spacing"]


_SPACES: dict[tuple, float] = {}


def space_width(style: Any) -> float:
    """The advance of a space in `style`'s font and size, without word or letter spacing
    (measured once per font and size)."""
    key = (tuple(style["font_family"]), style["font_size"], style["font_weight"],
           style["font_style"], style["font_stretch"], style["font_variant_caps"])
    if key not in _SPACES:
        _SPACES[key] = (measure("x x", style) - measure("xx", style)
                        - style["word_spacing"] - letter_spacing(style))
    return _SPACES[key]


def _glue(style: Any) -> float:
    """A word space's advance, word and letter spacing included (not the kerning of
    "xx", which space_width counts in)."""
    widths = _in_use(style)[2]
    glue = widths.get("")  # (no text's own width: the key is free)
    if glue is None:
        glue = widths[""] = measure("x x", style) - 2 * measure("x", style)
    return glue
