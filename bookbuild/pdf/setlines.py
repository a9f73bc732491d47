"""Lines set from a paragraph's own laid-out boxes: the lines of new breaks (breaks.py) built
from the text boxes WeasyPrint made for the old ones, measured and justified by WeasyPrint's
own functions, with no layout. loose.py puts them in place of the old lines where they fit.

A line box is text boxes (each a run of one style), inline boxes around them (an emphasis)
and fixed boxes (a footnote call), each at a place on the line. The breaks move text from
one line to another and nothing else: so each new line is the paragraph's text from one
break to the next, cut into runs where the old lines' boxes change, each run copied from the
box it came from (its style, its element, its vertical place) and measured as Pango sets it
(breaks.measure_words: most often summed from its words' widths, to the bit), the calls
moved whole, the line then justified as WeasyPrint justifies one (text_align). Where a
paragraph holds anything else, or its lines are not all of one height, nothing is set and
the caller lays the lines out in a trial document instead.
"""

from __future__ import annotations

from typing import Any

from . import late_layouts
from .breaks import BREAKABLE, measure_words, style_key, tracked

# One character of the paragraph's text, or a fixed box (a footnote's call, or its number
# before its text) as its source, with `ch` empty: (ch, its text unit (loose.text_units),
# None if uncounted; the text box it came from, or the fixed box; the inline boxes around
# its source, outermost first; the old line it stood on). A tuple: a paragraph makes
# thousands.
_Char = tuple[str, int | None, Any, tuple, int]


def set_lines(paragraph: Any, starts: list[tuple[int, bool]], tracking: list[float],
              spaces: set[int], changed: list[int]) -> dict[int, Any] | None:
    """The line boxes of lines `changed` of `paragraph` (loose.Paragraph) broken anew:
    line k from text unit `starts[k - 1]` (0 for the first) to the next start, ending in a
    hyphen where the next start says so, set with `tracking[k]` more letter spacing.
    `spaces`: the units a breakable space stands before. None when they cannot be set here."""
    from weasyprint.formatting_structure import boxes

    lines = paragraph.lines
    first = lines[0].box
    if first.style["direction"] != "ltr" or any(
            abs(line.box.height - first.height) > 0.01
            or abs(line.box.baseline - first.baseline) > 0.01 for line in lines):
        return None
    found = _text(paragraph, spaces, boxes)
    if found is None:
        return None
    text, where = found
    bounds = [0, *(unit for unit, _ in starts), None]
    hyphens = [hyphen for _, hyphen in starts] + [False]
    tops = [line.box.position_y for line in lines]
    result = {}
    for k in changed:
        old = lines[k].box
        block = paragraph.blocks[lines[k].page]
        indent = (lines[0].box.children[0].position_x - first.position_x
                  if k == 0 and first.children else 0.0)
        pieces = _cut(text, where, bounds[k], bounds[k + 1])
        if not pieces:
            return None
        line = _build(old, pieces, tops, hyphens[k], tracking[k], indent)
        _align(line, block.width, last=k == len(lines) - 1)
        result[k] = line
    return result


def _text(paragraph: Any, spaces: set[int], boxes: Any
          ) -> tuple[list[_Char], dict[int, int]] | None:
    """The paragraph's characters in order, each with the box it came from; the spaces the
    old breaks took away put back (in the style of what follows them, as breaks.py
    measures them). And each unit's index in them."""
    chars: list[_Char] = []
    where: dict[int, int] = {}
    unit = 0
    pending_space = False
    for number, line in enumerate(paragraph.lines):
        if number and unit in spaces:
            pending_space = True
        texts = [b for b in line.box.descendants() if isinstance(b, boxes.TextBox)]
        stack: list[tuple[Any, tuple]] = [(child, ()) for child in reversed(line.box.children)]
        while stack:
            box, chain = stack.pop()
            if "::" in (box.element_tag or ""):
                if not box.element_tag.endswith(("::footnote-call", "::footnote-marker")):
                    return None
                chars.append(("", None, box, chain, number))
            elif isinstance(box, boxes.TextBox):
                value = box.text
                if line.hyphen and box is texts[-1]:
                    value = value[: -len(box.style["hyphenate_character"])]
                for ch in value:
                    if ch.isspace() or ch == "\u00ad":
                        chars.append((ch, None, box, chain, number))
                        continue
                    if pending_space:
                        chars.append((" ", None, box, chain, number))
                        pending_space = False
                    where[unit] = len(chars)
                    chars.append((ch, unit, box, chain, number))
                    unit += 1
            elif isinstance(box, boxes.InlineBox):
                if box.margin_width() - box.width > 0.01:
                    return None
                stack.extend((child, (*chain, box)) for child in reversed(box.children))
            else:
                return None
    return chars, where


def _cut(text: list[_Char], where: dict[int, int], start: int, end: int | None
         ) -> list[_Char]:
    """The characters of the line from unit `start` to unit `end` (None: to the end), the
    calls after its last character with it, without white space at either end. `where`:
    each unit's index in `text`."""
    if start not in where or (end is not None and end not in where):
        return []
    begin = 0 if start == 0 else where[start]  # (what stands before the first character)
    if end is None:
        stop = len(text)
    else:
        stop = where[end]
        # back over what stands before the next line's first character: the space (or
        # the no-hyphen break) goes, the calls stay on this line
        while stop > begin and text[stop - 1][1] is None and text[stop - 1][0]:
            stop -= 1
    line = text[begin:stop]
    while line and line[0][0] and line[0][0] in BREAKABLE:
        line = line[1:]
    while line and line[-1][0] and (line[-1][0] in BREAKABLE or line[-1][0] == "\u00ad"):
        line = line[:-1]
    return line


def _key(box: Any) -> tuple:
    """What a box sets text as. Not which element it is: the lines of a paragraph that
    turns a page may come from two layouts (a page kept, relay.py), whose elements are
    not the same objects; the lines built from them must be the same as from one."""
    return (box.element_tag, style_key(box.style))


def _build(old: Any, pieces: list[_Char], tops: list[float], hyphen: bool, track: float,
           indent: float) -> Any:
    """The line box of `pieces`, in place of line box `old` (its place and height), before
    justification. `tops`: the top of each old line, where the pieces' boxes stood."""
    line = old.copy()
    line.children = []
    open_: list[tuple[tuple, Any]] = []  # the inline boxes open: (the old piece's key, new)
    x = old.position_x + indent

    def close(depth: int) -> None:
        for _, piece in open_[depth:]:
            piece.width = x - piece.position_x
        del open_[depth:]

    runs = _runs(pieces)
    for index, (chain, source, text, number) in enumerate(runs):
        keys = [_key(piece) for piece in chain]
        depth = 0
        while depth < min(len(open_), len(keys)) and open_[depth][0] == keys[depth]:
            depth += 1
        close(depth)
        dy = old.position_y - tops[number]
        for piece in chain[depth:]:
            new = piece.copy()
            new.children = []
            new.position_x, new.position_y = x, piece.position_y + dy
            (open_[-1][1].children if open_ else line.children).append(new)
            open_.append((_key(piece), new))
        parent = open_[-1][1].children if open_ else line.children
        if text is None:  # a call, moved whole
            box = source.deepcopy()
            box.translate(x - box.position_x, dy)
            parent.append(box)
            x += box.margin_width()
            continue
        style = tracked(source.style, track) if track else source.style
        if hyphen and index == len(runs) - 1:
            text += style["hyphenate_character"]
        box = source.copy_with_text(text)
        box.style = style
        # (its Pango layout made once it is justified: see _align)
        width = measure_words(text, style)
        box.pango_layout, box.width, box.justification_spacing = None, width, 0
        box.position_x, box.position_y = x, source.position_y + dy
        parent.append(box)
        x += width
    close(0)
    line.width = x - old.position_x
    return line


def _runs(pieces: list[_Char]) -> list[tuple[tuple, Any, str | None, int]]:
    """The line's text as runs of one source element and style: (chain, source, text or None
    for a call, the old line of the source)."""
    runs: list[list] = []
    keys: dict[int, tuple] = {}  # a source box → what it and its chain set text as
    last_key = None
    for ch, _, source, chain, line in pieces:
        if not ch:
            runs.append([chain, source, None, line])
            last_key = None
            continue
        key = keys.get(id(source))
        if key is None:
            key = keys[id(source)] = (_key(source), *(_key(p) for p in chain))
        if key == last_key:
            runs[-1][2] += ch
        else:
            runs.append([chain, source, ch, line])
            last_key = key
    return [tuple(run) for run in runs]


def _align(line: Any, width: float, last: bool) -> None:
    """Align the line in `width` as WeasyPrint does (justified, but for a paragraph's
    `last` line); each text box given the Pango layout it is drawn from (justifying a text
    with spaces gives it one; late_layouts.py makes those, and these, without their Pango
    objects, which drawing makes)."""
    from weasyprint.formatting_structure import boxes
    from weasyprint.layout.inline import text_align

    offset = text_align(None, line, width, last)
    if offset:
        for child in line.children:
            child.translate(offset, 0)
    for box in line.descendants():
        if isinstance(box, boxes.TextBox) and box.pango_layout is None:
            box.pango_layout = late_layouts.create_layout(box.text, box.style, None, None,
                                                          box.justification_spacing)
            box.pango_layout.deactivate()
