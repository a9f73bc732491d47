"""The CSS policy: what a stylesheet (the theme's, or one inside an SVG) may load.

Stylesheets are parsed with tinycss2, never scanned as text, so escapes (`@\\69mport`,
`u\\72l(`) and comments hide nothing; hands on each refused URL or rule with its line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

import tinycss2
from tinycss2.ast import (
    AtKeywordToken,
    AtRule,
    FunctionBlock,
    Node,
    QualifiedRule,
    StringToken,
    URLToken,
)

# Functions whose string arguments are URLs (CSS Images, CSS Values): url() written with
# quotes, src(), and the image functions that take a bare string as an image's address.
URL_FUNCTIONS = {"url", "src"}
IMAGE_FUNCTIONS = {"image", "image-set", "-webkit-image-set", "cross-fade", "-webkit-cross-fade"}
# A relative reference to a file beside the stylesheet: no scheme, no host, not rooted, no
# backslash (which browsers read as a slash) and nothing a URL parser would drop.
_RELATIVE = re.compile(r"(?![A-Za-z][A-Za-z0-9+.-]*:)(?![/\\])[^\\\x00-\x20\x7f]+")
_BLANKS = re.compile(r"[\t\n\r]")  # what the URL standard removes before it parses


def stylesheet_problems(css: str | bytes, files: bool) -> list[tuple[int, str]]:
    """Every rule or URL of a stylesheet that would load from outside the book, with its line.

    With `files`, a URL may name a file beside the stylesheet (a theme's fonts and pictures)
    or be a `data:` URL; without, only a fragment (`#id`) of the document itself."""
    if isinstance(css, bytes):  # decoded as a browser would: BOM, @charset, else UTF-8
        rules, _ = tinycss2.parse_stylesheet_bytes(css, skip_comments=True,
                                                   skip_whitespace=True)
    else:
        rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    return list(_problems(rules, files))


def declarations_problems(css: str, files: bool) -> list[tuple[int, str]]:
    """The same, for the declarations of a `style` attribute (or any CSS value)."""
    return list(_problems(tinycss2.parse_component_value_list(css, skip_comments=True), files))


def _problems(nodes: Iterable[Node], files: bool) -> Iterator[tuple[int, str]]:
    for node in nodes:
        if isinstance(node, AtRule):
            if node.lower_at_keyword == "import":
                yield node.source_line, "@import loads another stylesheet; put its rules in " \
                                        "this one"
                continue
            if node.lower_at_keyword != "namespace":  # a namespace's URL is a name, not a load
                yield from _problems(node.prelude, files)
            if node.content is not None:
                yield from _problems(node.content, files)
        elif isinstance(node, AtKeywordToken) and node.lower_value == "import":
            yield node.source_line, "@import loads another stylesheet; put its rules in this one"
        elif isinstance(node, QualifiedRule):
            yield from _problems(node.prelude, files)
            yield from _problems(node.content, files)
        elif isinstance(node, URLToken):
            yield from _url_problem(node.source_line, node.value, files)
        elif isinstance(node, FunctionBlock):
            name = node.lower_name
            if name in URL_FUNCTIONS | IMAGE_FUNCTIONS:
                for argument in node.arguments:
                    if isinstance(argument, StringToken):
                        yield from _url_problem(argument.source_line, argument.value, files)
            elif name == "attr" and any(getattr(a, "lower_value", "") == "url"
                                        for a in node.arguments):
                # attr(data-x url): an address taken from the text, out of this policy's sight.
                yield node.source_line, "attr(... url) takes an address from the text; name " \
                                        "the file in the stylesheet"
            yield from _problems(node.arguments, files)
        elif getattr(node, "content", None) is not None:  # () [] {} blocks
            yield from _problems(node.content, files)


def _url_problem(line: int, url: str, files: bool) -> Iterator[tuple[int, str]]:
    plain = _BLANKS.sub("", url).strip()
    if plain.startswith("#"):
        return
    if files and (plain.lower().startswith("data:") or _RELATIVE.fullmatch(plain)):
        return
    allowed = "a stylesheet may name a file beside it (such as fonts/Body.otf)" if files \
        else "it may refer only to its own parts (#id)"
    yield line, f"url({url}) would load from outside the book; {allowed}"
