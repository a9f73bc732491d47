"""The theme: CSS and fonts looked up by name, the book's own `styles/` first, then ours.

An author restyles a book by putting a file of the same name in the book's `styles/` folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).parent / "theme"


def theme_file(book_root: Path, name: str) -> Path:
    """The path of a theme file such as `epub.css` or `fonts/LinLibertine_R.otf`."""
    own = book_root / "styles" / name
    return own if own.is_file() else PACKAGED / name


def theme_files(book_root: Path, folder: str) -> list[Path]:
    """Every file in a theme folder, the book's own shadowing ours by name, sorted by name."""
    found: dict[str, Path] = {}
    for base in (PACKAGED / folder, book_root / "styles" / folder):
        if base.is_dir():
            found.update({p.name: p for p in base.iterdir() if p.is_file()})
    return [found[name] for name in sorted(found)]
