"""`bookbuild new`: a new book folder from the template in `newbook/`, ready to build and check.

The template is data (book.yaml, two chapters, styles/README.md); this fills in the title,
author and the path of the JSON Schema that editors use to complete book.yaml.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from bookbuild.errors import BookError, Problem
from bookbuild.theme import PACKAGED

TEMPLATE = Path(__file__).parents[1] / "newbook"
SCHEMA_FILE = Path(__file__).parents[1] / "schema" / "book.schema.json"
# Files the template stores under another name (package data skips dot files).
RENAMED = {"gitignore": ".gitignore"}
TEXT_SUFFIXES = {".yaml", ".md", ""}


def schema_uri() -> str:
    """The installed book.yaml JSON Schema as a file URI, for the yaml-language-server line."""
    return SCHEMA_FILE.resolve().as_uri()


def title_from_folder(folder: Path) -> str:
    """`my-novel` → `My Novel`: a starting title the author will change."""
    words = re.split(r"[-_\s]+", folder.name.strip())
    return " ".join(w[:1].upper() + w[1:] for w in words if w) or "Untitled"


def new_book(folder: Path, title: str | None = None, author: str | None = None) -> list[Path]:
    """Write a new book into `folder` (created if needed); returns the files written.

    Refuses a folder that already holds anything, so nothing of the author's is overwritten.
    """
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BookError(Problem(folder.as_posix(), None, "already exists and is not an empty "
                                                         "folder; nothing was written: choose a "
                                                         "new folder name", "BB002"))
    values = {
        "@TITLE@": json.dumps(title or title_from_folder(folder), ensure_ascii=False),
        "@AUTHOR@": json.dumps(author or "Your Name", ensure_ascii=False),
        "@SCHEMA@": schema_uri(),
        "@THEME@": str(PACKAGED.resolve()),
    }
    written = []
    for source in sorted(TEMPLATE.rglob("*")):
        if not source.is_file() or "__pycache__" in source.parts:
            continue
        relative = source.relative_to(TEMPLATE)
        target = folder / relative.parent / RENAMED.get(relative.name, relative.name)
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.suffix in TEXT_SUFFIXES:
            text = source.read_text(encoding="utf-8")
            for placeholder, value in values.items():
                text = text.replace(placeholder, value)
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(source, target)
        written.append(target)
    return written
