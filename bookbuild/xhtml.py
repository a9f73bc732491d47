"""XHTML as every stage writes it: the namespaces, element names, and the small tree helpers
that reading and both writers share (ids, text units).
"""

from __future__ import annotations

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML_NS, "epub": EPUB_NS}


def h(tag: str) -> str:
    """The namespaced name of an XHTML element."""
    return f"{{{XHTML_NS}}}{tag}"


EPUB_TYPE = f"{{{EPUB_NS}}}type"


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
