"""pandoc's simple, multiline and grid tables, read as pandoc 2.17 reads them: columns from the
dashed lines, alignment from the header's place over them (or from colons in a grid table),
relative widths for multiline and grid tables, and a `Table: ...` / `: ...` caption before or
after; hands on `<table>` with pandoc's `<colgroup>` widths, `text-align` styles and cells whose
Markdown the inline patterns (and, in a grid table, the block parser) read."""

from __future__ import annotations

import re
import unicodedata
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.extensions.tables import TableProcessor

# A line of dashes in groups (the columns), at most three spaces in: pandoc's dashed line.
DASHES = re.compile(r"^( {0,3})-+(?:[ \t]+-+)*[ \t]*$")
DASH_GROUP = re.compile(r"-+[ \t]*")
# A grid table's rule, `+---+:--:+`, with `=` under the header.
GRID_RULE = {ch: re.compile(rf"^\+(?::?{ch}+:?\+)+[ \t]*$") for ch in "-="}
GRID_PART = re.compile(r"(:?)([-=]+)(:?)\+")
# Blocks pandoc reads before trying a table: a bullet item, an ATX heading.
NOT_A_HEADER = re.compile(r"^ {0,3}(?:[-*+](?:[ \t]|$)|#{1,6}(?:[ \t]|$))")
SETEXT = re.compile(r"^-+[ \t]*$")  # a Setext heading's underline
CAPTION = re.compile(r"^ {0,3}(?:Table:|:(?=[^\n]))(.*)", re.DOTALL)
COLUMNS = 72  # pandoc's --columns, against which source widths are measured
LEFT, RIGHT, CENTER = "left", "right", "center"


@dataclass
class Cell:
    text: str
    blocks: bool = False  # a grid cell: read as Markdown blocks, not only inlines


@dataclass
class Table:
    aligns: list[str | None]
    widths: list[float] = field(default_factory=list)  # empty: the browser's widths
    head: list[Cell] | None = None
    rows: list[list[Cell]] = field(default_factory=list)


def read_table(lines: list[str], captioned: bool = False) -> tuple[Table, int] | None:
    """The table the lines open and how many lines it takes, or None; in pandoc's order of
    trying (a multiline table's top rule looks like a headerless simple table's). pandoc
    tries lists and headings first, unless a caption came first: then the table."""
    if not captioned and (NOT_A_HEADER.match(lines[0]) or len(lines) > 1
                          and SETEXT.match(lines[1])):
        return None
    for reader in (_multiline_with_header, _simple_headerless, _simple_with_header,
                   _multiline_headerless, _grid_with_header, _grid_headerless):
        found = reader(lines)
        if found is not None:
            return found
    return None


def _width(ch: str) -> int:
    """Columns a character takes, as pandoc counts them: none for a combining mark or a format
    control (zero-width space, joiners: `Auf\u200clage` is 7 wide), two for a wide one."""
    if unicodedata.combining(ch) or unicodedata.category(ch) == "Cf":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def _split(line: str, bounds: list[int]) -> list[str]:
    """The line cut at the columns `bounds` (wide characters count two), the first piece
    (before the first column) dropped, as pandoc cuts table lines."""
    pieces, pos = [], 0
    for start, end in zip([0, *bounds], bounds, strict=False):
        begin, room = pos, end - start
        while room > 0 and pos < len(line):
            room -= _width(line[pos])
            pos += 1
        pieces.append(line[begin:pos])
    pieces.append(line[pos:])
    return pieces[1:]


def _dashes(line: str) -> tuple[list[int], list[int]] | None:
    """A dashed line's dash counts and its column starts (the last: where the line ends)."""
    match = DASHES.match(line)
    if match is None:
        return None
    groups = DASH_GROUP.findall(line, len(match[1]))
    indices = [len(match[1])]
    for group in groups:
        indices.append(indices[-1] + len(group))
    return [len(g.rstrip(" \t")) for g in groups], indices


def _blank(line: str) -> bool:
    return not line.strip(" \t")


def _align(texts: list[str], dashes: int) -> str | None:
    """pandoc's rule: the shortest header line against its dashes: flush right (text
    indented, reaching the end), flush left (not indented, ending short), centred (both) or
    default (neither)."""
    filled = [t.rstrip() for t in texts if t.rstrip()]
    if not filled:
        return None
    shortest = min(filled, key=len)
    indented, short = shortest[0] in " \t", len(shortest) < dashes
    return {(True, False): RIGHT, (False, True): LEFT, (True, True): CENTER}.get(
        (indented, short))


def _line_aligns(line: str, indices: list[int], lengths: list[int]) -> list[str | None]:
    """The columns' alignments from one line over (or, headerless, under) the dashes."""
    pieces = _split(line, indices[:-1])
    return [_align([piece], n) for piece, n in zip(pieces, lengths, strict=True)]


def _widths(indices: list[int]) -> list[float]:
    """Relative column widths from the column starts, against pandoc's 72 columns."""
    lengths = [b - a for a, b in zip([0, *indices], indices, strict=False)]
    if len(lengths) > 1 and lengths[-1] < lengths[-2] <= lengths[-1] + 2:
        lengths[-1] = lengths[-2]  # the last column has no space after it
    total = sum(lengths)
    quotient = total if total > max(COLUMNS, indices[-1]) else max(COLUMNS, indices[-1])
    return [length / quotient for length in lengths][1:]


def _rows(lines: list[str], start: int) -> int:
    """The end of the non-blank lines from start that are not dashed lines."""
    end = start
    while end < len(lines) and not _blank(lines[end]) and not DASHES.match(lines[end]):
        end += 1
    return end


def _inline_cells(line: str, indices: list[int]) -> list[Cell]:
    return [Cell(piece.strip()) for piece in _split(line, indices[:-1])]


def _inline_cell(pieces: tuple[str, ...] | list[str]) -> Cell:
    """A multiline cell's lines as one paragraph; as pandoc reads it, a line left empty ends
    the cell (the lines under it are not read)."""
    lines = [piece.strip() for piece in pieces]
    while lines and not lines[0]:
        lines.pop(0)
    return Cell("\n".join(lines[:lines.index("")] if "" in lines else lines))


def _simple_headerless(lines: list[str]) -> tuple[Table, int] | None:
    rule = _dashes(lines[0])
    if rule is None or len(lines) < 2:
        return None
    lengths, indices = rule
    end = _rows(lines, 1)
    if end == 1 or end == len(lines) or not DASHES.match(lines[end]):
        return None
    aligns = _line_aligns(lines[1], indices, lengths)
    rows = [_inline_cells(line, indices) for line in lines[1:end]]
    return Table(aligns, rows=rows), end + 1


def _simple_with_header(lines: list[str]) -> tuple[Table, int] | None:
    if len(lines) < 3 or _blank(lines[0]):
        return None
    rule = _dashes(lines[1])
    if rule is None:
        return None
    lengths, indices = rule
    end = _rows(lines, 2)
    if end == 2:
        return None
    pieces = _split(lines[0], indices[:-1])
    aligns = _line_aligns(lines[0], indices, lengths)
    rows = [_inline_cells(line, indices) for line in lines[2:end]]
    footer = end < len(lines) and DASHES.match(lines[end]) is not None
    return Table(aligns, head=[Cell(p.strip()) for p in pieces], rows=rows), end + footer


def _multiline_body(lines: list[str], start: int, indices: list[int]
                    ) -> tuple[list[list[Cell]], int] | None:
    """Rows of lines, blank lines between them, to a closing dashed line."""
    rows, at = [], start
    while True:
        end = _rows(lines, at)
        if end == at:
            return None
        columns = zip(*(_split(line, indices[:-1]) for line in lines[at:end]), strict=True)
        rows.append([_inline_cell(column) for column in columns])
        while end < len(lines) and _blank(lines[end]):
            end += 1
        if end == len(lines):
            return None
        if DASHES.match(lines[end]):
            return rows, end + 1
        at = end


def _multiline_rule(line: str) -> tuple[list[int], list[int]] | None:
    rule = _dashes(line)
    if rule is None:
        return None
    lengths, indices = rule
    return lengths, [*indices[:-1], indices[-1] + 1]  # pandoc's allowance for the last column


def _multiline_with_header(lines: list[str]) -> tuple[Table, int] | None:
    if len(lines) < 4 or not DASHES.match(lines[0]) or _blank(lines[1]):
        return None
    end = 1
    while end < len(lines) and not DASHES.match(lines[end]):
        end += 1
    rule = _multiline_rule(lines[end]) if 1 < end < len(lines) else None
    if rule is None:
        return None  # a header of one line at least, then the columns' dashed line
    lengths, indices = rule
    body = _multiline_body(lines, end + 1, indices)
    if body is None:
        return None
    columns = list(zip(*(_split(line, indices[:-1]) for line in lines[1:end]), strict=True))
    aligns = [_align(list(column), n) for column, n in zip(columns, lengths, strict=True)]
    head = [_inline_cell(column) for column in columns]
    return Table(aligns, _widths(indices), head, body[0]), body[1]


def _multiline_headerless(lines: list[str]) -> tuple[Table, int] | None:
    rule = _multiline_rule(lines[0])
    if rule is None or len(lines) < 3:
        return None
    lengths, indices = rule
    body = _multiline_body(lines, 1, indices)
    if body is None:
        return None
    aligns = _line_aligns(lines[1], indices, lengths)
    return Table(aligns, _widths(indices), rows=body[0]), body[1]


def _grid_rule(line: str, ch: str) -> tuple[list[str | None], list[int]] | None:
    if not GRID_RULE[ch].match(line):
        return None
    aligns, indices = [], [0]
    for left, dashes, right in GRID_PART.findall(line):
        aligns.append({(True, True): CENTER, (True, False): LEFT, (False, True): RIGHT}.get(
            (bool(left), bool(right))))
        indices.append(indices[-1] + len(left) + len(dashes) + len(right) + 1)
    return aligns, indices


def _grid_pieces(line: str, indices: list[int]) -> list[str]:
    """A grid line's cells: cut after its first `|`, each piece without its closing bar."""
    return [piece.rstrip("|").rstrip(" \t")
            for piece in _split(line[1:].rstrip(), indices[:-1])]


def _grid_line(line: str) -> bool:
    return line.startswith("|") and len(line) > 1


def _grid_body(lines: list[str], start: int, indices: list[int]
               ) -> tuple[list[list[Cell]], int] | None:
    """Rows of `|` lines, each closed by a `+---+` rule (the last rule may be missing)."""
    rows, at = [], start
    while at < len(lines) and _grid_line(lines[at]):
        end = at
        while end < len(lines) and _grid_line(lines[end]):
            end += 1
        columns = zip(*(_grid_pieces(line, indices) for line in lines[at:end]), strict=True)
        rows.append([Cell("\n".join(_one_space_less(list(column))), blocks=True)
                     for column in columns])
        at = end
        if at < len(lines) and _grid_rule(lines[at], "-") is not None:
            at += 1
        else:
            break
    return (rows, at) if rows else None


def _one_space_less(lines: list[str]) -> list[str]:
    if all(line[:1] in ("", " ") for line in lines):
        return [line[1:] for line in lines]
    return lines


def _grid_with_header(lines: list[str]) -> tuple[Table, int] | None:
    top = _grid_rule(lines[0], "-")
    if top is None:
        return None
    end = 1
    while end < len(lines) and _grid_line(lines[end]):
        end += 1
    under = _grid_rule(lines[end], "=") if 1 < end < len(lines) else None
    if under is None or len(under[0]) != len(top[0]):
        return None
    aligns, indices = under
    body = _grid_body(lines, end + 1, indices)
    if body is None:
        return None
    columns = zip(*(_grid_pieces(line, indices) for line in lines[1:end]), strict=True)
    head = [Cell("\n".join(p.strip() for p in column).strip(), blocks=True)
            for column in columns]
    return Table(aligns, _widths(indices), head, body[0]), body[1]


def _grid_headerless(lines: list[str]) -> tuple[Table, int] | None:
    top = _grid_rule(lines[0], "-")
    if top is None:
        return None
    aligns, indices = top
    body = _grid_body(lines, 1, indices)
    if body is None:
        return None
    return Table(aligns, _widths(indices), rows=body[0]), body[1]


def caption_text(block: str) -> str | None:
    """The caption a paragraph `Table: words` or `: words` gives a table next to it."""
    match = CAPTION.match(block)
    if match is None or not match[1].strip():
        return None
    if not block.lstrip(" ").startswith("Table:") and \
            unicodedata.category(block.lstrip(" ")[1]).startswith("P"):
        return None  # `:` and punctuation is not a caption to pandoc
    return match[1].strip()


def _joined(blocks: list[str], start: int) -> tuple[list[str], int]:
    """The blocks from start as lines, blank lines between them, up to the third dashed line
    (no table needs more; a grid table has no blank line), and how many blocks they are."""
    lines: list[str] = []
    rules = 0
    for n in range(start, len(blocks)):
        if n > start:
            lines.append("")
        for line in blocks[n].split("\n"):
            lines.append(line)
            rules += DASHES.match(line) is not None
        if rules >= 3 or blocks[start][:1] == "+":
            return lines, n + 1 - start
    return lines, len(blocks) - start


class PandocTableProcessor(BlockProcessor):
    """Claims a block that opens a table (or a caption and then a table); the table may run
    over several blocks (a multiline table's rows have blank lines between them)."""

    def test(self, parent: Element, block: str) -> bool:
        first, _, rest = block.partition("\n")
        if caption_text(block) is not None:
            return True
        if not rest:
            return False  # every table has two lines at least before any blank line
        if first.startswith("+") or DASHES.match(first):
            return True
        return DASHES.match(rest.partition("\n")[0]) is not None

    def run(self, parent: Element, blocks: list[str]) -> bool | None:
        caption, at = caption_text(blocks[0]), 0
        if caption is not None:
            if self._caption_after(parent, blocks) is None:
                return None  # pandoc gives a caption to the table before it first
            at = 1
            while at < len(blocks) and not blocks[at].strip():
                at += 1
            if at == len(blocks) or caption_text(blocks[at]) is not None:
                return self._no_caption(parent, blocks)
            if not self.test(parent, blocks[at]):
                return self._caption_before_pipe_table(parent, blocks, at)
        lines, joined = _joined(blocks, at)
        found = read_table(lines, captioned=caption is not None)
        if found is None:
            return self._caption_before_pipe_table(parent, blocks, at) if caption \
                else False
        table, used = found
        rest = "\n".join(lines[used:]).lstrip("\n")
        blocks[:] = [*(rest.split("\n\n") if rest.strip() else []), *blocks[at + joined:]]
        if caption is None:
            after = 0
            while after < len(blocks) and not blocks[after].strip():
                after += 1
            if after < len(blocks) and caption_text(blocks[after]) is not None:
                caption = caption_text(blocks[after])
                del blocks[:after + 1]
        self._build(parent, table, caption)
        return None

    def _caption_after(self, parent: Element, blocks: list[str]) -> bool | None:
        """A caption after a table read by another processor (a pipe table): its own, where
        Python-Markdown would read `: words` as a definition without a term."""
        table = parent[-1] if len(parent) else None
        if table is None or table.tag != "table" or table.find("caption") is not None:
            return False
        table.insert(0, _caption(caption_text(blocks.pop(0)) or ""))
        return None

    def _caption_before_pipe_table(self, parent: Element, blocks: list[str], at: int
                                   ) -> bool | None:
        """A caption before a pipe table, which Python-Markdown's table processor reads."""
        pipe = self.parser.blockprocessors["table"] \
            if "table" in self.parser.blockprocessors else None
        if pipe is None or not pipe.test(parent, blocks[at]):
            return self._no_caption(parent, blocks)
        caption = caption_text(blocks[0]) or ""
        del blocks[:at]
        count = len(parent)
        pipe.run(parent, blocks)
        if len(parent) > count and parent[-1].tag == "table":
            parent[-1].insert(0, _caption(caption))
        return None

    def _no_caption(self, parent: Element, blocks: list[str]) -> bool | None:
        """`: words` with no table to caption and no term above: a paragraph to pandoc, where
        Python-Markdown would make a definition list without a term."""
        last = parent[-1] if len(parent) else None
        if last is None or last.tag in ("p", "dl") or not blocks[0].lstrip(" ").startswith(":"):
            return False
        etree.SubElement(parent, "p").text = blocks.pop(0).lstrip(" ")
        return None

    def _build(self, parent: Element, table: Table, caption: str | None) -> None:
        el = etree.SubElement(parent, "table")
        if caption is not None:
            el.append(_caption(caption))
        add_widths(el, table.widths)
        if table.head is not None:
            row = etree.SubElement(etree.SubElement(el, "thead"), "tr")
            for cell, align in zip(table.head, table.aligns, strict=True):
                self._cell(row, "th", cell, align, head=True)
        body = etree.SubElement(el, "tbody")
        for cells in table.rows:
            row = etree.SubElement(body, "tr")
            for cell, align in zip(cells, table.aligns, strict=True):
                self._cell(row, "td", cell, align, head=False)

    def _cell(self, row: Element, tag: str, cell: Cell, align: str | None, head: bool) -> None:
        el = etree.SubElement(row, tag)
        if align is not None:
            el.set("style", f"text-align: {align};")
        if not cell.blocks:
            el.text = cell.text or None
            return
        text = cell.text
        if "```" in text or "~~~" in text:  # fenced code is read before the blocks are
            fences = self.parser.md.preprocessors["fenced_code_block"] \
                if "fenced_code_block" in self.parser.md.preprocessors else None
            text = "\n".join(fences.run(text.split("\n"))) if fences else text
        self.parser.parseChunk(el, text)
        paragraphs = [child for child in el if child.tag == "p"]
        if len(el) and el[-1].tag == "p" and (head or len(paragraphs) == 1):
            _plain(el, el[-1])  # pandoc's "compact" cell: a lone last paragraph is bare text


def add_widths(el: Element, widths: list[float]) -> None:
    """pandoc's `<colgroup>` of relative widths (and the table's own width when they do not
    fill the line), after any caption."""
    if sum(widths) >= 1:
        widths = [w / sum(widths) for w in widths]
    if 0 < sum(widths) < 1:
        el.set("style", f"width:{round(sum(widths) * 100)}%;")
    if any(w > 0 for w in widths):
        group = etree.Element("colgroup")
        el.insert(1 if len(el) and el[0].tag == "caption" else 0, group)
        for w in widths:
            col = etree.SubElement(group, "col")
            if w > 0:
                col.set("style", f"width: {int(100 * w)}%")


class PipeTableProcessor(TableProcessor):
    """Python-Markdown's pipe tables, with pandoc's relative widths when a line of the table is
    longer than 72 columns: each column's share of the separator line's dashes and colons."""

    def run(self, parent: Element, blocks: list[str]) -> None:
        lines, separator = blocks[0].split("\n"), self.separator
        super().run(parent, blocks)
        if max(map(len, lines)) <= COLUMNS:
            return
        lengths = [len(cell.strip()) for cell in separator]
        if sum(lengths):
            add_widths(parent[-1], [n / sum(lengths) for n in lengths])


def _caption(text: str) -> Element:
    caption = etree.Element("caption")
    caption.text = text
    return caption


def _plain(parent: Element, p: Element) -> None:
    """The paragraph's content in its place, without the `<p>`."""
    at = list(parent).index(p)
    text = p.text or ""
    if at == 0:
        parent.text = (parent.text or "") + text
    else:  # after a block, on a line of its own as in pandoc's HTML
        parent[at - 1].tail = (parent[at - 1].tail or "") + "\n" + text
    parent.remove(p)
    for n, child in enumerate(list(p)):
        parent.insert(at + n, child)


class PandocTablesExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before indented code (80: pandoc reads a table's header line indented four spaces as
        # the table's; its dashed lines are never indented so far), line blocks (76), pipe
        # tables (75), Setext headings (60) and rules (50), which would read a dashed line as
        # an underline or a scene break.
        md.parser.blockprocessors.register(PandocTableProcessor(md.parser), "pandoc_tables", 81)
        # Python-Markdown's own `table` (TableExtension, listed before this one), replaced.
        md.parser.blockprocessors.register(PipeTableProcessor(md.parser, {
            "use_align_attribute": False}), "table", 75)
