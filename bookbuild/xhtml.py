"""XHTML as every stage writes it: the namespaces, element names, HTML's phrasing content, and
the small tree helpers that reading and both writers share (ids, text units).
"""

from __future__ import annotations

from lxml import etree

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML_NS, "epub": EPUB_NS}


def h(tag: str) -> str:
    """The namespaced name of an XHTML element."""
    return f"{{{XHTML_NS}}}{tag}"


EPUB_TYPE = f"{{{EPUB_NS}}}type"
# HTML's phrasing content among the elements a book may use: what may stand inside a paragraph.
PHRASING = frozenset("""
a abbr b bdi bdo br cite code del dfn em i img ins kbd mark q ruby s samp small span strong sub
sup time u var wbr
""".split())
HTML_SPACE = " \t\n\r\f"  # white space as HTML reads it; str.strip() takes more


def unique_id(candidate: str, used: set[str]) -> str:
    """`candidate`, or `candidate-2`, `-3`... the first not in `used` (which it joins)."""
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}-{n}", n + 1
    used.add(name)
    return name



def text_units(text: str | None) -> int:
    """How many letters and digits `text` holds: the measure both writers use to find the same
    place in a section's text, whatever spaces, hyphens or punctuation each adds around it."""
    return sum(ch.isalnum() for ch in text or "")


def detach(el: etree._Element) -> None:
    """Take `el` out of the tree, leaving its tail text where it was."""
    parent, previous = el.getparent(), el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    el.tail = None
    parent.remove(el)
