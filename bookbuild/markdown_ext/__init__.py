"""Our Markdown dialect: Python-Markdown plus one small extension per feature.

`new_markdown(kind)` is the one converter factory: a chapter's, book.yaml prose's (dedication,
blurb: emphasis, links, spans and dashes, no notes or documents), or a line's (a title: only
dashes). Quotes are curled afterwards by read/typography.py. The extensions own only syntax.
"""

from __future__ import annotations

import html

import markdown
from markdown.extensions.footnotes import FootnoteExtension
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension

from bookbuild.markdown_ext.addresses import AddressesExtension
from bookbuild.markdown_ext.block_quotes import BlockQuotesExtension
from bookbuild.markdown_ext.code_blocks import CodeBlocksExtension
from bookbuild.markdown_ext.definition_lists import DefinitionListsExtension
from bookbuild.markdown_ext.documents import DocumentsExtension
from bookbuild.markdown_ext.example_lists import ExampleListsExtension
from bookbuild.markdown_ext.fancy_lists import FancyListsExtension
from bookbuild.markdown_ext.fenced_divs import FencedDivExtension
from bookbuild.markdown_ext.figures import FiguresExtension
from bookbuild.markdown_ext.headings import HeadingsExtension
from bookbuild.markdown_ext.html_blocks import HtmlBlocksExtension
from bookbuild.markdown_ext.inline_attributes import InlineAttributesExtension
from bookbuild.markdown_ext.inline_notes import InlineNotesExtension
from bookbuild.markdown_ext.inline_pass import InlinePassExtension
from bookbuild.markdown_ext.line_blocks import LineBlocksExtension
from bookbuild.markdown_ext.line_breaks import LineBreaksExtension
from bookbuild.markdown_ext.list_indent import ListIndentExtension
from bookbuild.markdown_ext.pandoc_tables import PandocTablesExtension
from bookbuild.markdown_ext.raw_attributes import RawAttributesExtension
from bookbuild.markdown_ext.scene_breaks import SceneBreakExtension
from bookbuild.markdown_ext.spans import BracketedSpanExtension
from bookbuild.markdown_ext.sub_sup import SubSupExtension
from bookbuild.markdown_ext.table_captions import TableCaptionsExtension
from bookbuild.markdown_ext.task_lists import TaskListsExtension
from bookbuild.markdown_ext.typography import typography_extension

KINDS = ("chapter", "prose", "line")


def new_markdown(kind: str = "chapter") -> markdown.Markdown:
    """A converter for a chapter, for book.yaml prose, or for one line of text."""
    if kind == "chapter":
        extensions = [
            # An instance, not the name "footnotes": a name is looked up among every installed
            # package's entry points, which costs more than the conversion of a short chapter.
            FootnoteExtension(BACKLINK_TEXT="", SUPERSCRIPT_TEXT="{}"),
            typography_extension(quotes=False),
            FencedDivExtension(),
            BracketedSpanExtension(),
            DocumentsExtension(),
            SceneBreakExtension(),
            FiguresExtension(),
            # pandoc's Markdown where Python-Markdown and pymdown-extensions read it as pandoc
            # does, and our own extensions where none does (docs/markdown.md lists the rest).
            *_pandoc_inline(),
            InlineAttributesExtension(),
            HeadingsExtension(),
            BlockQuotesExtension(),
            CodeBlocksExtension(),
            RawAttributesExtension(),
            TableExtension(),
            PandocTablesExtension(),
            TableCaptionsExtension(),
            DefinitionListsExtension(),
            SaneListExtension(),
            FancyListsExtension(),  # after sane lists, whose `1.` lists it replaces
            ExampleListsExtension(),  # after the fancy lists, which it joins
            TaskListsExtension(),
            ListIndentExtension(),
            LineBlocksExtension(),
            InlineNotesExtension(),
            HtmlBlocksExtension(),
            InlinePassExtension(),
        ]
    elif kind == "prose":
        extensions = [typography_extension(quotes=False), BracketedSpanExtension(),
                      *_pandoc_inline()]
    elif kind == "line":
        return markdown.Markdown(extensions=[typography_extension(quotes=False)])
    else:
        raise ValueError(f"no Markdown converter for {kind!r}: one of {', '.join(KINDS)}")
    return markdown.Markdown(extensions=extensions, output_format="xhtml")


def _pandoc_inline() -> list:
    """pandoc's inline extras: ~sub~, ^sup^, ~~strike~~, backslash line breaks and escapes,
    links' addresses as pandoc reads them."""
    return [SubSupExtension(), LineBreaksExtension(), AddressesExtension()]


_LINE_CONVERTER = None


def smart_text(text: str) -> str:
    """Plain text (a title from a YAML header, say) with the same dashes as the body; its quotes
    are left straight for read/typography.py, as a chapter's are.

    Markup characters are escaped first, so the text stays text; the result is plain Unicode.
    """
    global _LINE_CONVERTER
    from lxml import html as lxml_html

    if _LINE_CONVERTER is None:
        _LINE_CONVERTER = new_markdown("line")
    _LINE_CONVERTER.reset()
    escaped = html.escape(text, quote=False)
    for mark in "\\*_`[]#":  # backslash first; only punctuation may change, never words
        escaped = escaped.replace(mark, "\\" + mark)
    markup = _LINE_CONVERTER.convert(escaped)
    return "".join(lxml_html.fragment_fromstring(markup, create_parent="div").itertext())
