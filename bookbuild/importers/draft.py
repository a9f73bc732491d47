"""What an importer found: the book's metadata, its chapters as Markdown, images, warnings.

Importers fill a `Draft`; folder.py writes it out; the CLI prints its summary and problems.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from bookbuild.errors import Problem


@dataclass
class Chapter:
    """One chapter file: its title and subtitle for the header, its Markdown blocks."""

    title: str
    blocks: list[str]
    subtitle: str | None = None
    # A role other than chapter (prologue, epilogue, afterword...) makes a spine mapping.
    role: str | None = None
    notes: int = 0


@dataclass
class Draft:
    """A book as read from an import's input, before anything is written."""

    title: str | None = None
    authors: list[str] = field(default_factory=list)
    language: str | None = None
    subjects: list[str] = field(default_factory=list)
    description: str | None = None
    dedication: str | None = None
    rights: str | None = None
    chapters: list[Chapter] = field(default_factory=list)
    # Image files by their name under manuscript/images/.
    images: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # What was recognised, for the summary: "excerpts", "transcripts", "notes"...
    found: Counter = field(default_factory=Counter)

    def warn(self, where: str, message: str, line: int | None = None) -> None:
        self.problems.append(Problem(where, line, message, "BB504", "warning"))

    def summary(self) -> str:
        parts = [f"{len(self.chapters)} chapter{'s' * (len(self.chapters) != 1)}"]
        notes = sum(c.notes for c in self.chapters)
        if notes:
            parts.append(f"{notes} note{'s' * (notes != 1)}")
        if self.images:
            parts.append(f"{len(self.images)} image{'s' * (len(self.images) != 1)}")
        parts += [f"{kind}: {n}" for kind, n in sorted(self.found.items()) if n]
        return ", ".join(parts)
