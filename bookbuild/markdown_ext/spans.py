"""Pandoc bracketed spans: `[Лаврентий Павлович]{lang=ru}` for foreign phrases and classes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor

from bookbuild.markdown_ext.attributes import parse_attributes

SPAN = r"\[(?!\^)((?:[^\[\]\n]|\[[^\[\]\n]*\])+)\]\{([^{}\n]*)\}"
SPAN_KEYS = {"lang", "dir", "title"}
RIGHT_TO_LEFT = {"ar", "arc", "dv", "fa", "ha", "he", "khw", "ks", "ku", "ps", "ur", "yi"}


def is_rtl(lang: str) -> bool:
    return lang.split("-")[0].lower() in RIGHT_TO_LEFT


class BracketedSpanProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element | str | None, int, int]:
        attrs = parse_attributes(m.group(2))
        if attrs is None:
            return None, None, None
        # pandoc writes these two classes alone as HTML's own elements
        tag = {("underline",): "u", ("mark",): "mark"}.get(tuple(attrs.classes), "span")
        span = etree.Element(tag)
        span.text = m.group(1)
        if tag != "span":
            attrs.classes = []
        if attrs.id:
            span.set("id", attrs.id)
        if attrs.classes:
            span.set("class", " ".join(attrs.classes))
        for key, value in attrs.values.items():
            if key in SPAN_KEYS:
                span.set(key, value)
        if "lang" in attrs.values and "dir" not in attrs.values and is_rtl(attrs.values["lang"]):
            span.set("dir", "rtl")
        return span, m.start(0), m.end(0)


class BracketedSpanExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before links (160) and footnote references (175), which would claim the brackets.
        md.inlinePatterns.register(BracketedSpanProcessor(SPAN, md), "bracketed_span", 185)
