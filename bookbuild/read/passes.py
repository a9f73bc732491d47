"""The passes over a chapter's tree, each tree in, tree out: block paragraphs unwrapped, note
calls lifted out of links, the title taken, headings renumbered, languages and direction marked,
`epub:type` terms given their DPUB-ARIA role."""

from __future__ import annotations

import re
import unicodedata

from lxml import etree

from bookbuild.book import SEMANTICS, Section
from bookbuild.errors import Report
from bookbuild.markdown_ext import smart_text
from bookbuild.read.source import Locator, Source
from bookbuild.read.typography import TypographySettings, typeset
from bookbuild.xhtml import EPUB_TYPE, HTML_SPACE, PHRASING, XML_NS, detach, h

TITLE_ID = "data-title-id"  # on the body: the id the heading taken for the title had


def unwrap_block_paragraphs(body: etree._Element) -> None:
    """Python-Markdown reads block HTML inside a list item or a quote as text and wraps it in a
    paragraph, where HTML does not allow it (`<p><aside>...</aside></p>`): a paragraph holding
    nothing but block elements gives way to them."""
    for p in list(body.iter(h("p"))):
        children = list(p)
        if not children or (p.text or "").strip(HTML_SPACE) or any(
                not isinstance(c.tag, str) or etree.QName(c).localname in PHRASING
                or (c.tail or "").strip(HTML_SPACE) for c in children):
            continue
        children[-1].tail = p.tail
        parent = p.getparent()
        index = parent.index(p)
        parent[index:index + 1] = children


def lift_note_calls(body: etree._Element) -> None:
    """A footnote call in a link's text (`[words[^1]](url)`) would be a link inside a link,
    which HTML forbids: the call moves to just after the link."""
    for sup in list(body.iter(h("sup"))):
        call = sup.find(h("a"))
        links = list(sup.iterancestors(h("a")))
        if call is None or call.get("class") != "footnote-ref" or not links:
            continue
        detach(sup)
        sup.tail, links[-1].tail = links[-1].tail, None
        links[-1].addnext(sup)


def take_title(section: Section, source: Source, body: etree._Element,
               report: Report, typography: TypographySettings | None = None) -> str | None:
    """The section's title: the YAML header's `title:` and `subtitle:` (set as the text is, in
    the chapter's language), else the first `# heading`, which leaves the text. Returns the
    role its `epub:type` names (`# Prologue {epub:type=prologue}`), as pandoc's EPUB writer
    gives the heading's type to the chapter's section."""
    section.title, section.subtitle = (
        typeset(smart_text(source.header[key]), typography) if key in source.header
        else None for key in ("title", "subtitle"))
    first = body.find(h("h1"))
    first = first if first is not None else _heading_in_divs(body)
    if first is not None and section.title is None:
        if first.find(f".//{h('a')}[@class='footnote-ref']") is not None:
            # The title goes to the contents, the nav and running heads, where a note
            # cannot follow it; Python-Markdown would drop the note silently.
            report.error(source.path, source.line_of(r"^#\s.*\[\^"),
                         "a footnote cannot be called from the chapter title; call it from "
                         "the first sentence instead", "BB216")
        section.title = " ".join("".join(first.itertext()).split()) or None
        classes = (first.get("class") or "").split()
        section.listed = "unlisted" not in classes
        # an empty title (`# <!-- page break --> {.unlisted}`, as pandoc templates write a
        # page of front matter) leaves the page untitled, and so unnumbered
        section.numbered = "unnumbered" not in classes and section.title is not None
        if first.get("id"):  # a link to the title's id goes to the chapter's title
            body.set(TITLE_ID, first.get("id"))
        _remove_keep_tail(first)
        return next((HEADING_ROLES[t] for t in (first.get(EPUB_TYPE) or "").split()
                     if t in HEADING_ROLES), None)
    return None


# The roles a chapter's title may give its section by its `epub:type`: the vocabulary's terms
# for a text's own divisions (the pages bookbuild writes itself, parts and chapters excluded).
HEADING_ROLES = {term: role for role, (term, _) in SEMANTICS.items()
                 if term and role not in ("cover", "half-title", "title-page", "copyright-page",
                                          "toc", "part", "chapter")}


def _heading_in_divs(body: etree._Element) -> etree._Element | None:
    """A level-1 heading that opens the chapter inside divs, as pandoc's conversion of a book's
    HTML wraps each chapter (`::: {#chapter-3 .section}` then `# III`): the chapter's title, as
    pandoc's EPUB writer takes it."""
    el = body
    while len(el) and not (el.text or "").strip():
        el = el[0]
        if el.tag == h("h1"):
            return el
        if el.tag != h("div"):
            return None
    return None


def close_heading_gaps(body: etree._Element) -> None:
    """Renumber the headings left in the text to h2, h3, ... in order, without gaps.

    The section title is the document's h1; a newspaper's `###` headline straight under it
    would otherwise skip a level, which screen-reader navigation and Ace report.
    """
    tags = [h(f"h{n}") for n in range(1, 7)]
    headings = [el for el in body.iter(*tags)]
    used = sorted({int(el.tag[-1]) for el in headings})
    new_level = {old: min(n + 2, 6) for n, old in enumerate(used)}
    for el in headings:
        el.tag = h(f"h{new_level[int(el.tag[-1])]}")


def _remove_keep_tail(el: etree._Element) -> None:
    """Take `el` out, keeping its tail unless it is only white space."""
    if not (el.tail and el.tail.strip()):
        el.tail = None
    detach(el)


def mark_page_breaks(body: etree._Element) -> None:
    """`\\newpage` or `\\pagebreak` alone in a paragraph (pandoc's raw TeX): a page break in
    print, nothing in an ebook (the themes hide `div.page-break`)."""
    for p in list(body.iter(h("p"))):
        if len(p) == 0 and (p.text or "").strip() in ("\\newpage", "\\pagebreak"):
            div = etree.Element(h("div"), {"class": "page-break"})
            div.tail = p.tail
            p.getparent().replace(p, div)


def set_chapter_language(body: etree._Element, lang: str | None) -> None:
    """A chapter header's `lang:` holds for all its text: the text goes into a `<div lang>`
    (the writers make their own `<section>` around the body)."""
    if not lang:
        return
    div = etree.Element(h("div"), lang=lang)
    div.text, body.text = body.text, None
    div.extend(list(body))
    body.append(div)


def mark_languages(body: etree._Element) -> None:
    """`lang` doubled as `xml:lang`, as EPUB wants; a private-use tag (`x-local`), which no
    reading system or screen reader knows, is left out (Ace counts it a violation)."""
    for el in body.iter():
        if (el.get("lang") or "")[:2] in ("x-", "X-"):
            del el.attrib["lang"]
        elif el.get("lang"):
            el.set(f"{{{XML_NS}}}lang", el.get("lang"))

# Every code point of bidi class R or AL lies in these blocks (tests/test_text_hygiene.py checks it
# against unicodedata): a block with none of them is left to right, without asking per letter.
MAYBE_RTL = re.compile("[\u0590-\u08ff\u200f\ufb1d-\ufeff\U00010800-\U00010fff"
                       "\U0001e800-\U0001efff]")

RTL_BLOCKS = tuple(h(tag) for tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd",
                                     "td", "th", "caption", "figcaption"))


def mark_direction(body: etree._Element) -> None:
    """A block whose letters are mostly right-to-left (Hebrew, Arabic...) gets `dir="rtl"`, so
    readers set it from the right, unless the author gave it or a block around it a direction."""
    for el in reversed(list(body.iter(*RTL_BLOCKS))):
        if el.get("dir") or any(a.get("dir") for a in el.iterancestors()):
            continue
        text = "".join(el.itertext())
        if not MAYBE_RTL.search(text):
            continue
        rtl = ltr = 0
        for char in text:
            kind = unicodedata.bidirectional(char)
            rtl += kind in ("R", "AL")
            ltr += kind == "L"
        if rtl > ltr:
            el.set("dir", "rtl")


def relink_images(body: etree._Element, names: dict[str, str | None]) -> None:
    for img in body.iter(h("img")):
        if names.get(img.get("src")):
            img.set("src", names[img.get("src")])


# The DPUB-ARIA role of each term of the EPUB structural semantics vocabulary that has one (the
# EPUB Type to ARIA Role Authoring Guide; Ace's `epub-type-has-matching-role` asks for it). The
# terms whose role is deprecated (biblioentry, endnote) or is an element's own (table, list,
# figure...) have none here.
MATCHING_ROLES = {term: f"doc-{term}" for term in (
    "abstract", "acknowledgments", "afterword", "appendix", "bibliography", "biblioref",
    "chapter", "colophon", "conclusion", "credit", "credits", "dedication", "endnotes",
    "epigraph", "epilogue", "errata", "footnote", "foreword", "glossary", "glossref", "index",
    "introduction", "noteref", "notice", "pagebreak", "part", "preface", "prologue",
    "pullquote", "qna", "tip", "toc")}
MATCHING_ROLES.update({"referrer": "doc-backlink", "backlink": "doc-backlink", "help": "doc-tip",
                       "page-list": "doc-pagelist",
                       "subtitle": "doc-subtitle"})
# The roles above ARIA in HTML allows on each element; div, span, p and blockquote take any.
SECTIONING = {"doc-abstract", "doc-acknowledgments", "doc-afterword", "doc-appendix",
              "doc-bibliography", "doc-chapter", "doc-colophon", "doc-conclusion", "doc-credit",
              "doc-credits", "doc-dedication", "doc-endnotes", "doc-epigraph", "doc-epilogue",
              "doc-errata", "doc-foreword", "doc-glossary", "doc-index", "doc-introduction",
              "doc-notice", "doc-pagelist", "doc-part", "doc-preface", "doc-prologue",
              "doc-pullquote", "doc-qna", "doc-toc"}
ROLES_ALLOWED = {
    "a": {"doc-backlink", "doc-biblioref", "doc-glossref", "doc-noteref"},
    "aside": {"doc-dedication", "doc-footnote", "doc-glossary", "doc-pullquote", "doc-tip"},
    "section": SECTIONING,
    "hr": {"doc-pagebreak"},
    **{f"h{n}": {"doc-subtitle"} for n in range(1, 7)},
}
ANY_ROLE = {"div", "span", "p", "blockquote"}


def match_roles(body: etree._Element, chapter_type: str | None, source: Source,
                report: Report) -> None:
    """One rule for every element's `epub:type`, whether a `{...}` list, a div's, a span's or
    raw HTML set it: a term is kept and, when the vocabulary's term has a DPUB-ARIA role the
    element may take, the element takes that role too (unless it has one). A term of a prefix
    the book does not declare (z3998: is the one it declares; Standard Ebooks' se:, kept by
    pandoc's conversion, is not), which EPUBCheck refuses, is left out with a warning (BB252),
    once per chapter and prefix. A div opening the chapter that says what the chapter's
    section already says (`epub:type="chapter"`, as pandoc converts a book's HTML) leaves the
    term to the section."""
    where, told = None, set()
    for el in body.iter():
        value = el.get(EPUB_TYPE) if isinstance(el.tag, str) else None
        if value is None:
            continue
        terms = value.split()
        for term in [t for t in terms if ":" in t and not t.startswith("z3998:")]:
            terms.remove(term)
            prefix = term.split(":")[0]
            if prefix not in told:
                told.add(prefix)
                where = where or Locator(body, source)
                report.warning(source.path, where.attribute(el, EPUB_TYPE, value),
                               f"epub:type '{term}' left out: the book declares no prefix "
                               f"'{prefix}' (EPUBCheck refuses it); the EPUB vocabulary's terms "
                               f"(noteref, chapter...) and z3998:'s are kept (told once per "
                               f"chapter)", "BB252")
        if chapter_type and el.getparent() is body and el.tag == h("div"):
            terms = [t for t in terms if t != chapter_type]
        if not terms:
            del el.attrib[EPUB_TYPE]
            continue
        el.set(EPUB_TYPE, " ".join(terms))
        role = next((MATCHING_ROLES[t] for t in terms if t in MATCHING_ROLES), None)
        tag = etree.QName(el).localname
        if role and el.get("role") is None and (
                tag in ANY_ROLE or role in ROLES_ALLOWED.get(tag, ())):
            el.set("role", role)
