"""Links' addresses and angle brackets as pandoc reads them.

`<https://...>` is an automatic link only when the address holds no space, and `<name ...>` is
raw HTML only when `name` is a tag name: Python-Markdown takes any text up to `>` for both, so
`<https://example.com/a b>` became a broken link or malformed HTML, where pandoc keeps it as
typed. Automatic links are classed as pandoc classes them (`uri`, `email`). A link or image
written `[a](<my file.md>)` may hold spaces, which pandoc writes %-encoded, as XHTML needs."""

from __future__ import annotations

import re
from urllib.parse import quote
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
from markdown.treeprocessors import Treeprocessor

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


class EncodeSpaces(Treeprocessor):
    """White space in a Markdown link's or image's address, %-encoded (raw HTML, stashed until
    after the tree processors, is not seen: its addresses are the HTML policy's to check)."""

    def run(self, root: Element) -> None:
        for el in root.iter():
            key = ADDRESS.get(el.tag)
            value = el.get(key) if key else None
            if value and any(c.isspace() for c in value):
                el.set(key, WHITE_SPACE.sub(lambda m: quote(m.group(0)), value.strip()))


WHITE_SPACE = re.compile(r"\s")
ADDRESS = {"a": "href", "img": "src"}


class AddressesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # The same names and priorities as Python-Markdown's own, which these replace.
        md.inlinePatterns.register(UriProcessor(AUTOLINK, md), "autolink", 120)
        md.inlinePatterns.register(EmailProcessor(AUTOMAIL_RE, md), "automail", 110)
        md.inlinePatterns.register(HtmlInlineProcessor(HTML, md), "html", 90)
        # After the inline patterns (20), which make the links.
        md.treeprocessors.register(EncodeSpaces(md), "encode_spaces", 19)
