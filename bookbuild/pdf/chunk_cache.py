"""Laid-out sections kept between builds in the user's cache folder, keyed by their print HTML
and everything else that shapes their pages (the theme's digest); hands back `ChunkResult`s.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bookbuild import __version__
from bookbuild.output import prune_folder, source_digest
from bookbuild.theme import theme_files

DATES = re.compile(r'<meta name="dcterms\.(?:created|modified)"[^>]*>')
CHUNK_ENTRY = re.compile(r"(?:furniture-|blank-)?[0-9a-f]{32}\.(?:pdf|json)")  # what put_raw names


@dataclass
class ChunkResult:
    """One body section laid out: its PDF and what the preflight and the EPUB need of it."""

    pages: int
    anchors: dict[str, int]  # element id → 1-based page in the chunk
    hyphen_pages: list[int]  # pages whose last line still ends in a hyphen
    starts: list[tuple[str, int | None]]  # per page: (section id, text units before it)
    pdf: bytes = field(repr=False, default=b"")


def theme_digest(root: Path, css: Path) -> bytes:
    """The versions of bookbuild and WeasyPrint, bookbuild's own source (the layout code: the
    make-up pass, the loose-line re-set), print.css and the fonts (each by its name, size and
    first 4 KB): what shapes a layout besides its HTML."""
    from importlib.metadata import version

    digest = hashlib.sha256()
    for part in (__version__, version("weasyprint")):
        digest.update(part.encode())
    digest.update(source_digest())
    digest.update(css.read_bytes())
    for font in theme_files(root, "fonts"):
        with font.open("rb") as handle:
            head = handle.read(4096)
        digest.update(font.name.encode() + head + str(font.stat().st_size).encode())
    return digest.digest()


class ChunkCache:
    """Laid-out sections on disk, keyed by everything that shapes their pages."""

    def __init__(self, folder: Path, theme: bytes):
        self.folder = folder
        self.used: set[str] = set()
        self.theme = theme  # theme_digest, made once per build (by Workers)

    def key(self, html: str) -> str:
        digest = hashlib.sha256(self.theme)
        # A section's own PDF dates are dropped when the book is assembled; keying on them
        # would lay every section out again whenever any file is touched.
        digest.update(DATES.sub("", html).encode())
        return digest.hexdigest()[:32]

    def prune(self) -> None:
        """Remove the entries this build did not use (sections since edited, an older
        layout's furniture), so that the cache holds one book's worth, not every version."""
        prune_folder(self.folder, self.used, CHUNK_ENTRY)

    def get(self, key: str) -> ChunkResult | None:
        cached = self.get_raw(key)
        if cached is None:
            return None
        try:
            result = ChunkResult(**{**cached[1], "pdf": cached[0]})
        except TypeError:  # written by another version of bookbuild
            return None
        result.starts = [tuple(s) for s in result.starts]
        return result

    def put(self, key: str, result: ChunkResult) -> None:
        facts = asdict(result)
        facts.pop("pdf")
        self.put_raw(key, result.pdf, facts)

    def get_raw(self, key: str) -> tuple[bytes, dict] | None:
        self.used.add(key)
        try:
            facts = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            return (self.folder / f"{key}.pdf").read_bytes(), facts
        except (OSError, ValueError):
            return None

    def put_raw(self, key: str, data: bytes, facts: dict) -> None:
        from bookbuild.output import atomic_write

        self.used.add(key)
        # The PDF first: a facts file is only ever read beside a complete PDF.
        atomic_write(self.folder / f"{key}.pdf", data)
        atomic_write(self.folder / f"{key}.json", json.dumps(facts).encode())
