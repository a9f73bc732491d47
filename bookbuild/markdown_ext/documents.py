"""In-world documents: the div classes we style out of the box.

`excerpt`, `epigraph` and `newspaper` get an attribution or dateline from their attributes;
in a `transcript`, each `SPEAKER: words` paragraph becomes a speaker and a speech.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

DOCUMENT_CLASSES = ("excerpt", "transcript", "letter", "epigraph", "newspaper")
# A speaker is up to six words in capitals (any script), then a colon.
SPEAKER = re.compile(r"^\s*(?P<name>[^\W\d_][^\W_]*(?:[ .'’-]+[^\W_]+){0,5}\.?)\s*:\s+", re.UNICODE)


def _classes(el) -> list[str]:
    return (el.get("class") or "").split()


def _pop(el, key: str) -> str | None:
    return el.attrib.pop(f"data-{key}", None)


def _cite(parent, title: str) -> etree.Element:
    cite = etree.SubElement(parent, "cite")
    cite.text = title
    return cite


def attribute_excerpt(div) -> None:
    """Prepend "From *Source* by Author" (either part may be absent)."""
    source, author = _pop(div, "source"), _pop(div, "author")
    if not (source or author):
        return
    line = etree.Element("p", {"class": "attribution"})
    if source:
        line.text = "From "
        _cite(line, source).tail = f" by {author}" if author else None
    else:
        line.text = f"By {author}"
    div.insert(0, line)


def attribute_epigraph(div) -> None:
    """Append "— Author, *Source*" under the quotation."""
    source, author = _pop(div, "source"), _pop(div, "author")
    if not (source or author):
        return
    line = etree.SubElement(div, "p", {"class": "attribution"})
    line.text = "\u2014\u2009" + (author or "")
    if source:
        line.text += ", " if author else ""
        _cite(line, source)


def dateline_newspaper(div) -> None:
    """Prepend the paper's name and date."""
    source, date = _pop(div, "source"), _pop(div, "date")
    if not (source or date):
        return
    line = etree.Element("p", {"class": "dateline"})
    if source:
        _cite(line, source).tail = f", {date}" if date else None
    else:
        line.text = date
    div.insert(0, line)


def split_speeches(div) -> None:
    for p in div.iter("p"):
        match = SPEAKER.match(p.text or "")
        name = match["name"] if match else ""
        # Capitals mark a speaker; scripts without case (Hebrew, Arabic) cannot, so need one.
        if match and name.upper() == name and any(c.isupper() for c in name):
            speaker = etree.Element("span", {"class": "speaker"})
            speaker.text = match["name"]
            speaker.tail = ": " + p.text[match.end():]
            p.text = None
            p.insert(0, speaker)
            p.set("class", "speech")
        elif not (p.text or "").strip() and len(p) == 1 and p[0].tag == "em" \
                and not (p[0].tail or "").strip():
            p.set("class", "direction")


def mark_signoff(div) -> None:
    """The closing paragraphs of a letter: its last, and a short "Yours," line right before it.

    The "Yours," line must directly precede the last paragraph and must not open the letter,
    where a short line ending in a comma is the salutation ("Dear Nina,").
    """
    children = list(div)
    if not children or children[-1].tag != "p":
        return
    children[-1].set("class", "signoff")
    if len(children) > 2 and children[-2].tag == "p":
        closing = "".join(children[-2].itertext()).strip()
        if len(closing) <= 40 and closing.endswith(","):
            children[-2].set("class", "signoff")


RENDERERS = {
    "excerpt": attribute_excerpt,
    "epigraph": attribute_epigraph,
    "newspaper": dateline_newspaper,
    "transcript": split_speeches,
    "letter": mark_signoff,
}


class DocumentsProcessor(Treeprocessor):
    def run(self, root) -> None:
        for div in list(root.iter("div")):
            for cls in _classes(div):
                if cls in RENDERERS:
                    RENDERERS[cls](div)


class DocumentsExtension(Extension):
    def extendMarkdown(self, md) -> None:
        # After inline processing (20), so speeches and attributions see the final text.
        md.treeprocessors.register(DocumentsProcessor(md), "documents", 6)
