"""The one model in the middle: a `Book` of metadata and ordered sections with their notes.

read/ builds it; the EPUB and PDF writers only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from lxml import etree

from bookbuild.config import Config
from bookbuild.errors import Problem

Kind = Literal["frontmatter", "chapter", "backmatter", "part"]
Role = Literal[
    "cover", "half-title", "title-page", "copyright-page", "toc", "part", "chapter", "dedication",
    "epigraph", "foreword", "preface", "prologue", "introduction", "epilogue", "afterword",
    "acknowledgments", "appendix", "glossary", "bibliography", "colophon", "conclusion",
    "about-the-author", "also-by"]

# epub:type and DPUB-ARIA role for each section role (None: the vocabulary has no term for it;
# "about the author" and "also by" pages have none in either).
SEMANTICS: dict[Role, tuple[str | None, str | None]] = {
    "cover": ("cover", None),  # the image inside carries role="doc-cover"
    "half-title": ("halftitlepage", None),
    "title-page": ("titlepage", None),
    "copyright-page": ("copyright-page", None),
    "toc": ("toc", "doc-toc"),
    "part": ("part", "doc-part"),
    "chapter": ("chapter", "doc-chapter"),
    "dedication": ("dedication", "doc-dedication"),
    "epigraph": ("epigraph", "doc-epigraph"),
    "foreword": ("foreword", "doc-foreword"),
    "preface": ("preface", "doc-preface"),
    "prologue": ("prologue", "doc-prologue"),
    "introduction": ("introduction", "doc-introduction"),
    "epilogue": ("epilogue", "doc-epilogue"),
    "afterword": ("afterword", "doc-afterword"),
    "acknowledgments": ("acknowledgments", "doc-acknowledgments"),
    "appendix": ("appendix", "doc-appendix"),
    "glossary": ("glossary", "doc-glossary"),
    "bibliography": ("bibliography", "doc-bibliography"),
    "colophon": ("colophon", "doc-colophon"),
    "conclusion": ("conclusion", "doc-conclusion"),
    "about-the-author": (None, None),
    "also-by": (None, None),
}
DEFAULT_TITLES = {role: role.capitalize() for role in SEMANTICS}
DEFAULT_TITLES.update({"acknowledgments": "Acknowledgements", "half-title": "Half Title",
                       "title-page": "Title Page", "copyright-page": "Copyright",
                       "toc": "Contents", "about-the-author": "About the Author",
                       "also-by": "Also by the Author"})


@dataclass
class Note:
    """A footnote: its number in its section, the ids of its call and body, its XHTML blocks."""

    number: int
    id: str
    ref_id: str
    blocks: list[etree._Element]


@dataclass
class Section:
    """One spine entry: a part title, or a Markdown file turned into XHTML."""

    id: str
    kind: Kind
    role: Role
    title: str | None
    source: Path | None
    subtitle: str | None = None
    body: etree._Element | None = None  # an XHTML <section> holding the text, notes excluded
    notes: list[Note] = field(default_factory=list)
    part: str | None = None  # id of the part this chapter belongs to
    number: int | None = None  # chapter number in the book, parts excluded
    generated: bool = False  # written by bookbuild from book.yaml (read/matter.py), not the author
    listed: bool = True  # in the contents and the nav (pandoc's `.unlisted` on its title: not)
    numbered: bool = True  # counted as a chapter (pandoc's `{-}`, `.unnumbered` on its title: not)
    lang: str | None = None  # its language when its header says (`lang:`), title included

    @property
    def file_name(self) -> str:
        return f"text/{self.id}.xhtml"

    @property
    def toc_title(self) -> str:
        return self.title or DEFAULT_TITLES.get(self.role, self.id)

    @property
    def epub_type(self) -> str | None:
        return SEMANTICS[self.role][0]

    @property
    def aria_role(self) -> str | None:
        return SEMANTICS[self.role][1]


@dataclass
class Image:
    """A picture the text uses: where it is on disk and its name inside the book."""

    source: Path
    name: str  # e.g. images/map.png
    media_type: str


@dataclass(frozen=True)
class PageBreak:
    """Where a page of the print edition begins, for the EPUB's page-list.

    `offset` counts `text_units` into the section's body; None means the page opens with the
    section itself (its heading, or a page with no text of its own).
    """

    label: str  # the folio as printed: roman in the front matter, arabic from the text on
    section: str  # a Section id
    offset: int | None


@dataclass
class Book:
    config: Config
    sections: list[Section]
    images: list[Image]
    modified: str  # dcterms:modified, e.g. 2026-11-01T12:00:00Z
    epoch: int  # the same instant as seconds, for zip and PDF dates
    # The print cover's blurb as paragraphs, and what is wrong with it: told only when a cover
    # is printed, as the text appears nowhere else.
    back_cover: list[etree._Element] = field(default_factory=list)
    back_cover_problems: list[Problem] = field(default_factory=list)
    # Each source file's text as decoded (chapters, book.yaml), for a writer's messages.
    source_texts: dict[Path, str] = field(default_factory=dict)
    # The title and subtitle as set (quotes curled, as the text's are); book.yaml's otherwise.
    title_set: str | None = None
    subtitle_set: str | None = None

    @property
    def title(self) -> str:
        return self.title_set or self.config.title

    @property
    def subtitle(self) -> str | None:
        return self.subtitle_set or self.config.subtitle

    @property
    def language(self) -> str:
        return self.config.language

    @property
    def cover(self) -> Image | None:
        """The front cover image (book.yaml `cover:`), named inside the book."""
        path = self.config.cover
        if path is None:
            return None
        same = next((i for i in self.images if i.source == path), None)
        if same:
            return same
        taken = {i.name for i in self.images}
        suffix = path.suffix.lower()
        name, n = f"images/cover{suffix}", 2
        while name in taken:
            name, n = f"images/cover-{n}{suffix}", n + 1
        media_type = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
        return Image(path, name, media_type)

    def first_line(self, path: Path | None, text: str) -> int | None:
        """The number of the first line of source file `path` that holds `text`, or None."""
        lines = self.source_texts.get(path, "").split("\n") if path is not None else []
        return next((n for n, line in enumerate(lines, start=1) if text in line), None)

    def chapters(self) -> list[Section]:
        """The sections written by the author (parts and generated pages left out)."""
        return [s for s in self.sections if s.kind != "part" and not s.generated]
