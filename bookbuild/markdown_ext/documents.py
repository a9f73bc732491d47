"""In-world documents: the div classes we style out of the box, given the semantics a screen
reader follows and a reader without our CSS still sets apart.

Each `excerpt`, `letter`, `newspaper`, `transcript` and `epigraph` div becomes a `<blockquote>`
(with an `epub:type` from the EPUB structural semantics or Z39.98 vocabulary where one names
it); its `source`, `author` and `date` become a visible attribution (`<footer>` with `<cite>`)
or a dateline (`<header>`). A letter's salutation, valediction, signature and postscript are
marked; in a `transcript`, each `Speaker: words` paragraph becomes a speaker (`z3998:persona`)
and a speech (`z3998:speech`), a stage direction `z3998:stage-direction`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

DOCUMENT_CLASSES = ("excerpt", "transcript", "letter", "epigraph", "newspaper")
# The semantics a kind carries where a vocabulary has a term for it: epub:type, ARIA role
# (DPUB-ARIA has one for the epigraph only). Z39.98 has no term for an excerpt or a transcript
# as a whole: the blockquote is their semantics (a transcript's parts are marked below).
SEMANTICS = {
    "letter": ("z3998:letter", None),
    "newspaper": ("z3998:article", None),  # "typically appearing in ... newspapers"
    "epigraph": ("epigraph", "doc-epigraph"),
}
# A letter's postscript: "P.S.", "PS:", "P.P.S.", "Post scriptum".
POSTSCRIPT = re.compile(r"(?i)\s*(?:p\.\s?)+s\.|\s*p+s\b|\s*post\s?scriptum\b")
# Lower-case words a name may hold between its capitalised ones (Charles de Gaulle, Ibn Battuta).
PARTICLES = frozenset("de del della der den di da du des la le van von vom zu y e ibn bin bint "
                      "al el ben bat ter ten op mac st".split())
NAME_WORD = re.compile(r"[^\W\d_](?:[^\W_]|['’-](?=[^\W_]))*\.?$")
# A stage direction written in brackets: "(The witness hesitates.)" or "[Pause.]".
BRACKETED = re.compile(r"^\s*[(\[].*[)\]]\s*$", re.DOTALL)


def _classes(el) -> list[str]:
    return (el.get("class") or "").split()


def _pop(el, key: str) -> str | None:
    return el.attrib.pop(f"data-{key}", None)


def _cite(parent, title: str) -> etree.Element:
    cite = etree.SubElement(parent, "cite")
    cite.text = title
    return cite


def _line(parent, cls: str, at: int | None = None) -> etree.Element:
    line = etree.Element("p", {"class": cls})
    if at is None:
        parent.append(line)
    else:
        parent.insert(at, line)
    return line


def _footer(div, at: int | None = None) -> etree.Element:
    if at is None and len(div) and div[-1].tag == "footer":
        return div[-1]
    footer = etree.Element("footer")
    if at is None:
        div.append(footer)
    else:
        div.insert(at, footer)
    return footer


def _from_line(line, source: str | None, author: str | None, date: str | None,
               article: bool = False) -> None:
    """ "From [the] *Source* by Author, Date" (each part may be absent) into `line`."""
    tail = (f" by {author}" if author and source else "") + (f", {date}" if date else "")
    if source:
        needs_the = article and not re.match(r"(?i)(the|a|an)\s", source)
        line.text = "From the " if needs_the else "From "
        _cite(line, source).tail = tail or None
    elif author:
        line.text = f"By {author}" + (f", {date}" if date else "")
    else:
        line.text = date


def attribute_excerpt(div: Element, article: bool = False) -> None:
    """Lead with "From *Source* by Author, Date" in a footer (each part may be absent)."""
    source, author, date = _pop(div, "source"), _pop(div, "author"), _pop(div, "date")
    if source or author or date:
        _from_line(_line(_footer(div, 0), "attribution"), source, author, date, article)


def attribute_epigraph(div: Element) -> None:
    """Append "— Author, *Source*" under the quotation, in a footer."""
    source, author = _pop(div, "source"), _pop(div, "author")
    if not (source or author):
        return
    line = _line(_footer(div), "attribution")
    line.text = "\u2014\u2009" + (author or "")
    if source:
        line.text += ", " if author else ""
        _cite(line, source)


def dateline_newspaper(div: Element) -> None:
    """Lead with the paper's name and date, the masthead, in a header."""
    source, date, author = _pop(div, "source"), _pop(div, "date"), _pop(div, "author")
    if source or date:
        header = etree.Element("header")
        div.insert(0, header)
        line = _line(header, "dateline")
        if source:
            _cite(line, source).tail = f", {date}" if date else None
        else:
            line.text = date
    if author:  # a byline closes the cutting
        _line(_footer(div), "attribution").text = f"By {author}"


def speaker_name(text: str) -> str | None:
    """The speaker a transcript line opens with ("ORLOV:", "Pavel Orlov:", "Mrs. Marchenko:",
    "Charles de Gaulle:", "S. P. Kornilov:"), or None."""
    match = re.match(r"\s*([^:\n]{1,80}?)\s*:(?:\s|$)", text)
    if not match:
        return None
    name = match[1].replace("\u00a0", " ")
    words = name.split()
    if not words or not all(NAME_WORD.match(w) or w in PARTICLES for w in words):
        return None
    letters = [c for c in name if c.isalpha()]
    if name.upper() == name and any(c.isupper() for c in letters):
        return match[1] if len(words) <= 6 else None  # in capitals, as a court reporter types
    if words[0] in PARTICLES:
        return None
    named = [w for w in words if w not in PARTICLES]
    # Capitalised, or in a script without case (Hebrew, Arabic), where no capital can mark it.
    if all(w[0].isupper() or w[0].upper() == w[0].lower() for w in named) \
            and sum(not re.fullmatch(r"\w\.", w) for w in named) <= 4:
        return match[1]
    return None


def _make_speech(p, speaker: etree.Element, rest: str) -> None:
    speaker.tag = "span"
    speaker.attrib.clear()
    speaker.set("class", "speaker")
    speaker.set("epub:type", "z3998:persona")
    speaker.tail = ": " + rest.lstrip()
    p.set("class", "speech")
    p.set("epub:type", "z3998:speech")


def _make_direction(p) -> None:
    p.set("class", "direction")
    p.set("epub:type", "z3998:stage-direction")


def split_speeches(div: Element) -> None:
    attribute_excerpt(div, article=True)
    for p in div.iter("p"):
        if p.get("class"):
            continue
        name = speaker_name(p.text or "")
        if name is not None:
            rest = (p.text or "")[(p.text or "").index(":") + 1:]
            speaker = etree.Element("span")
            speaker.text = name
            p.text = None
            p.insert(0, speaker)
            _make_speech(p, speaker, rest)
        elif not (p.text or "").strip() and len(p) and p[0].tag in ("strong", "b"):
            _bold_speaker(p)
        elif not (p.text or "").strip() and len(p) == 1 and p[0].tag == "em" \
                and not (p[0].tail or "").strip():
            _make_direction(p)
        elif len(p) == 0 and BRACKETED.match(p.text or ""):
            _make_direction(p)


def _bold_speaker(p) -> None:
    """`**Orlov:** words` or `**Orlov**: words`: the bold name is the speaker."""
    strong = p[0]
    name = "".join(strong.itertext()).strip()
    tail = strong.tail or ""
    if name.endswith(":") and len(strong) == 0:
        name = name[:-1].rstrip()
    elif tail.lstrip().startswith(":") and len(strong) == 0:
        tail = tail.lstrip()[1:]
    else:
        return
    if not name or speaker_name(name + ": ") is None:
        return
    strong.text = name
    _make_speech(p, strong, tail)


def mark_letter(div: Element) -> None:
    """A letter's parts as Z39.98 names them: the date in a header, the salutation ("Dear
    Nina,"), and in a footer the valediction ("Yours,"), the signature and any postscript.

    The sign-off is the last paragraph (the signature), and a short line ending in a comma right
    before it (the valediction); a short first line ending in a comma or colon is the salutation.
    Paragraphs at the end opening "P.S." (or "PS", "P.P.S.", "Post scriptum") are postscripts,
    and the sign-off is looked for before them.
    """
    source, author, date = _pop(div, "source"), _pop(div, "author"), _pop(div, "date")
    children = list(div)
    paragraphs = [c for c in children if c.tag == "p"]
    if not children:
        return
    header = None
    first = children[0]
    if first.tag == "p" and len(paragraphs) > 1:
        opening = "".join(first.itertext()).strip()
        if len(opening) <= 60 and opening.endswith((",", ":")):
            first.set("epub:type", "z3998:salutation")
            first.set("class", "salutation")
            header = etree.Element("header")
            div.remove(first)
            header.append(first)
            div.insert(0, header)
    if date:
        if header is None:
            header = etree.Element("header")
            div.insert(0, header)
        _line(header, "dateline", 0).text = date
    children = list(div)
    postscripts = []
    while len(children) > 2 and children[-1].tag == "p" \
            and POSTSCRIPT.match("".join(children[-1].itertext())):
        postscripts.insert(0, children.pop())
    if children and children[-1].tag == "p" and children[-1] is not first:
        closing = [children[-1]]
        if len(children) > 2 and children[-2].tag == "p":
            text = "".join(children[-2].itertext()).strip()
            if len(text) <= 40 and text.endswith(","):
                closing.insert(0, children[-2])
        footer = _footer(div)
        for p in closing:
            div.remove(p)
            footer.append(p)
            p.set("class", "signoff")
        closing[-1].set("epub:type", "z3998:signature")
        if len(closing) == 2:
            closing[0].set("epub:type", "z3998:valediction")
    for p in postscripts:  # after the signature, as written
        div.remove(p)
        _footer(div).append(p)
        p.set("class", "postscript")
        p.set("epub:type", "z3998:postscript")
    if source or author:
        _from_line(_line(_footer(div), "attribution"), source, author, None)


RENDERERS = {
    "excerpt": attribute_excerpt,
    "epigraph": attribute_epigraph,
    "newspaper": dateline_newspaper,
    "transcript": split_speeches,
    "letter": mark_letter,
}


class DocumentsProcessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for div in list(root.iter("div")):
            kinds = [cls for cls in _classes(div) if cls in RENDERERS]
            if not kinds:
                continue
            RENDERERS[kinds[0]](div)
            # A quotation from another document: set apart even where our CSS is not read.
            div.tag = "blockquote"
            epub_type, role = SEMANTICS.get(kinds[0], (None, None))
            if epub_type:
                div.set("epub:type", epub_type)
            if role:
                div.set("role", role)


class DocumentsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After inline processing (20), so speeches and attributions see the final text.
        md.treeprocessors.register(DocumentsProcessor(md), "documents", 6)
