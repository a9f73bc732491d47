"""YAML as authors write it (book.yaml, chapter headers): loaders that refuse aliases, and
syntax errors told at the line where the faulty construct starts, with the usual fix.

Hands on the loaders to config/load.py and read/source.py, and `explain` for their YAMLErrors.
"""

from __future__ import annotations

import re

import yaml

GENERAL_FIX = ("put a value that holds ': ' or starts with a quote in quotes; indent with "
               "spaces, not tabs; close every quote and bracket you open")


class AliasRefused(yaml.MarkedYAMLError):
    """An alias (`*name`): a few of them nested make a small file expand beyond any memory."""


class _NoAliases:
    """Composer mix-in: stop at the first alias, before anything is built from it."""

    def compose_node(self, parent, index):  # noqa: ANN001 - PyYAML's signature
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise AliasRefused(problem=f"alias '*{event.anchor}'", problem_mark=event.start_mark)
        return super().compose_node(parent, index)


class BookLoader(_NoAliases, yaml.SafeLoader):
    """book.yaml: nodes with their lines, no aliases."""


class HeaderLoader(_NoAliases, yaml.BaseLoader):
    """Chapter headers: every value as the author typed it (text), no aliases."""


def explain(exc: yaml.YAMLError | RecursionError, text: str,
            first: int = 1) -> tuple[int | None, str, bool]:
    """Where (the file's line, `text` starting on line `first`) and what went wrong, in the
    author's words; the flag says whether it was an alias (a problem code of its own)."""
    line, message, alias = _explain(exc, text, first)
    if line is None:
        return None, message, alias
    # The end of the text is found past its last line: show the last line that holds anything.
    last = max((n for n, content in enumerate(text.split("\n")) if content.strip()), default=0)
    return min(line, last) + first, message, alias


def _explain(exc: yaml.YAMLError | RecursionError, text: str,
             first: int) -> tuple[int | None, str, bool]:
    lines = text.split("\n")
    if isinstance(exc, RecursionError):  # no mark: the line that opens the most brackets
        line = max(range(len(lines)), key=lambda n: sum(lines[n].count(c) for c in "[{"))
        return line, "lists or mappings nested hundreds deep", False
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
    if isinstance(exc, AliasRefused):
        return problem_mark.line, (
            f"the YAML {problem} repeats a value marked '&'; aliases are not accepted here "
            f"(a few nested ones can make a small file expand beyond any memory): write the "
            f"value out in full where it is needed"), True
    at = problem_mark.line if problem_mark else None
    quote = _unclosed_quote(lines, at if at is not None else len(lines) - 1)
    if quote is not None:
        number, mark = quote
        return number, (f"this quote opened on line {number + first} is never closed: end the "
                        f"value with {mark}, or leave the quotes out"), False
    if "'\\t'" in problem:
        return at, "a tab here: YAML is indented with spaces, not tabs", False
    context = str(getattr(exc, "context", "") or "")
    if context.startswith("while parsing a flow") and context_mark is not None:
        opener, closer = ("[", "]") if "sequence" in context else ("{", "}")
        return context_mark.line, (f"this '{opener}' opened on line {context_mark.line + first} is "
                                   f"never closed: close it with '{closer}'"), False
    if problem.startswith("could not find expected ':'") and context_mark is not None:
        return context_mark.line, ("this line is neither 'key: value' nor a list item '- ...': "
                                   "add the missing ':' or '- ', or a '#' in front of a "
                                   "comment"), False
    if at is None or at >= len(lines):
        return at, f"{problem} ({GENERAL_FIX})", False
    if problem.startswith("mapping values are not allowed"):
        # `title:Book` on this line or the one above is read as text running on to this colon.
        glued = next((n for n in (at - 1, at) if n >= 0 and _GLUED.match(lines[n])), None)
        if glued is not None:
            fixed = _GLUED.sub(r"\1 ", lines[glued]).strip()
            return glued, f"a key needs a space after its colon: {fixed}", False
    value = _VALUE.match(lines[at])
    if value and value["value"][:1] in _SPECIAL and not re.fullmatch(r"[|>][-+0-9]*\s*",
                                                                      value["value"]):
        return at, (f"a value that starts with '{value['value'][0]}' needs quotes around it: "
                    f"{value['lead'].strip()} \"{value['value'].rstrip()}\""), False
    if problem.startswith("mapping values are not allowed"):
        if ": " in lines[at][:problem_mark.column]:
            return at, _colon_fix(lines[at]), False
        return at, _INDENT, False
    if problem.startswith("expected <block end>") or (
            problem.startswith("expected '<document start>'") and lines[at][:1].isspace()):
        return at, _INDENT, False
    if problem_mark is None and context_mark is not None:
        at = context_mark.line
    return at, f"{problem} ({GENERAL_FIX})", False


_INDENT = ("this line is indented differently from the lines above it: the keys of one "
           "mapping, and the items of one list, start in the same column")
# `title:Book`: a key glued to its value.
_GLUED = re.compile(r"^(\s*(?:-\s+)?[A-Za-z][\w-]*:)(?=[^\s:/])")
# `key: value` or `- value`, and the characters YAML reads as syntax at a value's start.
_VALUE = re.compile(r"^(?P<lead>\s*(?:-\s+)?(?:[^\s#'\"][^#]*?:\s+)?)(?P<value>\S.*)$")
_SPECIAL = "*&!%@`[{|>"
# A value that opens with a quote, after `key:` or a list's `- `.
_QUOTED = re.compile(r"""^\s*(?:-\s+)*(?:[^\s#'"][^#]*?:\s+)?(?:-\s+)*(?P<q>["'])(?P<rest>.*)$""")


def _unclosed_quote(lines: list[str], last: int) -> tuple[int, str] | None:
    """The first line up to `last` whose value opens a quote that the line does not close."""
    for number in range(min(last, len(lines) - 1) + 1):
        match = _QUOTED.match(lines[number])
        if not match:
            continue
        mark, rest = match["q"], match["rest"]
        if mark == '"':
            closed = re.search(r'(?<!\\)(?:\\\\)*"', rest)
        else:
            closed = re.search(r"'(?!')", rest.replace("''", ""))
        if not closed:
            return number, mark
    return None


def _colon_fix(line: str) -> str:
    """A second ': ' on a `key: value` line: the value needs quotes."""
    match = re.match(r"^(\s*(?:-\s+)?[^:#]+:\s+)(.*?)\s*$", line)
    advice = "a value that holds ': ' needs quotes around it"
    if match and '"' not in match[2]:
        return f"{advice}: {match[1].strip()} \"{match[2]}\""
    return advice
