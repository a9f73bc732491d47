"""The raw-HTML policy: which elements, attributes and URLs an author's HTML may use.

Pure rules over a parsed tree (never over text): hands `breaches` to the reading step, which
reports each at the source line that holds it (read/checks.py), and `check_svg` for pictures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

from lxml import etree

from bookbuild.config import LANGUAGE_TAG, PHRASE_LANGUAGE_TAG
from bookbuild.css_policy import declarations_problems, stylesheet_problems
from bookbuild.xhtml import EPUB_NS, HTML_SPACE, PHRASING, XHTML_NS, XML_NS, h

# Flow and phrasing content that reads well in every reading system.
ALLOWED = set("""
a abbr address article aside b bdi bdo blockquote br caption cite code col colgroup dd del
details dfn div dl dt em figcaption figure footer h1 h2 h3 h4 h5 h6 header hr i img ins
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

# Attributes every allowed element may carry, and those a few elements add. Anything else is
# refused: EPUBCheck fails a book over an attribute HTML does not define for its element.
GLOBAL_ATTRIBUTES = {"id", "class", "title", "lang", "dir", "style", "hidden", "translate",
                     "aria-label", "aria-hidden"}
ELEMENT_ATTRIBUTES = {
    "a": {"href", "hreflang"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope", "abbr"},
    "col": {"span"},
    "colgroup": {"span"},
    "time": {"datetime"},
    "del": {"datetime"},
    "ins": {"datetime"},
    "details": {"open"},
    # Only roles EPUBCheck accepts on each of these (an aside takes the fewest).
    "div": {"role"}, "p": {"role"}, "span": {"role"}, "aside": {"role"}, "blockquote": {"role"},
}
ROLES = ("doc-dedication", "doc-example", "doc-footnote", "doc-glossary", "doc-pullquote",
         "doc-tip", "note", "none", "presentation", "doc-epigraph")
NOT_ON_ASIDE = ("doc-epigraph",)  # ARIA in HTML allows an aside only the others
_DATE = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,3})?)?"
_ZONE = r"(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])"
# attribute: (the values allowed, as a regular expression; how to say so)
VALUES: dict[str, tuple[str, str]] = {
    "id": (r"[^ \t\n\r\f]+", "a name without spaces"),
    "lang": (f"({PHRASE_LANGUAGE_TAG})?", "a language tag such as en, ru or de-CH"),
    "hreflang": (LANGUAGE_TAG, "a language tag such as en, ru or de-CH"),
    "dir": ("ltr|rtl|auto", "ltr, rtl or auto"),
    "hidden": ("|hidden", 'empty or "hidden"'),
    "translate": ("yes|no", "yes or no"),
    "aria-hidden": ("true|false", "true or false"),
    "role": ("|".join(ROLES), ", ".join(ROLES)),
    "width": ("[0-9]{1,5}", "a number of pixels"),
    "height": ("[0-9]{1,5}", "a number of pixels"),
    "start": ("-?[0-9]{1,9}", "a whole number"),
    "value": ("-?[0-9]{1,9}", "a whole number"),
    "reversed": ("|reversed", 'empty or "reversed"'),
    "open": ("|open", 'empty or "open"'),
    "type": ("[1aAiI]", "1, a, A, i or I"),
    "colspan": ("[1-9][0-9]{0,2}", "a number from 1 to 999"),
    "rowspan": ("[0-9]{1,4}", "a number from 0 to 9999"),
    "span": ("[1-9][0-9]{0,2}", "a number from 1 to 999"),
    "scope": ("row|col|rowgroup|colgroup", "row, col, rowgroup or colgroup"),
    "datetime": (rf"[0-9]{{4}}(-(0[1-9]|1[0-2]))?|{_DATE}|{_TIME}|{_DATE}[T ]{_TIME}{_ZONE}?",
                 "a date or time such as 1953-03-05 or 1953-03-05T21:50"),
}
EDIT_DATETIME = (rf"{_DATE}([T ]{_TIME}{_ZONE})?",
                 "a date, or a date and time with its zone, such as 1953-03-05T21:50Z")

# HTML's content models, as far as the allowed elements need them.
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SECTIONING = {"article", "aside", "nav", "section"}
TRANSPARENT = {"a", "del", "ins"}  # they take the content model of their parent
VOID = {"br", "hr", "img", "wbr", "col"}
PHRASING_ONLY = (PHRASING - TRANSPARENT) | HEADINGS | {"p", "pre", "rt", "rp", "summary"}
CHILDREN = {  # elements that hold only these elements, and no text
    "ul": {"li"}, "ol": {"li"}, "dl": {"dt", "dd"},
    "table": {"caption", "colgroup", "thead", "tbody", "tfoot", "tr"},
    "thead": {"tr"}, "tbody": {"tr"}, "tfoot": {"tr"}, "tr": {"td", "th"}, "colgroup": {"col"},
}
PARENTS = {
    "li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"}, "th": {"tr"}, "caption": {"table"}, "colgroup": {"table"},
    "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"}, "col": {"colgroup"},
    "figcaption": {"figure"}, "summary": {"details"}, "rt": {"ruby"}, "rp": {"ruby"},
}
NOT_INSIDE = {  # ancestor: elements that may not appear anywhere inside it
    "a": {"a", "details"},
    "header": {"header", "footer"}, "footer": {"header", "footer"},
    "address": HEADINGS | SECTIONING | {"header", "footer", "address"},
    "th": HEADINGS | SECTIONING | {"header", "footer"},
    "dt": HEADINGS | SECTIONING | {"header", "footer"},
    "caption": {"table"}, "dfn": {"dfn"},
}
SEQUENCES = {  # the order of element children, as a pattern over their names
    "table": (r"(caption )?(colgroup )*(thead )?((tbody )*|(tr )*)(tfoot )?",
              "a table's parts go in the order caption, colgroup, thead, tbody (or tr), tfoot"),
    "dl": (r"((dt )+(dd )+)*", "a <dl> holds terms (<dt>) each followed by descriptions (<dd>)"),
    "details": (r"summary ((?!summary )[a-z0-9]+ )*",
                "<details> must open with one <summary>"),
    "figure": (r"(figcaption )?((?!figcaption )[a-z0-9]+ )*|((?!figcaption )[a-z0-9]+ )*"
               r"figcaption ", "<figcaption> must come first or last in its <figure>, once"),
}
MAX_DEPTH = 100  # elements inside each other; writers and readers recurse through them
CSS_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla", "calc", "min", "max", "clamp"}
CSS_VALUE = re.compile(r"""[\w \t\n\r\f#%.,+*/'"()-]*""")
URL_BAD_CHARACTER = re.compile(r"[\x00-\x20\x7f<>\"{}|\\^`\[\]]")


@dataclass(frozen=True)
class Breach:
    """One thing the policy or HTML refuses: the element (and the attribute, when it is one)."""

    element: etree._Element
    message: str
    code: str = "BB210"
    attribute: tuple[str, str] | None = None  # (name, value)


def breaches(body: etree._Element) -> Iterator[Breach]:
    """Every element, attribute, URL or nesting under `body` that the policy or HTML itself
    refuses; what is inside a refused element is not looked at again."""
    deep = _too_deep(body)
    if deep is not None:
        yield Breach(deep, f"the text nests more than {MAX_DEPTH} elements deep (lists, quotes "
                           f"or divs inside each other); bookbuild reads at most {MAX_DEPTH}",
                     "BB219")
        return
    refused: set[etree._Element] = set()
    for el in body.iter():
        if any(ancestor in refused for ancestor in el.iterancestors()):
            continue  # inside an element already refused: one problem is enough
        if isinstance(el, etree._ProcessingInstruction):
            yield Breach(el, "processing instructions (<?...?>) are not allowed in a book")
            continue
        if not isinstance(el.tag, str) or el is body:
            continue
        ns, _, name = el.tag.rpartition("}")
        if ns.lstrip("{") != XHTML_NS or name in FORBIDDEN or name not in ALLOWED:
            refused.add(el)
        if ns.lstrip("{") != XHTML_NS:
            yield Breach(el, f"<{name}> is not an XHTML element")
        elif name in FORBIDDEN:
            yield Breach(el, f"<{name}>: {FORBIDDEN[name]}")
        elif name not in ALLOWED:
            yield Breach(el, f"<{name}> is not an element a book may use")
        else:
            for attr, value in el.attrib.items():
                message = _attribute_problem(el, name, attr, value)
                if message:
                    yield Breach(el, message, attribute=(attr, value))
            message = _placement_problem(el, name)
            if message:
                yield Breach(el, message, "BB211")


def _attribute_problem(el: etree._Element, tag: str, attr: str, value: str) -> str | None:
    """Why an attribute is refused, or None."""
    ns, _, local = attr.rpartition("}")
    ns = ns.lstrip("{")
    if local.lower().startswith("on") and not ns:
        return f"event handler '{local}' on <{tag}>: scripts are not allowed in a book"
    if ns == EPUB_NS and local == "type":
        # a term of another prefix than z3998: (Standard Ebooks' se:) is left out with a
        # warning when the chapter is read (read/passes.py match_roles)
        return None if value.strip(HTML_SPACE) else f"an empty epub:type on <{tag}>"
    if ns and not (ns == XML_NS and local == "lang"):  # xml:lang is checked as lang is
        prefix = "xml" if ns == XML_NS else next(
            (p for p, uri in el.nsmap.items() if uri == ns and p), ns)
        return f"the attribute '{prefix}:{local}' is not allowed on <{tag}>"
    if local.startswith("data-") and not ns:
        if len(local) == 5 or re.search("[A-Z]", local):
            return (f"'{local}' is not a valid data attribute name (lower case, at least one "
                    f"letter after 'data-')")
        return None
    if local not in GLOBAL_ATTRIBUTES | ELEMENT_ATTRIBUTES.get(tag, set()):
        return f"the attribute '{local}' is not allowed on <{tag}>"
    if local in ("href", "src"):
        return _url_problem(tag, local, value)
    if local == "style":
        return _style_problem(tag, value)
    if local == "role" and tag == "aside" and value in NOT_ON_ASIDE:
        return f"role=\"{value}\" is not allowed on <aside>; put it on a <blockquote> or <div>"
    if local == "value" and el.getparent().tag != h("ol"):
        return "the attribute 'value' is allowed on an <li> of an <ol> only"
    allowed, description = EDIT_DATETIME if local == "datetime" and tag != "time" \
        else VALUES.get(local, (None, ""))
    if allowed is not None and not re.fullmatch(allowed, value):
        return f"<{tag} {local}=\"{value}\">: {local} must be {description}"
    return None


def _url_problem(tag: str, attr: str, value: str) -> str | None:
    scheme = SCHEME.match(value)
    remote = value.startswith("//")  # another host, without saying how to reach it
    if not (scheme or remote):
        return None  # within the book: read/links.py resolves it
    kind = "http" if remote else scheme[1].lower()
    if tag == "a" and attr == "href" and kind in SAFE_LINK_SCHEMES:
        # A link the reader may follow; nothing is loaded.
        problem = "write the whole address, https:// included" if remote \
            else link_problem(value)
        return f"<a href=\"{value}\">: {problem}" if problem else None
    if kind in ("http", "https"):
        return f"<{tag} {attr}=\"{value}\">: remote resources are not allowed; put the file " \
               f"in the book folder"
    return f"<{tag} {attr}=\"{value}\">: '{kind}:' URLs are not allowed"


def link_problem(url: str) -> str | None:
    """Why an http(s) or mailto link is not a URL EPUBCheck accepts, or None."""
    for char in url:
        if URL_BAD_CHARACTER.match(char) or unicodedata.category(char)[0] in "CZ":
            shown = "a space" if char == " " else f"U+{ord(char):04X}" if not char.isprintable() \
                else f"'{char}'"
            return f"a URL cannot hold {shown}; write it %-encoded"
    if re.search("%(?![0-9A-Fa-f]{2})", url):
        return "'%' in a URL must be followed by two hexadecimal digits"
    parts = urlsplit(url)
    if parts.scheme.lower() == "mailto":
        return None if parts.path else "the mailto: link has no address"
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number in range
        valid = bool(host) and not host.startswith(".") and ".." not in host \
            and "%" not in host and bool(host.encode("idna"))
    except (ValueError, UnicodeError):
        valid = False
    return None if valid else "the link has no valid host name"


def _style_problem(tag: str, style: str) -> str | None:
    """Why a style attribute is refused, or None: only plain `property: value` declarations,
    and nothing that loads a file (`url(...)`, `image(...)`)."""
    for declaration in style.split(";"):
        if not declaration.strip():
            continue
        match = re.fullmatch(r"\s*(-?[A-Za-z][A-Za-z0-9-]*)\s*:(.*)", declaration, re.DOTALL)
        value = re.sub(r"!\s*important\s*$", "", match[2], flags=re.IGNORECASE) if match else ""
        for function in re.findall(r"([A-Za-z-]*)\s*\(", value):
            if not function:
                match = None  # a bare parenthesis: not a plain declaration
            elif function.lower() == "url" or "image" in function.lower():
                return f"<{tag} style=\"{style}\">: {function}(...) would load a file; images " \
                       f"belong in the text, styles in styles/epub.css"
            elif function.lower() not in CSS_FUNCTIONS:
                return f"<{tag} style=\"{style}\">: the CSS function '{function}()' is not " \
                       f"allowed in a style attribute"
        if not (match and value.strip() and CSS_VALUE.fullmatch(value) and _balanced(value)
                and value.count('"') % 2 == 0 and value.count("'") % 2 == 0):
            return f"<{tag} style=\"{style}\">: a style attribute may hold only declarations " \
                   f"such as 'font-style: italic; color: #333'"
    return None


def _balanced(value: str) -> bool:
    """Whether every parenthesis closes one opened before it."""
    depth = 0
    for char in value:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def _placement_problem(el: etree._Element, tag: str) -> str | None:
    """Why HTML does not allow the element where it is, or None."""
    parent = etree.QName(el.getparent()).localname
    if tag in PARENTS and parent not in PARENTS[tag]:
        return f"<{tag}> must be inside {' or '.join(f'<{p}>' for p in sorted(PARENTS[tag]))}"
    if parent in CHILDREN and tag not in CHILDREN[parent]:
        return f"<{tag}> cannot be inside <{parent}>, which holds only " \
               f"{', '.join(f'<{c}>' for c in sorted(CHILDREN[parent]))}"
    container = el.getparent()
    while etree.QName(container).localname in TRANSPARENT and container.getparent() is not None:
        container = container.getparent()
    context = etree.QName(container).localname
    if context in PHRASING_ONLY and tag not in PHRASING \
            and not (context == "summary" and tag in HEADINGS) \
            and not (context == "ruby" and tag in ("rt", "rp")):
        hint = "; leave a blank line before and after block-level HTML" if context == "p" else ""
        return f"<{tag}> cannot be inside <{context}>, which holds only text and inline " \
               f"elements{hint}"
    for ancestor in el.iterancestors():
        name = etree.QName(ancestor).localname
        if tag in NOT_INSIDE.get(name, ()):
            what = "a link inside a link (a footnote call in a link's text?)" \
                if tag == name == "a" else f"<{tag}> inside <{name}>"
            return f"HTML does not allow {what}"
    if tag in VOID and (len(el) or el.text):
        return f"<{tag}> must be empty (<{tag}/>)"
    if tag in CHILDREN and any((t or "").strip(HTML_SPACE)
                               for t in [el.text, *(child.tail for child in el)]):
        return f"text directly inside <{tag}>; put it inside " \
               f"{' or '.join(f'<{c}>' for c in sorted(CHILDREN[tag]))}"
    if tag in SEQUENCES:
        names = "".join(f"{etree.QName(c).localname} " for c in el if isinstance(c.tag, str))
        pattern, rule = SEQUENCES[tag]
        if not re.fullmatch(pattern, names):
            return rule
    if tag == "bdo" and el.get("dir") not in ("ltr", "rtl"):
        return '<bdo> needs dir="ltr" or dir="rtl"'
    if tag == "img" and not el.get("src"):
        return "<img> needs a src"
    if tag == "colgroup" and el.get("span") is not None and len(el):
        return "a <colgroup> with span cannot also hold <col> elements"
    return None


def _too_deep(body: etree._Element) -> etree._Element | None:
    """The first element nested more than MAX_DEPTH deep, or None (iteratively: no recursion)."""
    stack = [(body, 0)]
    while stack:
        el, depth = stack.pop()
        if depth > MAX_DEPTH:
            return el
        stack.extend((child, depth + 1) for child in el)
    return None


SVG_NS = "http://www.w3.org/2000/svg"
SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "handler", "listener", "animation"}
_SVG_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def check_svg(data: bytes) -> str | None:
    """Why an SVG image may not go into the book (not SVG, a script, a link or a load from
    outside itself), or None. The same policy as raw HTML, for a picture that is markup."""
    try:
        root = etree.fromstring(data, _SVG_PARSER)
    except etree.XMLSyntaxError as exc:
        return f"is not well-formed SVG ({exc.msg})"
    if root.getroottree().docinfo.internalDTD is not None:
        return "declares a DOCTYPE (entities); save it as plain SVG"
    if root.tag != f"{{{SVG_NS}}}svg":
        return "is not an SVG image (its root element is not <svg>)"
    if any(isinstance(node, etree._ProcessingInstruction)
           for node in (*root.itersiblings(preceding=True), *root.iter())):
        return "holds a processing instruction (<?...?>); save it as plain SVG"
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        name = etree.QName(el).localname
        if name in SVG_FORBIDDEN:
            return f"holds a <{name}> element; scripts and embedded documents are not allowed"
        if name == "style":
            for _, problem in stylesheet_problems("".join(el.itertext()), files=False)[:1]:
                return f"has a stylesheet that loads a file: {problem}"
        for attr, value in el.attrib.items():
            local = etree.QName(attr).localname
            if local.lower().startswith("on"):
                return f"has an event handler ({local}); scripts are not allowed"
            if local == "href" and not value.strip().startswith("#"):
                return f"links to '{value}'; an SVG in a book may refer only to its own parts"
            # Presentation attributes are CSS values too; a load needs a "(" or an "@".
            if ("(" in value or "@" in value) and declarations_problems(value, files=False):
                return f"loads a file ({local}=\"{value}\"); an SVG in a book must stand alone"
    return _svg_copies_problem(root)


# Each <use> draws a copy of what it refers to, the uses inside that too: ten levels of ten
# uses in 2 KB draw ten billion shapes. Past this many copies an SVG is refused.
MAX_SVG_COPIES = 5_000


def _svg_copies_problem(root: etree._Element) -> str | None:
    """Why the <use> elements of an SVG draw too much (over MAX_SVG_COPIES copies) or go round
    in a circle, or None. Each element's drawn size is counted once, deepest first, without
    recursion (a chain of references may be as long as the file)."""
    ids = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")}

    def parts(el: etree._Element) -> list[etree._Element]:
        inside = [c for c in el if isinstance(c.tag, str)]
        if etree.QName(el).localname != "use":
            return inside
        target = next((v.strip()[1:] for a, v in el.attrib.items()
                       if etree.QName(a).localname == "href" and v.strip().startswith("#")), None)
        return inside + ([ids[target]] if target in ids else [])

    elements = sum(1 for el in root.iter() if isinstance(el.tag, str))
    drawn: dict[etree._Element, int] = {}
    open_: set[etree._Element] = set()
    stack: list[tuple[etree._Element, bool]] = [(root, False)]
    while stack:
        el, finished = stack.pop()
        if finished:
            open_.discard(el)
            drawn[el] = min(1 + sum(drawn[p] for p in parts(el)), elements + MAX_SVG_COPIES + 1)
            continue
        if el in drawn:
            continue
        open_.add(el)
        stack.append((el, True))
        for part in parts(el):
            if part in open_:
                return (f"refers to an element from inside itself (#{part.get('id')}); "
                        f"references may not go round in a circle")
            if part not in drawn:
                stack.append((part, False))
    if drawn[root] - elements > MAX_SVG_COPIES:
        return (f"draws more than {MAX_SVG_COPIES:,} copies of its shapes through <use> "
                f"elements (uses of uses multiply); bookbuild draws at most that many")
    return None
