"""One file with several level-1 headings, split into chapters as pandoc's EPUB writer splits a
document; hands on one `Source` per chapter, each with the file's line numbers.

Each part holds only its own lines, and the number each has in the file (`Source.numbers`), so
a message names the file's line and the work stays linear in the file's length. A footnote
defined in one part and called in another goes with its calls.
"""

from __future__ import annotations

import re
from dataclasses import replace

from bookbuild.markdown_ext.fenced_divs import CLOSE, OPEN
from bookbuild.read.checks import FOOTNOTE_DEF, FOOTNOTE_REF, code_lines
from bookbuild.read.source import CODE_SPAN, Source

ATX_TITLE = re.compile(r"^#(?!#)(?:[ \t]|$)")
SETEXT_TITLE = re.compile(r"^=+[ \t]*$")


def split_chapters(source: Source) -> list[Source]:
    """The file's chapters: one per level-1 heading outside code (the text before the first,
    when there is any, a part of its own); the source itself when it has fewer than two."""
    code = code_lines(source)
    lines = source.lines
    starts = []
    for index in range(source.body_start, len(lines)):
        if index in code:
            continue
        if ATX_TITLE.match(lines[index]):
            starts.append(index)
        elif SETEXT_TITLE.match(lines[index]) and index > source.body_start \
                and lines[index - 1].strip() and index - 1 not in code \
                and (index - 2 < source.body_start or not lines[index - 2].strip()):
            starts.append(index - 1)
    if len(starts) < 2:
        return [source]
    # A heading inside a div that it does not open (`::: column` holding `# A`, then another
    # holding `# B`) starts no chapter: a chapter holds whole divs.
    depth = _div_depths(source, code)
    starts = [start for start in (_div_opening(index, source, code) for index in starts)
              if depth[start] == 0]
    if len(starts) < 2:
        return [source]
    notes = _note_blocks(source, code)
    in_note = {n for block in notes.values() for n in block}
    bounds = [source.body_start, *starts, len(lines)]
    kept: list[set[int]] = []
    homes: list[int] = []  # the first line of each part's own range
    for begin, end in zip(bounds, bounds[1:], strict=False):
        own = [n for n in range(begin, end) if n not in in_note]
        if not any(lines[n].strip() for n in own):
            continue  # only blank lines or notes before the first heading
        kept.append(set(own) | _notes_called(own, lines, code, notes))
        homes.append(begin)
    # A note called nowhere stays with the part it is written in, to be reported there.
    for block in notes.values():
        if not any(block[0] in keep for keep in kept):
            kept[max((i for i, b in enumerate(homes) if b <= block[0]), default=0)].update(block)
    parts = []
    for n, keep in enumerate(kept):
        header = source.header if n == 0 else {
            k: v for k, v in source.header.items() if k == "lang"}
        part_lines, numbers = _cut(source, sorted(keep))
        parts.append(replace(source, lines=part_lines, numbers=numbers, body_start=0,
                             header=header))
    return parts


def _cut(source: Source, keep: list[int]) -> tuple[list[str], list[int]]:
    """The lines kept, in the file's order, with their numbers; where lines are left out
    between two kept ones, one blank line (two when two or more were left out) stands for
    them, so that Markdown reads the text as it did with every line there, the others blank."""
    lines = source.lines
    cut: list[str] = []
    numbers: list[int] = []
    previous = None
    for index in keep:
        if previous is not None and index > previous + 1:
            for gap in range(previous + 1, min(index, previous + 3)):
                cut.append("")
                numbers.append(source.number(gap))
        cut.append(lines[index])
        numbers.append(source.number(index))
        previous = index
    return cut, numbers


def _div_depths(source: Source, code: set[int]) -> list[int]:
    """How many `:::` divs are open before each line (code excluded)."""
    depths, depth = [], 0
    for index, line in enumerate(source.lines):
        depths.append(depth)
        if index < source.body_start or index in code:
            continue
        if OPEN.match(line):
            depth += 1
        elif CLOSE.match(line) and depth:
            depth -= 1
    return depths


def _div_opening(index: int, source: Source, code: set[int]) -> int:
    """Where the chapter of the heading on line `index` starts: at the `::: {...}` lines that
    open just above it, when the heading is the first thing in a div, as pandoc's conversion of
    a book's HTML wraps each chapter (`::: {#chapter-3 .section}` then `# III`); pandoc's EPUB
    writer makes a chapter of such a div."""
    start, n = index, index - 1
    while n >= source.body_start and n not in code and (
            not source.lines[n].strip() or OPEN.match(source.lines[n])):
        if source.lines[n].strip():
            start = n
        n -= 1
    return start


def _note_blocks(source: Source, code: set[int]) -> dict[str, list[int]]:
    """Each footnote definition's lines (its label's line, then its indented paragraphs)."""
    lines, blocks = source.lines, {}
    index = source.body_start
    while index < len(lines):
        match = FOOTNOTE_DEF.match(lines[index]) if index not in code else None
        if match is None:
            index += 1
            continue
        block = [index]
        index += 1
        while index < len(lines) and (lines[index].startswith(("    ", "\t")) or (
                not lines[index].strip() and index + 1 < len(lines)
                and lines[index + 1].startswith(("    ", "\t")))):
            block.append(index)
            index += 1
        blocks.setdefault(match[1], block)
    return blocks


def _notes_called(own: list[int], lines: list[str], code: set[int],
                  notes: dict[str, list[int]]) -> set[int]:
    """The lines of the notes the part calls, and of those these notes call in turn."""
    kept: set[int] = set()
    todo = [n for n in own if n not in code]
    seen: set[str] = set()
    while todo:
        for ref in FOOTNOTE_REF.finditer(CODE_SPAN.sub("", lines[todo.pop()])):
            if ref[1] in notes and ref[1] not in seen:
                seen.add(ref[1])
                kept.update(notes[ref[1]])
                todo.extend(notes[ref[1]])
    return kept
