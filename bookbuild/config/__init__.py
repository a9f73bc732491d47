"""book.yaml: each key declared once (schema.py) as an Option (options.py), read and
validated into a `Config` (load.py).

Hands on `load`, `Config` and its parts, the declarations (for the generated JSON Schema and
docs) and the path and ISBN helpers the reading of chapters shares.
"""

from bookbuild.config.load import BOOK_FILE, find_book, load, read_text
from bookbuild.config.options import (
    POINTS_PER_UNIT,
    ROLES,
    SECTION_TYPES,
    TRIM_PRESETS_IN,
    Author,
    Authors,
    BookFile,
    Choice,
    Date,
    Derived,
    Epigraph,
    Flag,
    Isbn,
    IsbnPair,
    Length,
    Number,
    Option,
    PartEntry,
    PathList,
    PrintSection,
    Quotation,
    Section,
    Spine,
    SpineEntry,
    Text,
    TextList,
    Trim,
    book_files,
    isbn_digits,
    isbn_problem,
    parse_length,
    resolve_inside,
    slugify,
)
from bookbuild.config.schema import (
    BOOK_HELP,
    BOOK_SCHEMA,
    COVER_SUFFIXES,
    LANGUAGE_TAG,
    MARGIN_KEYS,
    PDF_STANDARDS,
    PHRASE_LANGUAGE_TAG,
    PRINT_SCHEMA,
    Config,
    Isbns,
    Margins,
    PrintSettings,
)

__all__ = [
    "BOOK_FILE", "BOOK_HELP", "BOOK_SCHEMA", "COVER_SUFFIXES", "LANGUAGE_TAG", "MARGIN_KEYS",
    "PDF_STANDARDS", "PHRASE_LANGUAGE_TAG", "POINTS_PER_UNIT", "PRINT_SCHEMA", "ROLES",
    "SECTION_TYPES",
    "TRIM_PRESETS_IN", "Author", "Authors", "BookFile", "Choice", "Config", "Date", "Derived",
    "Epigraph", "Flag", "Isbn", "IsbnPair", "Isbns", "Length", "Margins", "Number", "Option",
    "PartEntry", "PathList", "PrintSection", "PrintSettings", "Quotation", "Section", "Spine",
    "SpineEntry", "Text", "TextList", "Trim", "book_files", "find_book", "isbn_digits",
    "isbn_problem", "load", "parse_length", "read_text", "resolve_inside", "slugify",
]
