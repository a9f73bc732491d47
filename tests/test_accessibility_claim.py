"""The accessibility claim is made only when book.yaml asks, naming who certifies it; `check`
says what the claim requires and what it found; no cover is a warning; plain author names get
a `file-as` for sorting."""

from __future__ import annotations

import pytest
from bookkit import Epub, make_book, run_cli

from bookbuild.checks.foreign import guess_language
from bookbuild.epub.package import file_as


def properties(epub: Epub, name: str) -> list[str]:
    return epub.metadata(f"opf:meta[@property='{name}']")


def book(tmp_path, extra: str = "", chapter: str = "# One\n\nPlain text.\n"):
    return make_book(tmp_path / "book", f"""
        title: Claim Book
        author: Bram Stoker
        publisher: A Press
        spine: [one.md]
        {extra}
    """, {"one.md": chapter})


ITALICS = """# One

The driver sang *Denn die Todten reiten schnell* as we went.

It is, *nota bene*, the *same* house as *the famous museum* in town.

Van Helsing said *[Festina lente]{lang=la}*, and *cum grano* he meant it.
"""


def test_no_claim_unless_book_yaml_makes_one(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    root = book(tmp_path, "", ITALICS)
    run = run_cli("check", root, "--format", "epub")
    assert run.code == 0, run.err
    epub = Epub(root / "build" / "claim-book.epub")
    assert properties(epub, "dcterms:conformsTo") == []
    assert properties(epub, "a11y:certifiedBy") == []
    (summary,) = properties(epub, "schema:accessibilitySummary")
    assert "WCAG" not in summary
    # The metadata that describes the book stays.
    assert properties(epub, "schema:accessMode") == ["textual"]
    assert "Accessibility claim: none made" in run.out + run.err
    assert "BB248" not in run.err, run.err  # phrases are looked for only for a claim


def test_a_claim_names_its_certifier_and_check_lists_what_it_requires(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    root = book(tmp_path, "accessibility: {claim: wcag-2.1-aa, certified-by: Jane Auditor}",
                "# One\n\nHe said \u0434\u0430, \u0442\u043e\u0432\u0430\u0440\u0438\u0449, "
                "and [\u043d\u0435\u0442]{lang=ru} too.\n")
    run = run_cli("check", root, "--format", "epub")
    assert run.code == 0, run.err
    epub = Epub(root / "build" / "claim-book.epub")
    assert properties(epub, "dcterms:conformsTo") == [
        "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert properties(epub, "a11y:certifiedBy") == ["Jane Auditor"]
    output = run.out + run.err
    assert "certified by Jane Auditor" in output and "Ace did not run" in output
    phrases = run.told("BB248")
    assert len(phrases) == 1 and "one.md:3" in phrases[0] and "товарищ" in phrases[0], run.err


def test_a_claim_without_a_certifier_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    root = book(tmp_path, "accessibility: {claim: wcag-2.1-aa}")
    run = run_cli("check", root, "--format", "epub")
    assert run.code != 0 and "BB247" in run.err
    epub = Epub(root / "build" / "claim-book.epub")
    assert properties(epub, "dcterms:conformsTo") == []


def test_check_warns_of_a_missing_cover(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    run = run_cli("check", book(tmp_path), "--format", "epub")
    assert run.told("BB249"), run.err


def test_a_plain_author_name_gets_file_as(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    root = book(tmp_path)
    assert run_cli("build", root, "--format", "epub").code == 0
    epub = Epub(root / "build" / "claim-book.epub")
    (creator,) = epub.opf.xpath("//dc:creator", namespaces={"dc": "http://purl.org/dc/elements/1.1/"})
    assert epub.metadata(f"opf:meta[@refines='#{creator.get('id')}'][@property='file-as']") == [
        "Stoker, Bram"]


@pytest.mark.parametrize("name, sorted_as", [
    ("Bram Stoker", "Stoker, Bram"), ("Ludwig van Beethoven", "Beethoven, Ludwig van"),
    ("Ursula K. Le Guin", "Le Guin, Ursula K."),
    ("Martin Luther King Jr.", "King, Martin Luther, Jr."),
    ("Homer", "Homer"), ("Doe, Jane", "Doe, Jane")])
def test_file_as_handles_particles_and_suffixes(name, sorted_as):
    assert file_as(name) == sorted_as


def test_italic_phrases_that_look_foreign_are_warned_when_a_claim_is_made(tmp_path,
                                                                         monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    root = book(tmp_path, "accessibility: {claim: wcag-2.1-aa, certified-by: Jane Auditor}",
                ITALICS)
    run = run_cli("check", root, "--format", "epub")
    assert run.code == 0, run.err
    found = sorted((line.split(": warning")[0].rsplit(":", 1)[1], line.split("\u201c")[1]
                    .split("\u201d")[0], line.split("{lang=")[1].split("}")[0])
                   for line in run.err.splitlines() if "BB248" in line)
    assert found == [("3", "Denn die Todten reiten schnell", "de"), ("5", "nota bene", "la"),
                     ("7", "cum grano", "la")], run.err
    assert "3 italic phrases that look like Latin" in run.out + run.err


@pytest.mark.parametrize("phrase, book_language, expected", [
    ("Omnia Romae venalia sunt", "en", "la"), ("Je ne sais quoi", "en", "fr"),
    ("Ich bin ein Berliner", "en", "de"), ("sine qua non", "en", "la"),
    ("the famous museum", "en", None), ("numerous curious bonus", "en", None),
    ("die was cast", "en", None), ("Festina", "en", None),  # one word: never guessed
    ("the famous museum of the city", "de", "en"), ("Ich bin ein Berliner", "de", None)])
def test_the_guess_at_a_phrase_s_language(phrase, book_language, expected):
    assert guess_language(phrase, book_language) == expected
