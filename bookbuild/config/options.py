"""The kinds of book.yaml value: each Option validates its YAML node (reporting the key and
line that failed), and describes itself for the JSON Schema and the docs.

Hands on the Option classes, the values they make (SpineEntry, Author, ...), `model` and
`build` (a dataclass made from a mapping's declarations, and filled) to schema.py and load.py.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bookbuild.errors import Problem, Report

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
_NUMBER = r"(\d+(\.\d+)?|\.\d+)"
_UNIT = "(" + "|".join(POINTS_PER_UNIT) + ")"


# ---- the values options make ----


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
class Quotation:
    """An epigraph given in book.yaml: the words, and who said them where."""

    text: str
    author: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class Derived:
    """A default that is not a value the author could write: `words` says what it is (for the
    docs), and `make`, if given, makes it from the model's other fields when the book loads."""

    words: str
    make: Callable[[dict[str, Any]], Any] | None = None


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


class Context:
    """What option validators need: where the book is and where to put problems."""

    def __init__(self, root: Path, source: Path, report: Report):
        self.root, self.source, self.report = root, source, report
        self.deferred: list[Problem] = []  # print: problems, for the builds that use print:

    def fail(self, node: yaml.Node, message: str, code: str = "BB103") -> None:
        self.report.error(self.source, node.start_mark.line + 1, message, code)


class Invalid(Exception):
    """A value failed validation; the problem is already in the report."""


# ---- options: each turns a YAML node into a value or reports why it cannot ----


class Option:
    """A key's kind of value. A plain Option hands on the raw node for its owner to read.

    `default` is what applies when the key is absent, as the author would write it (or a
    `Derived`); `help` is the key's one-line meaning and `example` a line of book.yaml that
    sets it, for the docs and the JSON Schema; `attr` names the model's field when the key's
    own name (`series-index` → `series_index`) will not do."""

    value_type = "Any"  # the model field's type
    words = "value"  # the kind of value, for the docs
    empty: Any = None  # the model's value when the key is absent and has no default

    def __init__(self, required: bool = False, default: Any = None, *, help: str = "",
                 example: str = "", attr: str | None = None):
        self.required, self.default = required, default
        self.help, self.example_line, self.attr = help, example, attr

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        raise NotImplementedError

    def example(self, ctx: Context) -> str:
        """What to write when the key is missing, shown after the message; often nothing."""
        return ""

    # ---- the model: the fields a key gives its mapping's dataclass ----

    def field_name(self, key: str) -> str:
        return self.attr or key.replace("-", "_")

    def model_default(self) -> Any:
        """The model's value when the key is absent."""
        if self.default is None or isinstance(self.default, Derived):
            return self.empty
        return self.default

    def fields(self, key: str) -> list[tuple[str, str, Any]]:
        """(name, type, default) of each model field the key fills; no default if required."""
        default = dataclasses.MISSING if self.required else self.model_default()
        kind = self.value_type if default is not None else f"{self.value_type} | None"
        return [(self.field_name(key), kind, default)]

    def model_values(self, key: str, value: Any) -> dict[str, Any]:
        """The model's fields from the validated value (`dataclasses.MISSING`: absent)."""
        name = self.field_name(key)
        return {name: self.model_default() if value is dataclasses.MISSING else value}

    # ---- describing itself: the JSON Schema for editors, the type words for the docs ----

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        """The JSON Schema of the value; shared parts go into `defs` (the schema's $defs)."""
        return {}

    def type_words(self) -> str:
        return self.words

    def default_words(self) -> str:
        """What applies when the key is absent, for the docs' table."""
        if self.required:
            return "—"
        if isinstance(self.default, Derived):
            return self.default.words
        if self.default is None:
            return "none"
        return f"`{yaml_value(self.default)}`"

    @staticmethod
    def _reject(ctx: Context, node: yaml.Node, message: str, code: str = "BB103") -> None:
        ctx.fail(node, message, code)
        raise Invalid


def yaml_value(value: Any) -> str:
    """A default as the author would write it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return f"{value:g}" if isinstance(value, float) else str(value)


def define(defs: dict[str, Any], name: str, fragment: dict[str, Any]) -> dict[str, Any]:
    """A reference to `$defs/name`, which holds `fragment`."""
    defs.setdefault(name, fragment)
    return {"$ref": f"#/$defs/{name}"}


class Text(Option):
    """A non-empty text, perhaps of a `pattern` (`hint` then says how to write it)."""

    value_type = "str"
    words = "text"
    DEFINITION = {"description": "A non-empty text.",
                  "anyOf": [{"type": "string", "pattern": "\\S"}, {"type": "number"}]}

    def __init__(self, required: bool = False, default: Any = None, pattern: str | None = None,
                 hint: str = "", words: str | None = None, **declared: Any):
        super().__init__(required, default, **declared)
        self.pattern, self.hint = pattern, hint
        if words:
            self.words = words

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        if not isinstance(node, yaml.ScalarNode) or node.value.strip() == "":
            self._reject(ctx, node, f"'{key}' must be a non-empty text")
        value = node.value.strip()
        if self.pattern and not re.fullmatch(self.pattern, value):
            self._reject(ctx, node, f"'{key}' is not valid: {value!r}{self.hint}")
        if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", value):
            # A "\x01" escape in double quotes: XML, so the EPUB, cannot hold it.
            self._reject(ctx, node, f"'{key}' holds a control character")
        return value

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        if self.pattern:
            return {"type": "string", "pattern": f"^(?:{self.pattern})$"}
        return define(defs, "text", self.DEFINITION)


class Date(Text):
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD`."""

    words = "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`"

    def __init__(self, **declared: Any):
        super().__init__(pattern=r"\d{4}(-\d{2}(-\d{2})?)?",
                         hint=" (use YYYY, YYYY-MM or YYYY-MM-DD)", **declared)

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        # YAML reads an unquoted `2026` as a number; the loader takes its text.
        return {"anyOf": [super().json_schema(defs),
                          {"type": "integer", "minimum": 1000, "maximum": 9999}]}


class Number(Option):
    value_type = "float"

    def __init__(self, minimum: float, maximum: float, default: Any = None, **declared: Any):
        super().__init__(False, default, **declared)
        self.minimum, self.maximum = minimum, maximum

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        try:
            value = float(node.value) if isinstance(node, yaml.ScalarNode) else None
        except ValueError:
            value = None
        if value is None or not self.minimum <= value <= self.maximum:
            self._reject(ctx, node, f"'{key}' must be a number from {self.minimum:g} "
                                    f"to {self.maximum:g}")
        return value

    def model_default(self) -> Any:
        value = super().model_default()
        return value if value is None else float(value)

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"type": "number", "minimum": self.minimum, "maximum": self.maximum}

    def type_words(self) -> str:
        return f"number, {self.minimum}–{self.maximum}"


class Choice(Option):
    value_type = "str"

    def __init__(self, choices: tuple[str, ...], default: str | None = None, **declared: Any):
        super().__init__(False, default, **declared)
        self.choices = choices

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        value = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else None
        if value not in self.choices:
            self._reject(ctx, node, f"'{key}' must be one of {', '.join(self.choices)}"
                                    f"{did_you_mean(value or '', self.choices)}")
        return value

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"enum": list(self.choices)}

    def type_words(self) -> str:
        *first, last = (f"`{c}`" for c in self.choices)
        return f"{', '.join(first)} or {last}"


class TextList(Option):
    value_type = "tuple[str, ...]"
    words = "text or list of texts"
    empty = ()

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return (Text().validate(key, node, ctx),)
        if isinstance(node, yaml.SequenceNode):
            return tuple(Text().validate(key, item, ctx) for item in node.value)
        self._reject(ctx, node, f"'{key}' must be a text or a list of texts")

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        text = Text().json_schema(defs)
        return {"anyOf": [text, {"type": "array", "items": text}]}


class PathList(TextList):
    """Files or folders inside the book, relative to it: given back resolved."""

    value_type = "tuple[Path, ...]"
    words = "a path or a list of paths (files or folders) in the book folder"

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        paths = []
        for value in super().validate(key, node, ctx):
            path = resolve_inside(ctx.root, value)
            if path is None:
                self._reject(ctx, node, f"'{value}' is outside the book folder", "BB105")
            paths.append(path)
        return tuple(paths)


class Authors(Option):
    value_type = "tuple[Author, ...]"
    words = "a name, a list of names, or a list of `{name, file-as}`"
    SCHEMA = {"name": Text(required=True, help="The author's name as printed."),
              "file-as": Text(help='The name for sorting, e.g. "Doe, Jane"; when left out, made '
                                   'from the name ("Bram Stoker" → "Stoker, Bram").')}

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        items = node.value if isinstance(node, yaml.SequenceNode) else [node]
        authors = []
        for item in items:
            if isinstance(item, yaml.MappingNode):
                values = validate_mapping(item, self.SCHEMA, ctx, "author")
                if not isinstance(values.get("name"), str):  # already reported
                    raise Invalid
                authors.append(Author(values["name"], values.get("file-as")))
            else:
                authors.append(Author(Text().validate(key, item, ctx)))
        return tuple(authors)

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        one = [Text().json_schema(defs), define(defs, "author", mapping_schema(self.SCHEMA, defs))]
        return {"anyOf": [*one, {"type": "array", "minItems": 1, "items": {"anyOf": one}}]}


class Length(Option):
    """A length such as `0.5in`, `12mm` or `9pt`, given back in points; `none` is zero."""

    value_type = "float"
    words = "length"
    DEFINITION = {
        "description": "A length with a unit (in, mm, cm, pt, pc), e.g. 0.125in; none or 0 is "
                       "zero.",
        "anyOf": [{"type": "string",
                   "pattern": f"^\\s*(none|NONE|None|0|{_NUMBER}\\s*{_UNIT})\\s*$"},
                  {"const": 0}]}

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        value = parse_length(node.value) if isinstance(node, yaml.ScalarNode) else None
        if value is None or value < 0:
            self._reject(ctx, node, f"'{key}' must be a length with a unit (in, mm, cm, pt), "
                                    f"e.g. 0.125in")
        return value

    def model_default(self) -> Any:
        return self.empty if self.default is None else parse_length(self.default)

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return define(defs, "length", self.DEFINITION)


class Trim(Option):
    """A preset or `W x H`; the model gets the name as written (`trim_name`) and the size in
    points (`trim`)."""

    value_type = "tuple[float, float]"
    words = (", ".join(f"`{name}`" for name in TRIM_PRESETS_IN)).join(
        ("preset ", ", or `W x H` (2–20 in a side)"))

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        text = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else ""
        size = self.size(text)
        if size is None:
            self._reject(ctx, node, f"'{key}' must be one of {', '.join(TRIM_PRESETS_IN)} or a "
                                    f"size such as \"152mm x 229mm\" (2 to 20 inches a side)")
        return text, size

    @staticmethod
    def size(text: str) -> tuple[float, float] | None:
        if text in TRIM_PRESETS_IN:
            w, h = TRIM_PRESETS_IN[text]
            return w * 72, h * 72
        parts = re.fullmatch(r"\s*(\S+)\s*x\s*(\S+)\s*", text)
        size = parts and (parse_length(parts[1]), parse_length(parts[2]))
        if not size or None in size or min(size) < 144 or max(size) > 1440:
            return None
        return size

    def fields(self, key: str) -> list[tuple[str, str, Any]]:
        name = self.field_name(key)
        return [(f"{name}_name", "str", self.default), (name, self.value_type,
                                                        self.size(self.default))]

    def model_values(self, key: str, value: Any) -> dict[str, Any]:
        text, size = (self.default, self.size(self.default)) if value is dataclasses.MISSING \
            else value
        return {f"{self.field_name(key)}_name": text, self.field_name(key): size}

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return {"anyOf": [{"enum": list(TRIM_PRESETS_IN)}, {
            "type": "string",
            "pattern": f"^\\s*{_NUMBER}\\s*{_UNIT}\\s*x\\s*{_NUMBER}\\s*{_UNIT}\\s*$"}]}


class Flag(Option):
    value_type = "bool"
    words = "`true` or `false`"
    YES, NO = ("true", "yes", "on"), ("false", "no", "off")

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        value = node.value.strip().lower() if isinstance(node, yaml.ScalarNode) else None
        if value in self.YES:
            return True
        if value in self.NO:
            return False
        self._reject(ctx, node, f"'{key}' must be true or false")

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        words = [w for pair in zip(self.YES, self.NO, strict=True) for w in pair]
        return {"anyOf": [{"type": "boolean"}, {"enum": words}]}


class Isbn(Text):
    """An ISBN-13 or ISBN-10, hyphens and spaces allowed, its check digit verified."""

    words = "an ISBN-13 or ISBN-10 (hyphens allowed), with a valid check digit"
    DEFINITION = {
        "description": "An ISBN-13 (or ISBN-10); hyphens and spaces are allowed, e.g. "
                       "978-0-00-000000-2.",
        "anyOf": [{"type": "string",
                   "pattern": "^[\\s-]*(\\d[\\s-]*){9}([\\dXx][\\s-]*|(\\d[\\s-]*){4})$"},
                  {"type": "integer"}]}

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        value = super().validate(key, node, ctx)
        problem = isbn_problem(value)
        if problem:
            self._reject(ctx, node, f"'{key}' ISBN {value!r} is not valid: {problem}")
        return value

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return define(defs, "isbn", self.DEFINITION)


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

    value_type = "Quotation"
    words = "text, or `{text, author, source}`"
    SCHEMA = {"text": Text(required=True, help="The quotation."),
              "author": Text(help="Who wrote or said it."),
              "source": Text(help="Where it comes from (set in italics).")}

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        if isinstance(node, yaml.MappingNode):
            values = validate_mapping(node, self.SCHEMA, ctx, key)
            if not isinstance(values.get("text"), str):
                raise Invalid
            return Quotation(values["text"], *(v if isinstance(v, str) else None
                                               for v in (values.get("author"),
                                                         values.get("source"))))
        return Quotation(Text().validate(key, node, ctx))

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        mapping = mapping_schema(self.SCHEMA, defs)
        return {"anyOf": [Text().json_schema(defs), mapping]}


class BookFile(Text):
    """A file inside the book folder, given relative to it, of one of the `suffixes`."""

    value_type = "Path"

    def __init__(self, suffixes: tuple[str, ...], what: str, **declared: Any):
        super().__init__(**declared)
        self.suffixes, self.what = suffixes, what
        self.words = f"{what} in the book folder"

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        value = super().validate(key, node, ctx)
        path = resolve_inside(ctx.root, value)
        if path is None:
            self._reject(ctx, node, f"'{value}' is outside the book folder", "BB105")
        if not path.is_file():
            self._reject(ctx, node, f"{key} image '{value}' does not exist", "BB208")
        if path.suffix.lower() not in self.suffixes:
            self._reject(ctx, node, f"{key} image '{value}' must be {self.what}", "BB208")
        return path

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        either_case = ("".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c)
                               for c in suffix[1:]) for suffix in self.suffixes)
        return {"type": "string", "pattern": f"\\.({'|'.join(either_case)})\\s*$"}


class Spine(Option):
    value_type = "tuple[SpineEntry | PartEntry, ...]"
    words = "list of files and parts"
    FILE_SCHEMA = {"file": Text(required=True,
                                help="A Markdown file, relative to the book folder."),
                   "type": Choice(SECTION_TYPES, "chapter",
                                  help="Where the section sits in the book."),
                   "role": Choice(ROLES, help="What the section is; sets its EPUB semantics and "
                                              "ARIA role.")}
    PART_SCHEMA = {"part": Text(required=True, help="The part's title, on its own page."),
                   "chapters": Option(required=True, help="The part's chapters: paths or "
                                                          "{file, type, role} entries.")}

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
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
            except Invalid:
                continue
        return tuple(entries)

    def example(self, ctx: Context) -> str:
        """A spine of the book's own Markdown files (or two made-up ones), one per line."""
        files = [p.relative_to(ctx.root).as_posix() for p in book_files(ctx.root, "*.md")
                 if p.name.lower() not in ("readme.md", "license.md")][:2]
        files += ["manuscript/01-first-chapter.md", "manuscript/02-second-chapter.md"][
            len(files):]
        lines = "".join(f"\n      - {f}" for f in files)
        return f": the chapter files in reading order, such as\n    spine:{lines}"

    def _part(self, node, ctx, seen):
        values = validate_mapping(node, self.PART_SCHEMA, ctx, "spine part")
        chapters_node = values.get("chapters")
        if chapters_node is None:  # reported as a missing key already
            raise Invalid
        if not isinstance(chapters_node, yaml.SequenceNode) or not chapters_node.value:
            self._reject(ctx, chapters_node, "a part's 'chapters' must be a list of files")
        chapters = []
        for item in chapters_node.value:
            try:
                chapters.append(self._file(item, ctx, seen))
            except Invalid:
                continue
        return PartEntry(values["part"], node.start_mark.line + 1, tuple(chapters))

    def _file(self, node, ctx, seen):
        if isinstance(node, yaml.MappingNode):
            values = validate_mapping(node, self.FILE_SCHEMA, ctx, "spine entry")
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
                                         f"{closest_file(ctx.root, values['file'])}", "BB106")
        if path in seen:
            self._reject(ctx, file_node, f"'{values['file']}' is already in the spine at line "
                                         f"{seen[path]}")
        seen[path] = file_node.start_mark.line + 1
        return SpineEntry(path, file_node.start_mark.line + 1, values.get("type", "chapter"),
                          values.get("role"))

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        file = define(defs, "file", {"description": self.FILE_SCHEMA["file"].help,
                                     **Text().json_schema(defs)})
        entry = mapping_schema(self.FILE_SCHEMA, defs)
        entry["properties"]["file"] = file
        spine_file = define(defs, "spine-file", entry)
        part = mapping_schema(self.PART_SCHEMA, defs)
        part["properties"]["chapters"].update(
            {"type": "array", "minItems": 1, "items": {"anyOf": [file, spine_file]}})
        spine_part = define(defs, "spine-part", part)
        return {"type": "array", "minItems": 1,
                "items": {"anyOf": [file, spine_file, spine_part]}}


class Section(Option):
    """A nested mapping whose keys are declared in its `model` (a dataclass from `model()`)."""

    words = "mapping"

    def __init__(self, model: type, default: Any = None, **declared: Any):
        super().__init__(False, default, **declared)
        self.model, self.schema = model, model.SCHEMA
        self.value_type = model.__name__

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        if not isinstance(node, yaml.MappingNode):
            self._reject(ctx, node, f"'{key}' must be a mapping of keys")
        return validate_mapping(node, self.schema, ctx, key, nodes=True)

    def model_default(self) -> Any:
        return build(self.model, {})

    def model_values(self, key: str, value: Any) -> dict[str, Any]:
        return {self.field_name(key): build(self.model, {} if value is dataclasses.MISSING
                                            else value)}

    def json_schema(self, defs: dict[str, Any]) -> dict[str, Any]:
        return mapping_schema(self.schema, defs)

    def type_words(self) -> str:
        if not all(type(option) is Length for option in self.schema.values()):
            return self.words
        *first, last = (f"`{k}`" for k in self.schema)
        return f"mapping of {', '.join(first)}, {last} lengths"


class PrintSection(Section):
    """`print:` is read by the PDF and the cover only: its problems are held back in
    `ctx.deferred`, so a mistake there does not stop an EPUB build."""

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        own = Context(ctx.root, ctx.source, Report(ctx.report.root))
        try:
            value = super().validate(key, node, own)
        except Invalid:
            value = {}
        ctx.deferred.extend(own.report.problems)
        return {} if own.report.errors else value


class IsbnPair(Section):
    """`isbn: {epub: ..., print: ...}`: each edition has its own ISBN."""

    def validate(self, key: str, node: yaml.Node, ctx: Context) -> Any:
        values = super().validate(key, node, ctx)
        epub, printed = (v if isinstance(v, str) else None
                         for v in (values.get("epub"), values.get("print")))
        if epub and printed and isbn_digits(epub) == isbn_digits(printed):
            self._reject(ctx, node, "the ebook and the print edition each need their own ISBN; "
                                    "'epub' and 'print' give the same number")
        return values

    def type_words(self) -> str:
        *first, last = (f"`{k}`" for k in self.schema)
        return (f"mapping of {', '.join(first)} and {last}, each "
                f"{Isbn.words.removeprefix('an ')}, and different")


# ---- mappings: validated key by key; their models made from their declarations ----


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def book_files(root: Path, pattern: str) -> list[Path]:
    """The files under `root` whose names match `pattern`, outside hidden folders and build/
    (a suggestion never points into the output or a .git folder)."""
    return [p for p in sorted(root.rglob(pattern)) if p.is_file() and not any(
        part.startswith(".") or part == "build" for part in p.relative_to(root).parts[:-1])]


def closest_file(root: Path, wanted: str) -> str:
    """` (did you mean 'manuscript/02-x.md'?)` for the Markdown file most like `wanted`,
    by its path or else by its name alone; empty when none is close."""
    files = [p.relative_to(root).as_posix() for p in book_files(root, "*.md")]
    close = difflib.get_close_matches(wanted, files, n=1, cutoff=0.6)
    if not close:
        by_name = {Path(f).name: f for f in reversed(files)}
        names = difflib.get_close_matches(Path(wanted).name, list(by_name), n=1, cutoff=0.6)
        close = [by_name[n] for n in names]
    return f" (did you mean '{close[0]}'?)" if close else ""


def validate_mapping(node: yaml.MappingNode, schema: dict[str, Option], ctx: Context,
                     what: str, nodes: bool = False) -> dict[str, Any]:
    """Validate every key of a mapping; unknown and duplicate keys are reported, not fatal.
    Absent keys are left out (their defaults are the model's); with `nodes`, `_lines` maps
    each key to its line."""
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
            ctx.fail(key_node, f"unknown key '{key}' in {what}{did_you_mean(key, schema)}",
                     "BB101")
            continue
        if nodes:
            values["_lines"][key] = key_node.start_mark.line + 1
        if type(option) is Option:  # a raw node the caller validates itself
            values[key] = value_node
            continue
        try:
            values[key] = option.validate(key, value_node, ctx)
        except Invalid:
            values[key] = Invalid
    for key, option in schema.items():
        if key not in seen and option.required:
            ctx.report.error(ctx.source, node.start_mark.line + 1,
                             f"{what} needs the key '{key}'{option.example(ctx)}", "BB104")
    return values


def mapping_schema(schema: dict[str, Option], defs: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a mapping with exactly these keys."""
    fragment: dict[str, Any] = {"type": "object", "additionalProperties": False}
    required = [key for key, option in schema.items() if option.required]
    if required:
        fragment["required"] = required
    fragment["properties"] = {key: key_schema(option, defs) for key, option in schema.items()}
    return fragment


def key_schema(option: Option, defs: dict[str, Any]) -> dict[str, Any]:
    """One key's JSON Schema: its value's, with its help and default."""
    value = option.json_schema(defs)
    described: dict[str, Any] = {"$ref": value.pop("$ref")} if "$ref" in value else {}
    if isinstance(option.default, Derived):  # editors show no Markdown
        described["description"] = f"{option.help} Default: {option.default.words}." \
            .replace("`", "")
    elif option.help:
        described["description"] = option.help
    if option.default is not None and not isinstance(option.default, Derived):
        described["default"] = option.default
    return {**described, **value}


def model(name: str, schema: dict[str, Option], module: str, doc: str,
          first: tuple[tuple[str, str], ...] = (),
          namespace: dict[str, Any] | None = None) -> type:
    """A frozen dataclass with a field for each key of `schema` (after the required `first`
    fields), and `lines`: each key given → its line in book.yaml."""
    fields: list[tuple[str, str, Any]] = list(first)
    for key, option in schema.items():
        for field_name, kind, default in option.fields(key):
            fields.append((field_name, kind, dataclasses.field(default=default)))
    fields.append(("lines", "dict[str, int]",
                   dataclasses.field(default_factory=dict, compare=False)))
    cls = dataclasses.make_dataclass(name, fields, namespace={"__doc__": doc, **(namespace or {})},
                                     frozen=True, kw_only=True)
    cls.__module__ = module  # where it is bound, so a model pickles to the PDF's workers
    cls.SCHEMA = schema
    return cls


def build(cls: type, values: dict[str, Any], **first: Any) -> Any:
    """An instance of a `model()` from its mapping's validated values; a `Derived` default is
    made once the other fields are known."""
    fields: dict[str, Any] = dict(first)
    derived = []
    for key, option in cls.SCHEMA.items():
        value = values.get(key, dataclasses.MISSING)
        if value is dataclasses.MISSING and isinstance(option.default, Derived) \
                and option.default.make:
            derived.append((option.field_name(key), option.default.make))
        else:
            fields.update(option.model_values(key, value))
    for field_name, make in derived:
        fields[field_name] = make(fields)
    return cls(**fields, lines=values.get("_lines", {}))


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
