"""The manuscript: reads each spine file, checks it line by line, converts it to XHTML.

Hands on a `Book` (book.py): sections in reading order, each an lxml tree plus its notes.
"""

from __future__ import annotations

import html.entities
import mimetypes
import os
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from lxml import etree

from bookbuild.book import EPUB_TYPE, NSMAP, XHTML_NS, XML_NS, Book, Image, Note, Section, h
from bookbuild.config import Config, PartEntry, SpineEntry, read_text, resolve_inside, slugify
from bookbuild.errors import Report
from bookbuild.html_policy import sanitize
from bookbuild.markdown_ext import new_markdown
from bookbuild.markdown_ext.attributes import parse_attributes
from bookbuild.markdown_ext.fenced_divs import CLOSE as DIV_CLOSE
from bookbuild.markdown_ext.fenced_divs import OPEN as DIV_OPEN

HEADER_KEYS = ("title", "subtitle")
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SPAN_ATTRS = re.compile(r"\](\{[^{}\n]*\})")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+).+?\1")
CODE_FENCE = re.compile(r"^\s*(```|~~~)")
# Characters XML 1.0 forbids; they are dropped with a warning.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")


@dataclass
class Source:
    """One Markdown file's text, with where its body starts (after any YAML header)."""

    path: Path
    rel: str
    lines: list[str]
    body_start: int = 0  # index of the first body line
    header: dict = field(default_factory=dict)

    def line_of(self, needle: str, flags: int = re.IGNORECASE) -> int | None:
        """The 1-based line of the first body line matching a regex, for error messages."""
        pattern = re.compile(needle, flags)
        for number in range(self.body_start, len(self.lines)):
            if pattern.search(self.lines[number]):
                return number + 1
        return None

    @property
    def body(self) -> str:
        return "\n".join(self.lines[self.body_start:])


def read_book(config: Config, report: Report | None = None) -> Book:
    """Parse every spine file into a `Book`; raises BookError listing every problem found."""
    report = report or Report(config.root)
    md = new_markdown()
    sections: list[Section] = []
    images: dict[Path, Image] = {}
    used_ids: set[str] = set()
    chapter_number = part_number = 0
    for entry in config.spine:
        entries = [entry]
        part_id = None
        if isinstance(entry, PartEntry):
            part_number += 1
            part_id = _unique(f"part-{part_number}", used_ids)
            sections.append(Section(part_id, "part", "part", entry.title, None))
            entries = list(entry.chapters)
        for spine_entry in entries:
            if spine_entry.type == "chapter" and spine_entry.role in (None, "chapter"):
                chapter_number += 1
            section = _read_section(spine_entry, config, md, report, images, used_ids)
            if section is None:
                continue
            section.part = part_id
            if section.role == "chapter":
                section.number = chapter_number
                if not section.title:
                    section.title = f"Chapter {chapter_number}"
            sections.append(section)
    report.stop_if_errors()
    epoch = _source_epoch(config, images)
    return Book(config, sections, list(images.values()),
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)), epoch)


def _unique(candidate: str, used: set[str]) -> str:
    name, n = candidate, 2
    while name in used:
        name, n = f"{candidate}-{n}", n + 1
    used.add(name)
    return name


def _section_id(path: Path, used: set[str]) -> str:
    slug = slugify(path.stem) or "section"
    return _unique(slug if slug[0].isalpha() else f"ch-{slug}", used)


def _read_section(entry: SpineEntry, config: Config, md, report: Report,
                  images: dict[Path, Image], used_ids: set[str]) -> Section | None:
    problems_before = len(report.errors)
    source = _load_source(entry.path, report)
    if source is None:
        return None
    image_names = _check_lines(source, config, report, images)
    if len(report.errors) > problems_before:
        return None
    md.reset()
    try:
        markup = md.convert(source.body)
    except RecursionError:
        report.error(source.path, None, "the text nests too deeply to read (lists, quotes or "
                                        "divs inside each other hundreds of levels)", "BB211")
        return None
    body = _parse_xhtml(markup, source, report)
    if body is None:
        return None
    sanitize(body, source, report)
    _check_raw_images(body, source, config, report, images, image_names)
    section = Section(_section_id(entry.path, used_ids), entry.type, _role(entry), None,
                      entry.path)
    _take_title(section, source, body)
    _close_heading_gaps(body)
    _mark_languages(body)
    _relink_images(body, image_names)
    section.notes = _take_notes(body, section.id)
    section.body = body
    return section


def _role(entry: SpineEntry) -> str:
    if entry.role:
        return entry.role
    return "chapter" if entry.type == "chapter" else {
        "frontmatter": "preface", "backmatter": "afterword"}[entry.type]


def _load_source(path: Path, report: Report) -> Source | None:
    text = read_text(path, report)
    rel = report.rel(path)
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if XML_ILLEGAL.search(line):
            report.warning(path, number + 1, "control character removed (not allowed in XHTML)",
                           "BB214")
            lines[number] = XML_ILLEGAL.sub("", line)
    lines = [unicodedata.normalize("NFC", line) for line in lines]
    source = Source(path, rel, lines)
    if lines and lines[0].strip() == "---":
        end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
        if end is None:
            report.error(path, 1, "the YAML header opened here has no closing '---' line",
                         "BB202")
            return None
        try:
            # BaseLoader keeps every value as the author typed it: a subtitle "1953-03-05" is
            # text, not a date, and "Yes" is not turned into "True" (as book.yaml's nodes).
            header = yaml.load("\n".join(lines[1:end]), Loader=yaml.BaseLoader) or {}
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            report.error(path, (mark.line + 2) if mark else 1,
                         f"YAML header: {getattr(exc, 'problem', exc)}", "BB202")
            return None
        if not isinstance(header, dict):
            report.error(path, 2, "the YAML header must be keys such as 'title:'", "BB202")
            return None
        for key, value in header.items():
            line = 1 + next((i for i in range(1, end) if lines[i].startswith(f"{key}:")), 0)
            if key not in HEADER_KEYS:
                report.error(path, line, f"unknown key '{key}' in the chapter header "
                                         f"(use {', '.join(HEADER_KEYS)})", "BB101")
            elif not isinstance(value, str | int | float) or not str(value).strip():
                report.error(path, line, f"'{key}' must be a text", "BB202")
            else:
                source.header[key] = str(value).strip()
        source.body_start = end + 1
    return source


def _check_lines(source: Source, config: Config, report: Report,
                 images: dict[Path, Image]) -> dict[str, str]:
    """Line-level checks Markdown cannot report with a line: divs, notes, images, spans.

    Returns how the chapter's image paths map to their names inside the book.
    """
    open_divs: list[int] = []
    refs: dict[str, int] = {}
    defs: dict[str, int] = {}
    image_names: dict[str, str] = {}
    in_code = False
    for index in range(source.body_start, len(source.lines)):
        number, line = index + 1, source.lines[index]
        if CODE_FENCE.match(line):
            in_code = not in_code
        if in_code:
            continue
        if DIV_OPEN.match(line):
            open_divs.append(number)
        elif DIV_CLOSE.match(line):
            if open_divs:
                open_divs.pop()
            else:
                report.error(source.path, number, "':::' closes a div that was never opened",
                             "BB207")
        text = CODE_SPAN.sub("", line)
        definition = FOOTNOTE_DEF.match(text)
        if definition:
            label = definition[1]
            if label in defs:
                report.error(source.path, number, f"footnote [^{label}] is defined twice (first "
                                                  f"at line {defs[label]})", "BB205")
            defs.setdefault(label, number)
            text = text[definition.end():]
        for ref in FOOTNOTE_REF.finditer(text):
            refs.setdefault(ref[1], number)
        for image in IMAGE.finditer(text):
            _check_image(image["src"], image["alt"], number, source, config, report, images,
                         image_names)
        for span in SPAN_ATTRS.finditer(text):
            _check_span(span[1], number, source, report)
    for number in open_divs:
        report.error(source.path, number, "this ':::' div is never closed; add a ':::' line "
                                          "where it ends", "BB206")
    for label, number in refs.items():
        if label not in defs:
            report.error(source.path, number, f"footnote [^{label}] is referenced but never "
                                              f"defined; add a line '[^{label}]: ...'", "BB203")
    for label, number in defs.items():
        if label not in refs:
            report.error(source.path, number, f"footnote [^{label}] is defined but never "
                                              f"referenced in the text", "BB204")
    return image_names


def _check_image(src: str, alt: str | None, number: int | None, source: Source, config: Config,
                 report: Report, images: dict[Path, Image], names: dict[str, str],
                 alt_hint: str = "describe it between the brackets: ![a map of ...]({src})",
                 ) -> None:
    if not (alt or "").strip():
        report.error(source.path, number, f"image '{src}' has no alt text; "
                                          f"{alt_hint.format(src=src)}", "BB209")
    if URL_SCHEME.match(src):
        report.error(source.path, number, f"image '{src}' is not a file in the book; remote "
                                          f"and scheme URLs are not allowed", "BB210")
        return
    relative = os.path.relpath(source.path.parent / src, config.root)
    path = resolve_inside(config.root, relative)
    if path is None:
        report.error(source.path, number, f"image '{src}' is outside the book folder", "BB105")
        return
    if not path.is_file():
        report.error(source.path, number, f"image '{src}' does not exist", "BB208")
        return
    media_type = mimetypes.guess_type(path.name)[0]
    if media_type not in IMAGE_TYPES:
        report.error(source.path, number, f"image '{src}' is not PNG, JPEG, GIF, SVG or WebP",
                     "BB208")
        return
    if path not in images:
        taken = {image.name for image in images.values()}
        stem, suffix = slugify(path.stem) or "image", path.suffix.lower()
        name, n = f"images/{stem}{suffix}", 2
        while name in taken:
            name, n = f"images/{stem}-{n}{suffix}", n + 1
        images[path] = Image(path, name, media_type)
    names[src] = images[path].name


def _check_raw_images(body: etree._Element, source: Source, config: Config, report: Report,
                      images: dict[Path, Image], names: dict[str, str]) -> None:
    """An `<img>` written as raw HTML is checked and copied into the book like `![alt](src)`."""
    for img in body.iter(h("img")):
        src = img.get("src", "")
        if src in names or URL_SCHEME.match(src):  # done, or already refused by the policy
            continue
        _check_image(src, img.get("alt"), source.line_of(re.escape(src) or "<img"), source,
                     config, report, images, names, alt_hint='add alt="a map of ..."')


def _check_span(attr_text: str, number: int, source: Source, report: Report) -> None:
    attrs = parse_attributes(attr_text[1:-1])
    if attrs is None:
        report.error(source.path, number, f"cannot read the attributes {attr_text}; write them "
                                          f"as {{lang=ru}} or {{.class}}", "BB212")
        return
    lang = attrs.values.get("lang")
    if lang is not None and not LANG_TAG.fullmatch(lang):
        report.error(source.path, number, f"'{lang}' is not a language tag (BCP 47, e.g. ru, he, "
                                          f"de-CH)", "BB212")


def _decode_entities(markup: str) -> str:
    """Turn HTML named entities from raw HTML into characters; XML knows only five."""
    def replace(match: re.Match) -> str:
        name = match[1]
        if name in ("amp", "lt", "gt", "quot", "apos"):
            return match[0]
        return html.entities.html5.get(name + ";", match[0])
    return re.sub(r"&([A-Za-z][A-Za-z0-9]*);", replace, markup)


_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True,
                          remove_comments=True)


def _parse_xhtml(markup: str, source: Source, report: Report) -> etree._Element | None:
    wrapped = (f'<section xmlns="{XHTML_NS}" xmlns:epub="{NSMAP["epub"]}">'
               f"{_decode_entities(markup)}</section>")
    try:
        return etree.fromstring(wrapped.encode("utf-8"), _PARSER)
    except etree.XMLSyntaxError as exc:
        message = re.sub(r",? line \d+, column \d+", "", str(exc.msg))
        tag = re.search(r"tag (?:mismatch: |name )?(\w+)", message)
        line = source.line_of(rf"</?{tag[1]}\b") if tag else source.line_of(r"<[A-Za-z/!]")
        report.error(source.path, line, f"malformed HTML: {message}; raw HTML must be "
                                        f"well-formed XHTML (close every tag)", "BB211")
        return None


def _take_title(section: Section, source: Source, body: etree._Element) -> None:
    section.title = source.header.get("title")
    section.subtitle = source.header.get("subtitle")
    first = body.find(h("h1"))
    if first is not None and section.title is None:
        section.title = " ".join("".join(first.itertext()).split())
        _remove_keep_tail(first)


def _close_heading_gaps(body: etree._Element) -> None:
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
    parent = el.getparent()
    if el.tail and el.tail.strip():
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _mark_languages(body: etree._Element) -> None:
    for el in body.iter():
        if el.get("lang"):
            el.set(f"{{{XML_NS}}}lang", el.get("lang"))


def _relink_images(body: etree._Element, names: dict[str, str]) -> None:
    for img in body.iter(h("img")):
        if img.get("src") in names:
            img.set("src", names[img.get("src")])


def _take_notes(body: etree._Element, section_id: str) -> list[Note]:
    """Replace Python-Markdown's footnote markup with popup-ready noterefs and `Note`s.

    Notes are numbered in the order they are first called, restarting in each section.
    """
    bodies: dict[str, list[etree._Element]] = {}
    for container in body.findall(f".//{h('div')}[@class='footnote']"):
        for li in container.iter(h("li")):
            for backref in li.findall(f".//{h('a')}[@class='footnote-backref']"):
                _strip_backref(backref)
            bodies[li.get("id", "")[3:]] = list(li)
        container.getparent().remove(container)
    numbers: dict[str, int] = {}
    notes: list[Note] = []
    for sup in list(body.iter(h("sup"))):
        link = sup.find(h("a"))
        if link is None or link.get("class") != "footnote-ref":
            continue
        label = link.get("href", "")[4:]
        first_call = label not in numbers
        if first_call:
            numbers[label] = len(numbers) + 1
        number = numbers[label]
        note_id, ref_id = f"{section_id}-note-{number}", f"{section_id}-ref-{number}"
        ref = etree.Element(h("a"))
        ref.set(EPUB_TYPE, "noteref")
        ref.set("role", "doc-noteref")
        ref.set("id", ref_id if first_call else f"{ref_id}-{sup.get('id', '').split(':')[0][5:]}")
        ref.set("href", f"#{note_id}")
        ref.set("class", "noteref")
        ref.text = str(number)
        ref.tail = sup.tail
        sup.getparent().replace(sup, ref)
        if first_call:
            notes.append(Note(number, note_id, ref_id, bodies.get(label, [])))
    return notes


def _strip_backref(backref: etree._Element) -> None:
    parent = backref.getparent()
    previous = backref.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "").rstrip("\u00a0 ")
    else:
        parent.text = (parent.text or "").rstrip("\u00a0 ")
    parent.remove(backref)


def _source_epoch(config: Config, images: dict[Path, Image]) -> int:
    """SOURCE_DATE_EPOCH when set, else the newest source file's mtime: builds repeat exactly."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    paths = [config.source, *(e.path for e in config.files()), *images]
    styles = config.root / "styles"
    if styles.is_dir():
        paths.extend(p for p in styles.rglob("*") if p.is_file())
    return int(max(p.stat().st_mtime for p in paths))
