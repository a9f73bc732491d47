"""Pandoc's heading attributes and identifiers: `{-}` read as `{.unnumbered}` before
`attr_list` takes `{#id .class}` off the heading, then every heading without an id given one
by pandoc's algorithm (auto_identifiers), unique within the chapter."""

from __future__ import annotations

import re
import unicodedata
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from bookbuild.markdown_ext.attributes import parse_attributes

HEADING_ATTRS = re.compile(r"^(#{1,6}[ \t].*?[ \t])\{([^{}\n]*)\}[ \t]*$")
SETEXT_RULE = re.compile(r"^(=+|-+)[ \t]*$")
TEXT_ATTRS = re.compile(r"^(.*?[ \t])\{([^{}\n]*)\}[ \t]*$")
STASHED = re.compile("\x02[^\x03]*\x03")
AUTO_ID = "data-auto-id"
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def pandoc_id(text: str) -> str:
    """The identifier pandoc gives a heading with this text (before it is made unique)."""
    text = "-".join(text.split()).lower()
    kept = "".join(c for c in text if c in "_-." or unicodedata.category(c)[0] in "LN")
    start = next((i for i, c in enumerate(kept) if unicodedata.category(c)[0] == "L"), None)
    return kept[start:] if start is not None else ""


def unique(base: str, used: set[str]) -> str:
    """`base` or, when taken, `base-1`, `base-2`... as pandoc numbers repeats."""
    value, n = base or "section", 0
    while value in used:
        n += 1
        value = f"{base or 'section'}-{n}"
    used.add(value)
    return value


def _unnumbered(attrs: str) -> str:
    return " ".join(".unnumbered" if token == "-" else token for token in attrs.split())


class HeadingAttrsPreprocessor(Preprocessor):
    """`{-}` is pandoc's short `.unnumbered`; attr_list would make an attribute of the dash."""

    def run(self, lines: list[str]) -> list[str]:
        for n, line in enumerate(lines):
            if "{" not in line:
                continue
            match = HEADING_ATTRS.match(line)
            if match is None and n + 1 < len(lines) and SETEXT_RULE.match(lines[n + 1]) \
                    and line.strip():
                match = TEXT_ATTRS.match(line)
            if match and "-" in match[2].split():
                lines[n] = f"{match[1]}{{{_unnumbered(match[2])}}}"
        return lines


ONLY_ATTRS = re.compile(r"^\s*\{([^{}\n]*)\}\s*$")


def _empty_heading_attrs(el: Element) -> None:
    """A heading of attributes only (`# <!-- page break --> {.unlisted}` once the comment is
    gone, as pandoc book templates write a page break): attr_list wants text before them."""
    match = ONLY_ATTRS.match(el.text or "") if not len(el) else None
    attrs = parse_attributes(_unnumbered(match[1])) if match else None
    if attrs is None:
        return
    el.text = ""
    if attrs.id:
        el.set("id", attrs.id)
    if attrs.classes:
        el.set("class", " ".join(attrs.classes))
    for key, value in attrs.values.items():
        el.set(key, value)


class HeadingIdProcessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for el in root.iter():
            if el.tag in HEADINGS:
                _empty_heading_attrs(el)
        used = {el.get("id") for el in root.iter() if el.get("id")}
        for el in root.iter():
            if el.tag not in HEADINGS or el.get("id"):
                continue
            el.set("id", unique(pandoc_id(_plain_text(el)), used))
            # Made, not given: reading may rename it to keep ids unique in the whole book.
            el.set(AUTO_ID, "")


def _plain_text(el) -> str:
    """A heading's words: its formatting and links kept as text, notes and raw HTML left out."""
    parts = [el.text or ""]
    for child in el:
        if child.tag != "sup" or child.find("a") is None:
            parts.append(_plain_text(child))
        parts.append(child.tail or "")
    return STASHED.sub("", "".join(parts))


# pandoc's ATX heading needs a space after its hashes: `#hashtag` (Obsidian) and `#.` (a
# numbered list) are text.
HASH_HEADING = re.compile(r"(?:^|\n)(?P<level>#{1,6})(?=[ \t]|\n|$)(?P<header>(?:\\.|[^\\])*?)"
                          r"#*(?:\n|$)")


class HeadingsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.parser.blockprocessors["hashheader"].RE = HASH_HEADING
        md.preprocessors.register(HeadingAttrsPreprocessor(md), "pandoc_heading_attrs", 25)
        # After attr_list (8), which sets the ids an author gives, and the inline patterns (20).
        md.treeprocessors.register(HeadingIdProcessor(md), "pandoc_heading_ids", 7)
