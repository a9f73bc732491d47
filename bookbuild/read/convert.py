"""Markdown to an XHTML tree: Python-Markdown through the chapter cache, the markup parsed as
XML, and the line where malformed raw HTML broke it; hands on the chapter's `<section>`."""

from __future__ import annotations

import html.entities
import re
from typing import TYPE_CHECKING

from lxml import etree

from bookbuild.errors import Report
from bookbuild.html_policy import ALLOWED, MAX_DEPTH
from bookbuild.markdown_ext import new_markdown
from bookbuild.read.cache import ChapterCache
from bookbuild.read.checks import code_lines
from bookbuild.read.source import CODE_SPAN, Source
from bookbuild.xhtml import NSMAP, XHTML_NS

if TYPE_CHECKING:
    from markdown import Markdown


class Converter:
    """Markdown to markup through the cache; Python-Markdown is set up at the first miss."""

    def __init__(self, cache: ChapterCache, markdown: Markdown | None = None):
        self.cache = cache
        self._md = markdown

    def convert(self, text: str) -> str:
        markup = self.cache.markup(text)
        if markup is None:
            if self._md is None:
                self._md = new_markdown()
            self._md.reset()
            markup = self._md.convert(text)
            self.cache.keep_markup(text, markup)
        return markup


def chapter_tree(md: Converter, source: Source, report: Report) -> etree._Element | None:
    try:
        markup = md.convert(source.body)
    except RecursionError:  # within_limits should have refused the text first
        report.error(source.path, None, "the text nests too deeply to read (lists, quotes or "
                                        "divs inside each other hundreds of levels)", "BB219")
        return None
    except Exception as exc:  # noqa: BLE001 - a Python-Markdown failure, told against the file
        report.error(source.path, None, f"internal error reading the Markdown ({type(exc).__name__}"
                                        f": {exc}); please report it with this chapter", "BB001")
        return None
    return _parse_xhtml(markup, source, report)


def _decode_entities(markup: str) -> str:
    """Turn HTML named entities from raw HTML into characters; XML knows only five."""
    def replace(match: re.Match) -> str:
        name = match[1]
        if name in ("amp", "lt", "gt", "quot", "apos"):
            return match[0]
        return html.entities.html5.get(name + ";", match[0])
    return re.sub(r"&([A-Za-z][A-Za-z0-9]*);", replace, markup)

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                          remove_comments=True)


def _parse_xhtml(markup: str, source: Source, report: Report) -> etree._Element | None:
    wrapped = (f'<section xmlns="{XHTML_NS}" xmlns:epub="{NSMAP["epub"]}">'
               f"{_decode_entities(markup)}</section>")
    try:
        return etree.fromstring(wrapped.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        report.error(source.path, *_malformed(str(exc.msg), source))
        return None


def _malformed(message: str, source: Source) -> tuple[int | None, str, str]:
    """Where the chapter's XHTML broke, and how to tell the author: line, message, code."""
    message = re.sub(r",? line \d+, column \d+", "", message)
    message = re.sub(r"tag mismatch: (\S+) line \d+ and (\S+)", r"tag mismatch: <\1> closed by "
                     r"</\2>", message)
    declaration = source.line_of(r"<!(DOCTYPE|ENTITY)")
    if declaration:
        return declaration, "a DOCTYPE or ENTITY declaration is not allowed in a chapter", "BB210"
    if "Excessive depth" in message:
        return (_malformed_line(message, source), f"the HTML nests thousands of elements deep; "
                                                  f"bookbuild reads at most {MAX_DEPTH}", "BB219")
    if message in ("unknown error", "Memory allocation failed"):  # libxml2 out of memory
        return None, ("the chapter is too large to read in the memory available; split it into "
                      "several files"), "BB219"
    void = re.search(r"<(br|hr|img|wbr|col)> closed by", message)
    hint = f", and write <{void[1]}/> for <{void[1]}>" if void else ""
    unknown = re.search(r"<([^>\s]+)> closed by", message)
    if unknown and unknown[1].lower() not in ALLOWED:  # `<Space>` (a key), `<name>`...
        hint = (f"; <{unknown[1]}> is no HTML element: to show it as text, write \\<{unknown[1]}>"
                f" or put it in backticks")
    return (_malformed_line(message, source), f"malformed HTML: {message}; raw HTML must be "
                                              f"well-formed XHTML (close every tag{hint})", "BB211")

RAW_TAG = re.compile(r"(?<!\\)<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])"
                     r"(?:[^<>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")


def _malformed_line(message: str, source: Source) -> int:
    """The line that most likely broke the XHTML: the entity lxml names, else the innermost
    raw tag left open or closed out of turn, else a line with the tag lxml names."""
    entity = re.search(r"Entity '([^']+)'", message)
    if entity:
        line = source.line_of(re.escape(f"&{entity[1]};"))
    elif "AttValue" in message or "mandates value" in message:  # unquoted or no value
        line = source.line_of(r"<[A-Za-z][\w:-]*(?:\s+[\w:-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*"
                              r"\s+[\w:-]+(?:\s*=\s*[^\s\"']|\s*[\s/>])")
    elif "CharRef" in message:
        value = re.search(r"value (\d+)", message)
        code = int(value[1]) if value else None
        line = source.line_of(rf"&#(0*{code}|[xX]0*{code:x});" if code is not None else "&#")
    else:
        line = _unbalanced_tag_line(source)
        tag = re.search(r"tag (?:mismatch: |name )?(\w+)", message)
        if line is None and tag:
            line = source.line_of(rf"</?{tag[1]}\b")
    return line or source.line_of(r"<[A-Za-z/!?]|&") or source.first_line


def _unbalanced_tag_line(source: Source) -> int | None:
    """The line of the innermost raw HTML tag never closed, or closed out of turn (code, fenced
    or indented, is text and left out)."""
    stack: list[tuple[str, int]] = []
    code = code_lines(source)
    for index in range(source.body_start, len(source.lines)):
        if index in code:
            continue
        for match in RAW_TAG.finditer(CODE_SPAN.sub("", source.lines[index])):
            closing, name, empty = match[1], match[2].lower(), match[3]
            if empty:
                continue
            if not closing:
                stack.append((name, source.number(index)))
            elif stack and stack[-1][0] == name:
                stack.pop()
            else:
                return stack[-1][1] if stack else source.number(index)
    return stack[-1][1] if stack else None
