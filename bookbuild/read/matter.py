"""Front and back matter: the pages every published book has, written from book.yaml.

Hands `read_book` generated `Section`s (cover, half title, title page, copyright page,
dedication, epigraph, contents; afterword, acknowledgements, about the author, also by) in
their places among the author's own; a spine file with the same role replaces the generated
page.
"""

from __future__ import annotations

import html
import re

from lxml import etree

from bookbuild.book import DEFAULT_TITLES, Section
from bookbuild.config import Config
from bookbuild.errors import Problem, Report
from bookbuild.html_policy import SCHEME, breaches
from bookbuild.markdown_ext import new_markdown
from bookbuild.markdown_ext.limits import MAX_CHAPTER_BYTES, over_limits
from bookbuild.read.images import check_cover_image
from bookbuild.read.typography import book_settings, set_typography, typeset
from bookbuild.xhtml import NSMAP, XHTML_NS, XML_NS, h, unique_id

# The conventional order of the opening pages; other front matter (foreword, preface...)
# follows the contents in spine order.
FRONT = ("cover", "half-title", "title-page", "copyright-page", "dedication", "epigraph", "toc")
BACK = ("afterword", "acknowledgments", "about-the-author", "also-by")
# The titles (or, without one, the file names) that say what a front or back matter file is
# when its spine entry gives no role: "Dedication", "00-dedication.md", "About the Author".
TITLED_ROLES = {
    "dedication": "dedication", "epigraph": "epigraph", "copyright": "copyright-page",
    "copyright page": "copyright-page", "foreword": "foreword", "preface": "preface",
    "prologue": "prologue", "introduction": "introduction", "epilogue": "epilogue",
    "afterword": "afterword", "acknowledgements": "acknowledgments",
    "acknowledgments": "acknowledgments", "appendix": "appendix", "glossary": "glossary",
    "bibliography": "bibliography", "colophon": "colophon", "conclusion": "conclusion",
    "about the author": "about-the-author",
}
FICTION_NOTICE = (
    "This is a work of fiction. Its characters and events are invented; where real people, "
    "places or institutions appear, they are used fictitiously, and any other likeness to "
    "actual persons, living or dead, is coincidental.")


def add_matter(config: Config, sections: list[Section], report: Report) -> list[Section]:
    """The author's sections with the generated ones added, front matter in the usual order."""
    own = {s.role: s for s in reversed(sections) if s.kind != "part"}
    used = {s.id for s in sections}

    def made(role: str) -> Section | None:
        if role in own:
            return None
        section = BUILDERS[role](config, report)
        if section is not None:
            section.id = unique_id(section.id, used)
            section.source, section.generated = config.source, True
        return section

    front = [own.get(role) or made(role) for role in FRONT]
    placed = {id(s) for s in front if s is not None}
    rest = [s for s in sections if id(s) not in placed]
    back = [made(role) for role in BACK]
    return [s for s in (*front, *rest, *back) if s is not None]


def role_from_title(title: str | None, stem: str) -> str | None:
    """The role a front or back matter file's title names ("Dedication", "Acknowledgments:"),
    or, when it has no title, its file name ("00-dedication"); None when neither names one."""
    name = title if title else re.sub(r"^[\d\W_]+", "", stem)
    words = " ".join(re.sub(r"[\W_]+", " ", name).split()).casefold()
    if words.startswith("appendix "):  # "Appendix A: The Maps"
        return "appendix"
    return TITLED_ROLES.get(words)


def _section(section_id: str, kind: str, role: str, title: str | None = None) -> Section:
    body = etree.Element(h("section"), nsmap=NSMAP)
    return Section(section_id, kind, role, title, None, body=body)


def _p(parent: etree._Element, text: str, cls: str | None = None) -> etree._Element:
    p = etree.SubElement(parent, h("p"), {"class": cls} if cls else {})
    p.text = text
    return p


def _set(config: Config, text: str) -> str:
    """A line from book.yaml set as the text is: quotes curled, the publisher's spaces."""
    return typeset(text, book_settings(config))


def _authors(config: Config) -> str:
    names = [a.name for a in config.authors]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---- the pages ----


def cover(config: Config, report: Report) -> Section | None:
    """A placeholder: the EPUB writer shows the cover image here; print has its own cover."""
    if config.cover is None:
        return None
    check_cover_image(config, report)
    section = _section("cover", "frontmatter", "cover")
    section.body = None
    return section


def half_title(config: Config, report: Report) -> Section:
    section = _section("half-title", "frontmatter", "half-title")
    _p(section.body, _set(config, config.title), "book-title")
    return section


def title_page(config: Config, report: Report) -> Section:
    section = _section("title-page", "frontmatter", "title-page")
    etree.SubElement(section.body, h("h1"), {"class": "book-title"}).text = \
        _set(config, config.title)
    if config.subtitle:
        _p(section.body, _set(config, config.subtitle), "book-subtitle").set("role",
                                                                            "doc-subtitle")
    _p(section.body, _set(config, _authors(config)), "book-author")
    if config.publisher:
        _p(section.body, _set(config, config.publisher), "publisher")
    return section


def copyright_page(config: Config, report: Report) -> Section:
    section = _section("copyright", "frontmatter", "copyright-page")
    year = config.date[:4] if config.date else None
    rights = config.rights or f"Copyright \u00a9 {year + ' ' if year else ''}{_authors(config)}"
    _p(section.body, _set(config, rights), "rights")
    if config.fiction:
        _p(section.body, FICTION_NOTICE, "fiction")
    if config.edition:
        _p(section.body, _set(config, config.edition), "edition")
    if config.publisher:
        _p(section.body, _set(config, f"Published by {config.publisher}"
                                      + (f", {year}" if year else "")), "publisher")
    epub_isbn = config.isbn.epub
    if not epub_isbn and config.identifier.lower().startswith("urn:isbn:"):
        epub_isbn = config.identifier[len("urn:isbn:"):]
    for isbn, edition in ((config.isbn.print, "paperback"), (epub_isbn, "ebook")):
        if isbn:
            _p(section.body, f"ISBN {isbn} ({edition})", "isbn")
    return section


def dedication(config: Config, report: Report) -> Section | None:
    if not config.dedication:
        return None
    section = _section("dedication", "frontmatter", "dedication")
    section.body.extend(prose(config, "dedication", config.dedication, report))
    return section


def epigraph(config: Config, report: Report) -> Section | None:
    quotation = config.epigraph
    if quotation is None:
        return None
    section = _section("epigraph", "frontmatter", "epigraph")
    # The section carries epub:type and role "epigraph"; the quotation is a blockquote.
    div = etree.SubElement(section.body, h("blockquote"), {"class": "epigraph"})
    div.extend(prose(config, "epigraph", quotation.text, report))
    if quotation.author or quotation.source:  # as the `::: epigraph` div sets it
        line = _p(etree.SubElement(div, h("footer")),
                  "\u2014\u2009" + _set(config, quotation.author or ""), "attribution")
        if quotation.source:
            line.text += ", " if quotation.author else ""
            etree.SubElement(line, h("cite")).text = _set(config, quotation.source)
    return section


def contents(config: Config, report: Report) -> Section:
    """A placeholder: the EPUB's nav document, the PDF's contents with page numbers."""
    section = _section("toc", "frontmatter", "toc", "Contents")
    section.body = None
    return section


def afterword(config: Config, report: Report) -> Section | None:
    return _prose_section(config, "afterword", "afterword", report)


def acknowledgements(config: Config, report: Report) -> Section | None:
    return _prose_section(config, "acknowledgements", "acknowledgments", report)


def about_the_author(config: Config, report: Report) -> Section | None:
    return _prose_section(config, "about-the-author", "about-the-author", report)


def _prose_section(config: Config, key: str, role: str, report: Report) -> Section | None:
    text = getattr(config, key.replace("-", "_"))
    if not text:
        return None
    section = _section(key, "backmatter", role, DEFAULT_TITLES[role])
    section.body.extend(prose(config, key, text, report))
    return section


def also_by(config: Config, report: Report) -> Section | None:
    if not config.also_by:
        return None
    section = _section("also-by", "backmatter", "also-by",
                       _set(config, f"Also by {_authors(config)}"))
    works = etree.SubElement(section.body, h("ul"), {"class": "book-list"})
    for title in config.also_by:
        etree.SubElement(etree.SubElement(works, h("li")), h("cite")).text = _set(config, title)
    return section


BUILDERS = {
    "cover": cover, "half-title": half_title, "title-page": title_page,
    "copyright-page": copyright_page, "dedication": dedication, "epigraph": epigraph,
    "toc": contents, "afterword": afterword, "acknowledgments": acknowledgements,
    "about-the-author": about_the_author, "also-by": also_by,
}


def back_cover(config: Config) -> tuple[list[etree._Element], list[Problem]]:
    """The print cover's blurb (`back-cover:`, else `description:`) as paragraphs, and the
    problems found in it, which the cover writer tells: other outputs do not show it."""
    blurb = config.back_cover or config.description
    if not blurb:
        return [], []
    found = Report(config.root)
    return prose(config, "back-cover", blurb, found), found.problems


def prose(config: Config, key: str, text: str, report: Report) -> list[etree._Element]:
    """Text from book.yaml as paragraphs: blank lines part them; *emphasis*, quotes, dashes and
    [foreign words]{lang=ru} are set as in a chapter (read/typography.py, in the book's
    language); HTML is shown as text, never run."""
    line = config.lines.get(key)
    size = len(text.encode())
    over = (None, f"the text is {size / 2 ** 20:.1f} MB, of at most "
                  f"{MAX_CHAPTER_BYTES / 2 ** 20:.1f} MB") if size > MAX_CHAPTER_BYTES \
        else over_limits(text.split("\n"))
    if over is not None:  # the limits of a chapter, for the same Markdown reader
        where = f" (its line {over[0] + 1})" if over[0] is not None else ""
        report.error(config.source, line, f"'{key}'{where}: {over[1]}", "BB219")
        return []
    md = new_markdown("prose")
    markup = md.convert(html.escape(text, quote=False))
    try:
        body = etree.fromstring(f'<section xmlns="{XHTML_NS}">{markup}</section>'.encode())
    except etree.XMLSyntaxError as exc:
        report.error(config.source, config.lines.get(key), f"'{key}' cannot be set as text: "
                                                           f"{exc.msg}", "BB103")
        return []
    # Links, pictures and span attributes are Markdown here, so the HTML policy still applies;
    # a picture or a link into the book would need a file or a target book.yaml cannot give.
    problems = [(breach.message, breach.code) for breach in breaches(body)]
    problems += [(f"image '{img.get('src')}' cannot be set from book.yaml; put it in a chapter",
                  "BB103") for img in body.iter(h("img"))]
    problems += [(f"the link '{a.get('href')}' must be a web or mailto: address", "BB103")
                 for a in body.iter(h("a")) if not SCHEME.match(a.get("href", ""))]
    for problem, code in problems:
        report.error(config.source, config.lines.get(key), f"'{key}': {problem}", code)
    if problems:
        return []
    set_typography(body, book_settings(config), None, report, (config.source, line))
    for el in body.iter():
        if el.get("lang"):
            el.set(f"{{{XML_NS}}}lang", el.get("lang"))
    return list(body)

