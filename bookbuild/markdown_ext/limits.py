"""The limits on Markdown text that keep Python-Markdown's time and memory bounded.

`over_limits` hands read/checks.py (chapters) and read/matter.py (book.yaml prose) the first
line of a text that crosses a limit, and why, before the text is parsed; README, "Limits",
lists them.
"""

from __future__ import annotations

import re

from bookbuild.markdown_ext.fenced_divs import CLOSE as DIV_CLOSE
from bookbuild.markdown_ext.fenced_divs import OPEN as DIV_OPEN

# Python-Markdown's time grows with the square of the blocks in a text, of the marks in a
# paragraph (each rewrites the paragraph and each element it makes is looked up among its
# siblings), with the paragraph times each `[` it scans for its `]`, and with the text times
# each `<tag` it scans for its `>`; it recurses once per level of nesting.
MAX_CHAPTER_BYTES = 2 * 1024 * 1024
MAX_BLOCKS = 30_000  # paragraphs, list items, quotes and notes in one chapter
MAX_MARKS = 10_000  # emphasis, link, note, code, tag, entity and escape marks in one paragraph
MARKS = "*_[`<&\\"
MAX_PARAGRAPH = 200_000  # characters in one paragraph (about 35,000 words)
MAX_BRACKET_SCAN = 1_000_000  # characters read from each [ of a paragraph to its ]
MAX_TAG_SCAN = 20_000_000  # characters read from each <tag of a text to its >
MAX_NESTING = 50  # quotes, list levels and divs inside each other
BLOCK_START = re.compile(r"\s*([-*+]|[0-9]+[.)])\s|\s*>|\s*\[\^")
ITEM_START = re.compile(r"\s*([-*+]|[0-9]+[.)])\s|\s*\[\^")
QUOTE_MARKS = re.compile(r"(\s*>)+")
LIST_MARKER = re.compile(r"([-*+]|[0-9]+[.)])\s")
BRACKET = re.compile(r"\\.|[\[\]]")
TAG_START = re.compile(r"<[A-Za-z]")


def over_limits(lines: list[str], start: int = 0) -> tuple[int, str] | None:
    """The index of the first of `lines[start:]` that crosses a limit, with the reason, or
    None when the text is within every limit."""
    return _over_block_limits(lines, start) or _over_tag_scan(lines, start)


def _over_block_limits(lines: list[str], start: int) -> tuple[int, str] | None:
    blocks = marks = chars = divs = scanned = 0
    openers: list[tuple[int, int]] = []  # each open [ of the paragraph: its offset, its line
    first = start  # the paragraph's first line
    blank = True
    # Every line counts, ``` fences too: our dialect has no fenced code blocks, so Python-Markdown
    # reads what is between them.
    for index in range(start, len(lines) + 1):
        line = lines[index] if index < len(lines) else ""
        # A list item or a note is read on its own, like a paragraph.
        if not line.strip() or (not blank and ITEM_START.match(line)):
            scanned += sum(chars - offset for offset, _ in openers)
            if scanned > MAX_BRACKET_SCAN:
                return openers[0][1] if openers else first, (
                    f"the brackets [ from this line on are not closed in their paragraph (or "
                    f"nest deeply), and Markdown reads the rest of the paragraph for each: "
                    f"{scanned:,} characters, of at most {MAX_BRACKET_SCAN:,}; close them or "
                    f"write \\[")
            marks, chars, scanned, openers, first = 0, 0, 0, [], index
            if not line.strip():
                blank = True
                continue
        if blank or BLOCK_START.match(line):
            blocks += 1
        blank = False
        marks += sum(line.count(mark) for mark in MARKS)
        for found in BRACKET.finditer(line):
            if found[0] == "[":
                openers.append((chars + found.start(), index))
            elif found[0] == "]" and openers:
                scanned += chars + found.start() - openers.pop()[0]
        chars += len(line) + 1
        if DIV_OPEN.match(line):
            divs += 1
        elif DIV_CLOSE.match(line):
            divs = max(0, divs - 1)
        quotes = QUOTE_MARKS.match(line)
        spaces = line.expandtabs(4)
        indent = len(spaces) - len(spaces.lstrip())
        # A list item one level down is indented 4 more; the text of an item, 4 past its marker.
        depth = divs + (quotes[0].count(">") if quotes else 0) + -(-indent // 4) \
            + bool(LIST_MARKER.match(spaces.lstrip()))
        if depth > MAX_NESTING:
            return index, (f"this line is nested {depth} levels deep (quotes, lists or divs "
                           f"inside each other); bookbuild reads at most {MAX_NESTING}")
        if blocks > MAX_BLOCKS:
            return index, (f"the chapter has more than {MAX_BLOCKS:,} paragraphs, list items "
                           f"and notes; split it into several files")
        if marks > MAX_MARKS:
            return index, (f"this paragraph has more than {MAX_MARKS:,} emphasis, link, note, "
                           f"code, tag, entity and escape marks (* _ [ ` < & \\); split it")
        if chars > MAX_PARAGRAPH:
            return index, (f"this paragraph is longer than {MAX_PARAGRAPH:,} characters; "
                           f"split it")
    return None


def _over_tag_scan(lines: list[str], start: int) -> tuple[int, str] | None:
    """Python-Markdown's HTML reader looks for the `>` closing each `<tag` through the whole
    text, blank lines too: many tags left open make it read the text again and again."""
    text = "\n".join(lines[start:])
    scanned, close = 0, -1
    for found in TAG_START.finditer(text):
        if close != len(text) and found.start() > close:
            close = text.find(">", found.start())
            close = len(text) if close < 0 else close
        scanned += close - found.start()
        if scanned > MAX_TAG_SCAN:
            return start + text.count("\n", 0, found.start()), (
                f"too many tags (<...) are left open, and the HTML reader reads on to the next "
                f"> for each: {scanned:,} characters by this line, of at most "
                f"{MAX_TAG_SCAN:,}; close them, or write &lt; for a < that is text")
    return None
