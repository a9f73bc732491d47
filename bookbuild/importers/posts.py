"""A serial kept as a folder of plain-text posts, one file per chapter, in name order.

A file's first line, when short and followed by a blank line, is its title ("Title-Date");
every other line is a paragraph, BBCode marks ([i], [b], [url=…]) kept; hands on a `Draft`.
"""

from __future__ import annotations

import re
from pathlib import Path

from bookbuild.errors import BookError, Problem
from bookbuild.importers import conventions
from bookbuild.importers.draft import Draft
from bookbuild.importers.markdown import Converter, escape
from bookbuild.importers.names import natural_order
from bookbuild.markdown_ext.limits import MAX_CHAPTER_BYTES

POST_SUFFIXES = (".txt", ".text", ".md", ".markdown")
TITLE_MAX = 120
BBCODE = [(re.compile(r"\\\[(/?)i\\\]", re.IGNORECASE), "*"),
          (re.compile(r"\\\[(/?)b\\\]", re.IGNORECASE), "**")]
BBCODE_SPAN = re.compile(r"\\\[(u|s)\\\](.+?)\\\[/\1\\\]", re.IGNORECASE)
BBCODE_URL = re.compile(r"\\\[url=(https?://[^\]\s\\]+)\\\](.+?)\\\[/url\\\]", re.IGNORECASE)


def post_files(folder: Path) -> list[Path]:
    """The text posts in a folder, in the order of the numbers in their names."""
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in POST_SUFFIXES
                   and p.is_file() and not p.name.startswith(".")), key=natural_order)


def _bbcode(markdown: str) -> str:
    """[i], [b], [u], [s] and [url=…] in an escaped line back as Markdown marks."""
    for pattern, mark in BBCODE:
        markdown = pattern.sub(mark, markdown)
    markdown = BBCODE_SPAN.sub(lambda m: f"[{m[2]}]{{.underline}}" if m[1].lower() == "u"
                               else f"~~{m[2]}~~", markdown)
    return BBCODE_URL.sub(lambda m: f"[{m[2]}]({m[1].replace(chr(92), '')})", markdown)


def _text(path: Path) -> str:
    shown = path.as_posix()
    try:
        if path.stat().st_size > MAX_CHAPTER_BYTES:
            raise BookError(Problem(shown, None, f"is larger than a chapter can be "
                                                 f"({MAX_CHAPTER_BYTES // 2**20} MB)", "BB501"))
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BookError(Problem(shown, None, f"is not UTF-8 text (byte {exc.start}); save it "
                                             f"as UTF-8 and import again", "BB501")) from None
    except OSError as exc:
        raise BookError(Problem(shown, None, f"cannot be read ({exc.strerror or exc})",
                                "BB501")) from None


def read_posts(folder: Path, author: str | None = None) -> Draft:
    """The draft of a serial from its text posts; every file is a chapter."""
    draft = Draft(authors=[author] if author else [])
    paragraphs = Converter(lambda message: None)
    for index, path in enumerate(post_files(folder), start=1):
        where = path.as_posix()
        lines = _text(path).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        title = None
        if (len(lines) > 1 and 0 < len(lines[0].strip()) <= TITLE_MAX
                and not lines[1].strip()):
            title = lines.pop(0).strip()
        blocks = [paragraphs.paragraph(_bbcode(escape(" ".join(line.split()))))
                  for line in lines if line.strip()]
        chapter = conventions.serial_chapter(title, blocks, where, draft, index)
        if chapter is not None:
            draft.chapters.append(chapter)
    if not draft.chapters:
        raise BookError(Problem(folder.as_posix(), None, "holds no post with text; nothing was "
                                                         "written", "BB502"))
    return draft
