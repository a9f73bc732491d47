"""Font coverage: which characters the bundled fonts can set, and where the text needs others.

WeasyPrint would quietly borrow a system font for a missing glyph; we warn at the source line.
"""

from __future__ import annotations

import io
import re
import struct
import unicodedata
import zlib
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont

from bookbuild.book import Book
from bookbuild.errors import BookError, Problem, Report
from bookbuild.theme import PACKAGED, theme_file, theme_files

FONT_SUFFIXES = {".otf", ".ttf", ".woff", ".woff2"}
# A font's tables once unpacked; the largest CJK fonts hold about 20 MB. A WOFF's tables are
# unpacked only as far as this (a 2 MB file can declare, or inflate to, gigabytes).
MAX_FONT_BYTES = 50 * 2 ** 20
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


def check_fonts(book_root: Path) -> None:
    """Refuse, before WeasyPrint loads them, the book's own fonts (styles/fonts/) that unpack
    to more than MAX_FONT_BYTES (BB219) or that cannot be read (BB225), naming each file."""
    problems = []
    for path in theme_files(book_root, "fonts"):
        if path.suffix.lower() in FONT_SUFFIXES and not path.is_relative_to(PACKAGED):
            found = font_problem(path)
            if found:
                problems.append(Problem(path.relative_to(book_root).as_posix(), None, *found))
    if problems:
        raise BookError(problems)


def font_problem(path: Path) -> tuple[str, str] | None:
    """Why a font file cannot be used (BB219 too big once unpacked, BB225 unreadable), with
    its code, or None; a WOFF is unpacked only as far as MAX_FONT_BYTES."""
    size = path.stat().st_size
    if size > MAX_FONT_BYTES:
        return (f"the font file is {size / 2 ** 20:.1f} MB; bookbuild reads fonts of up to "
                f"{MAX_FONT_BYTES / 2 ** 20:.0f} MB", "BB219")
    data = path.read_bytes()
    try:
        unpacked = _unpacked_size(data)
    except (ValueError, IndexError, struct.error, zlib.error) as exc:
        return f"the font cannot be read: {exc}; the file is damaged or cut short", "BB225"
    if unpacked > MAX_FONT_BYTES:
        return (f"the font's tables unpack to more than {MAX_FONT_BYTES / 2 ** 20:.0f} MB; "
                f"bookbuild reads fonts of up to that", "BB219")
    try:
        with TTFont(io.BytesIO(data), lazy=True) as font:
            for tag in font.reader.keys():  # each table's data: a cut-short file shows here
                font.reader[tag]
            for tag in ("head", "maxp", "hhea"):
                font[tag]
            font.getBestCmap()
    except Exception as exc:  # noqa: BLE001 - fontTools fails in many ways on a broken font
        return (f"the font cannot be read ({type(exc).__name__}: {exc}); the file is damaged "
                f"or cut short", "BB225")
    return None


def _unpacked_size(data: bytes) -> int:
    """How big a font's tables are once unpacked, as far as MAX_FONT_BYTES (plus one):
    ValueError when a WOFF or WOFF2 does not unpack to what its directory declares."""
    if data[:4] == b"wOFF":
        return _woff_size(data)
    if data[:4] == b"wOF2":
        return _woff2_size(data)
    return len(data)  # OpenType and TrueType are stored as they are read


def _woff_size(data: bytes) -> int:
    """WOFF 1.0: each table is zlib data; none is unpacked past the length it declares."""
    count, total = struct.unpack_from(">H", data, 12)[0], 0
    for n in range(count):
        tag, offset, packed, length, _ = struct.unpack_from(">4sIIII", data, 44 + 20 * n)
        total += length
        if total > MAX_FONT_BYTES:
            return total
        if offset + packed > len(data):
            raise ValueError(f"its table '{tag.decode('latin-1')}' lies past the end of the file")
        if packed < length:
            inflated = zlib.decompressobj().decompress(data[offset:offset + packed], length + 1)
            if len(inflated) != length:
                raise ValueError(f"its table '{tag.decode('latin-1')}' does not unpack to the "
                                 f"length it declares")
    return total


def _woff2_size(data: bytes) -> int:
    """WOFF2: every table is in one Brotli stream after the table directory, unpacked here in
    steps only as far as MAX_FONT_BYTES."""
    import brotli

    flavor, count = data[4:8], struct.unpack_from(">H", data, 12)[0]
    packed = struct.unpack_from(">I", data, 20)[0]
    if flavor == b"ttcf":
        raise ValueError("it is a font collection; use a single font")
    pos = 48
    for _ in range(count):  # the directory: a flags byte, a tag, one or two lengths
        flags, pos = data[pos], pos + 1
        if flags & 0x3F == 0x3F:
            tag, pos = data[pos:pos + 4], pos + 4
        else:
            tag = b"glyf" if flags & 0x3F == 10 else b"loca" if flags & 0x3F == 11 else b""
        _, pos = _base128(data, pos)
        transformed = (flags >> 6 == 0) if tag in (b"glyf", b"loca") else flags >> 6 != 0
        if transformed:
            _, pos = _base128(data, pos)
    if pos + packed > len(data):
        raise ValueError("its compressed tables lie past the end of the file")
    stream = brotli.Decompressor()
    try:
        total = len(stream.process(data[pos:pos + packed], output_buffer_limit=2 ** 20))
        while total <= MAX_FONT_BYTES and not stream.is_finished() \
                and not stream.can_accept_more_data():  # more output is waiting
            total += len(stream.process(b"", output_buffer_limit=2 ** 20))
    except brotli.error as exc:
        raise ValueError(f"its compressed tables cannot be unpacked ({exc})") from None
    if total <= MAX_FONT_BYTES and not stream.is_finished():
        raise ValueError("its compressed tables are cut short")
    return total


def _base128(data: bytes, pos: int) -> tuple[int, int]:
    """A WOFF2 UIntBase128 at `pos`: its value and the position after it."""
    value = 0
    for at in range(pos, pos + 5):
        value = value << 7 | data[at] & 0x7F
        if not data[at] & 0x80:
            return value, at + 1
    raise ValueError("its table directory is malformed")


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
        for ch in missing:
            line = book.first_line(section.source, ch)
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
