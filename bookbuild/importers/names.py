"""Readable, safe file names for imported chapters and images, and image types by content.

Shared by the importers and folder.py, so a name is made one way.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_IMAGE_BYTES = 25 * 1024 * 1024  # as for images in a manuscript
SIGNATURES = {b"\x89PNG\r\n\x1a\n": ".png", b"\xff\xd8\xff": ".jpg", b"GIF87a": ".gif",
              b"GIF89a": ".gif"}


def slug(text: str, limit: int = 40) -> str:
    """`The Keeper's Ledger!` → `the-keepers-ledger`; ASCII letters and digits only."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower().replace("'", ""))
    name = "-".join(words)[:limit].strip("-")
    return name or "untitled"


def image_kind(data: bytes) -> str | None:
    """The file suffix for a PNG, JPEG, GIF or WebP by its first bytes, else None."""
    for signature, suffix in SIGNATURES.items():
        if data.startswith(signature):
            return suffix
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return None


def unique_name(taken: dict[str, bytes], stem: str, suffix: str) -> str:
    """`stem` as a slug with `suffix`, numbered if another image already has the name."""
    base = slug(stem)
    name, n = f"{base}{suffix}", 1
    while name in taken:
        n += 1
        name = f"{base}-{n}{suffix}"
    return name


def read_image(path: Path, root: Path) -> tuple[bytes, str] | None:
    """A picture's bytes and suffix, if `path` is a PNG, JPEG, GIF or WebP file inside `root`
    (symbolic links resolved) and not over the size limit; else None."""
    try:
        path = path.resolve()
        if not (path.is_relative_to(root.resolve()) and path.is_file()
                and path.stat().st_size <= MAX_IMAGE_BYTES):
            return None
        data = path.read_bytes()
    except (OSError, ValueError):
        return None
    kind = image_kind(data)
    return (data, kind) if kind else None


def natural_order(path: Path) -> tuple:
    """A sort key: `page-2.html` before `page-10.html`, by the numbers in the name."""
    return tuple(int(n) for n in re.findall(r"\d+", path.stem)), path.name
