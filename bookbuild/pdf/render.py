"""The one WeasyPrint set-up: a stylesheet of the theme (print.css, cover.css) with its fonts,
and files fetched only from the book and the theme; the print HTML laid out with it into pages,
and the options to write them. The interior, the layout workers and the cover all use it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bookbuild.book import Book
from bookbuild.pdf import keep_notes, late_layouts, linememo, margin_boxes, normal_flow, page_styles
from bookbuild.pdf.engine import import_weasyprint
from bookbuild.pdf.fetcher import confined_fetcher
from bookbuild.pdf.html import print_html
from bookbuild.pdf.loose import reset_loose
from bookbuild.pdf.makeup import Mends
from bookbuild.pdf.makeup import apply as apply_mends
from bookbuild.pdf.margins import standard_for
from bookbuild.theme import theme_file

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document


class Typesetter:
    """WeasyPrint set up for one stylesheet: the fonts its @font-face rules register, and a
    fetcher confined to the book and the theme. Made once, it lays out any number of
    documents; an extra stylesheet (a piece of the layout's own rules) is parsed once."""

    def __init__(self, book_root: Path, css: Path):
        import_weasyprint()
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)
        keep_notes.install()
        linememo.install()
        margin_boxes.install()
        page_styles.install()
        normal_flow.install()
        late_layouts.install()
        linememo.forget()  # another set-up's lines (and fonts) are let go
        self.fonts = FontConfiguration()  # @font-face rules register into it; render uses it
        self.fetcher = confined_fetcher(book_root)
        self.base_url = str(css.parent)
        self.stylesheet = weasyprint.CSS(filename=str(css), font_config=self.fonts,
                                         url_fetcher=self.fetcher)
        self._extra: dict[str, Any] = {}

    def render(self, html: str, extra_css: str | None = None) -> Document:
        import weasyprint

        sheets = [self.stylesheet]
        if extra_css is not None:
            if extra_css not in self._extra:
                self._extra[extra_css] = weasyprint.CSS(string=extra_css, font_config=self.fonts)
            sheets.append(self._extra[extra_css])
        return weasyprint.HTML(string=html, base_url=self.base_url,
                               url_fetcher=self.fetcher).render(stylesheets=sheets,
                                                                font_config=self.fonts)


def render(book: Book, margins: dict[str, float], profile: str, images: dict[str, str],
           nudged: set[str] = frozenset(), unhyphenated: set[str] = frozenset(),
           mends: Mends | None = None, starts: dict[str, int] | None = None,
           typesetter: Typesetter | None = None, trials: dict | None = None,
           turns_only: bool = False, **pieces: Any) -> tuple[Document, str]:
    """The book's print HTML laid out with the theme's print.css (with the make-up's
    `mends`, if given, its pages numbered from `starts`: see makeup.apply), its loose lines
    re-set (see loose.py; with `turns_only`, only the paragraphs that end a page in a
    hyphen); and that HTML. A caller laying the book out more than once passes the same
    `typesetter` (print.css and the fonts loaded once) and `trials` (loose.reset_loose)."""
    html = print_html(book, margins, profile, images, nudged, unhyphenated, **pieces)
    if mends:
        html = apply_mends(html, mends, starts)
    if typesetter is None:
        typesetter = typesetter_for(book)
    document = typesetter.render(html)
    reset_loose(typesetter, document, html, trials=trials, turns_only=turns_only)
    return document, html


def typesetter_for(book: Book) -> Typesetter:
    """WeasyPrint set up with the book's theme."""
    return Typesetter(book.config.root, theme_file(book.config.root, "print.css"))


def pdf_options(book: Book, profile: str) -> dict:
    standard = standard_for(book, profile)
    options = {"pdf_identifier": True}
    if standard != "none":
        options["pdf_variant"] = standard
    return options
