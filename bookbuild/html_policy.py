"""The raw-HTML policy: which elements, attributes and URLs an author's HTML may use.

Applied to the parsed tree of every chapter (never by pattern-matching text); breaches are
reported at the source line that holds them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from bookbuild.book import XHTML_NS
from bookbuild.errors import Report

if TYPE_CHECKING:
    from bookbuild.manuscript import Source

# Flow and phrasing content that reads well in every reading system.
ALLOWED = set("""
a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup dd del
details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hgroup hr i img ins
kbd li mark nav ol p pre q rp rt ruby s samp section small span strong sub summary sup table
tbody td tfoot th thead time tr u ul var wbr
""".split())
FORBIDDEN = {
    "script": "scripts are not allowed in a book",
    "iframe": "embedded frames are not allowed",
    "frame": "frames are not allowed",
    "frameset": "frames are not allowed",
    "object": "embedded objects are not allowed",
    "embed": "embedded objects are not allowed",
    "applet": "applets are not allowed",
    "form": "forms are not allowed",
    "input": "form fields are not allowed",
    "button": "form fields are not allowed",
    "select": "form fields are not allowed",
    "textarea": "form fields are not allowed",
    "style": "put styles in styles/epub.css and styles/print.css, not in the text",
    "link": "stylesheets and links to resources are set by the theme, not the text",
    "meta": "metadata belongs in book.yaml",
    "base": "a base URL would break the book's links",
}
URL_ATTRIBUTES = ("href", "src", "srcset", "poster", "data", "action", "formaction", "xlink:href",
                  "cite", "background")
SCHEME = re.compile(r"^\s*([a-z][a-z0-9+.-]*):", re.IGNORECASE)
SAFE_LINK_SCHEMES = {"http", "https", "mailto"}


def sanitize(body: etree._Element, source: Source, report: Report) -> None:
    """Report every element, attribute or URL the policy forbids."""
    for el in body.iter():
        if not isinstance(el.tag, str):
            continue
        ns, _, name = el.tag.rpartition("}")
        if ns.lstrip("{") != XHTML_NS:
            _fail(report, source, name, f"<{name}> is not an XHTML element")
            continue
        if name in FORBIDDEN:
            _fail(report, source, name, f"<{name}>: {FORBIDDEN[name]}")
            continue
        if name not in ALLOWED and el is not body:
            _fail(report, source, name, f"<{name}> is not an element a book may use")
            continue
        for attr, value in el.attrib.items():
            local = attr.rpartition("}")[2]
            if local.lower().startswith("on"):
                _fail(report, source, local, f"event handler '{local}' on <{name}>: scripts "
                                             f"are not allowed in a book", attribute=True)
            elif local in URL_ATTRIBUTES:
                _check_url(report, source, name, local, value)


def _check_url(report: Report, source: Source, tag: str, attr: str, value: str) -> None:
    scheme = SCHEME.match(value)
    if not scheme:
        return
    kind = scheme[1].lower()
    if tag == "a" and attr == "href" and kind in SAFE_LINK_SCHEMES:
        return  # a link the reader may follow; nothing is loaded
    if kind in ("http", "https"):
        message = f"<{tag} {attr}=\"{value}\">: remote resources are not allowed; put the file " \
                  f"in the book folder"
    else:
        message = f"<{tag} {attr}=\"{value}\">: '{kind}:' URLs are not allowed"
    _fail(report, source, re.escape(value), message, literal=True)


def _fail(report: Report, source: Source, needle: str, message: str, attribute: bool = False,
          literal: bool = False) -> None:
    if literal:
        pattern = needle
    elif attribute:
        pattern = rf"\b{needle}\s*="
    else:
        pattern = rf"<{needle}\b"
    report.error(source.path, source.line_of(pattern), message, "BB210")
