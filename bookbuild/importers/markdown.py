"""HTML (a forum post's body, pandoc's rendering of a Word file) → bookbuild Markdown blocks.

Owns escaping and the Markdown forms of inline marks, quotes, lists, tables and scene breaks;
the forum and Word importers subclass `Converter` for their own markup and hand on blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lxml import etree

# Characters Python-Markdown would read as marks if left bare in text.
MARKS = re.compile(r"([\\`*_\[\]])")
ENTITY = re.compile(r"&(?=#?\w+;)")
WHITESPACE = re.compile(r"[ \t\r\n]+")
# A paragraph start Markdown reads as a heading, a quote, a list item or a div.
LINE_START = re.compile(r"^(#|>|[-+](?=\s)|\d+(?=[.)]\s)|:::)")
# A paragraph that is only an ornament: the author's scene break.
ORNAMENT = re.compile(r"^[\s*#~⁂•·◆◇❖✦✧§=_\-–—oO0]{1,20}$")
INLINE = {"i", "em", "cite", "var", "dfn", "b", "strong", "u", "ins", "s", "del", "strike",
          "span", "a", "img", "sup", "sub", "code", "kbd", "samp", "small", "big", "font",
          "abbr", "mark", "q", "time", "bdi", "label", "tt"}
DROPPED = {"script", "style", "noscript", "template", "button", "input", "select", "textarea",
           "iframe", "object", "embed", "video", "audio", "svg", "form", "nav"}
SCENE_BREAK = "* * *"


def escape(text: str) -> str:
    """Text as Markdown that reads back as the same text."""
    return ENTITY.sub("&amp;", MARKS.sub(r"\\\1", text)).replace("<", "&lt;")


def plain(markdown: str) -> str:
    """The visible text of a Markdown paragraph, roughly: marks and escapes removed."""
    return re.sub(r"\\(.)", r"\1", re.sub(r"(?<!\\)[*_`]", "", markdown))


def is_ornament(text: str) -> bool:
    """A line of only asterisks, hashes, tildes, ⁂ and the like; not a word ("OOO" excepted)."""
    stripped = text.strip()
    return bool(stripped) and bool(ORNAMENT.match(stripped)) and not stripped.isalpha()


def _escape_start(match: re.Match) -> str:
    start = match.group(1)
    if start.isdigit():
        return start + "\\"  # `1\. ` is text, `1. ` a list
    return "&#58;::" if start == ":::" else "\\" + start


def _wrap(mark_open: str, inner: str, mark_close: str | None = None) -> str:
    """`inner` between marks, its outer spaces kept outside them (`* x*` is not emphasis)."""
    core = inner.strip()
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip())]
    trail = inner[len(inner.rstrip()):]
    return f"{lead}{mark_open}{core}{mark_close if mark_close is not None else mark_open}{trail}"


def _local(el: etree._Element) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rpartition("}")[2].lower()


def classes(el: etree._Element) -> set[str]:
    return set((el.get("class") or "").split())


class Converter:
    """Turns flow content into Markdown blocks; subclasses handle their markup in `special`.

    `lines_are_paragraphs`: a forum post's line breaks are its paragraph breaks; in a Word
    paragraph a line break stays a line break.
    """

    lines_are_paragraphs = False

    def __init__(self, warn: Callable[[str], None]):
        self.warn = warn

    # -- hooks --------------------------------------------------------------------------

    def special(self, el: etree._Element) -> list[str] | str | None:
        """Blocks (a list) or inline Markdown (a str) for an element of the source's own
        markup, or None to convert it as plain HTML."""
        return None

    def image(self, el: etree._Element) -> str:
        """The Markdown for an image; the base importer keeps none."""
        self.warn(f"an image ({el.get('src', '')!r}) was left out")
        return ""

    # -- blocks -------------------------------------------------------------------------

    def blocks(self, container: etree._Element) -> list[str]:
        """The Markdown blocks of an element's content (text, inline marks, blocks, <br>)."""
        out: list[str] = []
        lines: list[str] = []
        line: list[str] = []

        def end_line() -> None:
            lines.append("".join(line))
            line.clear()

        def flush() -> None:
            end_line()
            out.extend(self._paragraphs(lines))
            lines.clear()

        if container.text:
            line.append(escape(container.text))
        for child in container:
            tag = _local(child)
            found = self.special(child)
            if isinstance(found, str):
                line.append(found)
            elif found is not None:
                flush()
                out.extend(found)
            elif tag == "br":
                end_line()
            elif tag in DROPPED or not tag:
                pass
            elif tag in INLINE:
                line.append(self.inline(child))
            else:
                flush()
                out.extend(self.block(child))
            if child.tail:
                line.append(escape(child.tail))
        flush()
        return [b for b in out if b.strip()]

    def _paragraphs(self, lines: list[str]) -> list[str]:
        cleaned = [WHITESPACE.sub(" ", text).strip() for text in lines]
        if self.lines_are_paragraphs:
            groups = [[text] for text in cleaned if text]
        else:
            groups = [[text for text in cleaned if text]]
        return [self.paragraph("  \n".join(group)) for group in groups if group]

    def paragraph(self, markdown: str) -> str:
        """A paragraph's Markdown, its start escaped; an ornament becomes a scene break."""
        if is_ornament(plain(markdown)):
            return SCENE_BREAK
        return LINE_START.sub(_escape_start, markdown, count=1)

    def block(self, el: etree._Element) -> list[str]:
        tag = _local(el)
        if tag == "hr":
            return [SCENE_BREAK]
        if tag == "blockquote":
            inner = self.blocks(el)
            return ["\n".join(("> " + ln) if ln else ">" for ln in b.split("\n"))
                    for b in self._joined(inner)] if inner else []
        if tag in ("ul", "ol"):
            return [self.list_(el, ordered=tag == "ol")]
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = self.inline(el).strip()
            return [f"{'#' * max(int(tag[1]), 2)} {text}"] if text else []
        if tag == "table":
            return [self.table(el)]
        if tag == "figure":
            return self.figure(el)
        return self.blocks(el)

    @staticmethod
    def _joined(blocks: list[str]) -> list[str]:
        """Blocks inside a quote or list item: one text with blank lines between them."""
        return ["\n\n".join(blocks)]

    def list_(self, el: etree._Element, ordered: bool) -> str:
        items = []
        number = int(el.get("start") or 1) if (el.get("start") or "1").isdigit() else 1
        for li in el:
            if _local(li) != "li":
                continue
            marker = f"{number}." if ordered else "-"
            number += 1
            body = "\n\n".join(self.blocks(li)) or escape("")
            pad = " " * 4
            lines = body.split("\n")
            first = f"{marker}{' ' * (4 - len(marker))}{lines[0]}" if lines else marker
            items.append("\n".join([first] + [(pad + ln) if ln else "" for ln in lines[1:]]))
        return "\n".join(items)

    def table(self, el: etree._Element) -> str:
        """A pipe table (pandoc's form; bookbuild reads tables once its Markdown does)."""
        rows = [[self.inline(cell).strip().replace("|", "\\|").replace("\n", " ")
                 for cell in row if _local(cell) in ("td", "th")]
                for row in el.iter() if _local(row) == "tr"]
        rows = [r for r in rows if r]
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n".join(lines)

    def figure(self, el: etree._Element) -> list[str]:
        images = [i for i in el.iter() if _local(i) == "img"]
        if not images:
            return self.blocks(el)
        caption = next((self.inline(c).strip() for c in el if _local(c) == "figcaption"), "")
        markdown = self.image(images[0])
        same = plain(caption).strip() == " ".join((images[0].get("alt") or "").split())
        if markdown and caption and not same and markdown.endswith(")"):
            markdown = markdown[:-1] + ' "' + plain(caption).replace('"', "'") + '")'
        return [markdown] if markdown else []

    # -- inline -------------------------------------------------------------------------

    def inline_content(self, el: etree._Element) -> str:
        parts = [escape(el.text or "")]
        for child in el:
            tag = _local(child)
            found = self.special(child)
            if isinstance(found, list):
                parts.append(" ".join(plain(b) for b in found))
            elif found is not None:
                parts.append(found)
            elif tag == "br":
                parts.append("  \n" if not self.lines_are_paragraphs else " ")
            elif tag in DROPPED or not tag:
                pass
            else:
                parts.append(self.inline(child))
            parts.append(escape(child.tail or ""))
        return "".join(parts)

    def inline(self, el: etree._Element) -> str:
        found = self.special(el)
        if isinstance(found, str):
            return found
        if isinstance(found, list):
            return " ".join(plain(b) for b in found)
        tag = _local(el)
        if tag == "img":
            return self.image(el)
        inner = self.inline_content(el)
        style = (el.get("style") or "").replace(" ", "").lower()
        if tag in ("i", "em", "cite", "var", "dfn") or "font-style:italic" in style:
            inner = _wrap("*", inner)
        if tag in ("b", "strong") or "font-weight:bold" in style:
            inner = _wrap("**", inner)
        if tag == "u" or "text-decoration:underline" in style:
            inner = _wrap("[", inner, "]{.underline}")
        if tag in ("s", "del", "strike") or "line-through" in style:
            inner = _wrap("~~", inner)
        if tag == "sup":
            inner = _wrap("^", inner)
        if tag == "sub":
            inner = _wrap("~", inner)
        if tag in ("code", "kbd", "samp", "tt"):
            text = "".join(el.itertext())
            return f"`{text}`" if "`" not in text and text.strip() else inner
        if "smallcaps" in classes(el) or "font-variant:small-caps" in style:
            inner = _wrap("[", inner, "]{.smallcaps}")
        lang = el.get("lang") or el.get("{http://www.w3.org/XML/1998/namespace}lang")
        if lang and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", lang):
            inner = _wrap("[", inner, "]{lang=" + lang + "}")
        if tag == "a":
            href = (el.get("href") or "").strip()
            if re.match(r"(https?://|mailto:)", href) and inner.strip():
                href = href.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
                return _wrap("[", inner, f"]({href})")
        return inner
