"""Our Markdown dialect: Python-Markdown plus one small extension per feature.

`new_markdown()` hands read/convert.py a configured converter; the extensions own only syntax.
"""

from __future__ import annotations

import markdown
from markdown.extensions.footnotes import FootnoteExtension

from bookbuild.markdown_ext.documents import DocumentsExtension
from bookbuild.markdown_ext.fenced_divs import FencedDivExtension
from bookbuild.markdown_ext.figures import FiguresExtension
from bookbuild.markdown_ext.scene_breaks import SceneBreakExtension
from bookbuild.markdown_ext.spans import BracketedSpanExtension
from bookbuild.markdown_ext.typography import typography_extension


def new_markdown() -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            # An instance, not the name "footnotes": a name is looked up among every installed
            # package's entry points, which costs more than the conversion of a short chapter.
            FootnoteExtension(BACKLINK_TEXT="", SUPERSCRIPT_TEXT="{}"),
            typography_extension(),
            FencedDivExtension(),
            BracketedSpanExtension(),
            DocumentsExtension(),
            SceneBreakExtension(),
            FiguresExtension(),
        ],
        output_format="xhtml",
    )
