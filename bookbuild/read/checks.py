"""The checks made on a chapter's lines and tree, one named function per rule and code: limits,
nested notes, divs, notes, spans, the HTML policy at its line, files the spine leaves out."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from bookbuild.book import Image
from bookbuild.config import PHRASE_LANGUAGE_TAG, Config
from bookbuild.errors import Report
from bookbuild.html_policy import breaches
from bookbuild.markdown_ext.attributes import parse_attributes
from bookbuild.markdown_ext.example_lists import REF as EXAMPLE_REF
from bookbuild.markdown_ext.fenced_divs import CLOSE as DIV_CLOSE
from bookbuild.markdown_ext.fenced_divs import OPEN as DIV_OPEN
from bookbuild.markdown_ext.limits import over_limits
from bookbuild.markdown_ext.list_indent import reindent
from bookbuild.markdown_ext.raw_attributes import HTML_FORMATS, PAGE_BREAKS, RAW_BLOCK, RAW_INLINE
from bookbuild.read.images import check_image
from bookbuild.read.source import CODE_SPAN, Locator, Source
from bookbuild.xhtml import h

MANUSCRIPT_FOLDER = "manuscript"  # a Markdown file there that the spine omits is warned of
FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")  # pandoc: up to 3 spaces in
# A definition indented or quoted: inside a list, a quote or another note, where Python-Markdown
# reads it at an unpredictable point (and, inside a note, fails).
NESTED_DEF = re.compile(r"^(?:[ \t]*>)*[ \t]*(?:(?:[-*+]|[0-9]+[.)])[ \t]+)*\[\^([^\]\s]+)\]:")
# A note's call: `[^label]` anywhere but where a line (up to three spaces in) starts the note's
# definition, `[^label]:` (so a call ending a definition list's term, `Header[^fn]:`, counts).
FOOTNOTE_REF = re.compile(r"(?:(?<!^)(?<!^ )(?<!^  )(?<!^   )|(?!\[\^[^\]\s]+\]:))"
                          r"\[\^([^\]\s]+)\]", re.MULTILINE)
# `\![3](x)` is a link after an escaped '!', as pandoc reads it, and no picture
IMAGE = re.compile(r"(?<!(?<!\\)\\)!\[(?P<alt>[^\]]*)\]\(\s*<?(?P<src>[^)\s>]+)>?"
                   r"(?:\s+\"[^\"]*\")?\s*\)")
SPAN_ATTRS = re.compile(r"\](\{[^{}\n]*\})")
# A TeX command with its arguments, in brackets, braces or parentheses (`\\cite[22-23]{smith}`,
# `\\footnote[][-.5in]{...}`, `\\begin{TAB}(@)[6pt]{|l|c|}`): raw TeX (warned of as such, BB242),
# not a span's attributes.
TEX_COMMAND = re.compile(r"\\[A-Za-z]+\*?(?:\[[^\[\]\n]*\]|\{[^{}\n]*\}|\([^()\n]*\))+")
CODE_FENCE = re.compile(r"^[ \t]{0,3}(`{3,}(?=[^`]*$)|~{3,})")  # a ``` fence's line has no other `
LIST_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\(?(?:[0-9]+|[a-zA-Z]|[ivxlcdmIVXLCDM]+|#|@\w*)[.)])"
                       r"[ \t]")
LANG_TAG = re.compile(PHRASE_LANGUAGE_TAG)


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
    # Measured on the lines as Python-Markdown reads them: lists four spaces a level.
    lines = source.lines[:source.body_start] + reindent(source.lines[source.body_start:])
    over = over_limits(lines, source.body_start)
    if over is not None:
        report.error(source.path, source.number(over[0]), over[1], "BB219")
    return over is None


def nested_notes(source: Source, report: Report) -> bool:
    """Report each footnote defined inside a quote, a list or another note (BB220), where
    Python-Markdown reads it at an unpredictable point or, inside a note, fails; True if any."""
    found = False
    for index in range(source.body_start, len(source.lines)):
        line = source.lines[index]
        if NESTED_DEF.match(line) and not FOOTNOTE_DEF.match(line):
            report.error(source.path, source.number(index),
                         "footnotes must be defined at the left margin, not inside a quote, a "
                         "list or another footnote",
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
    code = code_lines(source)
    if "{=" in source.body:
        _warn_raw_formats(source, code, report)
    for index in range(source.body_start, len(source.lines)):
        number, line = source.number(index), source.lines[index]
        if index in code:
            continue
        div = DIV_OPEN.match(line) if line.startswith(":") else None
        if div:
            open_divs.append(number)
            if div["attrs"] is not None:
                _check_span(f"{{{div['attrs']}}}", number, source, report)
        elif line.startswith(":") and DIV_CLOSE.match(line):
            if open_divs:
                open_divs.pop()
            else:
                report.error(source.path, number, "':::' closes a div that was never opened",
                             "BB207")
        if "[" not in line:  # no note, image or span on this line (most lines of prose)
            continue
        text = CODE_SPAN.sub("", line) if "`" in line else line
        definition = FOOTNOTE_DEF.match(text)
        if definition:
            label = definition[1]
            if label in defs:
                report.error(source.path, number, f"footnote [^{label}] is defined twice (first "
                                                  f"at line {defs[label]})", "BB205")
            defs.setdefault(label, number)
            text = text[definition.end():]
        elif NESTED_DEF.match(text):  # told of by nested_notes: no call either
            text = text[NESTED_DEF.match(text).end():]
        for ref in FOOTNOTE_REF.finditer(text):
            refs.setdefault(ref[1], number)
        for image in IMAGE.finditer(text):
            check_image(image["src"], image["alt"], number, source, config, report, images,
                         image_names)
        for span in SPAN_ATTRS.finditer(TEX_COMMAND.sub("", text) if "\\" in text else text):
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


def _warn_raw_formats(source: Source, code: set[int], report: Report) -> None:
    """A warning at each raw block or inline for a format other than HTML (`{=latex}`,
    `{=openxml}`), which the book leaves out as pandoc's HTML does; a LaTeX page break is one."""
    start = source.body_start
    body = "\n".join(source.lines[start:])
    block_lines: set[int] = set()
    for m in RAW_BLOCK.finditer(body):
        first = start + body.count("\n", 0, m.start())
        block_lines.update(range(first, first + m.group(0).count("\n") + 1))
        kind = m["format"].lower()
        if kind in HTML_FORMATS or (kind in ("latex", "tex") and m["text"].strip() in PAGE_BREAKS):
            continue
        report.warning(source.path, source.number(first),
                       f"a raw {{={kind}}} block is for pandoc's {kind} output only: it is left "
                       f"out of the book (write it in Markdown, or as {{=html}})", "BB242")
    pattern = re.compile(RAW_INLINE)
    for index in range(start, len(source.lines)):
        if index in code or index in block_lines:
            continue
        for m in pattern.finditer(source.lines[index]):
            if m.group(3).lower() not in HTML_FORMATS:
                report.warning(source.path, source.number(index),
                               f"raw {{={m.group(3)}}} text is for pandoc's {m.group(3)} output "
                               f"only: it is left out of the book", "BB242")


def code_lines(source: Source) -> set[int]:
    """The indices of the body's lines inside code, fenced (```, ~~~) or indented (four spaces
    after a blank line, outside a list), fences included: code is text, never checked."""
    lines, code = source.lines, set()
    fence: str | None = None
    blank_before, in_list = True, False
    for index in range(source.body_start, len(lines)):
        line = lines[index]
        opened = CODE_FENCE.match(line)
        if fence is not None:
            code.add(index)
            if opened and opened[1][0] == fence[0] and len(opened[1]) >= len(fence) \
                    and not line.strip().strip(fence[0]):
                fence = None
            continue
        if opened:
            fence = opened[1]
            code.add(index)
            continue
        if not line.strip():
            blank_before = True
            continue
        indented = line.startswith(("    ", "\t"))
        if indented and not in_list and (blank_before or index - 1 in code):
            code.add(index)
        elif not indented:
            in_list = bool(LIST_ITEM.match(line)) or (in_list and not blank_before)
        blank_before = False
    return code


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


# pandoc's author-in-text citation: `@key` after no word character (so no e-mail address), no
# `[` (a bracketed citation is told of above), not a pandoc-crossref reference; nor in a URL
# (`/@user`) or a Mastodon handle (`@user@server`), which pandoc reads as citations too but
# no author means as one (nor in a link's text: see check_leftover_markup).
# `(@label)` is an example reference (read/examples.py tells of one naming no example).
BARE_CITATION = (r"(?:(?<![\w@\[\\(/])|(?<=\()(?!@[\w-]+\)))(?<!\[-)"
                 r"@(?!(?:fig|tbl|eq|sec|lst):)(?![\w.-]+@\w)[\w{]")
# Markup a construct left in the text when bookbuild did not read it: (pattern in the text,
# pattern of its source line, code, what to tell the author, a mark the pattern needs: a text
# without it is not searched, as the citation and math patterns' lookbehinds cost more than
# the rest of the check).
LEFTOVERS = (
    (r"\^\[", r"\^\[", "BB240", "an inline note '^[' was not read: close it with ']' in the "
                                "same paragraph", "^["),
    (r"~~", r"~~", "BB240", "'~~' was not read as strikeout: put the struck words between two "
                          "'~~' in one paragraph, without spaces inside them", "~~"),
    (r"(?m)^:::", r"^\s*:::", "BB240", "a ':::' line was not read as a div: it needs a blank "
                                      "line before it", ":::"),
    (r"(?m)^\|\s", r"^\s*\|\s", "BB240", "a line starting '| ' was not read as a line block "
                                          "or a table: leave a blank line before it", "|"),
    (r"(?<![\w*\\])\*(?![\s*])[^*\n]*(?<![\s*\\])\*(?![\w*])",
     r"(?<![\w*\\])\*(?![\s*])[^*\n]*(?<![\s*\\])\*(?![\w*])", "BB240",
     "'*...*' was printed as typed, not read as emphasis: check the markup around it", "*"),
    (r"\[[^\[\]\n]+\]\((?:https?://|mailto:|#)[^()\s]*\)", r"\[[^\[\]\n]+\]\(", "BB240",
     "a link '[text](address)' was printed as typed: check the markup around it", "]("),
    (r"\\[!-/:-@\[-`{-~]", r"\\[!-/:-@\[-`{-~]", "BB240",
     "a backslash was printed: pandoc would have read it as an escape; check the line", "\\"),
    (r"\[-?@[\w:.#$%&+?<>~/-]", r"\[-?@", "BB242",
     "citations ([@key]) are not supported: write the reference out, or use a footnote", "["),
    (r"(?<![\w$])\$[^\s$](?:[^$\n]*[^\s$])?\$(?!\d)", r"\$[^\s$]", "BB242",
     "TeX math ($...$) is not rendered: write it as text (×, ², ½ and Unicode symbols), or as "
     "an image with alt text; write \\$ for a dollar sign", "$"),
    (r"\\[a-zA-Z]{2,}", r"\\[a-zA-Z]{2,}", "BB242",
     "raw TeX is not read (only \\newpage and \\pagebreak, alone in a paragraph, are): it "
     "is printed as typed", "\\"),
    # (its line: not a heading's or a div fence's, whose attributes are read, in a quote too)
    (r"\{[#.][\w:.-][^{}]*\}", r"^(?![ \t>]*(?:#|:::)).*?(?<![\])])\{[#.][\w:.-]", "BB240",
     "attributes {#id} or {.class} were printed as typed: pandoc reads them only after a "
     "heading, a [span], a link, an image or a fenced block's opening", "{"),
    (r"(?<![\w.@])@(?:fig|tbl|eq|sec|lst):[\w-]", r"@(?:fig|tbl|eq|sec|lst):", "BB242",
     "cross references (pandoc-crossref's @fig:..., @tbl:...) are not supported: write the "
     "reference out ('the map below', 'Table 2')", "@"),
    (BARE_CITATION, BARE_CITATION, "BB242",
     "'@key' is a citation in pandoc (author in text), which bookbuild does not resolve: "
     "write the reference out, or '\\@' for an '@' that cites nothing", "@"),
)
_LEFTOVERS = [(re.compile(text), line, code, hint, needs)
              for text, line, code, hint, needs in LEFTOVERS]
# pandoc blocks bookbuild does not read, known by a line of their own: (pattern, hint).
UNREAD_BLOCKS = (
    # told only when a grid rule is printed: a grid table pandoc could not read either
    (re.compile(r"^\s*\+[-=:]{2,}\+"),
     "a grid table was not read (printed as text): its lines must start at the margin, every "
     "'+' and '|' under the top line's, with a blank line before the table (cells spanning "
     "rows or columns are not read: pandoc 2.17 does not read them either)"),
)
GRID_RULE = re.compile("\\+[-=:\u2013\u2014]+\\+")  # as printed: dashes may be en or em dashes
HEADING_ATTRS = re.compile(r"\{[#.-][^{}]*\}\s*$")
HEADINGS = {h(f"h{n}") for n in range(1, 7)}
CODE_TAGS = {h("pre"), h("code"), h("kbd"), h("samp"), h("script"), h("style")}


def check_leftover_markup(body: etree._Element, source: Source, report: Report) -> None:
    """A warning for each kind of Markdown markup printed as typed, at the first line holding
    it, naming the other lines that hold it: whatever construct slips through conversion is
    seen wherever it is."""
    where = Locator(body, source)
    told: set[str] = set()
    code = code_lines(source)
    grid = UNREAD_BLOCKS[0][0]
    printed = _printed(body) if any(grid.match(line) for line in source.lines) else ""
    if not GRID_RULE.search(printed):
        told.add(UNREAD_BLOCKS[0][1])  # a grid table's rules were read, not printed
    printed = printed.replace("\u2014", "---").replace("\u2013", "--")  # as typed
    blocks: dict[str, list[int]] = {}
    for index in range(source.body_start, len(source.lines)):
        for regex, hint in UNREAD_BLOCKS:
            line = source.lines[index]
            if hint not in told and index not in code and regex.match(line) \
                    and re.search(rf"(?<![-+=:]){re.escape(line.strip())}(?![-+=:])",
                                  printed):  # this table's own rule is printed
                blocks.setdefault(hint, []).append(source.number(index))
    for hint, numbers in blocks.items():
        told.add(hint)
        report.warning(source.path, numbers[0], hint + _also(numbers, numbers[0]), "BB242")
        if hint is UNREAD_BLOCKS[0][1]:  # its rows are the '| ' lines told of
            told.add(LEFTOVERS[3][3])
    if any(p.code in ("BB206", "BB207") and p.path == source.rel for p in report.problems):
        told.add(LEFTOVERS[2][3])  # the divs' own errors told where the ':::' went wrong
    items = []
    for el in body.iter():
        if not isinstance(el.tag, str) or el.tag in CODE_TAGS \
                or any(a.tag in CODE_TAGS for a in el.iterancestors()):
            continue
        # a tail follows an inline element on its line: a space before it keeps the patterns
        # anchored at a line's start (`^| `, `^:::`) from matching there
        texts = [" " + (child.tail or "") for child in el]
        if el.get(EXAMPLE_REF) is None:  # an example reference's text is numbered later
            texts.append(el.text or "")
        if el.tag in HEADINGS and HEADING_ATTRS.search("".join(el.itertext())):
            _tell(report, source, where, el, r"^#.*\{[#.-]", "BB240",
                  "the heading's attributes {...} were printed: they need a space before the "
                  "'{' and must be #id, .class or key=value", told)
        items.append((el, texts))
    # Each pattern is looked for in all the text at once; only one found there is looked for
    # element by element, to tell where (most chapters have none).
    everything = "\n".join(text for _, texts in items for text in texts)
    for regex, line, code, hint, needs in _LEFTOVERS:
        if hint in told or needs not in everything or not regex.search(everything):
            continue
        for el, texts in items:
            if line is BARE_CITATION and (el.tag == h("a") or any(
                    a.tag == h("a") for a in el.iterancestors())):
                continue
            if any(regex.search(text) for text in texts):
                # told at its first line, which names the others
                _tell(report, source, where, el, line, code, hint, told, name_others=True)
                if hint in told:
                    break


def _printed(body: etree._Element) -> str:
    """The body's text outside code."""
    return "".join(text for el in body.iter() if isinstance(el.tag, str)
                   and el.tag not in CODE_TAGS
                   and not any(a.tag in CODE_TAGS for a in el.iterancestors())
                   for text in (el.text or "", *((c.tail or "") for c in el)))


def _tell(report: Report, source: Source, where: Locator, el: etree._Element, line: str,
          code: str, hint: str, told: set[str], name_others: bool = False) -> None:
    """Warn of `hint` once, at the first source line matching `line` (else at `el`'s); with
    `name_others`, naming the other lines that match."""
    if hint in told:
        return
    if line is BARE_CITATION and not where.hits(line):
        return  # the '@' was escaped (\@), which the tree no longer shows
    told.add(hint)
    number = next(iter(where.hits(line)), None) or where.element(el)
    others = _also(where.hits(line), number) if name_others else ""
    report.warning(source.path, number, hint + others, code)


def _also(numbers: list[int], told_at: int) -> str:
    """' (also on lines 38, 74)': the lines of `numbers` but the one told at."""
    lines = sorted(set(numbers) - {told_at})
    if not lines:
        return ""
    return f" (also on line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))})"


def check_html(body: etree._Element, source: Source, report: Report) -> None:
    """Report every breach in a chapter's tree at the source line that holds it."""
    where = Locator(body, source)
    for breach in breaches(body):
        line = where.attribute(breach.element, *breach.attribute) if breach.attribute \
            else where.element(breach.element)
        report.error(source.path, line, breach.message, breach.code)
