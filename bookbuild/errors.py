"""Problems found in a book, each tied to the file and line it comes from.

Every step raises or collects `Problem`s; only the CLI turns them into text or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# The catalogue of stable problem codes. The README lists the same table; a test keeps them equal.
CODES: dict[str, str] = {
    "BB001": "internal-error",
    "BB002": "folder-not-empty",
    "BB100": "book-yaml-missing",
    "BB101": "unknown-key",
    "BB102": "yaml-syntax",
    "BB103": "invalid-value",
    "BB104": "missing-key",
    "BB105": "path-outside-book",
    "BB106": "file-missing",
    "BB107": "cover-image",
    "BB201": "bad-encoding",
    "BB202": "chapter-header",
    "BB203": "footnote-undefined",
    "BB204": "footnote-unused",
    "BB205": "footnote-duplicate",
    "BB206": "div-unclosed",
    "BB207": "div-stray-close",
    "BB208": "image-missing",
    "BB209": "image-alt-missing",
    "BB210": "html-forbidden",
    "BB211": "html-malformed",
    "BB212": "span-attributes",
    "BB213": "no-title",
    "BB214": "control-character",
    "BB215": "invisible-character",
    "BB216": "footnote-in-title",
    "BB217": "duplicate-id",
    "BB218": "link-target",
    "BB219": "too-large",
    "BB220": "footnote-nested",
    "BB225": "font-unreadable",
    "BB301": "epubcheck",
    "BB302": "validator-missing",
    "BB303": "accessibility",
    "BB401": "glyph-missing",
    "BB402": "margin-too-small",
    "BB403": "page-box",
    "BB404": "font-not-embedded",
    "BB405": "rgb-colour",
    "BB406": "pdfx-missing",
    "BB407": "page-count",
    "BB408": "chapter-on-verso",
    "BB409": "footnote-page",
    "BB410": "running-head-on-opener",
    "BB411": "page-end-hyphen",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a book, at a place in a source file."""

    path: str
    line: int | None
    message: str
    code: str
    severity: str = "error"
    column: int | None = None

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unknown problem code {self.code}")

    def format(self) -> str:
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.severity}: {self.message} [{self.code} {CODES[self.code]}]"

    def as_dict(self) -> dict:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "severity": self.severity,
            "code": self.code,
            "name": CODES[self.code],
            "message": self.message,
        }


class BookError(Exception):
    """Raised when a build cannot go on; carries every problem found so far."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @classmethod
    def at(cls, path: str, line: int | None, message: str, code: str) -> BookError:
        return cls(Problem(path, line, message, code))


@dataclass
class Report:
    """Collects problems across a build so the author sees all of them at once."""

    root: Path
    problems: list[Problem] = field(default_factory=list)

    def rel(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def error(self, path: Path | str, line: int | None, message: str, code: str,
              column: int | None = None) -> None:
        self.problems.append(Problem(self.rel(path), line, message, code, "error", column))

    def warning(self, path: Path | str, line: int | None, message: str, code: str,
                column: int | None = None) -> None:
        self.problems.append(Problem(self.rel(path), line, message, code, "warning", column))

    def add(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def stop_if_errors(self) -> None:
        """End the build here when anything so far is an error, reporting everything found."""
        if self.errors:
            raise BookError(self.problems)
