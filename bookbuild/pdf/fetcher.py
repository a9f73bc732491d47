"""What WeasyPrint may load while it lays the book out: `data:` URLs and files inside the book
or bookbuild's theme, and no font that would unpack past the limits; nothing with a host.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bookbuild.pdf.fonts import font_problem
from bookbuild.theme import PACKAGED

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.urls import URLFetcher


def confined_fetcher(book_root: Path) -> URLFetcher:
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
                problem = font_problem(path)
                if problem:  # left out, as any refused URL; check_fonts names the file
                    raise ValueError(f"{problem[0]}: {url}")
            return super().fetch(f"file://{parts.path}", headers)

    return ConfinedFetcher(allowed_protocols=("file", "data"))


def _is_woff(path: Path) -> bool:
    """Whether the file is a WOFF or WOFF2 font, known as WeasyPrint knows it: by its content."""
    with path.open("rb") as handle:
        return handle.read(3) == b"wOF"
