"""The generated parts of the reference: the problem-code table in docs/problem-codes.md, made
from the one catalogue in `errors.CATALOGUE`.

`python -m bookbuild.reference` rewrites them (`./dev docs`); `--check` only says which are
stale, and a test runs that check, so the pages cannot drift from the code.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path

from bookbuild.errors import CATALOGUE

DOCS = Path(__file__).resolve().parent.parent / "docs"
REGION = re.compile(r"(<!-- generated from [^\n]*-->\n)(.*?)(<!-- end of generated table -->)",
                    re.S)


def problem_codes_table() -> str:
    rows = ["| code | name | meaning |", "|---|---|---|"]
    rows += [f"| {code} | {entry.name} | {entry.meaning} |" for code, entry in CATALOGUE.items()]
    return "\n".join(rows) + "\n"


# page → what its generated region holds
GENERATED: dict[str, Callable[[], str]] = {
    "problem-codes.md": problem_codes_table,
}


def regenerate(page: str, text: str) -> str:
    """`text` (the page) with its generated region made anew."""
    made = GENERATED[page]()
    new, count = REGION.subn(lambda m: m[1] + made + m[3], text)
    if count != 1:
        raise ValueError(f"docs/{page} needs exactly one generated region")
    return new


def stale_pages(docs: Path = DOCS, write: bool = False) -> list[str]:
    """The pages whose generated region differs from what the code gives (rewritten if
    `write`)."""
    stale = []
    for page in GENERATED:
        path = docs / page
        text = path.read_text(encoding="utf-8")
        fresh = regenerate(page, text)
        if fresh != text:
            stale.append(page)
            if write:
                path.write_text(fresh, encoding="utf-8")
    return stale


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = stale_pages(write=not check)
    for page in stale:
        print(f"docs/{page}: {'stale' if check else 'rewritten'}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
