"""The manuscript: reads each spine file, checks it line by line, converts it to XHTML.

Hands on a `Book` (book.py): sections in reading order, each an lxml tree plus its notes.
"""

from __future__ import annotations

import glob
import html.entities
import mimetypes
import os
import re
import time
import unicodedata
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import yaml
from lxml import etree

from bookbuild.book import Book, Image, Note, Section
from bookbuild.config import (
    Config,
    PartEntry,
    SpineEntry,
    book_files,
    read_text,
    resolve_inside,
    slugify,
)
from bookbuild.errors import BookError, Report
from bookbuild.html_policy import MAX_DEPTH, PHRASING, Locator, check_svg, sanitize
from bookbuild.markdown_ext import new_markdown
from bookbuild.markdown_ext.attributes import parse_attributes
from bookbuild.markdown_ext.fenced_divs import CLOSE as DIV_CLOSE
from bookbuild.markdown_ext.fenced_divs import OPEN as DIV_OPEN
from bookbuild.markdown_ext.limits import MAX_CHAPTER_BYTES, over_limits
from bookbuild.markdown_ext.typography import smart_text
from bookbuild.read.cache import ChapterCache
from bookbuild.read.matter import add_matter
from bookbuild.theme import check_stylesheets
from bookbuild.xhtml import EPUB_TYPE, NSMAP, XHTML_NS, XML_NS, h, unique_id
from bookbuild.yaml_text import HeaderLoader, explain

MANUSCRIPT_FOLDER = "manuscript"  # a Markdown file there that the spine omits is warned of
HEADER_KEYS = ("title", "subtitle")
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
# A definition indented or quoted: inside a list, a quote or another note, where Python-Markdown
# reads it at an unpredictable point (and, inside a note, fails).
NESTED_DEF = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*\[\^([^\]\s]+)\]:")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SPAN_ATTRS = re.compile(r"\](\{[^{}\n]*\})")
URL_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)
CODE_SPAN = re.compile(r"(`+).+?\1")
CODE_FENCE = re.compile(r"^\s*(```|~~~)")
# Characters XML 1.0 forbids; they are dropped with a warning.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
LANG_TAG = re.compile(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*")
HTML_SPACE = " \t\n\r\f"
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 300 dpi full-page picture is under 10 million
IMAGE_SIGNATURES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
                    "image/gif": (b"GIF87a", b"GIF89a")}
# Invisible characters worth a warning (BB215): zero-width space and joiners, line and
# paragraph separators, bidi embeddings, overrides and isolates, and a BOM inside the text.
INVISIBLE = re.compile("[\u200b-\u200d\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
MAX_INVISIBLE_WARNINGS = 20  # per file; then one warning counts the rest
# Between two letters of these scripts a zero-width joiner or non-joiner is spelling (Persian,
# the Indic scripts...), and a zero-width space marks a word break in scripts written without
# spaces (Thai, Khmer, Japanese...): there they are meant and are not reported. A scripts is
# known by the first word of its characters' Unicode names.
JOINING_SCRIPTS = set("""
ARABIC SYRIAC NKO MANDAIC MONGOLIAN DEVANAGARI BENGALI GURMUKHI GUJARATI ORIYA TAMIL TELUGU
KANNADA MALAYALAM SINHALA TIBETAN MYANMAR KHMER THAI LAO BALINESE JAVANESE
""".split())
UNSPACED_SCRIPTS = set("""
THAI LAO KHMER MYANMAR TIBETAN BALINESE JAVANESE CJK HIRAGANA KATAKANA
""".split())


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


def read_book(config: Config, report: Report | None = None,
              cache: ChapterCache | None = None) -> Book:
    """Parse every spine file into a `Book`; raises BookError listing every problem found.

    With a `cache`, a chapter whose text has not changed is not read again (chapter_cache.py).
    """
    report = report or Report(config.root)
    first_problem = len(report.problems)
    md = _Converter(cache or ChapterCache(None))
    sections: list[Section] = []
    images: dict[Path, Image] = {}
    used_ids: set[str] = set()
    sources: list[tuple[Section, Source]] = []
    chapter_number = part_number = 0
    for entry in config.spine:
        entries = [entry]
        part_id = None
        if isinstance(entry, PartEntry):
            part_number += 1
            part_id = unique_id(f"part-{part_number}", used_ids)
            sections.append(Section(part_id, "part", "part", entry.title, None))
            entries = list(entry.chapters)
        for spine_entry in entries:
            if spine_entry.type == "chapter" and spine_entry.role in (None, "chapter"):
                chapter_number += 1
            read = _read_section(spine_entry, config, md, report, images, used_ids)
            if read is None:
                continue
            section = read[0]
            sources.append(read)
            section.part = part_id
            if section.role == "chapter":
                section.number = chapter_number
                if not section.title:
                    section.title = f"Chapter {chapter_number}"
            sections.append(section)
    _resolve_links(sources, report)
    _sort_problems(report, first_problem)
    check_stylesheets(config.root, report)
    _warn_unlisted(config, report)
    sections = add_matter(config, sections, report)
    report.stop_if_errors()
    epoch = _source_epoch(config, images)
    return Book(config, sections, list(images.values()),
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)), epoch)


def _warn_unlisted(config: Config, report: Report) -> None:
    """A warning (BB109) for each Markdown file under manuscript/ that the spine leaves out:
    usually a chapter written and forgotten. `exclude:` says it is left out on purpose."""
    folder = config.root / MANUSCRIPT_FOLDER
    if not folder.is_dir():
        return
    listed = {entry.path for entry in config.files()}
    for path in sorted(folder.rglob("*.md")):
        real = path.resolve()
        if real in listed or any(real == x or x in real.parents for x in config.exclude):
            continue
        rel = report.rel(path)
        report.warning(path, None, f"'{rel}' is not in the spine, so it is not in the book: "
                                   f"list it under 'spine:' in book.yaml, or under 'exclude:' "
                                   f"to leave it out on purpose", "BB109")


def _sort_problems(report: Report, first: int) -> None:
    """The manuscript's problems file by file (in spine order), each file's in line order, as
    a compiler lists them, whichever check found them first."""
    found = report.problems[first:]
    files = {path: n for n, path in enumerate(dict.fromkeys(p.path for p in found))}
    report.problems[first:] = sorted(found, key=lambda p: (files[p.path], p.line or 0))


def _section_id(path: Path, used: set[str]) -> str:
    slug = slugify(path.stem) or "section"
    return unique_id(slug if slug[0].isalpha() else f"ch-{slug}", used)


def _read_section(entry: SpineEntry, config: Config, md, report: Report,
                  images: dict[Path, Image], used_ids: set[str],
                  ) -> tuple[Section, Source] | None:
    """One spine file as a `Section` (with its `Source`, for the links), or None when it cannot
    be read; every problem found is in `report`."""
    section = source = None
    source = _load_source(entry.path, report)
    if source is None:
        return None
    would_be_id = _section_id(entry.path, set(used_ids))
    key = md.cache.key("section", "\n".join(source.lines), would_be_id, entry.type,
                       _role(entry))
    section = md.cache.section(key, entry.path)  # kept only once within the limits below
    if section is not None:
        used_ids.add(section.id)
        return section, source
    if _within_limits(source, report):
        problems = len(report.problems)
        nested = _nested_notes(source, report)
        image_names = _check_lines(source, config, report, images)
        body = None if nested else _convert(md, source, report)
        if body is not None:
            _unwrap_block_paragraphs(body)
            _lift_note_calls(body)
            sanitize(body, source, report)
            _check_raw_images(body, source, config, report, images, image_names)
            section = Section(_section_id(entry.path, used_ids), entry.type, _role(entry), None,
                              entry.path)
            _take_title(section, source, body, report)
            _close_heading_gaps(body)
            _mark_languages(body)
            _mark_direction(body)
            _relink_images(body, image_names)
            section.notes = _take_notes(body, section.id, source, report)
            section.body = body
            _check_ids(section, source, report)
            if not image_names and body.find(f".//{h('img')}") is None \
                    and len(report.problems) == problems:  # see chapter_cache.py
                md.cache.keep_section(key, section, source.body)
    return (section, source) if section is not None else None


class _Converter:
    """Markdown to markup through the cache; Python-Markdown is set up at the first miss."""

    def __init__(self, cache: ChapterCache):
        self.cache = cache
        self._md = None

    def convert(self, text: str) -> str:
        markup = self.cache.markup(text)
        if markup is None:
            if self._md is None:
                self._md = new_markdown()
            self._md.reset()
            markup = self._md.convert(text)
            self.cache.keep_markup(text, markup)
        return markup


def _convert(md: _Converter, source: Source, report: Report) -> etree._Element | None:
    try:
        markup = md.convert(source.body)
    except RecursionError:  # _within_limits should have refused the text first
        report.error(source.path, None, "the text nests too deeply to read (lists, quotes or "
                                        "divs inside each other hundreds of levels)", "BB219")
        return None
    except Exception as exc:  # noqa: BLE001 - a Python-Markdown failure, told against the file
        report.error(source.path, None, f"internal error reading the Markdown ({type(exc).__name__}"
                                        f": {exc}); please report it with this chapter", "BB001")
        return None
    return _parse_xhtml(markup, source, report)


def _unwrap_block_paragraphs(body: etree._Element) -> None:
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


def _lift_note_calls(body: etree._Element) -> None:
    """A footnote call in a link's text (`[words[^1]](url)`) would be a link inside a link,
    which HTML forbids: the call moves to just after the link."""
    for sup in list(body.iter(h("sup"))):
        call = sup.find(h("a"))
        links = list(sup.iterancestors(h("a")))
        if call is None or call.get("class") != "footnote-ref" or not links:
            continue
        _detach(sup)
        sup.tail, links[-1].tail = links[-1].tail, None
        links[-1].addnext(sup)


def _detach(el: etree._Element) -> None:
    """Take `el` out of the tree, leaving its tail text where it was."""
    parent, previous = el.getparent(), el.getprevious()
    if el.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    el.tail = None
    parent.remove(el)


def _role(entry: SpineEntry) -> str:
    if entry.role:
        return entry.role
    return "chapter" if entry.type == "chapter" else {
        "frontmatter": "preface", "backmatter": "afterword"}[entry.type]


def _load_source(path: Path, report: Report) -> Source | None:
    try:
        size = path.stat().st_size
        if size > MAX_CHAPTER_BYTES:
            report.error(path, None, f"the file is {_megabytes(size)}; bookbuild reads chapters "
                                     f"of up to {_megabytes(MAX_CHAPTER_BYTES)}: split it into "
                                     f"several files", "BB219")
            return None
        text = read_text(path, report)
    except BookError:
        return None  # not UTF-8: read_text has reported where
    except OSError as exc:
        report.error(path, None, f"cannot read the file: {exc.strerror or exc}", "BB106")
        return None
    rel = report.rel(path)
    lines = text.split("\n")
    # Each check looks at the whole text first: most chapters need no line looked at.
    illegal = XML_ILLEGAL.search(text) is not None
    for number, line in enumerate(lines if illegal else ()):
        if XML_ILLEGAL.search(line):
            report.warning(path, number + 1, "control character removed (not allowed in XHTML)",
                           "BB214")
            lines[number] = XML_ILLEGAL.sub("", line)
    if illegal or not unicodedata.is_normalized("NFC", text):  # a removal may join marks
        lines = [unicodedata.normalize("NFC", line) for line in lines]
    if INVISIBLE.search(text):
        _warn_invisible(path, lines, report)
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
            header = yaml.load("\n".join(lines[1:end]), Loader=HeaderLoader) or {}
        except (yaml.YAMLError, RecursionError) as exc:
            line, message, alias = explain(exc, "\n".join(lines[1:end]), first=2)
            report.error(path, line or 1,
                         message if alias else f"YAML header: {message}",
                         "BB108" if alias else "BB202")
            return None
        if not isinstance(header, dict):
            report.error(path, 2, "the YAML header must be keys such as 'title:'", "BB202")
            return None
        for key, value in header.items():
            line = 1 + next((i for i in range(1, end) if lines[i].startswith(f"{key}:")), 0)
            if key not in HEADER_KEYS:
                report.error(path, line, f"unknown key '{key}' in the chapter header "
                                         f"(use {', '.join(HEADER_KEYS)})", "BB101")
            elif not isinstance(value, str | int | float) or not str(value).strip() \
                    or XML_ILLEGAL.search(str(value)):
                report.error(path, line, f"'{key}' must be a text (without control characters)",
                             "BB202")
            else:
                source.header[key] = str(value).strip()
        source.body_start = end + 1
    return source


def _megabytes(size: int) -> str:
    return f"{size / 2 ** 20:.1f} MB"


def _warn_invisible(path: Path, lines: list[str], report: Report) -> None:
    """A warning (BB215) for each line holding an invisible character that is not spelling."""
    count, first_unreported = 0, None
    for number, line in enumerate(lines, start=1):
        found = next((m for m in INVISIBLE.finditer(line) if not _meant(line, m.start())), None)
        if found is None:
            continue
        count += 1
        if count == MAX_INVISIBLE_WARNINGS + 1:
            first_unreported = number
        if count <= MAX_INVISIBLE_WARNINGS:
            char = found[0]
            report.warning(path, number, f"invisible character U+{ord(char):04X} "
                                         f"{unicodedata.name(char)}; delete it unless it is "
                                         f"meant", "BB215", column=found.start() + 1)
    if count > MAX_INVISIBLE_WARNINGS:
        rest = count - MAX_INVISIBLE_WARNINGS - 1
        report.warning(path, first_unreported, f"this line and {rest} more hold invisible "
                                               f"characters too", "BB215")


def _meant(line: str, index: int) -> bool:
    """Whether the zero-width character at `index` sits between two letters whose script uses
    it (see JOINING_SCRIPTS), or joins two emoji into one (a family, a flag)."""
    char = line[index]
    if char not in "\u200b\u200c\u200d" or index == 0 or index + 1 >= len(line):
        return False
    before, after = line[index - 1], line[index + 1]
    if char == "\u200d" and unicodedata.category(after) == "So" and (
            unicodedata.category(before) in ("So", "Sk") or before == "\ufe0f"):
        return True
    scripts = JOINING_SCRIPTS if char != "\u200b" else UNSPACED_SCRIPTS
    return all(unicodedata.category(c)[0] in "LM"
               and unicodedata.name(c, "").split(" ")[0] in scripts for c in (before, after))


def _within_limits(source: Source, report: Report) -> bool:
    """Refuse, before parsing, a chapter Python-Markdown would take minutes over or recurse
    too deeply into (markdown_ext/limits.py), at the line that crosses the limit."""
    over = over_limits(source.lines, source.body_start)
    if over is not None:
        report.error(source.path, over[0] + 1, over[1], "BB219")
    return over is None


def _nested_notes(source: Source, report: Report) -> bool:
    """Report each footnote defined inside a quote, a list or another note (BB220), where
    Python-Markdown reads it at an unpredictable point or, inside a note, fails; True if any."""
    found = False
    for index in range(source.body_start, len(source.lines)):
        line = source.lines[index]
        if NESTED_DEF.match(line) and not FOOTNOTE_DEF.match(line):
            report.error(source.path, index + 1, "footnotes must be defined at the left margin, "
                                                 "not inside a quote, a list or another footnote",
                         "BB220")
            found = True
    return found


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
        elif not line.strip():
            in_code = False  # ``` is no code block in our dialect: a code span, ended by a blank
        if in_code:
            continue
        div = DIV_OPEN.match(line)
        if div:
            open_divs.append(number)
            if div["attrs"] is not None:
                _check_span(f"{{{div['attrs']}}}", number, source, report)
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
                 report: Report, images: dict[Path, Image], names: dict[str, str | None],
                 alt_hint: str = "describe it between the brackets: ![a map of ...]({src})",
                 ) -> None:
    names[src] = None  # checked; refused unless it gets a name below
    if not (alt or "").strip():
        report.error(source.path, number, f"image '{src}' has no alt text; "
                                          f"{alt_hint.format(src=src)}", "BB209")
    if URL_SCHEME.match(src) or src.startswith("//"):
        return  # not a file of the book: the HTML policy reports it
    relative = os.path.relpath(source.path.parent / unquote(src), config.root)
    path = resolve_inside(config.root, relative)
    if path is None:
        report.error(source.path, number, f"image '{src}' is outside the book folder", "BB105")
        return
    if not path.is_file():
        report.error(source.path, number, f"image '{src}' does not exist: looked for "
                                          f"'{Path(relative).as_posix()}' (an image's path is "
                                          f"relative to the chapter file)"
                                          f"{_image_elsewhere(path, source, config)}", "BB208")
        return
    media_type = mimetypes.guess_type(path.name)[0]
    if media_type not in IMAGE_TYPES:
        report.error(source.path, number, f"image '{src}' is not PNG, JPEG, GIF, SVG or WebP",
                     "BB208")
        return
    try:
        size = path.stat().st_size
        problem = None if size > MAX_IMAGE_BYTES else _image_content_problem(path, media_type)
    except OSError as exc:
        report.error(source.path, number, f"image '{src}' cannot be read: "
                                          f"{exc.strerror or exc}", "BB208")
        return
    if size > MAX_IMAGE_BYTES:
        report.error(source.path, number, f"image '{src}' is {_megabytes(size)}; images may be "
                                          f"at most {_megabytes(MAX_IMAGE_BYTES)} (stores refuse "
                                          f"larger ones): make it smaller", "BB219")
        return
    if problem:
        report.error(source.path, number, f"image '{src}' {problem}", "BB208")
        return
    if media_type != "image/svg+xml" and (problem := raster_problem(path)):
        report.error(source.path, number, f"image '{src}' {problem[0]}", problem[1])
        return
    if path not in images:
        taken = {image.name for image in images.values()}
        stem, suffix = slugify(path.stem) or "image", path.suffix.lower()
        name, n = f"images/{stem}{suffix}", 2
        while name in taken:
            name, n = f"images/{stem}-{n}{suffix}", n + 1
        images[path] = Image(path, name, media_type)
    names[src] = images[path].name


def _image_elsewhere(path: Path, source: Source, config: Config) -> str:
    """`; there is ... : write ...` for a file of the missing image's name elsewhere in the book."""
    found = book_files(config.root, glob.escape(path.name))
    if not found:
        return ""
    there = found[0].relative_to(config.root).as_posix()
    write = Path(os.path.relpath(found[0], source.path.parent)).as_posix()
    return f"; there is '{there}': write '{write}'"


def _image_content_problem(path: Path, media_type: str) -> str | None:
    """Why the file is not the image its name says (or, for SVG, not a safe one), or None."""
    if media_type == "image/svg+xml":
        return check_svg(path.read_bytes())
    with path.open("rb") as handle:
        head = handle.read(12)
    if media_type == "image/webp":
        fits = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    else:
        fits = head.startswith(IMAGE_SIGNATURES[media_type])
    kind = media_type.split("/")[1].upper()
    return None if fits else f"is not a {kind} file (its content does not match its name)"


def raster_problem(path: Path) -> tuple[str, str] | None:
    """Why a PNG, JPEG, GIF or WebP file cannot go into the book (unreadable, BB208, or over
    MAX_IMAGE_PIXELS, BB219), with the code; only its header is read, no pixel decoded."""
    from PIL import Image as Picture
    from PIL import UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Picture.DecompressionBombWarning)
        try:
            with Picture.open(path) as picture:
                width, height = picture.size
        except Picture.DecompressionBombError:  # Pillow stops at twice its own limit
            width, height = 2 * Picture.MAX_IMAGE_PIXELS + 1, 1
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return "cannot be read as an image: the file is damaged or cut short", "BB208"
    if width * height > MAX_IMAGE_PIXELS:
        size = f"{width:,} x {height:,} pixels" if height > 1 else \
            f"more than {width - 1:,} pixels"
        return (f"is {size}; bookbuild reads images of up to {MAX_IMAGE_PIXELS:,} pixels "
                f"(decoding takes 4 bytes a pixel): scale it down", "BB219")
    return None


def _check_raw_images(body: etree._Element, source: Source, config: Config, report: Report,
                      images: dict[Path, Image], names: dict[str, str | None]) -> None:
    """An `<img>` written as raw HTML is checked and copied into the book like `![alt](src)`."""
    where = Locator(body, source)
    for img in body.iter(h("img")):
        src, alt = img.get("src", ""), img.get("alt")
        line = where.attribute(img, "src", src)
        if alt is None:  # Markdown always writes an alt, so this is raw HTML
            report.error(source.path, line, f"image '{src}' has no alt text; add "
                                            f"alt=\"a map of ...\"", "BB209")
        if not src or src in names or URL_SCHEME.match(src) or src.startswith("//"):
            continue  # done, or refused by the policy
        _check_image(src, "-" if alt is None else alt, line, source, config, report, images,
                     names, alt_hint='add alt="a map of ..."')


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
        report.error(source.path, *_malformed(str(exc.msg), source))
        return None


def _malformed(message: str, source: Source) -> tuple[int | None, str, str]:
    """Where the chapter's XHTML broke, and how to tell the author: line, message, code."""
    message = re.sub(r",? line \d+, column \d+", "", message)
    message = re.sub(r"tag mismatch: (\S+) line \d+ and (\S+)", r"tag mismatch: <\1> closed by "
                     r"</\2>", message)
    declaration = source.line_of(r"<!(DOCTYPE|ENTITY)")
    if declaration:
        return declaration, "a DOCTYPE or ENTITY declaration is not allowed in a chapter", "BB210"
    if "Excessive depth" in message:
        return (_malformed_line(message, source), f"the HTML nests thousands of elements deep; "
                                                  f"bookbuild reads at most {MAX_DEPTH}", "BB219")
    if message in ("unknown error", "Memory allocation failed"):  # libxml2 out of memory
        return None, ("the chapter is too large to read in the memory available; split it into "
                      "several files"), "BB219"
    void = re.search(r"<(br|hr|img|wbr|col)> closed by", message)
    hint = f", and write <{void[1]}/> for <{void[1]}>" if void else ""
    return (_malformed_line(message, source), f"malformed HTML: {message}; raw HTML must be "
                                              f"well-formed XHTML (close every tag{hint})", "BB211")


RAW_TAG = re.compile(r"(?<!\\)<(/?)([A-Za-z][A-Za-z0-9-]*)(?=[\s/>])"
                     r"(?:[^<>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")


def _malformed_line(message: str, source: Source) -> int:
    """The line that most likely broke the XHTML: the entity lxml names, else the innermost
    raw tag left open or closed out of turn, else a line with the tag lxml names."""
    entity = re.search(r"Entity '([^']+)'", message)
    if entity:
        line = source.line_of(re.escape(f"&{entity[1]};"))
    elif "CharRef" in message:
        value = re.search(r"value (\d+)", message)
        code = int(value[1]) if value else None
        line = source.line_of(rf"&#(0*{code}|[xX]0*{code:x});" if code is not None else "&#")
    else:
        line = _unbalanced_tag_line(source)
        tag = re.search(r"tag (?:mismatch: |name )?(\w+)", message)
        if line is None and tag:
            line = source.line_of(rf"</?{tag[1]}\b")
    return line or source.line_of(r"<[A-Za-z/!?]|&") or source.body_start + 1


def _unbalanced_tag_line(source: Source) -> int | None:
    """The line of the innermost raw HTML tag never closed, or closed out of turn."""
    stack: list[tuple[str, int]] = []
    for index in range(source.body_start, len(source.lines)):
        for match in RAW_TAG.finditer(CODE_SPAN.sub("", source.lines[index])):
            closing, name, empty = match[1], match[2].lower(), match[3]
            if empty:
                continue
            if not closing:
                stack.append((name, index + 1))
            elif stack and stack[-1][0] == name:
                stack.pop()
            else:
                return stack[-1][1] if stack else index + 1
    return stack[-1][1] if stack else None


def _take_title(section: Section, source: Source, body: etree._Element,
                report: Report) -> None:
    section.title, section.subtitle = (
        smart_text(source.header[key]) if key in source.header else None
        for key in ("title", "subtitle"))
    first = body.find(h("h1"))
    if first is not None and section.title is None:
        if first.find(f".//{h('a')}[@class='footnote-ref']") is not None:
            # The title goes to the contents, the nav and running heads, where a note
            # cannot follow it; Python-Markdown would drop the note silently.
            report.error(source.path, source.line_of(r"^#\s.*\[\^"),
                         "a footnote cannot be called from the chapter title; call it from "
                         "the first sentence instead", "BB216")
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


# Every code point of bidi class R or AL lies in these blocks (tests/test_text_hygiene.py checks it
# against unicodedata): a block with none of them is left to right, without asking per letter.
MAYBE_RTL = re.compile("[\u0590-\u08ff\u200f\ufb1d-\ufeff\U00010800-\U00010fff"
                       "\U0001e800-\U0001efff]")
RTL_BLOCKS = tuple(h(tag) for tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd",
                                     "td", "th", "caption", "figcaption"))


def _mark_direction(body: etree._Element) -> None:
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


def _elements(section: Section, tag: str | None = None) -> list[etree._Element]:
    """The section's elements, its notes' included, in document order."""
    roots = [section.body, *(block for note in section.notes for block in note.blocks)]
    return [el for root in roots for el in root.iter(tag) if isinstance(el.tag, str)]


def _check_ids(section: Section, source: Source, report: Report) -> None:
    """The author's ids (raw HTML, `{#id}`) may not repeat in a chapter's document, nor take one
    bookbuild gives it: the chapter, its title, its notes and note calls, print page numbers."""
    ours = {section.id: "the chapter", f"{section.id}-title": "the chapter's title"}
    ours.update({note.id: f"note {note.number}" for note in section.notes})
    where = Locator(section.body, source)
    seen: dict[str, etree._Element] = {}
    for el in _elements(section):
        value = el.get("id")
        if value is None:
            continue
        if el.get("role") == "doc-noteref":  # a call _take_notes made
            ours[value] = f"the call of note {el.text}"
            continue
        if value in ours or value.startswith("page-"):
            owner = ours.get(value, "a page number of the print edition")
            report.error(source.path, where.attribute(el, "id", value),
                         f"the id '{value}' is the one bookbuild gives {owner}; choose another",
                         "BB217")
        elif value in seen:
            first = where.attribute(seen[value], "id", value)
            report.error(source.path, where.attribute(el, "id", value),
                         f"the id '{value}' is used twice in this chapter (first at line "
                         f"{first})", "BB217")
        seen.setdefault(value, el)


def _resolve_links(read: list[tuple[Section, Source]], report: Report) -> None:
    """Check every link within the book and point it at the document it names: `#id` in the
    same chapter, or a chapter file of the spine (`02-road.md`, `02-road.md#id`)."""
    chapters = {section.source.resolve(): section for section, _ in read}
    ids = {}
    for section, _ in read:
        ids[section.id] = {el.get("id") for el in _elements(section) if el.get("id")}
        ids[section.id] |= {section.id, *(note.id for note in section.notes)}
        if section.title:
            ids[section.id].add(f"{section.id}-title")
    for section, source in read:
        where = Locator(section.body, source)
        for link in _elements(section, h("a")):
            href = link.get("href")
            if not href or URL_SCHEME.match(href) or href.startswith("//"):
                continue  # the HTML policy checks links that leave the book
            path, _, fragment = href.partition("#")
            fragment, target = unquote(fragment), section
            if path:
                file = source.path.parent / unquote(path)
                target = None if "?" in path or path.startswith("/") \
                    else chapters.get(file.resolve())
            if target is None:
                report.error(source.path, where.attribute(link, "href", href),
                             f"the link '{href}' points at no chapter of this book; link to a "
                             f"chapter file of the spine (02-road.md, 02-road.md#id) or a web "
                             f"address", "BB218")
            elif fragment and fragment not in ids[target.id]:
                where_to = "this chapter" if target is section else target.source.name
                report.error(source.path, where.attribute(link, "href", href),
                             f"the link '{href}' points at no element of {where_to}: none has "
                             f"the id '{fragment}'", "BB218")
            elif path:
                link.set("href", Path(target.file_name).name + (f"#{fragment}" if fragment
                                                                 else ""))


def _relink_images(body: etree._Element, names: dict[str, str | None]) -> None:
    for img in body.iter(h("img")):
        if names.get(img.get("src")):
            img.set("src", names[img.get("src")])


def _take_notes(body: etree._Element, section_id: str, source: Source,
                report: Report) -> list[Note]:
    """Replace Python-Markdown's footnote markup with popup-ready noterefs and `Note`s.

    Notes are numbered in the order they are first called, restarting in each section; a note
    called only from inside another note comes after those the text calls.
    """
    bodies: dict[str, list[etree._Element]] = {}
    for container in body.findall(f".//{h('div')}[@class='footnote']"):
        for li in container.findall(f"{h('ol')}/{h('li')}"):
            for backref in li.findall(f".//{h('a')}[@class='footnote-backref']"):
                _strip_backref(backref)
            bodies[li.get("id", "")[3:]] = list(li)
        container.getparent().remove(container)
    numbers: dict[str, int] = {}
    notes: list[Note] = []

    def call(scope: list[etree._Element]) -> None:
        for part in scope:
            for sup in list(part.iter(h("sup"))):
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
                ref.set("id", ref_id if first_call
                        else f"{ref_id}-{sup.get('id', '').split(':')[0][5:]}")
                ref.set("href", f"#{note_id}")
                ref.set("class", "noteref")
                ref.text = str(number)
                ref.tail = sup.tail
                sup.getparent().replace(sup, ref)
                if first_call:
                    notes.append(Note(number, note_id, ref_id, bodies.get(label, [])))

    call([body])
    done = 0
    while done < len(notes):
        call(notes[done].blocks)
        done += 1
    # Python-Markdown keeps a note whose call it did not see (in a code span, an HTML block, the
    # title); the line checks cannot always tell, and the note would vanish from the book.
    if not any(p.code == "BB216" and p.path == source.rel for p in report.problems):
        for label in sorted(bodies.keys() - numbers.keys()):
            line = source.line_of(rf"^\[\^{re.escape(label)}\]:")
            if line is not None:  # else it is nested, which _check_lines reported
                report.error(source.path, line, f"footnote [^{label}] is never called where a "
                                                f"reader could follow it (only in code or raw "
                                                f"HTML?)", "BB204")
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
    paths = [config.source, *(e.path for e in config.files()), *images,
             *([config.cover] if config.cover else [])]
    styles = config.root / "styles"
    if styles.is_dir():
        paths.extend(p for p in styles.rglob("*") if p.is_file())
    return int(max(p.stat().st_mtime for p in paths))
