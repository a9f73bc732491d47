"""The theme: CSS and fonts looked up by name, the book's own `styles/` first, then ours.

An author restyles a book by putting a file of the same name in the book's `styles/` folder.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

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


def confined_fetcher(book_root: Path):
    """A WeasyPrint URL fetcher that loads only `data:` URLs and files inside the book folder or
    bookbuild's theme: a book's print.css can pull no other file, nor anything remote, into
    the PDF (a refused URL is left out of the page, as WeasyPrint does with a missing one)."""
    from weasyprint.urls import URLFetcher

    roots = (book_root.resolve(), PACKAGED.resolve())

    class ConfinedFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            # Refused before urllib sees it: a host, even in a file: URL, is looked up in DNS.
            parts = urlsplit(url)
            if parts.scheme.lower() == "data":
                return super().fetch(url, headers)
            if parts.scheme.lower() != "file" or parts.netloc:
                raise ValueError(f"bookbuild loads nothing from a network: {url}")
            from urllib.request import url2pathname  # slow to import; PDF only

            path = Path(url2pathname(parts.path)).resolve()
            if not any(root in path.parents for root in roots):
                raise ValueError(f"bookbuild reads no file outside the book folder: {url}")
            if roots[0] in path.parents and _is_woff(path):  # WeasyPrint unpacks it
                from bookbuild.fonts import font_problem

                problem = font_problem(path)
                if problem:  # left out, as any refused URL; check_fonts names the file
                    raise ValueError(f"{problem[0]}: {url}")
            return super().fetch(f"file://{parts.path}", headers)

    return ConfinedFetcher(allowed_protocols=("file", "data"))


def _is_woff(path: Path) -> bool:
    """Whether the file is a WOFF or WOFF2 font, known as WeasyPrint knows it: by its content."""
    with path.open("rb") as handle:
        return handle.read(3) == b"wOF"
