"""Problems found in a book, each tied to the file and line it comes from.

Every step raises or collects `Problem`s; only the CLI turns them into text or JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Code:
    """A problem code's stable name, and what it means, as the reference lists it."""

    name: str
    meaning: str


# The catalogue of stable problem codes, the one place they are declared: a problem names its
# code, and docs/problem-codes.md is generated from this table (`bookbuild.reference`).
CATALOGUE: dict[str, Code] = {
    "BB001": Code(
        "internal-error",
        "bookbuild itself failed (a bug); please report it with the book that caused it",
    ),
    "BB002": Code(
        "folder-not-empty",
        "`bookbuild new` or `import` was given a folder that already holds files; nothing was "
        "written",
    ),
    "BB100": Code("book-yaml-missing", "the folder has no `book.yaml`"),
    "BB101": Code(
        "unknown-key", "a key that book.yaml, a print section or a chapter header does not know"
    ),
    "BB102": Code("yaml-syntax", "`book.yaml` is not valid YAML"),
    "BB103": Code(
        "invalid-value",
        "a value of the wrong type, out of range, given twice or not one of the choices",
    ),
    "BB104": Code(
        "missing-key",
        "a required key is missing (`title`, `author`, `spine`, a part's `chapters`, an "
        "entry's `file`)",
    ),
    "BB105": Code(
        "path-outside-book",
        "a spine file, image or theme file (`styles/`) lies outside the book folder, by its "
        "path or a symbolic link",
    ),
    "BB106": Code("file-missing", "a spine file does not exist or cannot be read"),
    "BB107": Code(
        "cover-image",
        "the cover image is smaller than stores accept, not RGB, over 5 MB, or too coarse for "
        "print (warning)",
    ),
    "BB108": Code(
        "yaml-alias",
        "`book.yaml` or a chapter header uses a YAML alias (`*name`); write the value out instead",
    ),
    "BB109": Code(
        "chapter-not-in-spine",
        "a Markdown file under `manuscript/` is not in the spine (warning); list it in "
        "`spine:` or `exclude:`",
    ),
    "BB116": Code(
        "output-folder",
        "the output folder inside the book is a symbolic link or resolves outside it, or holds "
        "something in bookbuild's place that bookbuild did not write",
    ),
    "BB201": Code("bad-encoding", "a source file is not UTF-8"),
    "BB202": Code(
        "chapter-header",
        "a chapter's YAML header is unclosed, not valid YAML or has a non-text value",
    ),
    "BB203": Code("footnote-undefined", "a footnote is called but never defined"),
    "BB204": Code("footnote-unused", "a footnote is defined but never called"),
    "BB205": Code("footnote-duplicate", "a footnote label is defined twice"),
    "BB206": Code("div-unclosed", "a `:::` div is never closed"),
    "BB207": Code("div-stray-close", "a closing `:::` with no open div"),
    "BB208": Code(
        "image-missing",
        "an image file does not exist, is not PNG, JPEG, GIF, SVG or WebP, or cannot be read",
    ),
    "BB209": Code("image-alt-missing", "an image has no alt text"),
    "BB210": Code(
        "html-forbidden", "raw HTML uses an element, attribute or URL the HTML policy refuses"
    ),
    "BB211": Code(
        "html-malformed",
        "raw HTML is not well-formed XHTML, or breaks HTML's rules for what may go inside what "
        "(a `<div>` inside a paragraph, a link inside a link)",
    ),
    "BB212": Code(
        "span-attributes",
        "a `{…}` attribute list cannot be read, or its `lang` is not a language tag",
    ),
    "BB213": Code("no-title", "a section that needs a title has none"),
    "BB214": Code("control-character", "a control character XHTML forbids was removed (warning)"),
    "BB215": Code(
        "invisible-character",
        "an invisible character (zero-width space, stray format control) in the text (warning; "
        "see [Text](markdown.md#text))",
    ),
    "BB216": Code(
        "footnote-in-title", "a footnote is called from a chapter title, where it cannot be shown"
    ),
    "BB217": Code(
        "duplicate-id",
        "two elements of a chapter have the same `id`, or an `id` bookbuild gives a title or note",
    ),
    "BB218": Code(
        "link-target",
        "a link to `#id` that no element of the chapter has, or to a file that is not a "
        "chapter of the book",
    ),
    "BB219": Code(
        "too-large",
        "a chapter, image, font or book.yaml over the size bookbuild reads (see "
        "[Limits](markdown.md#limits)), or nested too deeply",
    ),
    "BB220": Code(
        "footnote-nested",
        "a footnote is defined inside a quote, a list or another footnote instead of at the "
        "left margin",
    ),
    "BB240": Code(
        "literal-markup",
        "Markdown markup survived into the text of the book (`^[`, `{#...}`, `~~`, `:::`...): "
        "a construct bookbuild did not read, printed as typed (warning)",
    ),
    "BB241": Code(
        "header-key-ignored",
        "a chapter's YAML header has a key bookbuild does not use (`author`, `tags`...), its "
        "pandoc title block an author or a date, or a YAML block stands inside the text; "
        "accepted and ignored (warning)",
    ),
    "BB242": Code(
        "pandoc-unsupported",
        "pandoc Markdown bookbuild does not render (citations `[@key]`, TeX math `$...$`, raw "
        "TeX): it is printed as typed (warning)",
    ),
    "BB225": Code(
        "font-unreadable",
        "a font in the book's `styles/fonts/` is damaged or cut short, or unpacks to other "
        "than its tables declare",
    ),
    "BB233": Code(
        "stylesheet-load",
        "a stylesheet in `styles/` has an `@import`, or a `url()` that is not a file beside "
        "it (a host, a scheme, a rooted path)",
    ),
    "BB245": Code(
        "quote-wrong-way",
        "a curly quotation mark typed the wrong way round: a closing mark opening a word "
        "(”Hello, ‘tis) or an opening one ending it (warning)",
    ),
    "BB246": Code(
        "transcript-no-speaker",
        "a paragraph of a `transcript` has no speaker recognised (`Name:` in capitals, mixed "
        "case or bold) and is not a stage direction (warning)",
    ),
    "BB247": Code(
        "claim-unsupported",
        "the accessibility claim book.yaml makes is not supported: no `certified-by`, or an "
        "image without alt text",
    ),
    "BB248": Code(
        "phrase-without-lang",
        "a phrase in another script than the book's language, or an italic phrase that looks "
        "like Latin, French, German, Italian or Spanish, has no `lang`, which an "
        "accessibility claim requires (warning)",
    ),
    "BB249": Code("no-cover", "the book has no cover, which stores require (warning, `check`)"),
    "BB250": Code(
        "quotes-unpaired",
        "straight quotes of one kind nested in each other (\"He said \"no to me\") that cannot be "
        "paired: the curled marks may be wrong (warning)",
    ),
    "BB251": Code(
        "chapter-headings-below",
        "a chapter has no level-1 heading, so it is called \"Chapter N\", but `##` headings: "
        "pandoc's conversion of a book's HTML writes chapter headings so (warning, once)",
    ),
    "BB252": Code(
        "epub-type-dropped",
        "an `epub:type` term of a vocabulary the book does not declare (Standard Ebooks' `se:`), "
        "which EPUBCheck refuses, was left out (warning, once per chapter and prefix)",
    ),
    "BB301": Code("epubcheck", "EPUBCheck reported an error or warning in the EPUB"),
    "BB302": Code(
        "validator-missing", "EPUBCheck cannot run: Java or the `epubcheck` package is missing"
    ),
    "BB303": Code("accessibility", "DAISY Ace found an accessibility violation in the EPUB"),
    "BB401": Code("glyph-missing", "the text uses a character the bundled fonts cannot set"),
    "BB402": Code(
        "margin-too-small", "a margin is below the print-on-demand minimum for the page count"
    ),
    "BB403": Code(
        "page-box",
        "wrong trim, bleed or media box, or links, comments or bookmarks in a print interior",
    ),
    "BB404": Code(
        "font-not-embedded",
        "a font in the PDF is not embedded, or a fallback font stood in for a glyph",
    ),
    "BB405": Code("rgb-colour", "RGB colour in a PDF/X-1a interior (black must be K only)"),
    "BB406": Code("pdfx-missing", "the PDF lacks its PDF/X identification or output intent"),
    "BB407": Code("page-count", "the page count is outside what print-on-demand accepts (24–828)"),
    "BB408": Code("chapter-on-verso", "a part or chapter opens on a left-hand page"),
    "BB409": Code("footnote-page", "a footnote is printed on a different page from its call"),
    "BB410": Code(
        "running-head-on-opener", "a running head is printed on a chapter's opening page"
    ),
    "BB411": Code(
        "page-end-hyphen",
        "a page's last line ends in a hyphenated word that bookbuild could not avoid (warning)",
    ),
    "BB412": Code(
        "layout-single-pass",
        "`print.css` adds pages the section-by-section layout cannot foresee, so the book was "
        "laid out in one pass (warning)",
    ),
    "BB413": Code(
        "image-undecodable",
        "an image starts as PNG, JPEG, GIF or WebP but cannot be decoded for print (an HTML "
        "page saved as `.png`, a download cut short)",
    ),
    "BB414": Code(
        "font-subset-name-shared",
        "one subset font name (tag+name) is given to several different embedded font programs",
    ),
    "BB415": Code(
        "spread-unbalanced",
        "the facing pages of a spread end on different baselines (make-up report, warning)",
    ),
    "BB416": Code(
        "chapter-end-short",
        "a chapter's last page holds fewer than four lines (make-up report, warning)",
    ),
    "BB417": Code(
        "loose-line",
        "a justified line's word spaces are over 1.5 times the font's own space (make-up "
        "report, warning)",
    ),
    "BB418": Code(
        "widow-orphan",
        "a paragraph's last line heads a page, or its first line ends one (make-up report, "
        "warning)",
    ),
    "BB419": Code(
        "stacked-hyphens",
        "more than two lines in a row end in a hyphen (make-up report, warning)",
    ),
    "BB501": Code(
        "import-unreadable",
        "`bookbuild import` cannot read its input: not a Word .docx, not a saved forum thread, "
        "a .doc or .odt, a password-protected, corrupt or over-large file; nothing was written",
    ),
    "BB502": Code(
        "import-empty",
        "`bookbuild import` found no chapter in its input (an empty thread, no post by the "
        "author, a document without text); nothing was written",
    ),
    "BB503": Code(
        "tracked-changes",
        "the Word document holds tracked changes: import it with `--track-changes accept` or "
        "`reject`; nothing was written",
    ),
    "BB504": Code(
        "import-unsure",
        "`bookbuild import` dropped or guessed at something (a comment, a spoiler, an image "
        "without alt text or not saved, a note without its call); check the place (warning)",
    ),
}
CODES: dict[str, str] = {code: entry.name for code, entry in CATALOGUE.items()}


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
        # Lines after the first (an example to copy) follow the line that ends with the code.
        first, newline, rest = self.message.partition("\n")
        return (f"{where}: {self.severity}: {first} [{self.code} {CODES[self.code]}]"
                f"{newline}{rest}")

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

    def error(
        self, path: Path | str, line: int | None, message: str, code: str, column: int | None = None
    ) -> None:
        self.problems.append(Problem(self.rel(path), line, message, code, "error", column))

    def warning(
        self, path: Path | str, line: int | None, message: str, code: str, column: int | None = None
    ) -> None:
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
