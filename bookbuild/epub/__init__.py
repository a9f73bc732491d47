"""The EPUB writer: turns a `Book` into an EPUB 3 file, byte for byte repeatable.

documents.py makes the content documents, navigation.py the nav and NCX (all with lxml);
package.py has ebooklib pack the OPF and zip, then fixes what would vary between builds.
"""

from __future__ import annotations

from pathlib import Path

from bookbuild.book import Book, PageBreak
from bookbuild.epub.package import epub_bytes, repack
from bookbuild.output import atomic_write


def write_epub(book: Book, path: Path, page_breaks: list[PageBreak] | None = None) -> Path:
    """Write `book` to `path` atomically; returns the path.

    `page_breaks` (from the print layout) become invisible page markers and a page-list, so
    readers can find and cite the print edition's pages.
    """
    data = repack(epub_bytes(book, page_breaks or []), book.epoch, book.language)
    atomic_write(path, data)
    return path
