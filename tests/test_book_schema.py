"""book.yaml's JSON Schema (for editors) says what the loader in bookbuild/config/ says.

The loader is the authority; these tests read its option tables and check the shipped schema
key by key, then give both the same books and expect the same verdicts.
"""

from __future__ import annotations

import json
import textwrap

import pytest
from authorkit import REPO, book_schema, load_yaml, schema_errors
from bookkit import make_book, tiny_png
from jsonschema import Draft202012Validator

from bookbuild import config, reference
from bookbuild.errors import BookError


def resolve(fragment: dict) -> dict:
    """Follow a `$ref` into the schema's `$defs`."""
    while "$ref" in fragment:
        name = fragment["$ref"].removeprefix("#/$defs/")
        fragment = book_schema()["$defs"][name]
    return fragment


def alternatives(fragment: dict) -> list[dict]:
    fragment = resolve(fragment)
    return [resolve(f) for f in fragment.get("anyOf", [fragment])]


def check_mapping(schema: dict[str, config.Option], fragment: dict, where: str) -> None:
    """An object with exactly the loader's keys, its required ones, no others allowed."""
    fragment = resolve(fragment)
    assert fragment.get("type") == "object", where
    assert fragment.get("additionalProperties") is False, f"{where}: unknown keys are errors"
    assert set(fragment["properties"]) == set(schema), where
    required = sorted(key for key, option in schema.items() if option.required)
    assert sorted(fragment.get("required", [])) == required, where
    for key, option in schema.items():
        check_option(option, fragment["properties"][key], f"{where}.{key}")


def check_option(option: config.Option, fragment: dict, where: str) -> None:
    """The schema fragment for one loader option has the same type, choices and limits."""
    kinds = alternatives(fragment)
    if isinstance(option, config.Choice):
        assert [k["enum"] for k in kinds if "enum" in k] == [list(option.choices)], where
    elif isinstance(option, config.Number):
        (number,) = kinds
        assert (number["type"], number["minimum"], number["maximum"]) == (
            "number", option.minimum, option.maximum), where
    elif isinstance(option, config.Isbn):
        assert resolve(fragment) == book_schema()["$defs"]["isbn"], where
    elif isinstance(option, config.BookFile):
        (path,) = kinds
        assert path["type"] == "string", where
        for suffix in option.suffixes:
            validator = Draft202012Validator(path)
            assert validator.is_valid(f"images/x{suffix}"), (where, suffix)
            assert validator.is_valid(f"images/x{suffix.upper()}"), (where, suffix)
        assert not Draft202012Validator(path).is_valid("images/x.gif"), where
    elif isinstance(option, config.Text) and option.pattern:
        strings = [k for k in kinds if k.get("type") == "string"]
        assert [s["pattern"] for s in strings] == [f"^(?:{option.pattern})$"], where
    elif isinstance(option, config.Text):
        assert resolve(fragment) == book_schema()["$defs"]["text"], where
    elif isinstance(option, config.TextList):
        assert {"$ref": "#/$defs/text"} in fragment["anyOf"], where
        assert {"type": "array", "items": {"$ref": "#/$defs/text"}} in fragment["anyOf"], where
    elif isinstance(option, config.Authors):
        (mapping,) = [k for k in kinds if k.get("type") == "object"]
        check_mapping(option.SCHEMA, mapping, where)
        (listed,) = [k for k in kinds if k.get("type") == "array"]
        assert listed["minItems"] == 1, where
    elif isinstance(option, config.Epigraph):
        (mapping,) = [k for k in kinds if k.get("type") == "object"]
        check_mapping(option.SCHEMA, mapping, where)
    elif isinstance(option, config.Flag):
        assert {"type": "boolean"} in kinds, where
    elif isinstance(option, config.Length):
        assert resolve(fragment) == book_schema()["$defs"]["length"], where
    elif isinstance(option, config.Trim):
        assert [k["enum"] for k in kinds if "enum" in k] == [list(config.TRIM_PRESETS_IN)], where
    elif isinstance(option, config.Spine):
        assert resolve(fragment)["minItems"] == 1, where
        check_mapping(option.FILE_SCHEMA, book_schema()["$defs"]["spine-file"], f"{where} file")
        check_mapping(option.PART_SCHEMA, book_schema()["$defs"]["spine-part"], f"{where} part")
    elif isinstance(option, config.Section):  # IsbnPair included
        check_mapping(option.schema, fragment, where)
    elif type(option) is config.Option:  # a raw node its owner validates (a part's chapters)
        chapters = resolve(fragment)
        assert chapters["type"] == "array" and chapters["minItems"] == 1, where
    else:
        pytest.fail(f"{where}: the schema test does not know {type(option).__name__}; give it a "
                    f"json_schema() in bookbuild/config/options.py and a case in check_option")


def test_the_shipped_schema_is_a_valid_json_schema():
    Draft202012Validator.check_schema(book_schema())


def test_schema_has_the_loaders_keys_required_keys_choices_and_limits():
    check_mapping(config.BOOK_SCHEMA, book_schema(), "book.yaml")


def test_spine_roles_and_types_are_the_loaders():
    file_entry = book_schema()["$defs"]["spine-file"]["properties"]
    assert file_entry["role"]["enum"] == list(config.ROLES)
    assert file_entry["type"]["enum"] == list(config.SECTION_TYPES)


def test_the_sample_book_yaml_is_valid():
    data = load_yaml((REPO / "book.yaml").read_text(encoding="utf-8"))
    assert schema_errors(data) == []


# ---- the same books, the same verdicts ----

BASE = """
    title: Verdicts
    author: Ann Author
    spine: [one.md]
"""
# (extra book.yaml, valid?) Cases the schema cannot express (an ISBN's check digit, whether a
# file exists, a trim's size range) are the loader's alone and are left out.
CASES = [
    ("language: en-GB", True), ("language: english!", False),
    ('date: "2026-11"', True), ('date: "11/2026"', False), ("date: 2026", True),
    ("series-index: 3", True), ("series-index: -1", False), ("series-index: 20000", False),
    ("output: my-book", True), ("output: -bad", False),
    ("subjects: [Fiction, History]", True), ("subjects: {a: b}", False),
    ("title: ''", False), ("titel: Typo", False),
    ("author: [{name: A, file-as: 'A, B'}, C]", True), ("author: [{file-as: 'A, B'}]", False),
    ("author: {name: A, born: 1900}", False),
    ("spine: []", False), ("spine: [{part: P}]", False),
    ("spine: [{part: P, chapters: []}]", False),
    ("spine: [{file: one.md, type: frontmatter, role: preface}]", True),
    ("spine: [{file: one.md, role: villain}]", False),
    ("spine: [{part: P, chapters: [one.md]}]", True),
    ("print: {trim: 6x9}", True), ("print: {trim: 152mm x 229mm}", True),
    ("print: {trim: huge}", False), ("print: {bleed: 0.125in}", True),
    ("print: {bleed: none}", True), ("print: {bleed: 3 furlongs}", False),
    ("print: {font-size: 10.5, leading: 1.4}", True), ("print: {font-size: 30}", False),
    ("print: {leading: 3}", False), ("print: {paper: cream}", True),
    ("print: {paper: glossy}", False), ("print: {standard: pdf/x-4}", True),
    ("print: {standard: pdf/a}", False), ("print: {margins: {inside: 0.75in}}", True),
    ("print: {margins: {gutter: 0.75in}}", False), ("print: {colour: red}", False),
    ("isbn: {epub: 978-0-00-000000-2, print: 9780000000019}", True),
    ("isbn: {epub: '12345'}", False), ("isbn: {hardback: 978-0-00-000000-2}", False),
    ("fiction: true", True), ("fiction: maybe", False),
    ("epigraph: Words alone.", True), ("epigraph: {text: Words, author: Someone}", True),
    ("epigraph: {author: Someone}", False),
    ("also-by: [First Book, Second Book]", True), ("dedication: For Tom.", True),
    ("cover: cover.png", True), ("cover: cover.gif", False),
]


def loader_accepts(book_dir) -> bool:
    try:
        config.load(book_dir)
    except BookError:
        return False
    return True


@pytest.mark.parametrize("extra, valid", CASES, ids=[c[0] for c in CASES])
def test_schema_and_loader_give_the_same_verdict(tmp_path, extra, valid):
    text = textwrap.dedent(BASE).lstrip()
    key = extra.split(":")[0]
    if key in ("title", "author", "spine"):  # replace the base's line instead of adding one
        text = "\n".join(line for line in text.splitlines() if not line.startswith(key + ":"))
    text += "\n" + extra + "\n"
    book = make_book(tmp_path / "book", text, {"one.md": "# One\n\nText.\n",
                                               "cover.png": tiny_png(1400, 2100),
                                               "cover.gif": b"GIF89a"})
    errors = schema_errors(load_yaml(text))
    assert loader_accepts(book) is valid, f"loader on {extra!r}"
    assert (errors == []) is valid, f"schema on {extra!r}: {errors}"


# ---- made from the declarations: the shipped schema and docs/book-yaml.md's key tables ----


def test_the_shipped_schema_is_made_from_the_declarations():
    assert not reference.schema_is_stale(), "run ./dev docs"


def test_a_changed_declaration_makes_the_schema_and_the_page_stale(tmp_path, monkeypatch):
    page = (REPO / "docs" / "book-yaml.md").read_text(encoding="utf-8")
    (tmp_path / "book-yaml.md").write_text(page, encoding="utf-8")
    shipped = tmp_path / "book.schema.json"
    shipped.write_text(reference.book_json_schema_text(), encoding="utf-8")
    monkeypatch.setattr(config.PRINT_SCHEMA["paper"], "help", "The stock you will order.")

    assert reference.stale_pages(tmp_path, pages=["book-yaml.md"]) == ["book-yaml.md"]
    assert reference.schema_is_stale(shipped)
    reference.stale_pages(tmp_path, write=True, pages=["book-yaml.md"])
    reference.schema_is_stale(shipped, write=True)

    made = (tmp_path / "book-yaml.md").read_text(encoding="utf-8")
    assert "| `paper` | The stock you will order. | `white` or `cream` | `white` |" in made
    assert made.replace("The stock you will order.", "The paper you will order (changes the "
                        "cover's spine width, not the interior).") == page
    paper = json.loads(shipped.read_text(encoding="utf-8"))["properties"]["print"][
        "properties"]["paper"]
    assert paper["description"] == "The stock you will order."


def test_every_key_has_a_line_of_help_and_an_example_the_schema_accepts():
    shipped = book_schema()
    for schema, properties in ((config.BOOK_SCHEMA, shipped["properties"]),
                               (config.PRINT_SCHEMA, shipped["properties"]["print"]["properties"])):
        for key, option in schema.items():
            assert option.help and "\n" not in option.help, key
            example = load_yaml(option.example_line)
            assert list(example) == [key], key
            fragment = {"$defs": shipped["$defs"], **properties[key]}
            assert Draft202012Validator(fragment).is_valid(example[key]), key
