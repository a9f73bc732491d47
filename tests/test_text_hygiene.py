"""Text as it arrives from many editors: byte order marks and Windows line ends are accepted,
control characters removed with a warning, text normalised to NFC, invisible characters
reported unless their script needs them, right-to-left paragraphs marked `dir="rtl"`."""

from __future__ import annotations

import unicodedata

from bookkit import NS, Epub, build_epub, make_book, run_cli, text_of

YAML = "title: Hygiene Book\nauthor: Jane Doe\nspine: [one.md]\n"


def _chapter(tmp_path, text: str | bytes, name: str = "book") -> Epub:
    data = text if isinstance(text, bytes) else text.encode()
    return Epub(build_epub(make_book(tmp_path / name, YAML, {"one.md": data})))


def test_bom_and_windows_line_ends_read_as_plain_text(tmp_path):
    plain = "# One\n\nA line.[^1]\n\n> A quote.\n\n[^1]: A note.\n"
    unix = _chapter(tmp_path, plain, "unix")
    windows = _chapter(tmp_path, b"\xef\xbb\xbf" + plain.replace("\n", "\r\n").encode(), "win")
    name = "EPUB/text/one.xhtml"
    assert windows.files[name] == unix.files[name]


def test_control_characters_are_removed_and_the_rest_kept(tmp_path):
    epub = _chapter(tmp_path, "# One\n\nA bell\x07 and an escape\x1b here.\n")
    paragraph = epub.document("one").find(".//x:section/x:p", NS)
    assert text_of(paragraph) == "A bell and an escape here."


def test_text_is_normalised_to_nfc(tmp_path):
    epub = _chapter(tmp_path, "# Cafe\u0301\n\nA cafe\u0301 and a\u0308.\n")
    doc = epub.document("one")
    paragraph = text_of(doc.find(".//x:section/x:p", NS))
    assert paragraph == "A caf\u00e9 and \u00e4."
    assert unicodedata.is_normalized("NFC", epub.files["EPUB/text/one.xhtml"].decode())


def test_invisible_characters_stop_being_reported_after_twenty_lines(tmp_path):
    book = make_book(tmp_path / "book", YAML, {
        "one.md": "# One\n\n" + "".join(f"Line {n}\u200bzero.\n\n" for n in range(25))})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0
    lines = run.err.splitlines()
    assert len(lines) == 21
    assert lines[0] == ("one.md:3:7: warning: invisible character U+200B ZERO WIDTH SPACE; "
                        "delete it unless it is meant [BB215 invisible-character]")
    assert lines[-1] == ("one.md:43: warning: this line and 4 more hold invisible characters "
                         "too [BB215 invisible-character]")


def test_zero_width_characters_their_scripts_need_are_not_reported(tmp_path):
    text = ("# One\n\n"
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 (Persian, a non-joiner)\n\n"
            "\u0915\u094d\u200d\u0937 (Devanagari, a joiner)\n\n"
            "\u0e20\u0e32\u0e29\u0e32\u200b\u0e44\u0e17\u0e22 (Thai, a word break)\n\n"
            "\u65e5\u672c\u200b\u8a9e (Japanese, a line break)\n\n"
            "\U0001F469\u200d\u2764\ufe0f\u200d\U0001F468 (one emoji of three)\n")
    run = run_cli("build", make_book(tmp_path / "book", YAML, {"one.md": text}), "--format",
                  "epub")
    assert (run.code, run.err) == (0, "")


def test_mostly_right_to_left_paragraphs_are_marked(tmp_path):
    epub = _chapter(tmp_path, (
        "# One\n\n"
        "שלום עולם, hello.\n\n"  # mostly Hebrew
        "An English sentence with one word, שלום, in Hebrew.\n\n"  # mostly English
        "- مرحبا بالعالم\n\n"  # an Arabic list item
        "::: {dir=ltr}\nשלום עולם\n:::\n\n"  # the author said how it goes
        "A call.[^1]\n\n"
        "[^1]: הערה בעברית.\n"))
    doc = epub.document("one")
    paragraphs = doc.findall(".//x:section/x:p", NS)
    assert [p.get("dir") for p in paragraphs] == ["rtl", None, None]
    assert doc.find(".//x:section/x:ul/x:li", NS).get("dir") == "rtl"
    assert doc.find(".//x:div[@dir='ltr']/x:p", NS).get("dir") is None
    assert doc.find(".//x:aside/x:p", NS).get("dir") == "rtl"


def test_the_quick_right_to_left_test_misses_no_right_to_left_letter():
    """_mark_direction skips blocks with no character in MAYBE_RTL; every code point Unicode
    classes R or AL must be in it, or a Hebrew or Arabic block would lose its dir."""
    from bookbuild.read.passes import MAYBE_RTL

    missed = [hex(c) for c in range(0x110000)
              if unicodedata.bidirectional(chr(c)) in ("R", "AL") and not MAYBE_RTL.match(chr(c))]
    assert missed == []


def test_a_mark_left_next_to_its_letter_by_a_removed_control_character_is_composed(tmp_path):
    epub = _chapter(tmp_path, "# One\n\nA cafe\x07\u0301.\n")
    paragraph = epub.document("one").find(".//x:section/x:p", NS)
    assert text_of(paragraph) == "A caf\u00e9."
