"""pandoc's ordered list markers (fancy_lists, startnum): `1.` `1)` `(1)` `#.`, `a.` `A.`,
`i.` `I.`, each list starting at its first number; a change of kind or delimiter starts a new
list, as in pandoc. Hands on `<ol type="a" start="3">`."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockparser import BlockParser
from markdown.blockprocessors import OListProcessor
from markdown.extensions import Extension
from markdown.extensions.sane_lists import SaneUListProcessor
from markdown.treeprocessors import Treeprocessor

DELIMITER = "data-list-delimiter"  # kept while reading, to tell lists apart; then removed
ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
# kind: (the first item's marker, a later item's marker, the type attribute)
KINDS = {
    "decimal": (r"\d{1,9}|#", r"\d{1,9}|#", None),
    "lower-roman": (r"i|[ivxlcdm]{2,}", r"[ivxlcdm]+", "i"),
    "upper-roman": (r"I|[IVXLCDM]{2,}", r"[IVXLCDM]+", "I"),
    "lower-alpha": (r"[a-hj-z]", r"[a-z]", "a"),
    "upper-alpha": (r"[A-HJ-Z]", r"[A-Z]", "A"),
}


# Any list item's marker, of any kind and delimiter: an indented line starting one opens a
# list inside the item above (`I.  Roman` then `    (1) Decimal`), as in pandoc.
_ANY = r"(?:\d{1,9}|#|[ivxlcdm]+|[IVXLCDM]+|[a-zA-Z])"
ANY_MARKER = rf"(?:\({_ANY}\)|{_ANY}[.)]|[*+-])"
BULLET = re.compile(r"^[ ]{0,3}[*+-][ ]+")  # a bullet item's line


def _value(marker: str, kind: str) -> int:
    """The number a marker stands for: `#` and `1` are 1, `c` is 3, `iv` is 4."""
    if kind == "decimal":
        return int(marker) if marker.isdigit() else 1
    if kind.endswith("alpha"):
        return ord(marker.lower()) - ord("a") + 1
    total, previous = 0, 0
    for char in reversed(marker.lower()):
        value = ROMAN[char]
        total += -value if value < previous else value
        previous = max(previous, value)
    return total


def _marker(chars: str, upper: bool) -> str:
    """The marker with its delimiter: `x.`, `x)` or `(x)`; a capital letter and a period need
    two spaces after them (pandoc's rule, so that 'B. Smith' stays a name)."""
    period = r"\.(?=[ ]{2,}|\t)" if upper else r"\."
    return rf"(?P<open>\()?(?P<m>{chars})(?P<close>(?(open)\)|(?:{period}|\))))"


class FancyOListProcessor(OListProcessor):
    SIBLING_TAGS = ["ol"]
    LAZY_OL = False

    def __init__(self, parser: BlockParser, kind: str):
        super().__init__(parser)
        self.kind = kind
        self._compile(*KINDS[kind])

    def _compile(self, first: str, later: str, type_: str | None) -> None:
        """The item patterns for markers `first` (a list's first item) and `later`."""
        self.type = type_
        upper = self.kind.startswith("upper")
        indent = self.tab_length - 1
        self.RE = re.compile(rf"^[ ]{{0,{indent}}}{_marker(first, upper)}[ ]+(?P<text>.*)")
        self.CHILD_RE = re.compile(rf"^[ ]{{0,{indent}}}{_marker(later, upper)}[ ]+(?P<text>.*)")
        self.INDENT_RE = re.compile(rf"^[ ]{{{self.tab_length},{self.tab_length * 2 - 1}}}"
                                    rf"{ANY_MARKER}[ ]+.*")

    def _continued(self, parent, block: str) -> tuple[str | None, re.Match | None]:
        """The kind of the list just above, when this block's first item continues it (after
        `a.`...`h.`, an `i.` is a letter, as in pandoc), and the item's marker match."""
        sibling = self.lastChild(parent)
        if sibling is None or sibling.tag != "ol" or not sibling.get(DELIMITER):
            return None, None
        kind, opening, closing = sibling.get(DELIMITER).split("|")
        match = self.parser.fancy_lists[kind].CHILD_RE.match(block)
        if match and (match["open"] or "") == opening and match["close"] == closing:
            return kind, match
        return None, None

    def test(self, parent: Element, block: str) -> bool:
        kind, _ = self._continued(parent, block)
        return kind == self.kind if kind else bool(self.RE.match(block))

    def run(self, parent: Element, blocks: list[str]) -> None:
        kind, first = self._continued(parent, blocks[0])
        self.SIBLING_TAGS = ["ol"] if kind else []
        first = first or self.RE.match(blocks[0])
        self._split_at_other_list(blocks, first)
        self.STARTSWITH = str(self.value(first["m"]))
        super().run(parent, blocks)
        lst = self.lastChild(parent)
        if lst is not None and lst.tag == "ol" and lst.get(DELIMITER) is None:
            lst.set(DELIMITER, f"{self.kind}|{first['open'] or ''}|{first['close']}")
            if self.type:
                lst.set("type", self.type)

    def value(self, marker: str) -> int:
        """The number the item `marker` stands for."""
        return _value(marker, self.kind)

    def _split_at_other_list(self, blocks: list[str], first: re.Match) -> None:
        """A line that starts an item of another kind or delimiter starts another list."""
        lines = blocks[0].split("\n")
        for n, line in enumerate(lines[1:], start=1):
            mine = self.CHILD_RE.match(line)
            if mine and (mine["open"], mine["close"]) == (first["open"], first["close"]):
                continue
            if mine or BULLET.match(line) or any(
                    p.RE.match(line) for p in self.parser.fancy_lists.values()):
                blocks[0:1] = ["\n".join(lines[:n]), "\n".join(lines[n:])]
                return

    def get_items(self, block: str) -> list[str]:
        items: list[str] = []
        for line in block.split("\n"):
            match = self.CHILD_RE.match(line)
            if match:
                items.append(match["text"])
            elif self.INDENT_RE.match(line) and not (items and items[-1].startswith(
                    " " * self.tab_length)):
                items.append(line)
            else:
                items[-1] = f"{items[-1]}\n{line}"
        return items


BLOCK_TAGS = {"p", "div", "ul", "ol", "dl", "blockquote", "pre", "table", "figure", "hr",
              "h1", "h2", "h3", "h4", "h5", "h6"}


class LooseLists(Treeprocessor):
    """The delimiters dropped; and, as pandoc, a list with one item in paragraphs (a blank
    line between items) has all its items in paragraphs, where Python-Markdown wraps only
    the items next to the blank line."""

    def run(self, root: Element) -> None:
        for lst in root.iter():
            if lst.tag not in ("ol", "ul"):
                continue
            lst.attrib.pop(DELIMITER, None)
            items = [li for li in lst if li.tag == "li"]
            if not any(len(li) and li[0].tag == "p" and not (li.text or "").strip()
                       for li in items):
                continue
            for li in items:
                if not (li.text or "").strip() and (not len(li) or li[0].tag in BLOCK_TAGS):
                    continue
                p = li.makeelement("p", {})
                p.text, li.text = li.text, None
                while len(li) and li[0].tag not in BLOCK_TAGS:
                    child = li[0]
                    li.remove(child)
                    p.append(child)
                li.insert(0, p)


class BulletListProcessor(SaneUListProcessor):
    """Bullet lists (sane lists': a numbered item starts another list), whose items may hold a
    list of any kind on an indented line (`- a bullet` then `    i. roman`)."""

    def __init__(self, parser: BlockParser):
        super().__init__(parser)
        self.INDENT_RE = re.compile(rf"^[ ]{{{self.tab_length},{self.tab_length * 2 - 1}}}"
                                    rf"{ANY_MARKER}[ ]+.*")

    def run(self, parent: Element, blocks: list[str]) -> None:
        # A numbered item right after the bullets (no blank line) starts another list.
        lines = blocks[0].split("\n")
        for n, line in enumerate(lines[1:], start=1):
            if any(p.RE.match(line) for p in self.parser.fancy_lists.values()):
                blocks[0:1] = ["\n".join(lines[:n]), "\n".join(lines[n:])]
                break
        super().run(parent, blocks)


class FancyListsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        parser = md.parser
        parser.fancy_lists = {kind: FancyOListProcessor(parser, kind) for kind in KINDS}
        # In place of Python-Markdown's `1.` lists (40); before the bullets (30).
        parser.blockprocessors.register(parser.fancy_lists["decimal"], "olist", 40)
        for n, kind in enumerate(list(KINDS)[1:]):
            parser.blockprocessors.register(parser.fancy_lists[kind], f"olist_{kind}",
                                            39.9 - n / 10)
        parser.blockprocessors.register(BulletListProcessor(parser), "ulist", 30)
        md.treeprocessors.register(LooseLists(md), "pandoc_loose_lists", 1)
