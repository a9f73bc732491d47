"""The theme: CSS and fonts looked up by name, the book's own `styles/` first, then ours.

An author restyles a book by putting a file of the same name in the book's `styles/` folder.
"""

from __future__ import annotations

from pathlib import Path

from bookbuild.css_policy import stylesheet_problems
from bookbuild.errors import BookError, Problem, Report

PACKAGED = Path(__file__).parent / "theme"
STYLESHEETS = ("epub.css", "print.css", "cover.css")


def _inside(book_root: Path, path: Path) -> Path:
    """`path` itself, after making sure a book's own theme file does not lead outside the book
    (a symbolic link to ~/.ssh would otherwise be copied into the EPUB)."""
    root = book_root.resolve()
    if root not in path.resolve().parents:
        raise BookError(Problem(path.relative_to(book_root).as_posix(), None,
                                "this theme file leads outside the book folder (a symbolic "
                                "link?); put the file itself in styles/", "BB105"))
    return path


def theme_file(book_root: Path, name: str) -> Path:
    """The path of a theme file such as `epub.css` or `fonts/LinLibertine_R.otf`."""
    own = book_root / "styles" / name
    return _inside(book_root, own) if own.is_file() else PACKAGED / name


def theme_files(book_root: Path, folder: str) -> list[Path]:
    """Every file in a theme folder, the book's own shadowing ours by name, sorted by name."""
    found: dict[str, Path] = {}
    for base in (PACKAGED / folder, book_root / "styles" / folder):
        if base.is_dir():
            found.update({p.name: p for p in base.iterdir() if p.is_file()})
    return [path if path.is_relative_to(PACKAGED) else _inside(book_root, path)
            for path in (found[name] for name in sorted(found))]


def check_stylesheets(book_root: Path, report: Report) -> None:
    """Report every @import and every URL in the book's own stylesheets that would load from
    outside the book, at its line: they go into the EPUB as they are, and into the PDF."""
    root = book_root.resolve()
    for name in STYLESHEETS:
        own = book_root / "styles" / name
        if not own.is_file() or root not in own.resolve().parents:
            continue  # ours, or a link out of the book that theme_file reports
        for line, problem in stylesheet_problems(own.read_bytes(), files=True):
            report.error(own, line, problem, "BB233")
