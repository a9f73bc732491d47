"""The forum author's in-world conventions, read from a post's Markdown blocks.

"Excerpt from *Book* by Name" opens an excerpt, "Transcript of …" a transcript, `[1]` with a
`[1] note…` paragraph is a footnote; hands back the blocks with fenced divs and notes.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable

from bookbuild.importers.draft import Chapter, Draft
from bookbuild.importers.markdown import SCENE_BREAK, plain

OPENER_MAX = 300  # characters: a longer paragraph is narrative, whatever its first words
EXCERPT = re.compile(r"(?:an?\s+)?(?:excerpts?|extracts?)\s+(?:taken\s+)?from\s+(?P<source>.+?)"
                     r"(?:,?\s+by\s+(?P<author>[^,]+?))?\s*[.:]?", re.IGNORECASE)
TRANSCRIPT = re.compile(r"(?:(?:taken\s+)?from\s+)?(?:the\s+|an?\s+)?(?:official\s+)?"
                        r"transcripts?\s+(?:of|from)\s+(?P<source>.+?)\s*[.:]?", re.IGNORECASE)
MONTHS = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"
DATE = re.compile(
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{MONTHS})[a-z]*\.?(?:\s+\d{{1,2}}(?:st|nd|rd|th)?)?"
    rf",?\s+\d{{3,4}}|\d{{3,4}}(?:-\d\d){{0,2}}|\d{{1,2}}[./]\d{{1,2}}[./]\d{{2,4}}",
    re.IGNORECASE)
DASH = re.compile(r"\s*[-–—]\s*")
CALL = re.compile(r"\\\[(\d{1,3})\\\]")
DEFINITION = re.compile(r"^\\\[(\d{1,3})\\\]\s*")


def _value(text: str) -> str:
    """An attribute value: no double quotes or braces, which would end it."""
    text = text.strip().strip("\"'“”‘’").strip()
    return text.replace('"', "'").replace("}", ")").replace("{", "(")


def opener(block: str) -> str | None:
    """The fence that opens a document if `block` is an excerpt or transcript heading line."""
    text = plain(block).strip()
    if len(text) > OPENER_MAX or "\n" in text:
        return None
    if match := TRANSCRIPT.fullmatch(text):
        return f'::: {{.transcript source="{_value(match["source"])}"}}'
    if match := EXCERPT.fullmatch(text):
        author = f' author="{_value(match["author"])}"' if match["author"] else ""
        return f'::: {{.excerpt source="{_value(match["source"])}"{author}}}'
    return None


def documents(blocks: list[str], found: Counter) -> list[str]:
    """Blocks with each excerpt and transcript in its fenced div.

    A document runs from its heading line to the next document's heading line, a scene
    break, or the end of the post (its notes excepted): the author's posts set documents
    one after another and return to narrative only after a break.
    """
    out: list[str] = []
    open_ = False
    for block in blocks:
        fence = opener(block)
        if fence or block == SCENE_BREAK:
            if open_:
                out.append(":::")
            open_ = bool(fence)
            if fence:
                found["excerpts" if ".excerpt" in fence else "transcripts"] += 1
                out.append(fence)
                continue
        out.append(block)
    if open_:
        out.append(":::")
    return out


def notes(blocks: list[str], warn: Callable[[str], None]) -> tuple[list[str], list[str], int]:
    """Blocks with `[n]` calls as `[^n]`, and the `[n] note…` paragraphs as definitions."""
    defined: dict[str, str] = {}
    body: list[str] = []
    called: set[str] = set()
    for block in blocks:
        match = DEFINITION.match(block)
        if match and match[1] in called and match[1] not in defined:
            defined[match[1]] = block[match.end():].strip()
            continue
        called.update(CALL.findall(block))
        body.append(block)
    for label in sorted(called - set(defined), key=int):
        warn(f"[{label}] is called but no '[{label}] …' note follows; it was kept as text")
    body = [CALL.sub(lambda m: f"[^{m[1]}]" if m[1] in defined else m[0], b) for b in body]
    definitions = [f"[^{label}]: {text}" for label, text in defined.items()]
    return body, definitions, len(defined)


def split_title(label: str) -> tuple[str, str | None]:
    """"Title-Date" or "Title - March 1st, 1953" → the title and the date as a subtitle."""
    for dash in DASH.finditer(label):
        title, rest = label[:dash.start()].strip(), label[dash.end():].strip()
        if title and DATE.fullmatch(rest):
            return title, rest
    return label.strip(), None


def serial_chapter(label: str | None, blocks: list[str], where: str, draft: Draft,
                   index: int) -> Chapter | None:
    """A post's blocks as a chapter: its title (the threadmark, else a bold first line, else
    "Chapter N") split from its date, its notes and its documents."""
    blocks = [unicodedata.normalize("NFC", b) for b in blocks]
    if not blocks:
        draft.warn(where, "holds no text; it was left out")
        return None
    title = label
    if title is None and re.fullmatch(r"\*\*[^*\n]{1,120}\*\*", blocks[0]):
        title = plain(blocks.pop(0)).strip()
    title, subtitle = split_title(unicodedata.normalize("NFC", title or f"Chapter {index}"))
    body, definitions, count = notes(blocks, lambda m: draft.warn(where, m))
    body = documents(body, draft.found)
    return Chapter(title, body + definitions, subtitle, notes=count)
