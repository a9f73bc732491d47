"""book.yaml's keys, each declared once: its Option, default, help and example; and the models
(Config, PrintSettings, Margins, Isbns) whose fields follow from those declarations.

Hands on BOOK_SCHEMA and the models to load.py (which fills them), and to reference.py (which
makes the JSON Schema and the key tables of docs/book-yaml.md from them).
"""

from __future__ import annotations

import uuid
from typing import Any

from bookbuild.config.options import (
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
    Section,
    Spine,
    SpineEntry,
    Text,
    TextList,
    Trim,
    isbn_digits,
    model,
    slugify,
)

# A BCP 47 language tag, as book.yaml, a chapter's header and raw HTML's `lang` take it.
LANGUAGE_TAG = r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*"
# A phrase's may also be a private-use tag (`x-local`: Standard Ebooks marks words of a made-up or
# unknown language so); no reading system knows one, so reading leaves it out of the book.
PHRASE_LANGUAGE_TAG = rf"{LANGUAGE_TAG}|[Xx](-[A-Za-z0-9]{{1,8}})+"
PDF_STANDARDS = ("pdf/x-1a", "pdf/x-4", "none")
COVER_SUFFIXES = (".jpg", ".jpeg", ".png")
BOOK_HELP = ("A book for bookbuild: its metadata, reading order (spine) and print settings. "
             "bookbuild's own check (bookbuild build) is the authority; this schema lets "
             "editors complete and validate keys as you type.")

MARGINS: dict[str, Option] = {
    "top": Length(help="Top margin."),
    "bottom": Length(help="Bottom margin."),
    "inside": Length(help="Inside (gutter) margin."),
    "outside": Length(help="Outside margin."),
}
MARGIN_KEYS = tuple(MARGINS)
Margins = model("Margins", MARGINS, __name__, "Page margins in points; None: chosen for the "
                                              "page count.")

# The body type from the trim: a wider page takes larger type, so that with the margins
# pdf/margins.py derives the line holds 60-70 characters, as a novel wants.
BODY_SIZES = ((5.25, 10.5), (5.75, 11.0), (6.5, 11.5), (7.5, 12.0))  # (width under, in) → pt


def body_size(trim_width: float) -> float:
    """The default body type size in points for a trim `trim_width` points wide."""
    return next((size for width, size in BODY_SIZES if trim_width < width * 72 - 0.01), 12.5)


def body_leading(size: float) -> float:
    """The default leading for body type of `size` points: a little tighter as it grows."""
    return 1.35 if size <= 11 else 1.32 if size <= 11.5 else 1.3


PRINT_SCHEMA: dict[str, Option] = {
    "trim": Trim(default="6x9", example='trim: "152mm x 229mm"',
                 help='The trimmed page size: a preset or "W x H" with units, e.g. '
                      '"152mm x 229mm".'),
    "bleed": Length(default="none", example="bleed: 0.125in",
                    help="Bleed around the trim, only for images that run off the page, "
                         "e.g. 0.125in."),
    "margins": Section(Margins, default=Derived("each left out chosen for the page count, to "
                                                "meet print-on-demand minimums, and the sides "
                                                "for a line of about 65 characters"),
                       example="margins: {inside: 0.75in}", help="Page margins."),
    "font-size": Number(7, 16, default=Derived(
                            "from the trim's width: 10.5 under 5.25in, 11 under 5.75in, 11.5 "
                            "under 6.5in, 12 under 7.5in, 12.5 wider",
                            lambda fields: body_size(fields["trim"][0])),
                        example="font-size: 10.5", help="Body text size in points."),
    "leading": Number(1.0, 2.0, default=Derived(
                          "1.35 up to 11pt type, 1.32 at 11.5pt, 1.3 at 12pt and over",
                          lambda fields: body_leading(fields["font_size"])),
                      example="leading: 1.4",
                      help="Line height as a multiple of the font size."),
    "paper": Choice(("white", "cream"), default="white", example="paper: cream",
                    help="The paper you will order (changes the cover's spine width, not the "
                         "interior)."),
    "standard": Choice(PDF_STANDARDS, default="pdf/x-1a", example="standard: pdf/x-4",
                       help="The PDF standard of the print-on-demand interior."),
}
PrintSettings = model(
    "PrintSettings", PRINT_SCHEMA, __name__, "Print options, all lengths in PostScript points.",
    namespace={"margin_lines": property(lambda self: self.margins.lines,
                                        doc="Each margin given → its line in book.yaml.")})

TYPOGRAPHY: dict[str, Option] = {
    "quotes": Choice(("curly", "language", "straight"), default="curly",
                     example="typography: {quotes: language}",
                     help="Straight quotes become curly English ones (curly), each language's "
                          "own, « » for lang ru, „ “ for de (language), or stay as typed "
                          "(straight)."),
    "spaces": Flag(default=True, example="typography: {spaces: false}",
                   help="No-break spaces after honorifics and between initials, a word joiner "
                        "before an em dash, a hair space between adjacent quotes, one character "
                        "for an ellipsis."),
    "ellipsis": Choice(("language", "closed", "spaced", "typed"), default="language",
                       example="typography: {ellipsis: spaced}",
                       help="The space between a word and an ellipsis after it: none "
                            "(closed, word… word, as French and Russian set it), a no-break "
                            "space (spaced, word … word), or as typed, made no-break (typed); "
                            "language: closed for French, Russian, Spanish, Italian, Polish "
                            "and their neighbours, typed for the others."),
}
Typography = model("Typography", TYPOGRAPHY, __name__, "How the text is set: quotes and the "
                                                       "publisher's spaces.")

CLAIMS = {"wcag-2.1-aa": "EPUB Accessibility 1.1 - WCAG 2.1 Level AA",
          "wcag-2.2-aa": "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"}
ACCESSIBILITY: dict[str, Option] = {
    "claim": Choice(("none", *CLAIMS), default="none",
                    example="accessibility: {claim: wcag-2.1-aa, certified-by: Jane Doe}",
                    help="The conformance the EPUB claims (EPUB Accessibility 1.1 with WCAG "
                         "AA): only once someone has checked the book; `bookbuild check` lists "
                         "what the claim requires and what it found."),
    "certified-by": Text(example="accessibility: {certified-by: Harbour Press}",
                         help="Who checked the book and stands by the claim: a person or "
                              "an organisation; required with a claim."),
}
Accessibility = model("Accessibility", ACCESSIBILITY, __name__,
                      "The EPUB's accessibility conformance claim and who certifies it.")

ISBNS: dict[str, Option] = {
    "epub": Isbn(help="The ebook's ISBN; it also becomes the EPUB's identifier."),
    "print": Isbn(help="The paperback's ISBN, printed on the copyright page and the cover."),
}
Isbns = model("Isbns", ISBNS, __name__, "The ebook's and the print edition's ISBNs, as the "
                                        "author wrote them (hyphens kept).",
              namespace={"urn": staticmethod(lambda isbn: "urn:isbn:" + isbn_digits(isbn))})


def _identifier(fields: dict[str, Any]) -> str:
    """The ebook's ISBN as a URN, or a UUID made from the title and authors: stable across
    builds."""
    if fields["isbn"].epub:
        return Isbns.urn(fields["isbn"].epub)
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "bookbuild:" + fields["title"] + ":"
                                        + ";".join(a.name for a in fields["authors"])))


BOOK_SCHEMA: dict[str, Option] = {
    "title": Text(required=True, example="title: The Mute Regency",
                  help="The book's title, as on the cover."),
    "subtitle": Text(example="subtitle: A Novel of 1953", help="A subtitle, set under the title."),
    "author": Authors(required=True, attr="authors", example="author: Helena Markham",
                      help="The author or authors, on the title page and in the metadata."),
    "language": Text(default="en", pattern=LANGUAGE_TAG, words="BCP 47 tag",
                     hint=" (use a BCP 47 tag such as en, en-GB, ru)", example="language: en-GB",
                     help="The main language as a BCP 47 tag: en, en-GB, ru, de-CH."),
    "identifier": Text(default=Derived("the `urn:isbn:` of `isbn.epub`, or a `urn:uuid:` "
                                       "derived from title and authors, stable across builds",
                                       _identifier),
                       example="identifier: urn:isbn:9780000000002",
                       help="A unique identifier for the EPUB, e.g. urn:isbn:9780000000002."),
    "publisher": Text(example="publisher: Bookbuild Sample Press",
                      help="The publisher's name."),
    "date": Date(example='date: "2026-11-01"',
                 help='Publication date: YYYY, YYYY-MM or YYYY-MM-DD (quote it: "2026-11-01").'),
    "description": Text(example="description: Moscow, March 1953. …",
                        help="The blurb: a paragraph for stores and reading apps."),
    "rights": Text(example='rights: "© 2026 Helena Markham"',
                   help='The rights statement, e.g. "© 2026 Jane Doe. All rights reserved."'),
    "subjects": TextList(example="subjects: [Alternate history, Fiction]",
                         help="A subject or a list of subjects (genres)."),
    "series": Text(example="series: Other Moscows", help="The series the book belongs to."),
    "series-index": Number(0, 10000, example="series-index: 1",
                           help="The book's number in its series."),
    "output": Text(pattern=r"[A-Za-z0-9][A-Za-z0-9._-]*",
                   hint=" (letters, digits, '.', '_' and '-' only)",
                   words="file name stem: letters, digits, `.`, `_`, `-`",
                   default=Derived("the title made into a file name"),
                   example="output: mute-regency",
                   help="The output file name without extension."),
    "spine": Spine(required=True,
                   example="spine: [manuscript/01-first.md, manuscript/02-second.md]",
                   help="The reading order: chapter files, {file, type, role} entries and "
                        "parts."),
    "print": PrintSection(PrintSettings, default=Derived("each key's own"),
                          example="print: {trim: 5.5x8.5}",
                          help="Settings for the print interior PDF."),
    "typography": Section(Typography, default=Derived("each key's own"),
                          example="typography: {quotes: language, spaces: false}",
                          help="Quotes and spaces, as a careful publisher sets them."),
    "accessibility": Section(Accessibility, default=Derived("no claim"),
                             example="accessibility: {claim: wcag-2.1-aa, certified-by: "
                                     "Harbour Press}",
                             help="An accessibility conformance claim, made only when asked."),
    "isbn": IsbnPair(Isbns, example="isbn: {epub: 978-0-00-000195-5, print: 978-0-00-000196-2}",
                     help="The ISBNs of the two editions: each edition needs its own."),
    "edition": Text(example="edition: First edition",
                    help='An edition statement for the copyright page, e.g. "First edition".'),
    "fiction": Flag(default=False, example="fiction: true",
                    help="true adds the usual work-of-fiction notice to the copyright page."),
    "dedication": Text(example="dedication: For my mother.",
                       help="The dedication, on a page of its own, unless a spine file has "
                            "role: dedication."),
    "epigraph": Epigraph(example='epigraph: {text: "…", author: K. Dubrovina}',
                         help="The book's epigraph, on a page of its own, unless a spine file "
                              "has role: epigraph."),
    "afterword": Text(example="afterword: This novel began …",
                      help="An afterword, set as back matter, unless a spine file has role: "
                           "afterword; blank lines part paragraphs."),
    "acknowledgements": Text(example="acknowledgements: My thanks to …",
                             help="Acknowledgements, set as back matter; blank lines part "
                                  "paragraphs."),
    "about-the-author": Text(example="about-the-author: Helena Markham grew up …",
                             help="A note about the author, set as back matter; its first "
                                  "paragraph also goes on the back cover."),
    "also-by": TextList(example="also-by: [The Winter Interpreter]",
                        help='Other books by the author, on an "Also by" page at the very end.'),
    "cover": BookFile(COVER_SUFFIXES, "a JPEG or PNG file", example="cover: images/cover.jpg",
                      help="The front cover image, a JPEG or PNG file in the book folder: the "
                           "EPUB's cover and the print cover's front."),
    "back-cover": Text(default=Derived("the `description`"),
                       example="back-cover: Moscow, March 1953. …",
                       help="The back cover text of the print cover."),
    "exclude": PathList(example="exclude: [manuscript/notes.md, manuscript/drafts]",
                        help="Markdown files, or folders of them, under manuscript/ that are left "
                             "out of the book on purpose (otherwise a file the spine does not "
                             "list is warned of, BB109)."),
}


def _slug(self) -> str:
    return self.output or slugify(self.title) or "book"


def _files(self) -> list[SpineEntry]:
    """Every spine file in reading order, parts flattened."""
    out: list[SpineEntry] = []
    for entry in self.spine:
        out.extend(entry.chapters if isinstance(entry, PartEntry) else [entry])
    return out


Config = model("Config", BOOK_SCHEMA, __name__,
               "A book.yaml, validated: a field for each key, and where the book is.",
               first=(("root", "Path"), ("source", "Path")),
               namespace={"slug": property(_slug), "files": _files})
