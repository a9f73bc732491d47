"""The one model in the middle: a `Book` of metadata and ordered sections with their notes.

manuscript.py builds it; the EPUB and PDF writers only read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from bookbuild.config import Config

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML_NS, "epub": EPUB_NS}


def h(tag: str) -> str:
    """The namespaced name of an XHTML element."""
    return f"{{{XHTML_NS}}}{tag}"


EPUB_TYPE = f"{{{EPUB_NS}}}type"

# epub:type and DPUB-ARIA role for each section role (None: no ARIA role exists for it).
SEMANTICS: dict[str, tuple[str, str | None]] = {
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
}
DEFAULT_TITLES = {role: role.capitalize() for role in SEMANTICS}
DEFAULT_TITLES["acknowledgments"] = "Acknowledgements"


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
    kind: str  # frontmatter | chapter | backmatter | part
    role: str  # a key of SEMANTICS
    title: str | None
    source: Path | None
    subtitle: str | None = None
    body: etree._Element | None = None  # an XHTML <section> holding the text, notes excluded
    notes: list[Note] = field(default_factory=list)
    part: str | None = None  # id of the part this chapter belongs to
    number: int | None = None  # chapter number in the book, parts excluded

    @property
    def file_name(self) -> str:
        return f"text/{self.id}.xhtml"

    @property
    def toc_title(self) -> str:
        return self.title or DEFAULT_TITLES.get(self.role, self.id)

    @property
    def epub_type(self) -> str:
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


@dataclass
class Book:
    config: Config
    sections: list[Section]
    images: list[Image]
    modified: str  # dcterms:modified, e.g. 2026-11-01T12:00:00Z
    epoch: int  # the same instant as seconds, for zip and PDF dates

    @property
    def title(self) -> str:
        return self.config.title

    @property
    def language(self) -> str:
        return self.config.language

    def chapters(self) -> list[Section]:
        return [s for s in self.sections if s.kind != "part"]
