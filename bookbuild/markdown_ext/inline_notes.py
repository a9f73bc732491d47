"""Pandoc's inline notes, `^[text]`: each becomes a labelled note (`[^_inline-N]`) at the place
it is called, so the two kinds share one numbering; the notes' texts go to the chapter's end."""

from __future__ import annotations

import re

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

FENCE = re.compile(r"^[ \t]{0,3}(`{3,}(?=[^`]*$)|~{3,})")  # a ``` fence's line has no other `
LABEL = "_inline-{}"


def _paragraphs(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """The lines in runs: (True, a paragraph's lines) outside code, (False, lines) else."""
    runs: list[tuple[bool, list[str]]] = []
    fence = None
    for line in lines:
        opened = FENCE.match(line)
        prose = fence is None and not opened and bool(line.strip())
        if fence is None and opened:
            fence = opened[1]
        elif fence is not None and line.strip().startswith(fence) and not line.strip(fence[0]
                                                                                      ).strip():
            fence = None
            prose = False
        if runs and runs[-1][0] == prose:
            runs[-1][1].append(line)
        else:
            runs.append((prose, [line]))
    return runs


def _take(text: str, notes: list[str]) -> str:
    """`text` with each `^[...]` outside code spans replaced by a call; unclosed ones kept."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "`":
            ticks = re.match(r"`+", text[i:])[0]
            end = text.find(ticks, i + len(ticks))
            stop = end + len(ticks) if end >= 0 else i + len(ticks)
            out.append(text[i:stop])
            i = stop
        elif char == "\\":
            out.append(text[i:i + 2])
            i += 2
        elif text.startswith("^[", i):
            depth, j = 1, i + 2
            while j < len(text) and depth:
                if text[j] == "\\":
                    j += 1
                elif text[j] == "`":  # a code span inside the note: its brackets are text
                    ticks = re.match(r"`+", text[j:])[0]
                    end = text.find(ticks, j + len(ticks))
                    j = end + len(ticks) - 1 if end >= 0 else j + len(ticks) - 1
                else:
                    depth += {"[": 1, "]": -1}.get(text[j], 0)
                j += 1
            if depth:  # never closed: pandoc keeps it as text, and so do we
                out.append("^[")
                i += 2
                continue
            notes.append(" ".join(_take(text[i + 2:j - 1], notes).split()))
            out.append(f"[^{LABEL.format(len(notes))}]")
            i = j
        else:
            out.append(char)
            i += 1
    return "".join(out)


def take_inline_notes(lines: list[str]) -> tuple[list[str], list[str]]:
    """The lines with every `^[...]` outside code replaced by a call, and the notes' texts."""
    notes: list[str] = []
    out: list[str] = []
    for prose, run in _paragraphs(lines):
        joined = "\n".join(run)
        out.extend(_take(joined, notes).split("\n") if prose and "^[" in joined else run)
    return out, notes


class InlineNotesPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not any("^[" in line for line in lines):
            return lines
        lines, notes = take_inline_notes(lines)
        for n, text in enumerate(notes, start=1):
            lines.extend(["", f"[^{LABEL.format(n)}]: {text}"])
        return lines


class InlineNotesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.preprocessors.register(InlineNotesPreprocessor(md), "pandoc_inline_notes", 15)
