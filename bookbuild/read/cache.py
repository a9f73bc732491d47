"""What reading each chapter produced, kept between builds in the user's cache folder
(`output.cache_folder`), never in the book, whose `build/` a stranger may have filled.

Two kinds of entry, both keyed by the chapter's text and a digest of bookbuild's own source and
the versions of Python-Markdown, lxml and Unicode:
- a chapter without pictures is kept as the `Section` reading made of it (its XHTML, notes and
  titles), since that depends on nothing but its text, its id and its place in the spine;
- any other chapter keeps Python-Markdown's output only: its pictures are checked again, as
  files on disk may have changed.
Links between chapters are resolved on every build, and a chapter is kept only when reading it
reported nothing past the file's own warnings (which are read again each time). New entries are
written, and those the build did not use removed, only when the whole build has succeeded: a
failed build writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from lxml import etree

from bookbuild import __version__
from bookbuild.book import Note, Section
from bookbuild.output import atomic_write, prune_folder, source_digest

ENTRY = re.compile(r"[0-9a-f]{32}\.(?:html|json)")  # the names `_put` gives


class ChapterCache:
    """Entries by key; `folder` None keeps nothing (`bookbuild stats` reads without one)."""

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.used: set[str] = set()
        self._new: dict[str, bytes] = {}
        self._code: bytes | None = None

    # ---- Python-Markdown's output ----

    def markup(self, text: str) -> str | None:
        data = self._get(self.key("markup", text), "html")
        return data.decode("utf-8") if data is not None else None

    def keep_markup(self, text: str, markup: str) -> None:
        self._put(self.key("markup", text), "html", markup.encode("utf-8"))

    # ---- read sections ----

    def section(self, key: str, source: Path) -> Section | None:
        data = self._get(key, "json")
        if data is None:
            return None
        try:
            facts = json.loads(data)
            section = Section(facts["id"], facts["kind"], facts["role"], facts["title"], source,
                              facts["subtitle"], _element(facts["body"]))
            section.listed, section.numbered = facts["listed"], facts["numbered"]
            section.lang = facts["lang"]
            section.notes = [Note(n["number"], n["id"], n["ref_id"],
                                  [_element(b, tail) for b, tail in n["blocks"]])
                             for n in facts["notes"]]
        except (ValueError, KeyError, TypeError, etree.XMLSyntaxError):
            return None
        return section

    def keep_section(self, key: str, section: Section, text: str) -> None:
        """Keep `section`, read from `text`, in place of the markup kept for that text."""
        markup = self.key("markup", text)
        self._new.pop(f"{markup}.html", None)
        self.used.discard(markup)
        facts = {"id": section.id, "kind": section.kind, "role": section.role,
                 "title": section.title, "subtitle": section.subtitle,
                 "listed": section.listed, "numbered": section.numbered, "lang": section.lang,
                 "body": etree.tostring(section.body, encoding="unicode"),
                 "notes": [{"number": n.number, "id": n.id, "ref_id": n.ref_id,
                            "blocks": [(etree.tostring(b, encoding="unicode", with_tail=False),
                                        b.tail) for b in n.blocks]}
                           for n in section.notes]}
        self._put(key, "json", json.dumps(facts, ensure_ascii=False).encode("utf-8"))

    # ---- keys and files ----

    def key(self, kind: str, *parts: str) -> str:
        digest = hashlib.sha256(self._code_digest() + kind.encode())
        for part in parts:
            digest.update(b"\0" + part.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()[:32]

    def new_entries(self) -> dict[str, bytes]:
        """The entries made since this cache was opened, by file name (what `save` writes)."""
        return dict(self._new)

    def take(self, entries: dict[str, bytes]) -> None:
        """Entries made by another process's cache (`new_entries`), found by this one's
        lookups from now on and written by its `save`."""
        if self.folder is not None:
            self._new.update(entries)

    def save(self) -> None:
        """Write the new entries; remove those this build did not use (chapters since edited
        or removed)."""
        if self.folder is None:
            return
        try:
            for name, data in self._new.items():
                atomic_write(self.folder / name, data, durable=False)
        except OSError:
            return  # a cache that cannot be written only makes the next build slower
        prune_folder(self.folder, self.used, ENTRY)

    def _get(self, key: str, suffix: str) -> bytes | None:
        if self.folder is None:
            return None
        self.used.add(key)
        if f"{key}.{suffix}" in self._new:  # taken from another process (`take`)
            return self._new[f"{key}.{suffix}"]
        try:
            return (self.folder / f"{key}.{suffix}").read_bytes()
        except OSError:
            return None

    def _put(self, key: str, suffix: str, data: bytes) -> None:
        if self.folder is not None:
            self.used.add(key)
            self._new[f"{key}.{suffix}"] = data

    def _code_digest(self) -> bytes:
        """bookbuild's version and source, and the versions of what it reads a chapter with.
        """
        if self._code is None:
            import sys
            import unicodedata

            import markdown

            # Also lxml's and libxml2's versions (parsing, serialising) and Unicode's (the
            # direction of text, letters and case), which a Python upgrade changes.
            digest = hashlib.sha256(repr((__version__, markdown.__version__, etree.LXML_VERSION,
                                          etree.LIBXML_VERSION, unicodedata.unidata_version,
                                          sys.version_info[:2])).encode())
            digest.update(source_digest())
            self._code = digest.digest()
        return self._code


def _element(text: str, tail: str | None = None) -> etree._Element:
    element = etree.fromstring(text)
    element.tail = tail
    return element
