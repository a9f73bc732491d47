"""Pandoc bracketed spans: `[Лаврентий Павлович]{lang=ru}` for foreign phrases and classes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from bookbuild.markdown_ext.attributes import data_name, parse_attributes

# A span may run over lines, as pandoc wraps them (`[...]{.telegram}` at 72 columns).
SPAN = r"\[(?!\^)((?:[^\[\]]|\[[^\[\]]*\])*)\]\{([^{}]*)\}"
SPAN_RE = re.compile(SPAN)
# Kept as themselves (epub:type: see read/passes.py match_roles); other keys become data-*.
SPAN_KEYS = {"lang", "dir", "title", "style", "epub:type"}
RIGHT_TO_LEFT = {"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "ur", "yi"}


def is_rtl(lang: str) -> bool:
    return lang.split("-")[0].lower() in RIGHT_TO_LEFT


class BracketedSpanProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element | str | None, int, int]:
        if m.start(0) and data[m.start(0) - 1] == "]" \
                and " ".join(m.group(1).split()).lower() in self.md.references:
            return None, None, None  # `[link][ref]{...}`: a reference link with attributes
        span = _span(m)
        return (span, m.start(0), m.end(0)) if span is not None else (None, None, None)


def _span(m: re.Match[str]) -> Element | None:
    attrs = parse_attributes(m.group(2))
    if attrs is None:
        return None
    # pandoc writes these two classes alone as HTML's own elements
    tag = {("underline",): "u", ("mark",): "mark"}.get(tuple(attrs.classes), "span")
    span = etree.Element(tag)
    _fill(span, m.group(1))
    if tag != "span":
        attrs.classes = []
    if attrs.id:
        span.set("id", attrs.id)
    if attrs.classes:
        span.set("class", " ".join(attrs.classes))
    for key, value in attrs.values.items():
        span.set(key if key in SPAN_KEYS else data_name(key), value)  # as pandoc's HTML
    if "lang" in attrs.values and "dir" not in attrs.values and is_rtl(attrs.values["lang"]):
        span.set("dir", "rtl")
    return span


def _fill(span: Element, text: str) -> None:
    """The span's text, with the spans inside it (`[Dear [Miss Hunter]{.recipient}]{.salutation}`,
    as pandoc converts Standard Ebooks' letters) made here: Python-Markdown runs on a pattern's
    result only the patterns after it, so this one would not see them."""
    last, pos = None, 0
    for inner in SPAN_RE.finditer(text):
        child = _span(inner)
        if child is None:
            continue
        if last is None:
            span.text = text[pos:inner.start()]
        else:
            last.tail = text[pos:inner.start()]
        span.append(child)
        last, pos = child, inner.end()
    if last is None:
        span.text = text[pos:]
    else:
        last.tail = text[pos:]


class BracketedSpanExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before links (160) and footnote references (175), which would claim the brackets.
        md.inlinePatterns.register(BracketedSpanProcessor(SPAN, md), "bracketed_span", 185)
