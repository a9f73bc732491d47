"""pandoc's markdown_in_html_blocks: the text between a raw HTML block's tags is read as
Markdown, as if each tag had Python-Markdown's `markdown="1"` (md_in_html): as blocks
(paragraphs, lists) when a blank line inside the element sets them apart, else as one run of
inline text (pandoc's Para and Plain); `<p>`, `<td>`, `<summary>`... always inline; `<pre>`,
`<script>` and the like stay raw; `markdown="0"` keeps one element's text as typed. What the
HTML may hold is still the policy's to say (html_policy.py), on the tree this makes."""

from __future__ import annotations

import re
from collections.abc import Mapping

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.md_in_html import (
    HtmlBlockPreprocessor,
    HTMLExtractorExtra,
    MarkdownInHtmlExtension,
)
from markdown.preprocessors import HtmlBlockPreprocessor as CoreHtmlBlockPreprocessor

BLANK_LINE = re.compile(r"\n[ \t]*\n")
TAG = re.compile(r"(?<!\\)<(/?)([A-Za-z][A-Za-z0-9:-]*)((?:\s+[^\s<>\"'=/]+(?:\s*=\s*(?:\"[^\"]*\"|"
                 r"'[^']*'|[^\s\"'<>/]+))?)*)\s*(/?)>")
ATTRS = re.compile(r"(?:\s+[a-z][a-z0-9:_.-]*\s*=\s*(?:\"[^\"]*\"|'[^']*'))*")
# Code, and a link's address in angle brackets (`[a](<my file.md>)`): no tags in either.
# (Indented code follows a blank line: an indented tag inside an HTML block is no code.)
CODE = re.compile(r"(`+)(?:(?!\1).)+?\1|(?<=\n\n)(?: {4}|\t)[^\n]*(?:\n(?: {4}|\t)[^\n]*)*"
                  r"|^(`{3,}|~{3,}).*?^\2|\]\(<[^<>\n]*>", re.M | re.S)
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
RAW_INSIDE = re.compile(r"<(?:canvas|math|option|pre|script|style|textarea)[\s/>]", re.I)


class PandocHTMLExtractor(HTMLExtractorExtra):
    def get_state(self, tag: str, attrs: Mapping[str, str]) -> str | None:
        if "markdown" not in attrs and tag not in self.raw_tags:
            attrs = {**attrs, "markdown": self._pandoc_state(tag)}
        return super().get_state(tag, attrs)

    def _pandoc_state(self, tag: str) -> str:
        """As pandoc reads an element's text: as blocks (paragraphs, lists...) when a blank line
        sets them apart inside it, else as one line of inline text (pandoc's 'Plain')."""
        start = self.line_offset + self.offset + len(self.get_starttag_text() or "")
        depth, end = 1, len(self.rawdata)
        for match in re.compile(rf"<(/?){re.escape(tag)}(?=[\s/>])[^>]*?(/?)>",
                                re.IGNORECASE).finditer(self.rawdata, start):
            if match[2]:
                continue
            depth += -1 if match[1] else 1
            if depth == 0:
                end = match.start()
                break
        if tag not in self.span_tags and BLANK_LINE.search(self.rawdata, start, end):
            return "block"
        # md_in_html breaks a raw element (<pre>, <textarea>...) inside inline text
        return "0" if RAW_INSIDE.search(self.rawdata, start, end) else "span"


def strict_xhtml(text: str) -> bool:
    """Whether every raw tag in `text` is as XHTML writes it (lower-case names, quoted values,
    `<br/>`, each element closed in turn). Python's HTML parser, which reads the Markdown inside
    HTML, would quietly mend a tag that is not; such a chapter keeps its raw HTML as typed, so
    that the reading step reports the tag at its line (BB211)."""
    stack: list[str] = []
    for match in TAG.finditer(CODE.sub("", text)):
        closing, name, attrs, empty = match.groups()
        if name != name.lower() or (attrs and not ATTRS.fullmatch(attrs)):
            return False
        if closing:
            if not stack or stack.pop() != name:
                return False
        elif not empty:
            if name in VOID:
                return False
            stack.append(name)
    return not stack


class PandocHtmlBlockPreprocessor(HtmlBlockPreprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not strict_xhtml("\n".join(lines)):
            return CoreHtmlBlockPreprocessor(self.md).run(lines)
        parser = PandocHTMLExtractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


class HtmlBlocksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        MarkdownInHtmlExtension().extendMarkdown(md)
        md.preprocessors.register(PandocHtmlBlockPreprocessor(md), "html_block", 20)
