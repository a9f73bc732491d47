"""Reading book.yaml: the file found and decoded, its YAML composed (errors in the author's
words, from yaml_text.py), every key validated by its declaration, and the Config filled.

Hands on `load` (a Config or a BookError with every problem), `find_book` and `read_text`.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from bookbuild.config.options import Context, build, validate_mapping
from bookbuild.config.schema import BOOK_SCHEMA, Config
from bookbuild.errors import BookError, Problem, Report
from bookbuild.yaml_text import BookLoader, explain

BOOK_FILE = "book.yaml"
MAX_BOOK_YAML_BYTES = 1024 * 1024  # a book.yaml is a few KB; its long texts belong in chapters


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
    ctx = Context(root, source, report)
    values = validate_mapping(node, BOOK_SCHEMA, ctx, "book.yaml", nodes=True)
    if need_print and ctx.deferred:
        report.add(ctx.deferred)
        report.problems.sort(key=lambda p: p.line or 0)
    report.stop_if_errors()
    return build(Config, values, root=root, source=source)


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
