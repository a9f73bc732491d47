"""A chapter file as read: decoded, control characters dropped, NFC, invisible characters
warned of, its YAML header taken; hands on a `Source` and the `Locator` that finds its lines."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from lxml import etree

from bookbuild.config import LANGUAGE_TAG, read_text
from bookbuild.errors import BookError, Report
from bookbuild.markdown_ext.limits import MAX_CHAPTER_BYTES
from bookbuild.yaml_text import HeaderLoader, explain

HEADER_KEYS = ("title", "subtitle", "lang")  # the keys bookbuild uses; any other is ignored
COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
FENCE = re.compile(r"^[ \t]{0,3}(`{3,}(?=[^`]*$)|~{3,})")  # a ``` fence's line has no other `
CODE_SPAN = re.compile(r"(`+).+?\1")
# Characters XML 1.0 forbids; they are dropped with a warning.
XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
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
    """One Markdown file's text, with where its body starts (after any YAML header).

    A chapter cut from a one-file book (read/split.py) holds only its own lines (and its
    notes'): `numbers` gives each line's number in the file, for messages; see `number`.
    """

    path: Path
    rel: str
    lines: list[str]
    body_start: int = 0  # index of the first body line
    header: dict = field(default_factory=dict)
    text: str = ""  # the file as decoded, before characters were dropped or normalised
    numbers: list[int] | None = None  # each line's 1-based number in the file; None: index + 1

    def number(self, index: int) -> int:
        """The file's 1-based line number of `lines[index]` (an index past the end counts on
        from the last line)."""
        if self.numbers is None:
            return index + 1
        if index < len(self.numbers):
            return self.numbers[index]
        return (self.numbers[-1] if self.numbers else 0) + index - len(self.numbers) + 1

    @property
    def first_line(self) -> int:
        """The number of the body's first line: where a message with no better place goes."""
        return self.number(self.body_start)

    def line_of(self, needle: str, flags: int = re.IGNORECASE) -> int | None:
        """The 1-based line of the first body line matching a regex, for error messages."""
        pattern = re.compile(needle, flags)
        for index in range(self.body_start, len(self.lines)):
            if pattern.search(self.lines[index]):
                return self.number(index)
        return None

    @property
    def body(self) -> str:
        return "\n".join(self.lines[self.body_start:])


def load_source(path: Path, report: Report) -> Source | None:
    try:
        size = path.stat().st_size
        if size > MAX_CHAPTER_BYTES:
            report.error(path, None, f"the file is {megabytes(size)}; bookbuild reads chapters "
                                     f"of up to {megabytes(MAX_CHAPTER_BYTES)}: split it into "
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
    source = Source(path, rel, lines, text=text)
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
                # pandoc's author, date, lang; Obsidian's tags: an author's file carries them
                report.warning(path, line, f"the chapter header's '{key}' is not used by "
                                           f"bookbuild (it reads {', '.join(HEADER_KEYS)})",
                               "BB241")
            elif key == "lang" and not re.fullmatch(LANGUAGE_TAG, str(value).strip()):
                report.error(path, line, f"'{value}' is not a language tag (BCP 47, e.g. ru, "
                                         f"he, de-CH)", "BB212")
            elif not isinstance(value, str | int | float) or not str(value).strip() \
                    or XML_ILLEGAL.search(str(value)):
                report.error(path, line, f"'{key}' must be a text (without control characters)",
                             "BB202")
            else:
                source.header[key] = str(value).strip()
        source.body_start = end + 1
    elif lines and lines[0].startswith("%"):
        _title_block(source, report)
    if "\n---" in text:
        _drop_metadata_blocks(source, report)
    if "<!--" in text:
        _drop_comments(source)
    return source


def _drop_metadata_blocks(source: Source, report: Report) -> None:
    """pandoc's YAML metadata blocks inside the text: a `---` line after a blank line, text
    right below it, closed by `---` or `...`, holding YAML keys. pandoc reads them as the
    document's metadata; bookbuild takes them out (book.yaml holds the book's) and says so
    (BB241). A `---` with a blank line below is a scene break, as before."""
    lines, fence, index = source.lines, None, source.body_start
    while index < len(lines):
        line = lines[index]
        opened = FENCE.match(line)
        if opened and (fence is None or opened[1].startswith(fence)):
            fence = None if fence is not None else opened[1][0] * 3
        elif fence is None and line.rstrip() == "---" and index + 1 < len(lines) \
                and lines[index + 1].strip() and (index == source.body_start
                                                   or not lines[index - 1].strip()):
            end = next((n for n in range(index + 1, len(lines))
                        if lines[n].rstrip() in ("---", "...")), None)
            block = None
            if end is not None:
                try:
                    block = yaml.load("\n".join(lines[index + 1:end]), Loader=HeaderLoader)
                except (yaml.YAMLError, RecursionError):
                    block = None
            if isinstance(block, dict) and block:
                report.warning(source.path, source.number(index),
                               f"a YAML metadata block inside the text (keys: "
                               f"{', '.join(map(str, block))}) is not used by bookbuild: it is "
                               f"left out (book.yaml holds the book's)", "BB241")
                _remove_lines(source, index, end + 1)
                continue
        index += 1


def _remove_lines(source: Source, start: int, end: int) -> None:
    """Take lines `start` to `end` (excluded) out of `source`, every later line keeping its
    number in the file for messages."""
    if source.numbers is None:
        source.numbers = list(range(1, len(source.lines) + 1))
    del source.lines[start:end]
    del source.numbers[start:end]


def _title_block(source: Source, report: Report) -> None:
    """pandoc's title block, `% Title`, `% Author`, `% Date` on the file's first lines (a field
    may run on over lines that start with a space): the title is the chapter's, as a YAML
    header's `title:`; the author and the date are not used, and said so (BB241)."""
    fields: list[tuple[int, str]] = []
    index = 0
    while index < len(source.lines) and len(fields) < 3 and source.lines[index].startswith("%"):
        first, text = index, source.lines[index][1:].strip()
        index += 1
        while index < len(source.lines) and source.lines[index][:1] in (" ", "\t") \
                and source.lines[index].strip():
            text += " " + source.lines[index].strip()
            index += 1
        fields.append((first, text))
    for (line, text), key in zip(fields, ("title", "author", "date"), strict=False):
        if not text:
            continue
        if key == "title":
            source.header["title"] = text
        else:
            report.warning(source.path, line + 1, f"the title block's {key} ('{text}') is not "
                                                  f"used by bookbuild: book.yaml holds the "
                                                  f"book's", "BB241")
    source.body_start = index


def _drop_comments(source: Source) -> None:
    """HTML comments never reach the book, so nothing in them is read or checked: each is
    taken out of the lines (lines it fills go, their numbers with them, so every later line
    keeps its number in messages). Comments inside fenced code are text and stay."""
    lines, fence = source.lines, None
    index = source.body_start
    while index < len(lines):
        line = lines[index]
        opened = FENCE.match(line)
        if opened and (fence is None or opened[1].startswith(fence)):
            fence = None if fence is not None else opened[1][0] * 3
        elif fence is None and "<!--" in CODE_SPAN.sub(lambda m: " " * len(m[0]), line):
            start = CODE_SPAN.sub(lambda m: " " * len(m[0]), line).index("<!--")
            rest = "\n".join(lines[index:])
            match = COMMENT.search(rest, start)
            if match is None:
                break  # never closed: pandoc shows it as text, so do we
            spanned = rest[:match.end()].count("\n")
            first = rest[:match.start()] + rest[match.end():].split("\n", 1)[0]
            if not first.strip():  # the comment fills its lines: they go, as in pandoc, where
                _remove_lines(source, index, index + spanned + 1)  # a commented-out
                continue  # list item leaves no blank line
            lines[index] = first
            for n in range(index + 1, index + spanned + 1):
                lines[n] = ""
            if spanned == 0:
                continue  # another comment on the same line
            index += spanned
            continue
        index += 1


def megabytes(size: int) -> str:
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


class Locator:
    """Finds the source line an element of a chapter's tree came from, for messages.

    Raw HTML and attribute lists reach the tree in source order, so when a chapter has as many
    `<iframe` in its text (code spans left out) as `<iframe>` elements, the n-th is the n-th; the
    elements Markdown makes (paragraphs, links, note calls) are found by their text instead.
    """

    def __init__(self, body: etree._Element, source: Source):
        self.body, self.source = body, source
        self._lines: list[tuple[int, str]] | None = None  # made at the first question
        self._hits: dict[str, list[int]] = {}

    @property
    def lines(self) -> list[tuple[int, str]]:
        if self._lines is None:
            self._lines = _searchable_lines(self.source)
        return self._lines

    def hits(self, pattern: str) -> list[int]:
        """The line of every match of `pattern` in the text outside code, one per match."""
        if pattern not in self._hits:
            regex = re.compile(pattern, re.IGNORECASE)
            self._hits[pattern] = [n for n, line in self.lines for _ in regex.finditer(line)]
        return self._hits[pattern]

    def _nth(self, pattern: str, el: etree._Element, peers: list[etree._Element]) -> int | None:
        hits = self.hits(pattern)
        if hits and len(hits) == len(peers) and el in peers:
            return hits[peers.index(el)]
        return None

    def element(self, el: etree._Element | None) -> int:
        """The line of `el`: by its tag, its attributes or its text, else the first line."""
        if isinstance(el, etree._ProcessingInstruction):
            return next(iter(self.hits(r"<\?")), self.source.first_line)
        if el is None or not isinstance(el.tag, str):
            return self.source.first_line
        name = etree.QName(el).localname
        if el.get("class") == "footnote-ref":
            hits = self.hits(rf"\[\^{re.escape(el.get('href', '')[4:])}\]")
            if hits:
                return hits[0]
        line = self._nth(rf"<{name}(?=[\s/>])", el, list(self.body.iter(el.tag)))
        for attr, value in el.attrib.items():
            if line is None and len(value) > 2:
                line = self.attribute(el, attr, value, fallback=False)
        for node in (el, *el.iterancestors()):
            if line is None:
                line = self._by_text(node)
        return line or (self.hits(rf"<{name}(?=[\s/>])") or [self.source.first_line])[0]

    def attribute(self, el: etree._Element, attr: str, value: str,
                  fallback: bool = True) -> int | None:
        """The line of `attr="value"` on `el`, in raw HTML, a `{...}` list or a Markdown link."""
        key = etree.QName(attr).localname
        key = key[5:] if key.startswith("data-") else key
        lead = {"id": r"\bid\s*=\s*[\"']?|#", "href": r"\bhref\s*=\s*[\"']?|\]\(\s*<?",
                "src": r"\bsrc\s*=\s*[\"']?|\]\(\s*<?"}.get(key, rf"\b{re.escape(key)}\s*=\s*"
                                                               r"[\"']?")
        peers = [e for e in self.body.iter() if e.get(attr) == value]
        pattern = f"(?:{lead}){re.escape(value)}(?=[\"'\\s)>}}]|$)" if value \
            else rf"\b{re.escape(key)}\s*=\s*(\"\"|'')"
        line = self._nth(pattern, el, peers) or next(iter(self.hits(pattern)), None)
        return line if line or not fallback else self.element(el)

    def _by_text(self, el: etree._Element) -> int | None:
        for word in re.findall(r"\w{4,}", "".join(el.itertext()))[:3]:
            hits = self.hits(re.escape(word))
            if hits:
                return hits[0]
        return None


def _searchable_lines(source: Source) -> list[tuple[int, str]]:
    """The body's lines by number, code spans blanked out."""
    return [(source.number(index), re.sub(r"(`+).+?\1", "", source.lines[index]))
            for index in range(source.body_start, len(source.lines))]
