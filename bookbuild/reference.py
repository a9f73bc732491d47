"""The generated parts of the reference: the problem-code table in docs/problem-codes.md, made
from the one catalogue in `errors.CATALOGUE`; the key tables in docs/book-yaml.md and the JSON
Schema for editors (bookbuild/schema/book.schema.json), made from book.yaml's declarations.

`python -m bookbuild.reference` rewrites them (`./dev docs`); `--check` only says which are
stale, and a test runs that check, so the pages cannot drift from the code.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bookbuild.commands.new import SCHEMA_FILE
from bookbuild.config import BOOK_HELP, BOOK_SCHEMA, PRINT_SCHEMA, Option
from bookbuild.config.options import mapping_schema
from bookbuild.errors import CATALOGUE

DOCS = Path(__file__).resolve().parent.parent / "docs"
# A region's marker names what it is made from in parentheses: `(CATALOGUE)`.
REGION = re.compile(r"(<!-- generated from [^\n(]*\((?P<name>\w+)\)[^\n]*-->\n)(.*?)"
                    r"(<!-- end of generated table -->)", re.S)


def problem_codes_table() -> str:
    rows = ["| code | name | meaning |", "|---|---|---|"]
    rows += [f"| {code} | {entry.name} | {entry.meaning} |" for code, entry in CATALOGUE.items()]
    return "\n".join(rows) + "\n"


def key_table(schema: dict[str, Option]) -> str:
    """A mapping's keys, one row each, as declared."""
    rows = ["| key | meaning | type | default | example |", "|---|---|---|---|---|"]
    for key, option in schema.items():
        kind = option.type_words() + (", **required**" if option.required else "")
        rows.append(f"| `{key}` | {option.help} | {kind} | {option.default_words()} | "
                    f"`{option.example_line}` |")
    return "\n".join(rows) + "\n"


def book_json_schema() -> dict[str, Any]:
    """book.yaml's JSON Schema: every key, its kind, limits, default and help."""
    defs: dict[str, Any] = {}
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "title": "bookbuild book.yaml", "description": BOOK_HELP,
              **mapping_schema(BOOK_SCHEMA, defs)}
    return {**schema, "$defs": defs}


def book_json_schema_text() -> str:
    return json.dumps(book_json_schema(), indent=2, ensure_ascii=False) + "\n"


# page → its generated regions: the name in the region's marker → what the region holds
GENERATED: dict[str, dict[str, Callable[[], str]]] = {
    "problem-codes.md": {"CATALOGUE": problem_codes_table},
    "book-yaml.md": {"BOOK_SCHEMA": lambda: key_table(BOOK_SCHEMA),
                     "PRINT_SCHEMA": lambda: key_table(PRINT_SCHEMA)},
}


def regenerate(page: str, text: str) -> str:
    """`text` (the page) with its generated regions made anew."""
    makers = GENERATED[page]
    found: list[str] = []

    def made(match: re.Match) -> str:
        found.append(match["name"])
        return match[1] + makers[match["name"]]() + match[4]

    new = REGION.sub(made, text)
    if sorted(found) != sorted(makers):
        raise ValueError(f"docs/{page} needs one generated region for each of "
                         f"{', '.join(makers)}; it has {', '.join(found) or 'none'}")
    return new


def stale_pages(docs: Path = DOCS, write: bool = False,
                pages: Iterable[str] = tuple(GENERATED)) -> list[str]:
    """The `pages` whose generated regions differ from what the code gives (rewritten if
    `write`)."""
    stale = []
    for page in pages:
        path = docs / page
        text = path.read_text(encoding="utf-8")
        fresh = regenerate(page, text)
        if fresh != text:
            stale.append(page)
            if write:
                path.write_text(fresh, encoding="utf-8")
    return stale


def schema_is_stale(path: Path = SCHEMA_FILE, write: bool = False) -> bool:
    """Whether the shipped JSON Schema differs from the declarations' (rewritten if `write`)."""
    fresh = book_json_schema_text()
    stale = not path.is_file() or path.read_text(encoding="utf-8") != fresh
    if stale and write:
        path.write_text(fresh, encoding="utf-8")
    return stale


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = [f"docs/{page}" for page in stale_pages(write=not check)]
    if schema_is_stale(write=not check):
        stale.append(SCHEMA_FILE.relative_to(DOCS.parent).as_posix())
    for name in stale:
        print(f"{name}: {'stale' if check else 'rewritten'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
