"""What an accessibility conformance claim requires, checked against the book: who certifies
it, images with alt text, phrases in another script marked with their language, and italic
phrases that look like Latin, French, German, Italian or Spanish (checks/foreign.py) marked
too; hands back problems located in the sources and the lines `check` prints."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bookbuild.book import Book
from bookbuild.checks.foreign import NAMES, guess_language
from bookbuild.config.schema import CLAIMS
from bookbuild.errors import Report
from bookbuild.xhtml import XML_NS, h

# The script a language is written in, where a letter's script tells another language apart.
SCRIPTS = {"ru": "CYRILLIC", "uk": "CYRILLIC", "be": "CYRILLIC", "bg": "CYRILLIC",
           "sr": "CYRILLIC", "mk": "CYRILLIC", "kk": "CYRILLIC", "el": "GREEK", "he": "HEBREW",
           "yi": "HEBREW", "ar": "ARABIC", "fa": "ARABIC", "ur": "ARABIC", "hi": "DEVANAGARI",
           "th": "THAI", "ka": "GEORGIAN", "hy": "ARMENIAN", "zh": "CJK", "ja": "CJK",
           "ko": "HANGUL"}
WORDS = re.compile(r"[^\W\d_]+(?:[\s'’-]+[^\W\d_]+)*")


def _script(char: str) -> str:
    name = unicodedata.name(char, "")
    if name.startswith(("CJK", "HIRAGANA", "KATAKANA")):
        return "CJK"
    return name.split(" ")[0]


def _book_script(language: str) -> str:
    return SCRIPTS.get(language.split("-")[0].lower(), "LATIN")


def unmarked_phrases(book: Book) -> list[tuple[object, str]]:
    """(source file, phrase) for each run of words in a script the book's language is not
    written in, with no `lang` on it or around it (a reader would read it in the wrong voice).
    Another language in the same script (German in an English book) cannot be told this way."""
    expected = _book_script(book.language)
    found = []
    for section in book.sections:
        if section.body is None:
            continue
        for el in section.body.iter():
            if not isinstance(el.tag, str):
                continue
            for text, owner in ((el.text, el), (el.tail, el.getparent())):
                if not text or owner is None or _has_lang(owner):
                    continue
                for match in WORDS.finditer(text):
                    scripts = {_script(c) for c in match[0] if c.isalpha()}
                    if scripts and expected not in scripts:
                        found.append((section.source, match[0]))
    return found


def unmarked_italics(book: Book) -> list[tuple[object, str, str]]:
    """(source file, phrase, language guessed) for each italic phrase with no `lang` on it or
    around it that looks written in another language of the book's script (foreign.py)."""
    found = []
    for section in book.sections:
        if section.body is None:
            continue
        for el in section.body.iter(h("em"), h("i")):
            if _has_lang(el) or any(a.tag in (h("em"), h("i")) for a in el.iterancestors()):
                continue
            phrase = " ".join("".join(el.itertext()).split())
            language = guess_language(phrase, book.language)
            if language is not None:
                found.append((section.source, phrase, language))
    return found


def _has_lang(el) -> bool:
    return any(node.get("lang") or node.get(f"{{{XML_NS}}}lang")
               for node in (el, *el.iterancestors()))


def check_claim(book: Book, report: Report, epub_path: Path, ace_ran: bool) -> str:
    """Report what makes the book's claim untrue; returns the line saying what was checked."""
    wanted = book.config.accessibility
    if wanted.claim == "none":
        return ("Accessibility claim: none made (book.yaml `accessibility: {claim: "
                "wcag-2.1-aa, certified-by: …}` makes one, once the book is checked)")
    if not wanted.certified_by:
        report.error(book.config.source, None, f"the accessibility claim '{wanted.claim}' "
                     f"needs `certified-by`: who checked the book and stands by it; the EPUB "
                     f"carries no claim until then", "BB247")
    no_alt = [img.get("src") for s in book.sections if s.body is not None
              for img in s.body.iter(h("img")) if not (img.get("alt") or "").strip()]
    for src in no_alt:
        report.error(epub_path, None, f"image '{src}' has no alt text, which the "
                                      f"accessibility claim requires", "BB247")
    phrases = unmarked_phrases(book)
    for source, phrase in phrases:
        report.warning(source or epub_path, book.first_line(source, phrase),
                       f"\u201c{phrase[:40]}\u201d looks like another language but has no "
                       f"lang, which the accessibility claim requires; mark it "
                       f"[{phrase[:20]}]{{lang=…}}", "BB248")
    italics = unmarked_italics(book)
    for source, phrase, language in italics:
        words = phrase.split(" ")
        line = next(filter(None, (book.first_line(source, " ".join(words[:n]))
                                  for n in (len(words), 2, 1))), None)
        report.warning(source or epub_path, line,
                       f"\u201c{phrase[:40]}\u201d looks like {NAMES[language]} but has no "
                       f"lang, which the accessibility claim requires; mark it "
                       f"[{phrase[:20]}]{{lang={language}}} (or, if it is the book's own "
                       f"language, leave it)", "BB248")
    return (f"Accessibility claim: {CLAIMS[wanted.claim]}, certified by "
            f"{wanted.certified_by or '(nobody named)'}; it requires EPUBCheck and Ace clean "
            f"({'Ace ran' if ace_ran else 'Ace did not run: the claim is unverified'}), alt "
            f"text on every image ({len(no_alt)} without), every foreign phrase marked with "
            f"its language ({len(phrases)} found unmarked in another script, {len(italics)} "
            f"italic phrases that look like Latin, French, German, Italian or Spanish; other "
            f"phrases in the book's own script are not detected)")
