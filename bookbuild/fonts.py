"""Font coverage: which characters the bundled fonts can set, and where the text needs others.

WeasyPrint would quietly borrow a system font for a missing glyph; we warn at the source line.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from bookbuild.book import Book
from bookbuild.errors import Report
from bookbuild.theme import theme_file, theme_files

FONT_SUFFIXES = {".otf", ".ttf", ".woff", ".woff2"}
# Characters that need no glyph: spaces and invisible format controls.
NO_GLYPH_CATEGORIES = {"Cc", "Cf", "Zl", "Zp"}


@lru_cache(maxsize=8)
def _cmap(path: Path, mtime: float) -> frozenset[int]:
    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap() or {})


def covered_characters(book_root: Path) -> frozenset[int]:
    """Every code point some bundled font has a glyph for."""
    covered: set[int] = set()
    for path in theme_files(book_root, "fonts"):
        if path.suffix.lower() in FONT_SUFFIXES:
            covered |= _cmap(path, path.stat().st_mtime)
    return frozenset(covered)


def check_glyphs(book: Book, report: Report) -> None:
    """Warn once per character that no bundled font covers, at its first source line."""
    covered = covered_characters(book.config.root)
    for section in book.sections:  # generated pages too: their text comes from book.yaml
        if section.body is None:
            continue
        texts = [section.title or "", section.subtitle or "",
                 "".join(section.body.itertext()),
                 *("".join(b.itertext()) for n in section.notes for b in n.blocks)]
        missing = sorted({ch for text in texts for ch in text
                          if ord(ch) not in covered and not ch.isspace()
                          and unicodedata.category(ch) not in NO_GLYPH_CATEGORIES})
        if not missing:
            continue
        lines = section.source.read_text(encoding="utf-8-sig").split("\n")
        for ch in missing:
            line = next((n for n, text in enumerate(lines, start=1) if ch in text), None)
            name = unicodedata.name(ch, "unnamed character")
            report.warning(section.source, line,
                           f"'{ch}' (U+{ord(ch):04X} {name}) is in none of the bundled fonts; "
                           f"print would fall back to a system font", "BB401")



def bundled_font_names(book_root: Path) -> set[str]:
    """Family names the theme's @font-face rules give the bundled fonts, spaces removed.

    WeasyPrint names an embedded font after its CSS family (e.g. `ABCDEF+Libertine-Italic`).
    """
    css = theme_file(book_root, "print.css").read_text(encoding="utf-8")
    names = set()
    for rule in re.findall(r"@font-face\s*\{([^}]*)\}", css):
        family = re.search(r"font-family\s*:\s*[\"']?([^;\"']+)", rule)
        if family:
            names.add(family[1].strip().replace(" ", ""))
    return names


def is_bundled(pdf_font_name: str, families: set[str]) -> bool:
    base = pdf_font_name.split("+", 1)[-1]
    return any(base == f or base.startswith(f + "-") for f in families)
