"""Pandoc-style attribute lists, `{#id .class key="value"}`, shared by fenced divs and spans."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

TOKEN = re.compile(
    r"""\s*(?:
        \#(?P<id>[A-Za-z][\w:.-]*)
      | \.(?P<cls>-?[A-Za-z_][\w:.-]*)
      | (?P<key>[A-Za-z_][\w:.-]*)=(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'}]+))
    )""",
    re.VERBOSE,
)


@dataclass
class Attributes:
    id: str | None = None
    classes: list[str] = field(default_factory=list)
    values: dict[str, str] = field(default_factory=dict)


def parse_attributes(text: str) -> Attributes | None:
    """Parse the inside of `{...}`; None when any part of it is not an attribute."""
    attrs = Attributes()
    pos, text = 0, text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            return None
        if match["id"]:
            attrs.id = match["id"]
        elif match["cls"]:
            attrs.classes.append(match["cls"])
        else:
            value = next(v for v in (match["dq"], match["sq"], match["bare"]) if v is not None)
            attrs.values[match["key"]] = value
        pos = match.end()
    return attrs


def data_name(key: str) -> str:
    """The data-* attribute keeping a key HTML does not know: `se:lang` becomes `data-se-lang`,
    since a colon in an XHTML attribute name names a namespace, and `startFrom` becomes
    `data-startfrom`, since HTML allows no capitals in a data-* name."""
    return "data-" + key.replace(":", "-").lower()
