"""Writes an import's `Draft` as a new book folder: book.yaml, manuscript/, images.

book.yaml is `bookbuild new`'s commented template with the keys the import knows filled in
and the spine listing the chapters; the folder appears whole or not at all.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path

from bookbuild.commands.new import RENAMED, TEMPLATE, schema_uri
from bookbuild.errors import BookError, Problem
from bookbuild.importers.draft import Chapter, Draft
from bookbuild.importers.names import slug
from bookbuild.theme import PACKAGED

# Where the template's sample values stand; an import comments them out or fills them in.
SAMPLE_MATTER = re.compile(r"^dedication: .*\nepigraph:\n(?:  .*\n)+", re.MULTILINE)
SAMPLE_SPINE = re.compile(r"^spine:\n(?:  .*\n)+", re.MULTILINE)


def check_target(folder: Path) -> None:
    """Refuse a target that holds anything, before any input is read (as `bookbuild new`)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BookError(Problem(folder.as_posix(), None, "already exists and is not an empty "
                                                         "folder; nothing was written: choose a "
                                                         "new folder name", "BB002"))


def _quoted(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _commented(text: str) -> str:
    return "".join(f"# {line}\n" if line else "\n" for line in text.rstrip("\n").split("\n"))


def book_yaml(draft: Draft, files: list[str], fallback_title: str) -> str:
    """The template's book.yaml with the draft's metadata and spine."""
    text = (TEMPLATE / "book.yaml").read_text(encoding="utf-8")
    authors = draft.authors or ["Your Name"]
    values = {
        "@TITLE@": _quoted(draft.title or fallback_title),
        "@AUTHOR@": (_quoted(authors[0]) if len(authors) == 1
                     else "[" + ", ".join(_quoted(a) for a in authors) + "]"),
        "@SCHEMA@": schema_uri(),
        "@THEME@": str(PACKAGED.resolve()),
    }
    for placeholder, value in values.items():
        text = text.replace(placeholder, value)
    if draft.language:
        text = re.sub(r"^language: en$", f"language: {draft.language}", text, flags=re.MULTILINE)
    for key, value in (("description", draft.description), ("rights", draft.rights)):
        if value:
            text = re.sub(rf"^# {key}: .*$", lambda _, k=key, v=value: f"{k}: {_quoted(v)}",
                          text, count=1, flags=re.MULTILINE)
    if draft.subjects:
        subjects = "[" + ", ".join(_quoted(s) for s in draft.subjects) + "]"
        text = re.sub(r"^# subjects: .*$", lambda _: f"subjects: {subjects}", text, count=1,
                      flags=re.MULTILINE)
    matter = SAMPLE_MATTER.search(text)
    if matter:
        sample = _commented(matter.group(0))
        if draft.dedication:
            sample = f"dedication: {_quoted(draft.dedication)}\n" + sample.split("\n", 1)[1]
        text = text[:matter.start()] + sample + text[matter.end():]
    spine = "spine:\n" + "".join(f"  - {entry}\n" for entry in files)
    return SAMPLE_SPINE.sub(lambda _: spine, text, count=1)


def chapter_text(chapter: Chapter) -> str:
    """A chapter file: its header (title, subtitle), then its blocks."""
    header = f"---\ntitle: {_quoted(chapter.title)}\n"
    if chapter.subtitle:
        header += f"subtitle: {_quoted(chapter.subtitle)}\n"
    return header + "---\n\n" + "\n\n".join(chapter.blocks) + "\n"


def write_book(draft: Draft, folder: Path) -> list[Path]:
    """Write the book into a temporary folder beside `folder`, then move it into place."""
    check_target(folder)
    folder = Path(os.path.abspath(folder))
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        written = _write(draft, staging, folder)
        if folder.exists():
            folder.rmdir()  # empty, as check_target found it
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [folder / path.relative_to(staging) for path in written]


def _write(draft: Draft, root: Path, final: Path) -> list[Path]:
    from bookbuild.commands.new import title_from_folder

    manuscript = root / "manuscript"
    manuscript.mkdir()
    written: list[Path] = []
    entries: list[str] = []
    width = max(2, len(str(len(draft.chapters))))
    for number, chapter in enumerate(draft.chapters, start=1):
        name = f"{number:0{width}d}-{slug(chapter.title)}.md"
        path = manuscript / name
        path.write_text(chapter_text(chapter), encoding="utf-8")
        written.append(path)
        file = f"manuscript/{name}"
        entries.append(f"{{file: {file}, type: {_kind(chapter.role)}, role: {chapter.role}}}"
                       if chapter.role else file)
    if draft.images:
        (manuscript / "images").mkdir()
        for name, data in draft.images.items():
            (manuscript / "images" / name).write_bytes(data)
            written.append(manuscript / "images" / name)
    (root / "book.yaml").write_text(book_yaml(draft, entries, title_from_folder(final)),
                                    encoding="utf-8")
    written.append(root / "book.yaml")
    for name, renamed in RENAMED.items():
        if (TEMPLATE / name).is_file():
            shutil.copyfile(TEMPLATE / name, root / renamed)
            written.append(root / renamed)
    # The new book's placeholder cover, which book.yaml names, until the author's own.
    cover = TEMPLATE / "images" / "cover.png"
    if cover.is_file():
        (root / "images").mkdir()
        shutil.copyfile(cover, root / "images" / "cover.png")
        written.append(root / "images" / "cover.png")
    styles = TEMPLATE / "styles" / "README.md"
    if styles.is_file():
        (root / "styles").mkdir()
        shutil.copyfile(styles, root / "styles" / "README.md")
        written.append(root / "styles" / "README.md")
    return written


FRONT_ROLES = {"dedication", "epigraph", "foreword", "preface", "prologue", "introduction"}


def _kind(role: str) -> str:
    if role in FRONT_ROLES:
        return "frontmatter"
    return "chapter" if role in ("chapter", "epilogue", "conclusion") else "backmatter"
