"""pandoc's raw attributes: a fenced block ```` ```{=html} ```` or an inline `` `<b>`{=html} ``
is raw HTML, passed into the book as pandoc passes it into HTML (the HTML policy still reads
it); a page break written for LaTeX (```` ```{=latex} ```` holding only `\\newpage`) is a page
break; raw text for any other format (`{=latex}`, `{=openxml}`, `{=ms}`) is left out, as pandoc
leaves it out of HTML, and read/checks.py warns of it at its line (BB242)."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import InlineProcessor
from markdown.preprocessors import Preprocessor

HTML_FORMATS = {"html", "html4", "html5", "epub", "epub2", "epub3"}
PAGE_BREAKS = {"\\newpage", "\\pagebreak", "\\clearpage", "\\cleardoublepage"}
RAW_BLOCK = re.compile(r"^[ ]{0,3}(?P<fence>`{3,}|~{3,})[ ]*\{=(?P<format>[\w-]+)\}[ ]*\n"
                       r"(?P<text>.*?)^[ ]{0,3}(?P=fence)[`~]*[ ]*$", re.MULTILINE | re.DOTALL)
RAW_INLINE = r"(?<!`)(`+)(?!`)(.+?)(?<!`)\1(?!`)\{=([\w-]+)\}"


class RawBlockPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        if "{=" not in text:
            return lines
        return RAW_BLOCK.sub(self._replace, text).split("\n")

    def _replace(self, m: re.Match[str]) -> str:
        kind, raw = m["format"].lower(), m["text"].rstrip("\n")
        if kind in HTML_FORMATS:
            placeholder = self.md.htmlStash.store(raw)
        elif kind in ("latex", "tex") and raw.strip() in PAGE_BREAKS:
            placeholder = "\\newpage"  # read/passes.py mark_page_breaks
        else:
            placeholder = ""
        # as many lines as the block had, so that later lines keep their places
        return "\n" + placeholder + "\n" * (m.group(0).count("\n") - 1)


class RawInlineProcessor(InlineProcessor):
    def handleMatch(self, m: re.Match[str], data: str) -> tuple[Element | str, int, int]:
        if m.group(3).lower() in HTML_FORMATS:
            return self.md.htmlStash.store(m.group(2)), m.start(0), m.end(0)
        return "", m.start(0), m.end(0)


class RawAttributesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before fenced code (25), which would make the block code.
        md.preprocessors.register(RawBlockPreprocessor(md), "pandoc_raw_block", 27)
        # Before code spans (190), which would make it code.
        md.inlinePatterns.register(RawInlineProcessor(RAW_INLINE, md), "pandoc_raw_inline", 191)
