"""The one WeasyPrint call: the print HTML and the theme's print.css laid out into pages,
with fonts and files fetched only from the book and the theme; and the options to write it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bookbuild.book import Book
from bookbuild.pdf.fetcher import confined_fetcher
from bookbuild.pdf.html import print_html
from bookbuild.pdf.margins import standard_for
from bookbuild.theme import theme_file

if TYPE_CHECKING:  # types only: WeasyPrint is imported when a layout is made
    from weasyprint.document import Document


def render(book: Book, margins: dict[str, float], profile: str, images: dict[str, str],
            nudged: set[str] = frozenset(), unhyphenated: set[str] = frozenset(),
            **pieces: Any) -> Document:
    import weasyprint

    html = print_html(book, margins, profile, images, nudged, unhyphenated, **pieces)
    css = theme_file(book.config.root, "print.css")
    from weasyprint.text.fonts import FontConfiguration

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    fonts = FontConfiguration()  # @font-face rules register into it; render must use the same
    fetcher = confined_fetcher(book.config.root)
    stylesheet = weasyprint.CSS(filename=str(css), font_config=fonts, url_fetcher=fetcher)
    return weasyprint.HTML(string=html, base_url=str(css.parent), url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=fonts)


def pdf_options(book: Book, profile: str) -> dict:
    standard = standard_for(book, profile)
    options = {"pdf_identifier": True}
    if standard != "none":
        options["pdf_variant"] = standard
    return options
