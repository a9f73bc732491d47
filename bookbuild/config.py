"""book.yaml: its schema (the one place it is defined), validation and the `Config` it yields.

Each option validates its own YAML node and reports the key and line that failed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bookbuild.errors import BookError, Problem, Report
from bookbuild.yaml_text import BookLoader, explain

BOOK_FILE = "book.yaml"
MAX_BOOK_YAML_BYTES = 1024 * 1024  # a book.yaml is a few KB; its long texts belong in chapters
POINTS_PER_UNIT = {"in": 72.0, "mm": 72 / 25.4, "cm": 72 / 2.54, "pt": 1.0, "pc": 12.0}
TRIM_PRESETS_IN = {
    "5x8": (5.0, 8.0),
    "5.25x8": (5.25, 8.0),
    "5.5x8.5": (5.5, 8.5),
    "6x9": (6.0, 9.0),
    "a5": (148 / 25.4, 210 / 25.4),
    "b-format": (129 / 25.4, 198 / 25.4),
}
SECTION_TYPES = ("frontmatter", "chapter", "backmatter")
# Roles map to EPUB structural semantics (epub:type) and DPUB-ARIA roles.
ROLES = (
    "dedication", "epigraph", "foreword", "preface", "prologue", "introduction",
    "chapter", "epilogue", "afterword", "acknowledgments", "appendix", "glossary",
    "bibliography", "colophon", "conclusion",
    # Pages bookbuild writes from book.yaml; a spine file with one of these roles replaces ours.
    "half-title", "title-page", "copyright-page", "about-the-author", "also-by",
)
PDF_STANDARDS = ("pdf/x-1a", "pdf/x-4", "none")
COVER_SUFFIXES = (".jpg", ".jpeg", ".png")


@dataclass(frozen=True)
class Author:
    name: str
    file_as: str | None = None


@dataclass(frozen=True)
class SpineEntry:
    """One Markdown file in reading order, with the book.yaml line that names it."""

    path: Path
    line: int
    type: str = "chapter"
    role: str | None = None


@dataclass(frozen=True)
class PartEntry:
    title: str
    line: int
    chapters: tuple[SpineEntry, ...]


@dataclass(frozen=True)
class Margins:
    top: float | None = None
    bottom: float | None = None
    inside: float | None = None
    outside: float | None = None


@dataclass(frozen=True)
class PrintSettings:
    """Print options, all lengths in PostScript points."""

    trim_name: str = "6x9"
    trim: tuple[float, float] = (432.0, 648.0)
    bleed: float = 0.0
    margins: Margins = Margins()
    margin_lines: dict[str, int] = field(default_factory=dict, compare=False)
    font_size: float = 11.0
    leading: float = 1.35
    paper: str = "white"
    standard: str = "pdf/x-1a"


@dataclass(frozen=True)
class Isbns:
    """The ebook's and the print edition's ISBNs, as the author wrote them (hyphens kept)."""

    epub: str | None = None
    print: str | None = None

    @staticmethod
    def urn(isbn: str) -> str:
        return "urn:isbn:" + isbn_digits(isbn)


@dataclass(frozen=True)
class Quotation:
    """An epigraph given in book.yaml: the words, and who said them where."""

    text: str
    author: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Config:
    root: Path
    source: Path
    title: str
    language: str
    identifier: str
    authors: tuple[Author, ...]
    spine: tuple[SpineEntry | PartEntry, ...]
    subtitle: str | None = None
    publisher: str | None = None
    date: str | None = None
    description: str | None = None
    rights: str | None = None
    subjects: tuple[str, ...] = ()
    series: str | None = None
    series_index: float | None = None
    output: str | None = None
    print: PrintSettings = PrintSettings()
    isbn: Isbns = Isbns()
    edition: str | None = None
    fiction: bool = False
    dedication: str | None = None
    epigraph: Quotation | None = None
    afterword: str | None = None
    acknowledgements: str | None = None
    about_the_author: str | None = None
    also_by: tuple[str, ...] = ()
    cover: Path | None = None
    back_cover: str | None = None
    exclude: tuple[Path, ...] = ()  # files and folders under manuscript/ left out on purpose
    lines: dict[str, int] = field(default_factory=dict, compare=False)  # key → book.yaml line

    @property
    def slug(self) -> str:
        return self.output or slugify(self.title) or "book"

    def files(self) -> list[SpineEntry]:
        """Every spine file in reading order, parts flattened."""
        out: list[SpineEntry] = []
        for entry in self.spine:
            out.extend(entry.chapters if isinstance(entry, PartEntry) else [entry])
        return out


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class _Context:
    """What option validators need: where the book is and where to put problems."""

    def __init__(self, root: Path, source: Path, report: Report):
        self.root, self.source, self.report = root, source, report
        self.deferred: list[Problem] = []  # print: problems, for the builds that use print:

    def fail(self, node: yaml.Node, message: str, code: str = "BB103") -> None:
        self.report.error(self.source, node.start_mark.line + 1, message, code)


class _Invalid(Exception):
    """A value failed validation; the problem is already in the report."""


# ---- options: each turns a YAML node into a value or reports why it cannot ----


class Option:
    def __init__(self, required: bool = False, default: Any = None):
        self.required, self.default = required, default

    def validate(self, key: str, node: yaml.Node, ctx: _Context) -> Any:
        raise NotImplementedError

    def example(self, ctx: _Context) -> str:
        """What to write when the key is missing, shown after the message; often nothing."""
        return ""

    @staticmethod
    def _reject(ctx: _Context, node: yaml.Node, message: str, code: str = "BB103") -> None:
        ctx.fail(node, message, code)
        raise _Invalid


class Text(Option):
    def __init__(self, required: bool = False, default: Any = None, pattern: str | None = None,
                 hint: str = ""):
        super().__init__(required, default)
        self.pattern, self.hint = pattern, hint

    def validate(self, key, node, ctx):
        if not isinstance(node, yaml.ScalarNode) or node.value.strip() == "":
            self._reject(ctx, node, f"'{key}' must be a non-empty text")
        value = node.value.strip()
        if self.pattern and not re.fullmatch(self.pattern, value):
            self._reject(ctx, node, f"'{key}' is not valid: {value!r}{self.hint}")
        if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", value):
            # A "\x01" escape in double quotes: XML, so the EPUB, cannot hold it.
            self._reject(ctx, node, f"'{key}' holds a control character")
        return value


class Number(Option):
    def __init__(self, minimum: float, maximum: float, default: Any = None):
        super().__init__(False, default)
        self.minimum, self.maximum = minimum, maximum

    def validate(self, key, node, ctx):
        try:
            value = float(node.value) if isinstance(node, yaml.ScalarNode) else None
        except ValueError:
            value = None
        if value is None or not self.minimum <= value <= self.maximum:
            self._reject(ctx, node, f"'{key}' must be a number from {self.minimum:g} "
                                    f"to {self.maximum:g}")
        return value


class Choice(Option):
    def __init__(self, choices: tuple[str, ...], default: str | None = None):
        super().__init__(False, default)
        self.choices = choices

    def validate(self, key, node, ctx):
        value = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else None
        if value not in self.choices:
            self._reject(ctx, node, f"'{key}' must be one of {', '.join(self.choices)}"
                                    f"{_did_you_mean(value or '', self.choices)}")
        return value


class TextList(Option):
    def validate(self, key, node, ctx):
        if isinstance(node, yaml.ScalarNode):
            return (Text().validate(key, node, ctx),)
        if isinstance(node, yaml.SequenceNode):
            return tuple(Text().validate(key, item, ctx) for item in node.value)
        self._reject(ctx, node, f"'{key}' must be a text or a list of texts")


class PathList(TextList):
    """Files or folders inside the book, relative to it: given back resolved."""

    def validate(self, key, node, ctx):
        paths = []
        for value in super().validate(key, node, ctx):
            path = resolve_inside(ctx.root, value)
            if path is None:
                self._reject(ctx, node, f"'{value}' is outside the book folder", "BB105")
            paths.append(path)
        return tuple(paths)


class Authors(Option):
    SCHEMA = {"name": Text(required=True), "file-as": Text()}

    def validate(self, key, node, ctx):
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        authors = []
        for item in items:
            if isinstance(item, yaml.MappingNode):
                values = _validate_mapping(item, self.SCHEMA, ctx, "author")
                if not isinstance(values.get("name"), str):  # already reported
                    raise _Invalid
                authors.append(Author(values["name"], values.get("file-as")))
            else:
                authors.append(Author(Text().validate(key, item, ctx)))
        return tuple(authors)


class Length(Option):
    """A length such as `0.5in`, `12mm` or `9pt`, given back in points; `none` is zero."""

    def validate(self, key, node, ctx):
        value = parse_length(node.value) if isinstance(node, yaml.ScalarNode) else None
        if value is None or value < 0:
            self._reject(ctx, node, f"'{key}' must be a length with a unit (in, mm, cm, pt), "
                                    f"e.g. 0.125in")
        return value


class Trim(Option):
    def validate(self, key, node, ctx):
        text = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else ""
        if text in TRIM_PRESETS_IN:
            w, h = TRIM_PRESETS_IN[text]
            return text, (w * 72, h * 72)
        parts = re.fullmatch(r"\s*(\S+)\s*x\s*(\S+)\s*", text)
        size = parts and (parse_length(parts[1]), parse_length(parts[2]))
        if not size or None in size or min(size) < 144 or max(size) > 1440:
            self._reject(ctx, node, f"'{key}' must be one of {', '.join(TRIM_PRESETS_IN)} or a "
                                    f"size such as \"152mm x 229mm\" (2 to 20 inches a side)")
        return text, size


class Flag(Option):
    def validate(self, key, node, ctx):
        value = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else None
        if value in ("true", "yes", "on"):
            return True
        if value in ("false", "no", "off"):
            return False
        self._reject(ctx, node, f"'{key}' must be true or false")


class Isbn(Text):
    """An ISBN-13 or ISBN-10, hyphens and spaces allowed, its check digit verified."""

    def validate(self, key, node, ctx):
        value = super().validate(key, node, ctx)
        problem = isbn_problem(value)
        if problem:
            self._reject(ctx, node, f"'{key}' ISBN {value!r} is not valid: {problem}")
        return value


def isbn_digits(isbn: str) -> str:
    return re.sub(r"[\s-]", "", isbn).upper()


def isbn_problem(isbn: str) -> str | None:
    """Why `isbn` is not a valid ISBN-13 or ISBN-10, or None when it is."""
    digits = isbn_digits(isbn)
    if re.fullmatch(r"\d{13}", digits):
        if not digits.startswith(("978", "979")):
            return "an ISBN-13 starts with 978 or 979"
        total = sum(int(d) * (3 if n % 2 else 1) for n, d in enumerate(digits[:12]))
        expected = str((10 - total % 10) % 10)
    elif re.fullmatch(r"\d{9}[\dX]", digits):
        total = sum(int(d) * (10 - n) for n, d in enumerate(digits[:9]))
        check = (11 - total % 11) % 11
        expected = "X" if check == 10 else str(check)
    else:
        return "an ISBN has 13 digits (or 10, the last of which may be X)"
    if digits[-1] != expected:
        return f"the check digit is {digits[-1]}, but the other digits make it {expected}"
    return None


class Epigraph(Option):
    """The words alone, or a mapping of `text`, `author` and `source`."""

    SCHEMA = {"text": Text(required=True), "author": Text(), "source": Text()}

    def validate(self, key, node, ctx):
        if isinstance(node, yaml.MappingNode):
            values = _validate_mapping(node, self.SCHEMA, ctx, key)
            if not isinstance(values.get("text"), str):
                raise _Invalid
            return Quotation(values["text"], *(v if isinstance(v, str) else None
                                               for v in (values.get("author"),
                                                         values.get("source"))))
        return Quotation(Text().validate(key, node, ctx))


class BookFile(Text):
    """A file inside the book folder, given relative to it, of one of the `suffixes`."""

    def __init__(self, suffixes: tuple[str, ...], what: str):
        super().__init__()
        self.suffixes, self.what = suffixes, what

    def validate(self, key, node, ctx):
        value = super().validate(key, node, ctx)
        path = resolve_inside(ctx.root, value)
        if path is None:
            self._reject(ctx, node, f"'{value}' is outside the book folder", "BB105")
        if not path.is_file():
            self._reject(ctx, node, f"{key} image '{value}' does not exist", "BB208")
        if path.suffix.lower() not in self.suffixes:
            self._reject(ctx, node, f"{key} image '{value}' must be {self.what}", "BB208")
        return path


class Spine(Option):
    FILE_SCHEMA = {"file": Text(required=True), "type": Choice(SECTION_TYPES, "chapter"),
                   "role": Choice(ROLES)}
    PART_SCHEMA = {"part": Text(required=True), "chapters": Option(required=True)}

    def validate(self, key, node, ctx):
        if not isinstance(node, yaml.SequenceNode) or not node.value:
            self._reject(ctx, node, "'spine' must be a list" + self.example(ctx))
        entries, seen = [], {}
        for item in node.value:
            try:
                if isinstance(item, yaml.MappingNode) and any(
                        k.value == "part" for k, _ in item.value):
                    entries.append(self._part(item, ctx, seen))
                else:
                    entries.append(self._file(item, ctx, seen))
            except _Invalid:
                continue
        return tuple(entries)

    def example(self, ctx):
        """A spine of the book's own Markdown files (or two made-up ones), one per line."""
        files = [p.relative_to(ctx.root).as_posix() for p in book_files(ctx.root, "*.md")
                 if p.name.lower() not in ("readme.md", "license.md")][:2]
        files += ["manuscript/01-first-chapter.md", "manuscript/02-second-chapter.md"][
            len(files):]
        lines = "".join(f"\n      - {f}" for f in files)
        return f": the chapter files in reading order, such as\n    spine:{lines}"

    def _part(self, node, ctx, seen):
        values = _validate_mapping(node, self.PART_SCHEMA, ctx, "spine part")
        chapters_node = values.get("chapters")
        if chapters_node is None:  # reported as a missing key already
            raise _Invalid
        if not isinstance(chapters_node, yaml.SequenceNode) or not chapters_node.value:
            self._reject(ctx, chapters_node, "a part's 'chapters' must be a list of files")
        chapters = []
        for item in chapters_node.value:
            try:
                chapters.append(self._file(item, ctx, seen))
            except _Invalid:
                continue
        return PartEntry(values["part"], node.start_mark.line + 1, tuple(chapters))

    def _file(self, node, ctx, seen):
        if isinstance(node, yaml.MappingNode):
            values = _validate_mapping(node, self.FILE_SCHEMA, ctx, "spine entry")
            file_node = next(v for k, v in node.value if k.value == "file")
        elif isinstance(node, yaml.ScalarNode):
            values = {"file": Text().validate("spine", node, ctx), "type": "chapter"}
            file_node = node
        else:
            self._reject(ctx, node, "a spine entry must be a file path or a mapping with 'file'")
        path = resolve_inside(ctx.root, values["file"])
        if path is None:
            self._reject(ctx, file_node, f"'{values['file']}' is outside the book folder; "
                                         f"spine files must be inside it", "BB105")
        if not path.is_file():
            self._reject(ctx, file_node, f"chapter file '{values['file']}' does not exist"
                                         f"{_closest_file(ctx.root, values['file'])}", "BB106")
        if path in seen:
            self._reject(ctx, file_node, f"'{values['file']}' is already in the spine at line "
                                         f"{seen[path]}")
        seen[path] = file_node.start_mark.line + 1
        return SpineEntry(path, file_node.start_mark.line + 1, values.get("type", "chapter"),
                          values.get("role"))


class Section(Option):
    """A nested mapping with its own schema."""

    def __init__(self, schema: dict[str, Option]):
        super().__init__(False, None)
        self.schema = schema

    def validate(self, key, node, ctx):
        if not isinstance(node, yaml.MappingNode):
            self._reject(ctx, node, f"'{key}' must be a mapping of keys")
        return _validate_mapping(node, self.schema, ctx, key, nodes=True)


class PrintSection(Section):
    """`print:` is read by the PDF and the cover only: its problems are held back in
    `ctx.deferred`, so a mistake there does not stop an EPUB build."""

    def validate(self, key, node, ctx):
        own = _Context(ctx.root, ctx.source, Report(ctx.report.root))
        try:
            value = super().validate(key, node, own)
        except _Invalid:
            value = {}
        ctx.deferred.extend(own.report.problems)
        return {} if own.report.errors else value


class IsbnPair(Section):
    """`isbn: {epub: ..., print: ...}`: each edition has its own ISBN."""

    def __init__(self):
        super().__init__({"epub": Isbn(), "print": Isbn()})

    def validate(self, key, node, ctx):
        values = super().validate(key, node, ctx)
        epub, printed = (v if isinstance(v, str) else None
                         for v in (values.get("epub"), values.get("print")))
        if epub and printed and isbn_digits(epub) == isbn_digits(printed):
            self._reject(ctx, node, "the ebook and the print edition each need their own ISBN; "
                                    "'epub' and 'print' give the same number")
        return Isbns(epub, printed)


MARGIN_KEYS = ("top", "bottom", "inside", "outside")
PRINT_SCHEMA: dict[str, Option] = {
    "trim": Trim(),
    "bleed": Length(),
    "margins": Section({k: Length() for k in MARGIN_KEYS}),
    "font-size": Number(7, 16),
    "leading": Number(1.0, 2.0),
    "paper": Choice(("white", "cream")),
    "standard": Choice(PDF_STANDARDS),
}

BOOK_SCHEMA: dict[str, Option] = {
    "title": Text(required=True),
    "subtitle": Text(),
    "author": Authors(required=True),
    "language": Text(default="en", pattern=r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*",
                     hint=" (use a BCP 47 tag such as en, en-GB, ru)"),
    "identifier": Text(),
    "publisher": Text(),
    "date": Text(pattern=r"\d{4}(-\d{2}(-\d{2})?)?", hint=" (use YYYY, YYYY-MM or YYYY-MM-DD)"),
    "description": Text(),
    "rights": Text(),
    "subjects": TextList(),
    "series": Text(),
    "series-index": Number(0, 10000),
    "output": Text(pattern=r"[A-Za-z0-9][A-Za-z0-9._-]*",
                   hint=" (letters, digits, '.', '_' and '-' only)"),
    "spine": Spine(required=True),
    "print": PrintSection(PRINT_SCHEMA),
    "isbn": IsbnPair(),
    "edition": Text(),
    "fiction": Flag(),
    "dedication": Text(),
    "epigraph": Epigraph(),
    "afterword": Text(),
    "acknowledgements": Text(),
    "about-the-author": Text(),
    "also-by": TextList(),
    "cover": BookFile(COVER_SUFFIXES, "a JPEG or PNG file"),
    "back-cover": Text(),
    "exclude": PathList(),
}


def _did_you_mean(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def book_files(root: Path, pattern: str) -> list[Path]:
    """The files under `root` whose names match `pattern`, outside hidden folders and build/
    (a suggestion never points into the output or a .git folder)."""
    return [p for p in sorted(root.rglob(pattern)) if p.is_file() and not any(
        part.startswith(".") or part == "build" for part in p.relative_to(root).parts[:-1])]


def _closest_file(root: Path, wanted: str) -> str:
    """` (did you mean 'manuscript/02-x.md'?)` for the Markdown file most like `wanted`,
    by its path or else by its name alone; empty when none is close."""
    files = [p.relative_to(root).as_posix() for p in book_files(root, "*.md")]
    close = difflib.get_close_matches(wanted, files, n=1, cutoff=0.6)
    if not close:
        by_name = {Path(f).name: f for f in reversed(files)}
        names = difflib.get_close_matches(Path(wanted).name, list(by_name), n=1, cutoff=0.6)
        close = [by_name[n] for n in names]
    return f" (did you mean '{close[0]}'?)" if close else ""


def _validate_mapping(node: yaml.MappingNode, schema: dict[str, Option], ctx: _Context,
                      what: str, nodes: bool = False) -> dict[str, Any]:
    """Validate every key of a mapping; unknown and duplicate keys are reported, not fatal."""
    values: dict[str, Any] = {}
    if nodes:
        values["_lines"] = {}
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in seen:
            ctx.fail(key_node, f"'{key}' is given twice in {what}")
            continue
        seen.add(key)
        option = schema.get(key)
        if option is None:
            ctx.fail(key_node, f"unknown key '{key}' in {what}{_did_you_mean(key, schema)}",
                     "BB101")
            continue
        if nodes:
            values["_lines"][key] = key_node.start_mark.line + 1
        if type(option) is Option:  # a raw node the caller validates itself
            values[key] = value_node
            continue
        try:
            values[key] = option.validate(key, value_node, ctx)
        except _Invalid:
            values[key] = _Invalid
    for key, option in schema.items():
        if key not in seen:
            if option.required:
                ctx.report.error(ctx.source, node.start_mark.line + 1,
                                 f"{what} needs the key '{key}'{option.example(ctx)}", "BB104")
            elif option.default is not None:
                values[key] = option.default
    return values


def parse_length(text: str) -> float | None:
    """`0.125in` → 9.0 points; `none` or `0` → 0; anything else → None."""
    text = str(text).strip().lower()
    if text in ("none", "0"):
        return 0.0
    match = re.fullmatch(r"(\d+(?:\.\d+)?|\.\d+)\s*(in|mm|cm|pt|pc)", text)
    return float(match[1]) * POINTS_PER_UNIT[match[2]] if match else None


def resolve_inside(root: Path, relative: str) -> Path | None:
    """The real path of `relative` under `root`, or None when it leaves the folder."""
    if Path(relative).is_absolute():
        return None
    real_root = root.resolve()
    path = (root / relative).resolve()
    return path if path == real_root or real_root in path.parents else None


def find_book(start: Path) -> Path:
    """The folder holding book.yaml: `start` or the nearest folder above it (as git finds a
    repository), so bookbuild runs from inside `manuscript/`; `start` itself when none has."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / BOOK_FILE).is_file():
            return folder
    return start


def load(book_dir: Path, need_print: bool = True) -> Config:
    """Read and validate `book_dir/book.yaml`; raises BookError with every problem found.

    Without `need_print` (an EPUB-only build), a mistake in `print:` is left for the build
    that uses it, and the print settings are the defaults."""
    root = book_dir.resolve()
    source = root / BOOK_FILE
    report = Report(root)
    if not source.is_file():
        raise BookError(Problem(BOOK_FILE, None, f"no {BOOK_FILE} in {book_dir}; a book folder "
                                                 f"needs one (see the README)", "BB100"))
    size = source.stat().st_size
    if size > MAX_BOOK_YAML_BYTES:  # PyYAML reads about 1.5 MB a second
        raise BookError(Problem(BOOK_FILE, None, f"the file is {size / 2 ** 20:.1f} MB; "
                                                 f"bookbuild reads a {BOOK_FILE} of up to "
                                                 f"{MAX_BOOK_YAML_BYTES / 2 ** 20:.1f} MB: "
                                                 f"put long texts in chapters", "BB219"))
    text = read_text(source, report)
    try:
        node = yaml.compose(text, Loader=BookLoader)
    except (yaml.YAMLError, RecursionError) as exc:
        line, message, alias = explain(exc, text)
        raise BookError(Problem(BOOK_FILE, line,
                                message if alias else f"YAML syntax: {message}",
                                "BB108" if alias else "BB102")) from None
    if not isinstance(node, yaml.MappingNode):
        line = node.start_mark.line + 1 if node else 1
        raise BookError(Problem(BOOK_FILE, line, "book.yaml must be a mapping of keys such as "
                                                 "'title:' and 'spine:'", "BB103"))
    ctx = _Context(root, source, report)
    values = _validate_mapping(node, BOOK_SCHEMA, ctx, "book.yaml", nodes=True)
    if need_print and ctx.deferred:
        report.add(ctx.deferred)
        report.problems.sort(key=lambda p: p.line or 0)
    report.stop_if_errors()
    return _build_config(root, source, values)


def read_text(path: Path, report: Report) -> str:
    """Decode a source file as UTF-8 (BOM and CRLF accepted); a bad byte is a BookError."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report.error(path, line, f"not UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}; "
                                 f"save the file as UTF-8", "BB201")
        raise BookError(report.problems) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _build_config(root: Path, source: Path, v: dict[str, Any]) -> Config:
    authors = v["author"]
    isbn = v.get("isbn") or Isbns()
    identifier = v.get("identifier") or (Isbns.urn(isbn.epub) if isbn.epub else None) or \
        "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "bookbuild:" + v["title"] + ":"
                                     + ";".join(a.name for a in authors)))
    return Config(
        root=root, source=source, title=v["title"], language=v["language"],
        identifier=identifier, authors=authors, spine=v["spine"], subtitle=v.get("subtitle"),
        publisher=v.get("publisher"), date=v.get("date"), description=v.get("description"),
        rights=v.get("rights"), subjects=v.get("subjects", ()), series=v.get("series"),
        series_index=v.get("series-index"), output=v.get("output"),
        print=_print_settings(v.get("print") or {}),
        isbn=isbn, edition=v.get("edition"), fiction=v.get("fiction", False),
        dedication=v.get("dedication"), epigraph=v.get("epigraph"), afterword=v.get("afterword"),
        acknowledgements=v.get("acknowledgements"), about_the_author=v.get("about-the-author"),
        also_by=v.get("also-by", ()), cover=v.get("cover"), back_cover=v.get("back-cover"),
        exclude=v.get("exclude", ()), lines=v.get("_lines", {}),
    )


def _print_settings(v: dict[str, Any]) -> PrintSettings:
    margins = v.get("margins") or {}
    trim_name, trim = v.get("trim", ("6x9", (432.0, 648.0)))
    defaults = PrintSettings()
    return PrintSettings(
        trim_name=trim_name, trim=trim, bleed=v.get("bleed", 0.0),
        margins=Margins(**{k: margins.get(k) for k in MARGIN_KEYS}),
        margin_lines=margins.get("_lines", {}),
        font_size=v.get("font-size", defaults.font_size),
        leading=v.get("leading", defaults.leading),
        paper=v.get("paper", defaults.paper), standard=v.get("standard", defaults.standard),
    )
