"""The checks made on a chapter's lines and tree, one named function per rule and code: limits,
nested notes, divs, notes, spans, the HTML policy at its line, files the spine leaves out."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from bookbuild.book import Image
from bookbuild.config import LANGUAGE_TAG, Config
from bookbuild.errors import Report
from bookbuild.html_policy import breaches
from bookbuild.markdown_ext.attributes import parse_attributes
from bookbuild.markdown_ext.fenced_divs import CLOSE as DIV_CLOSE
from bookbuild.markdown_ext.fenced_divs import OPEN as DIV_OPEN
from bookbuild.markdown_ext.limits import over_limits
from bookbuild.read.images import check_image
from bookbuild.read.source import CODE_SPAN, Locator, Source

MANUSCRIPT_FOLDER = "manuscript"  # a Markdown file there that the spine omits is warned of
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:")
# A definition indented or quoted: inside a list, a quote or another note, where Python-Markdown
# reads it at an unpredictable point (and, inside a note, fails).
NESTED_DEF = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*\[\^([^\]\s]+)\]:")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
IMAGE = re.compile(r"!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
SPAN_ATTRS = re.compile(r"\](\{[^{}\n]*\})")
CODE_FENCE = re.compile(r"^\s*(```|~~~)")
LANG_TAG = re.compile(LANGUAGE_TAG)


def warn_unlisted(config: Config, report: Report) -> None:
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


def within_limits(source: Source, report: Report) -> bool:
    """Refuse, before parsing, a chapter Python-Markdown would take minutes over or recurse
    too deeply into (markdown_ext/limits.py), at the line that crosses the limit."""
    over = over_limits(source.lines, source.body_start)
    if over is not None:
        report.error(source.path, over[0] + 1, over[1], "BB219")
    return over is None


def nested_notes(source: Source, report: Report) -> bool:
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


def check_lines(source: Source, config: Config, report: Report,
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
            check_image(image["src"], image["alt"], number, source, config, report, images,
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


def check_html(body: etree._Element, source: Source, report: Report) -> None:
    """Report every breach in a chapter's tree at the source line that holds it."""
    where = Locator(body, source)
    for breach in breaches(body):
        line = where.attribute(breach.element, *breach.attribute) if breach.attribute \
            else where.element(breach.element)
        report.error(source.path, line, breach.message, breach.code)
