"""Angle brackets as pandoc reads them: `<https://...>` is an automatic link only when the
address holds no space, and `<name ...>` is raw HTML only when `name` is a tag name.
Both links are classed as pandoc classes them (`uri`, `email`). Python-Markdown takes any
text up to `>` for both, so `<https://example.com/a b>` became a
broken link or malformed HTML; pandoc, and now bookbuild, keep it as typed."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import (
    AUTOMAIL_RE,
    HTML_RE,
    AutolinkInlineProcessor,
    AutomailInlineProcessor,
    HtmlInlineProcessor,
)

# A scheme, `://`, then no space, `<` or `>` (pandoc's rule for a URI autolink).
AUTOLINK = r"<([A-Za-z][A-Za-z0-9+.-]*://[^<>\s]+)>"
# Python-Markdown's own pattern for a tag, a comment, a processing instruction or CDATA, with
# a stricter tag name: letters, digits, `-`, a `prefix:` before a letter, ended by a space, `/`
# or `>` (so `https:` is no tag name).
LOOSE_NAME = r"""[a-zA-Z][^\s"'<>@]*+"""
TAG_NAME = r"[a-zA-Z](?:[a-zA-Z0-9-]|:(?=[a-zA-Z]))*+(?=[\s/>])"
HTML = HTML_RE.replace(LOOSE_NAME, TAG_NAME, 1) if LOOSE_NAME in HTML_RE else HTML_RE


class UriProcessor(AutolinkInlineProcessor):
    """An automatic link, classed `uri` as pandoc classes it."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element, int, int]:
        el, start, end = super().handleMatch(m, data)
        el.set("class", "uri")
        return el, start, end


class EmailProcessor(AutomailInlineProcessor):
    """An automatic e-mail link, classed `email` as pandoc classes it."""

    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element, int, int]:
        el, start, end = super().handleMatch(m, data)
        el.set("class", "email")
        return el, start, end


class AutolinksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # The same names and priorities as Python-Markdown's own, which these replace.
        md.inlinePatterns.register(UriProcessor(AUTOLINK, md), "autolink", 120)
        md.inlinePatterns.register(EmailProcessor(AUTOMAIL_RE, md), "automail", 110)
        md.inlinePatterns.register(HtmlInlineProcessor(HTML, md), "html", 90)
