"""Python-Markdown's output for each chapter, kept between builds under `.cache/markdown/`.

Converting the Markdown is most of the time a build spends reading the manuscript, and its
output depends on nothing but the chapter's text and the converter: the text, Python-Markdown's
version, bookbuild's and the source of our extensions make the key. Everything after the
conversion (checks, ids, images, links) runs on every build, so a cached chapter is checked
exactly as a fresh one. New entries are written, and those the build did not use removed,
only when the whole build has succeeded: a failed build writes nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from bookbuild import __version__
from bookbuild.output import atomic_write

EXTENSIONS = Path(__file__).parent / "markdown_ext"


class MarkdownCache:
    """Markup by chapter text; `folder` None keeps nothing (`bookbuild stats` reads without one)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()
        self._new: dict[str, str] = {}
        self._converter: bytes | None = None

    def get(self, text: str) -> str | None:
        if self.folder is None:
            return None
        key = self._key(text)
        self.used.add(key)
        try:
            return (self.folder / f"{key}.html").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def put(self, text: str, markup: str) -> None:
        if self.folder is not None:
            key = self._key(text)
            self.used.add(key)
            self._new[key] = markup

    def save(self) -> None:
        """Write the new entries; remove those this build did not use (chapters since edited
        or removed)."""
        if self.folder is None:
            return
        try:
            for key, markup in self._new.items():
                atomic_write(self.folder / f"{key}.html", markup.encode("utf-8"))
            for entry in self.folder.glob("*.html"):
                if entry.stem not in self.used:
                    entry.unlink(missing_ok=True)
        except OSError:
            pass  # a cache that cannot be written only makes the next build slower

    def _key(self, text: str) -> str:
        digest = hashlib.sha256(self._converter_digest())
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:32]

    def _converter_digest(self) -> bytes:
        if self._converter is None:
            import markdown

            digest = hashlib.sha256(f"{__version__} {markdown.__version__}".encode())
            for source in sorted(EXTENSIONS.glob("*.py")):
                digest.update(source.name.encode() + source.read_bytes())
            self._converter = digest.digest()
        return self._converter
