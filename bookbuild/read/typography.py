"""Typography over a chapter's tree: quotes and apostrophes curled over each block's whole text
(across emphasis, links and spans, never inside code), and the spaces a careful publisher adds.

`set_typography(body, ...)` runs over each chapter (in the chapter's language) and over every page
and blurb written from book.yaml; `typeset(text, ...)` over a plain line (a title). It hands on
the same tree, and warns of quotes the author curled the wrong way. Python-Markdown's smarty
still makes dashes.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

from lxml import etree

from bookbuild.config import Config
from bookbuild.errors import Report
from bookbuild.read.source import Source
from bookbuild.xhtml import PHRASING, XML_NS

# Never touched: what the author typed there is meant literally.
LITERAL = frozenset("code pre kbd samp var script style math svg".split())
OPAQUE = "\ufffc"  # stands for a code span in a block's text: a word, neither space nor quote
BOUNDARY = "\n"  # stands for a block inside a block: like the start of a paragraph
LINE_BREAK = "\u2028"  # stands for a <br>: a space, where a quotation may go on (a letter's)

# The language's own marks: primary open/close, secondary open/close. Straight double quotes
# become the primary pair, straight single quotes the secondary.
QUOTE_MARKS = {
    "en": "\u201c\u201d\u2018\u2019",
    "ru": "\u00ab\u00bb\u201e\u201c", "uk": "\u00ab\u00bb\u201e\u201c",
    "be": "\u00ab\u00bb\u201e\u201c",
    "de": "\u201e\u201c\u201a\u2018", "cs": "\u201e\u201c\u201a\u2018",
    "fr": "\u00ab\u00bb\u201c\u201d", "es": "\u00ab\u00bb\u201c\u201d",
    "it": "\u00ab\u00bb\u201c\u201d",
    "pl": "\u201e\u201d\u00ab\u00bb",
    "he": "\u201e\u201d\u201a\u2019",
}
APOSTROPHE, PRIME, DOUBLE_PRIME = "\u2019", "\u2032", "\u2033"
# The characters curl_quotes looks at: straight quotes, and curly ones to pair or to find
# the wrong way round; it skips the rest of a paragraph's text without a step per character.
QUOTE_CHARACTER = re.compile("[\"'\u201c\u201e\u00ab\u201d\u00bb\u2018\u2019]")
NBSP, WORD_JOINER, HAIR_SPACE, ELLIPSIS, EM_DASH = "\u00a0", "\u2060", "\u200a", "\u2026", "\u2014"
ALL_QUOTES = "\u201c\u201d\u2018\u2019\u00ab\u00bb\u201e\u201a\u2039\u203a"
OPENING = "\u201c\u2018\u00ab\u201e\u201a\u2039"
DASH_OR_QUOTE = re.compile(f"[{EM_DASH}{ALL_QUOTES}]")  # what add_spaces looks at one by one
OPENERS_BEFORE = "([{<" + OPENING + BOUNDARY
DASHES = "\u2014\u2013\u2026-"

# Words an apostrophe starts (pandoc's rule and Standard Ebooks' list): '’tis', not '‘tis';
# and the dialect's dropped letters, Cockney's h above all ('’ere, ’im, ’ouse'), where the word
# left is no English word a quotation could open with.
ELISION = re.compile(r"(?:tis|twas|twere|twill|twould|twixt|twarn|tain|em|n|cause|cos|til|"
                     r"bout|round|nuff|nough|cept|scuse|gainst|neath|stead|spect|spose|"
                     r"sposin|fore|lowed?|tend|(?-i:a)(?=['\u2019])|\d\d(?:s|th)?|"
                     r"e|ere|im|imself|isself|er|erself|ers|ave|avin|aving|alf|arf|ouse|ouses|"
                     r"eard|ead|eads|ad|ud|un|uns|ome|ope|elp|elped|ittin|itting|ook|urt|"
                     r"urtin|ooman|owl|owlin|owling|owled|armony|igh|ounds|ands|eart|eavy|"
                     r"appy|ardly|eaven|eavens|ello|orse|orses|ungry|undred|usband|anged|"
                     r"idin|iding|ere's|ow's|ee)(?![^\W_])", re.IGNORECASE)
# Dropped h's that leave an English word ('is, 'it, 'all, 'at): an elision unless a quotation
# opened here is plainly closed further on (a closing quote after punctuation or a whole word).
AMBIGUOUS_ELISION = re.compile(r"(?:is|it|all|and|at|old|ill|ear|ow|art|are|ard|eat|ang|long|"
                               r"ole|olding|ate|ere)(?![^\W_])", re.IGNORECASE)
# A word an apostrophe ends without closing a quotation: a dropped g (goin'), and an', o', th'.
TRAILING_ELISION = re.compile(r"(?:[^\W\d_]{2,}in|an|o|th|wi|ol|yer|fer|ter|a|n)$",
                              re.IGNORECASE)
HONORIFIC = re.compile(r"(?<![^\W_])(?:Mr|Mrs|Ms|Mx|Dr|St|Ste|Gen|Prof|Col|Capt|Lt|Sgt|Cpl|Maj|"
                       r"Adm|Cmdr|Rev|Fr|Hon|Gov|Sen|Rep|Pres|Supt|Insp|Messrs|Mme|Mlle|Mssr)\."
                       r"([ \n])(?=\S)")
INITIAL = re.compile(r"(?<![^\W_])([^\W\d_])\.([ \n])(?=[^\W\d_])")
# Languages that set an ellipsis close after the word it follows ("mot… mot", "слово…");
# others keep the author's spacing (English and German use both, for different omissions).
ELLIPSIS_CLOSED = frozenset("fr ru uk be bg sr mk es pt it ca pl cs sk".split())
HONORIFIC_HINT = re.compile(HONORIFIC.pattern.removeprefix(r"(?<![^\W_])"))
INITIAL_HINT = re.compile(r"\.[ \n](?=[^\W\d_])")  # INITIAL's period, one letter after
SPACED_ELLIPSIS = re.compile(r"\.[ \u00a0]?\.[ \u00a0]?\.")


@dataclass(frozen=True)
class TypographySettings:
    """What to do: `quotes` is curly (English marks), language (each language's own) or
    straight (leave them); `spaces` adds no-break spaces, word joiners and hair spaces;
    `ellipsis` spaces an ellipsis after a word: closed, spaced, typed or as its language does
    (ELLIPSIS_CLOSED)."""

    quotes: str = "curly"
    spaces: bool = True
    language: str = "en"
    ellipsis: str = "language"


@dataclass
class _Run:
    """One text slot of a block (an element's text or tail) and the language it is in."""

    element: etree._Element | None
    attr: str
    text: str
    language: str


def book_settings(config: Config, language: str | None = None) -> TypographySettings:
    """The settings book.yaml asks for, for text in `language` (else the book's)."""
    return TypographySettings(config.typography.quotes, config.typography.spaces,
                              language or config.language, config.typography.ellipsis)


class RunLanguages(Sequence):
    """The language of each character of a block's text, found from its runs (a list of one
    entry per character cost more than the curling itself)."""

    def __init__(self, runs: list) -> None:
        self.ends = list(accumulate(len(run.text) for run in runs))
        self.languages = [run.language for run in runs]

    def __len__(self) -> int:
        return self.ends[-1] if self.ends else 0

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self.languages[bisect_right(self.ends, index)]


def set_typography(body: etree._Element, settings: TypographySettings,
                   source: Source | None = None, report: Report | None = None,
                   place: tuple[Path, int | None] | None = None) -> None:
    """Curl quotes and add the publisher's spaces in every block of `body`, in place.

    Wrong-way quotes are warned of at their line in `source`, or at `place` (book.yaml's key)."""
    if settings.quotes == "straight" and not settings.spaces:
        return
    for runs in _blocks(body, settings.language):
        text = "".join(run.text for run in runs)
        if not text.strip():
            continue
        languages = RunLanguages(runs)
        out = list(text)
        if settings.quotes != "straight":
            unclear: list[int] = []
            wrong = curl_quotes(text, out, languages, settings.quotes == "language", unclear)
            if report is not None and (source is not None or place is not None):
                for at in wrong:
                    _warn_wrong_way(text, at, source, report, place)
                for at in unclear[:1]:  # one a paragraph
                    _warn_unpaired(text, at, source, report, place)
        if settings.spaces:
            add_spaces("".join(out), out)
        space_ellipses(out, languages, settings.ellipsis)
        _write_back(runs, out)


def typeset(text: str, settings: TypographySettings | None = None) -> str:
    """The pass over one plain string (a block's text with no markup): for tests and titles."""
    settings = settings or TypographySettings()
    out = list(text)
    if settings.quotes != "straight":
        curl_quotes(text, out, [settings.language] * len(text), settings.quotes == "language")
    if settings.spaces:
        add_spaces("".join(out), out)
    space_ellipses(out, [settings.language] * len(text), settings.ellipsis)
    return "".join(out)


def _marks(language: str, own: bool) -> str:
    if not own:
        return QUOTE_MARKS["en"]
    return QUOTE_MARKS.get(language.split("-")[0].lower(), QUOTE_MARKS["en"])


def _is_word(char: str) -> bool:
    return char.isalnum() or char == OPAQUE


def _is_space(char: str) -> bool:
    return char.isspace() or char == BOUNDARY


def _closed_later(text: str, start: int) -> bool:
    """Whether a single quote opened before `start` is plainly closed further on: by a quote
    after punctuation, or after a word that is no elision (not goin', an', o')."""
    for match in re.finditer(r"(?<=\S)['\u2019](?![^\W_])", text[start:]):
        at = start + match.start()
        before = text[at - 1]
        if not before.isalnum() and before != OPAQUE:
            return True
        word = re.search(r"[^\W_]*$", text[:at])[0]
        if not TRAILING_ELISION.search(word):
            return True
    return False


def curl_quotes(text: str, out: list[str], languages: list[str], own_marks: bool,
                unclear: list[int] | None = None) -> list[int]:
    """Set `out[i]` for each straight quote of `text`; returns where an author's curly quote
    stands the wrong way round (a closing quote opening a word, an opening one ending it).

    A quotation inside one of the same kind ("He said "no" to me") takes the other marks, as
    nested quotations alternate; where such nesting leaves quotes that cannot be paired, the
    opening quote's place is added to `unclear`. Which marks a quotation takes is settled at
    the end, once it is known which single quotes were apostrophes after all."""
    stack: list[tuple[str, int]] = []  # ("d" or "s", index of the opening quote)
    wrong: list[int] = []
    nested: set[int] = set()  # openers with a quotation of the same kind opened inside
    parent: dict[int, int | None] = {}  # opener → the opener it was typed inside
    closer: dict[int, int] = {}  # opener → its closing quote
    kinds: dict[int, str] = {}
    goes_on: dict[int, int] = {}  # a letter line's opening quote → the quotation it continues

    def leave_open(entries: list[tuple[str, int]], at_end: bool = False) -> None:
        for depth, (kind, opened) in enumerate(entries):
            if text[opened] == "'":  # never closed: an apostrophe after all ('Tis, go 'long)
                out[opened] = APOSTROPHE
            if at_end and unclear is not None and text[opened] == '"' and (
                    any(text[o] == '"' for k, o in entries[:depth] if k == kind)
                    or _last_closed_inside(opened)):
                unclear.append(opened)

    def _last_closed_inside(opened: int) -> bool:
        """Whether the last quote of the paragraph closed a quotation of the same kind
        nested in this one, which was left open: "He said "no to me." """
        if opened not in nested:
            return False
        ends = [end for start, end in closer.items()
                if start > opened and text[end] == text[opened]]
        return bool(ends) and not any(_is_word(c) for c in text[max(ends) + 1:])

    def close(kind: str, at: int) -> None:
        for depth in range(len(stack) - 1, -1, -1):
            if stack[depth][0] == kind:
                opened = stack[depth][1]
                leave_open(stack[depth + 1:])
                del stack[depth:]
                closer[opened] = at
                return
        if text[at] in "\"'":  # closes nothing opened in this block: a closing mark anyway
            marks = _marks(languages[at], own_marks)
            out[at] = marks[1] if kind == "d" else APOSTROPHE

    def is_open(kind: str) -> bool:
        return any(k == kind for k, _ in stack)

    def push(kind: str, at: int) -> None:
        for k, opened in stack:
            if k == kind:
                nested.add(opened)
        parent[at] = stack[-1][1] if stack else None
        kinds[at] = kind
        stack.append((kind, at))

    for found in QUOTE_CHARACTER.finditer(text):  # the loop acts on these only
        i, char = found.start(), found[0]
        before = text[i - 1] if i else BOUNDARY
        after = text[i + 1] if i + 1 < len(text) else BOUNDARY
        at_word_start = _is_space(before) or before in OPENERS_BEFORE or (
            bool(stack) and stack[-1][1] == i - 1)  # just after a straight quote that opened
        if char == '"':
            if before.isdigit() and (re.search(r"\d['\u2032]\s?\d+$", text[:i])
                                     or not is_open("d")):
                out[i] = DOUBLE_PRIME
            elif before in (LINE_BREAK, BOUNDARY) and stack and stack[-1][0] == "d" \
                    and _is_word(after):  # a letter's lines each open with a quote
                goes_on[i] = stack[-1][1]
            elif at_word_start and not (_is_space(after) and is_open("d")):
                push("d", i)
            elif before in DASHES and (_is_word(after) or after in "'\u2018"):
                push("d", i)
            else:
                close("d", i)
        elif char == "'":
            if before.isdigit() and (after.isdigit() or (after == " " and not is_open("s"))):
                out[i] = PRIME
            elif _is_word(before) and _is_word(after):
                out[i] = APOSTROPHE
            elif (at_word_start or before in DASHES) and (
                    _is_word(after) or after == '"' or (after == "'" and _is_word(
                        text[i + 2:i + 3] or " "))):  # ''Ere,' he said: a quote, then 'Ere
                if ELISION.match(text, i + 1) or (AMBIGUOUS_ELISION.match(text, i + 1)
                                                  and not _closed_later(text, i + 1)):
                    out[i] = APOSTROPHE
                else:
                    push("s", i)
            elif at_word_start and _is_space(after) and is_open("s"):
                close("s", i)  # a quote set off by spaces: “Pouf!” ’ And he
            elif at_word_start:
                out[i] = APOSTROPHE
            else:
                close("s", i)
        elif char in "\u201c\u201e\u00ab":
            if _is_word(before) and (_is_space(after) or i + 1 == len(text)):
                wrong.append(i)
            else:
                push("d", i)
        elif char in "\u201d\u00bb":
            if at_word_start and _is_word(after):
                wrong.append(i)
            elif is_open("d"):
                close("d", i)
        elif char == "\u2018":
            if (_is_word(before) and not _is_word(after)) or (
                    at_word_start and ELISION.match(text, i + 1)):
                wrong.append(i)
            else:
                push("s", i)
        elif char == APOSTROPHE and not _is_word(after) and is_open("s"):
            close("s", i)
    leave_open(stack, at_end=True)
    _set_marks(text, out, languages, own_marks, (parent, closer, kinds, goes_on))
    return wrong


def _set_marks(text: str, out: list[str], languages: list[str], own_marks: bool,
               found: tuple[dict[int, int | None], dict[int, int], dict[int, str],
                            dict[int, int]]) -> None:
    """Each quotation's marks: its own kind's, or the other kind's inside a quotation shown
    with its own (a single quote left open was an apostrophe, and holds nothing)."""
    parent, closer, kinds, goes_on = found
    shown: dict[int, str] = {}
    for opened in sorted(kinds):
        if text[opened] == "'" and opened not in closer:
            continue  # an apostrophe
        up = parent[opened]
        while up is not None and up not in shown:
            up = parent[up]
        kind = kinds[opened]
        shown[opened] = ("s" if kind == "d" else "d") if up is not None and \
            shown[up] == kind else kind
        marks = _marks(languages[opened], own_marks)
        pair = marks[0:2] if shown[opened] == "d" else marks[2:4]
        if text[opened] in "\"'":
            out[opened] = pair[0]
        if opened in closer and text[closer[opened]] in "\"'":
            out[closer[opened]] = pair[1]
    for at, opened in goes_on.items():
        marks = _marks(languages[opened], own_marks)
        out[at] = marks[0] if shown.get(opened, "d") == "d" else marks[2]


def _found(pattern: re.Pattern, hint: re.Pattern, text: str, back: int) -> Iterator[re.Match]:
    """`pattern`'s matches in `text`, tried only where `hint` (the same pattern without the
    lookbehind it opens with, which Python tries at every character) finds one, `back`
    characters before it: the same matches, a fifth of the time."""
    for candidate in hint.finditer(text):
        match = pattern.match(text, candidate.start() - back)
        if match:
            yield match


def add_spaces(text: str, out: list[str]) -> None:
    """What a careful publisher adds to curled `text` (same length as `out`, which it edits):
    no-break spaces after honorifics and between initials, a word joiner before an em dash, a
    hair space between adjacent quotes, and one character for an ellipsis."""
    for match in SPACED_ELLIPSIS.finditer(text):
        out[match.start()] = ELLIPSIS
        for k in range(match.start() + 1, match.end()):
            out[k] = ""
    for match in _found(HONORIFIC, HONORIFIC_HINT, text, 0):
        out[match.start(1)] = NBSP
    for match in _found(INITIAL, INITIAL_HINT, text, 1):
        if match[1].isupper() and text[match.end()].isupper():
            out[match.start(2)] = NBSP
    for found in DASH_OR_QUOTE.finditer(text):  # the characters the loop acts on
        i, char = found.start(), found[0]
        if char == EM_DASH and i and not text[i - 1].isspace() \
                and text[i - 1] not in (WORD_JOINER, BOUNDARY):
            out[i] = WORD_JOINER + out[i]
        elif i and char in ALL_QUOTES and text[i - 1] in ALL_QUOTES and char != text[i - 1]:
            out[i] = HAIR_SPACE + out[i]


def _ellipsis_style(language: str, style: str) -> str:
    if style != "language":
        return style
    return "closed" if language.split("-")[0].lower() in ELLIPSIS_CLOSED else "typed"


def space_ellipses(out: list[str], languages: list[str], style: str) -> None:
    """The space between a word and the ellipsis after it, in `out` (each entry what one
    character of the text became): none (closed: "word… word", French, Russian), a no-break
    space (spaced: "word … word"), or as typed, a space made no-break so that no line starts
    with an ellipsis (typed). What follows the ellipsis is left as typed."""
    if ELLIPSIS not in "".join(out):
        return  # most paragraphs: no entry to look at
    for i, char in enumerate(out):
        if not char.endswith(ELLIPSIS):
            continue
        how = _ellipsis_style(languages[i] if i < len(languages) else "en", style)
        spaces, j = [], i - 1
        while j >= 0 and out[j] in ("", " ", NBSP):
            if out[j]:
                spaces.append(j)
            j -= 1
        if j < 0 or not out[j][-1:].isalnum():
            how = "typed"  # after punctuation, or opening a block, a quotation, a bracket
        if how == "closed":
            for k in spaces:
                out[k] = ""
        elif spaces:
            for k in spaces[1:]:
                out[k] = ""
            out[spaces[0]] = NBSP
        elif how == "spaced":
            out[i] = NBSP + out[i]


def _warn_wrong_way(text: str, at: int, source: Source | None, report: Report,
                    place: tuple[Path, int | None] | None = None) -> None:
    word = re.match(r"[^\W_]*", text[at + 1:])[0] or re.search(r"[^\W_]*$", text[:at])[0]
    snippet = text[max(0, at - 12):at + 13].replace(BOUNDARY, " ").replace(OPAQUE, "…").strip()
    if source is None:
        path, line = place
    else:
        path = source.path
        line = source.line_of(re.escape(text[at]) + re.escape(word)) \
            if text[at] not in OPENING else source.line_of(re.escape(word) + re.escape(text[at]))
        line = line or source.line_of(re.escape(word)) if word else line
    report.warning(path, line,
                   f"the quotation mark {text[at]} in \u201c{snippet}\u201d faces the wrong way "
                   f"(type a straight quote and bookbuild curls it)", "BB245")


def _warn_unpaired(text: str, at: int, source: Source | None, report: Report,
                   place: tuple[Path, int | None] | None) -> None:
    snippet = text[at:at + 40].replace(BOUNDARY, " ").replace(LINE_BREAK, " ") \
        .replace(OPAQUE, "…").strip()
    words = re.findall(r"[^\W_]+", snippet)
    if source is None:
        path, line = place
    else:
        path = source.path
        typed = re.split(f"[{BOUNDARY}{LINE_BREAK}{OPAQUE}]", text[at:at + 40])[0]
        line = source.line_of(re.escape(typed)) or ((
            source.line_of(r"\W+".join(map(re.escape, words[:3])))
            or source.line_of(re.escape(words[0]))) if words else None)
    report.warning(path, line, f"the quotes in \u201c{snippet}\u201d nest quotes of one kind and "
                               f"cannot all be paired: check how they are curled, or type the "
                               f"inner ones as single quotes", "BB250")


def _language(el: etree._Element, default: str) -> str:
    for node in (el, *el.iterancestors()):
        tag = node.get(f"{{{XML_NS}}}lang") or node.get("lang")
        if tag:
            return tag
    return default


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _blocks(body: etree._Element, default_language: str) -> list[list[_Run]]:
    """Each block's text as runs in reading order; a block inside a block counts as a break."""
    blocks: list[list[_Run]] = []

    def walk(el: etree._Element, runs: list[_Run], language: str) -> None:
        language = _language(el, language) if el.get("lang") else language
        runs.append(_Run(el, "text", el.text or "", language))
        for child in el:
            name = _local(child)
            if not name:
                pass
            elif name in LITERAL:
                runs.append(_Run(None, "", OPAQUE, language))
            elif name == "br":
                runs.append(_Run(None, "", LINE_BREAK, language))
            elif name in PHRASING:
                walk(child, runs, language)
            else:
                runs.append(_Run(None, "", BOUNDARY, language))
                block(child, language)
            runs.append(_Run(child, "tail", child.tail or "", language))

    def block(el: etree._Element, language: str) -> None:
        if _local(el) in LITERAL:
            return
        runs: list[_Run] = []
        blocks.append(runs)
        walk(el, runs, _language(el, default_language))

    block(body, default_language)
    return blocks


def _write_back(runs: list[_Run], out: list[str]) -> None:
    at = 0
    for run in runs:
        end = at + len(run.text)
        if run.element is not None and run.text:
            new = "".join(out[at:end])
            if new != run.text:
                setattr(run.element, run.attr, new)
        at = end
