"""`bookbuild import`: a Word manuscript or a forum serial becomes a new book folder.

Each importer (docx.py, forum.py, posts.py) reads its input into a `Draft` (draft.py);
folder.py writes the draft as book.yaml and chapter files. Only the CLI imports this package.
"""

from __future__ import annotations

from pathlib import Path

from bookbuild.errors import BookError, Problem
from bookbuild.importers.draft import Draft
from bookbuild.importers.folder import check_target, write_book

__all__ = ["import_book", "Draft"]


def read_source(source: Path, author: str | None = None, track_changes: str | None = None,
                chapter_style: str | None = None) -> Draft:
    """The draft of a book from a .docx file, a folder of saved thread pages, a saved page,
    or a folder of text posts; a clear `BookError` (BB501/BB502/BB503) for anything else."""
    from bookbuild.importers import docx, forum, posts

    shown = source.as_posix()
    if not source.exists():
        raise BookError(Problem(shown, None, "does not exist", "BB501"))
    if source.is_dir():
        pages = forum.page_files(source)
        if pages:
            return forum.read_thread(pages, source, author)
        if posts.post_files(source):
            return posts.read_posts(source, author)
        raise BookError(Problem(shown, None, "holds neither saved forum pages (.html) nor text "
                                             "posts (.txt, .md); nothing was written", "BB501"))
    suffix = source.suffix.lower()
    if suffix == ".docx":
        return docx.read_docx(source, track_changes, chapter_style)
    if suffix in (".html", ".htm", ".xhtml"):
        return forum.read_thread([source], source.parent, author)
    if suffix in (".doc", ".odt", ".rtf", ".pages", ".wpd"):
        raise BookError(Problem(shown, None, f"is a {suffix} file, which bookbuild cannot "
                                             f"import: open it in Word or LibreOffice and save "
                                             f"it as .docx (Word Document), then import that",
                                "BB501"))
    raise BookError(Problem(shown, None, "is not a Word .docx file, a saved forum page (.html) "
                                         "or a folder of them; nothing was written", "BB501"))


def import_book(source: Path, folder: Path, author: str | None = None,
                track_changes: str | None = None,
                chapter_style: str | None = None) -> tuple[Draft, list[Path]]:
    """Read `source` and write it as a new book in `folder` (which must not hold anything);
    the draft (for its summary and warnings) and the files written."""
    check_target(folder)
    draft = read_source(source, author, track_changes, chapter_style)
    if author:
        draft.authors = [author]
    return draft, write_book(draft, folder)
