"""Footnotes `[^1]` / `[^label]` become EPUB popup notes: noteref links and footnote asides."""

from collections import Counter

from bookkit import EPUB_TYPE, NS, text_of


def noterefs(doc):
    return doc.xpath("//x:a[@epub:type='noteref']", namespaces=NS)


def asides(doc):
    return doc.xpath("//x:aside[@epub:type='footnote']", namespaces=NS)


def by_id(doc, ident):
    found = doc.xpath("//*[@id=$ident]", ident=ident)
    assert len(found) == 1, (ident, len(found))
    return found[0]


def test_footnote_becomes_epub_popup_note(feature_books):
    doc = feature_books["footnotes"].epub.document("one")
    refs = noterefs(doc)
    assert [text_of(r) for r in refs] == ["1", "2", "1"]
    for ref in refs:
        assert ref.get("role") == "doc-noteref"
        # A <sup> in or around the call would raise it twice in reading systems that
        # style noterefs themselves.
        assert ref.find(".//x:sup", NS) is None
        assert ref.getparent().tag != f"{{{NS['x']}}}sup"
    assert not doc.xpath("//x:sup", namespaces=NS)
    notes = asides(doc)
    assert len(notes) == 2
    for note in notes:
        assert note.get("role") == "doc-footnote"
        # Notes sit outside the running text, so reading systems can hide them as popups.
        assert not note.xpath("ancestor::x:section", namespaces=NS)


def test_footnote_refs_and_notes_resolve_both_ways(feature_books):
    epub = feature_books["footnotes"].epub
    for stem in ("one", "two"):
        doc = epub.document(stem)
        for ref in noterefs(doc):
            href = ref.get("href")
            assert href.startswith("#"), "the note must be in the same file"
            target = by_id(doc, href[1:])
            assert target.tag == f"{{{NS['x']}}}aside"
            assert target.get(EPUB_TYPE) == "footnote"
        for note in asides(doc):
            backlinks = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
            assert len(backlinks) == 1
            back = backlinks[0].get("href")
            assert back.startswith("#")
            called_from = by_id(doc, back[1:])
            assert called_from.get(EPUB_TYPE) == "noteref"
            assert called_from.get("href") == f"#{note.get('id')}"
        # Every note is called, and every call has its note.
        called = {ref.get("href")[1:] for ref in noterefs(doc)}
        assert called == {note.get("id") for note in asides(doc)}


def test_footnote_text_and_multi_paragraph_notes(feature_books):
    doc = feature_books["footnotes"].epub.document("one")
    first, long_note = asides(doc)
    assert " ".join(text_of(first).split()) == "1. The first note."
    paragraphs = long_note.findall("x:p", NS)
    assert [" ".join(text_of(p).split()) for p in paragraphs] == [
        "2. The first paragraph of a long note.", "Its second paragraph."]
    # No Python-Markdown leftovers: its footnote list and return arrows are gone.
    assert not doc.xpath("//*[contains(@class, 'footnote-backref') or @class='footnote']"
                         "[not(self::x:aside)]", namespaces=NS)
    assert "\u21a9" not in text_of(doc)


def test_footnote_numbering_restarts_in_each_chapter(feature_books):
    doc = feature_books["footnotes"].epub.document("two")
    assert [text_of(r) for r in noterefs(doc)] == ["1"]
    (note,) = asides(doc)
    assert " ".join(text_of(note).split()) == "1. Chapter two\u2019s only note."


def test_footnote_ids_are_unique_across_the_book(feature_books):
    epub = feature_books["footnotes"].epub
    ids = [el.get("id") for doc in epub.documents().values() for el in doc.iter()
           if isinstance(el.tag, str) and el.get("id")]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates
    for doc in epub.documents().values():
        assert all(el.get("id") for el in noterefs(doc) + asides(doc))


def test_footnote_called_from_a_chapter_title_is_an_error_at_its_line(tmp_path):
    from bookkit import make_book, run_cli

    book = make_book(tmp_path / "b", "title: T\nauthor: A\nspine:\n  - c.md\n",
                     {"c.md": "Intro.\n\n# The Title[^1]\n\nText.\n\n[^1]: Note.\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert "c.md:3: error: a footnote cannot be called from the chapter title" in run.err
    assert "[BB216 footnote-in-title]" in run.err


def test_the_rule_before_the_notes_belongs_to_no_note(feature_books):
    """A popup shows the whole aside, so the separator must stand outside every note."""
    doc = feature_books["footnotes"].epub.document("one")
    first = asides(doc)[0]
    rule = first.getprevious()
    assert rule.tag == f"{{{NS['x']}}}hr" and rule.get("class") == "notes-rule"
    assert not doc.xpath("//x:aside//x:hr", namespaces=NS)
    css = feature_books["footnotes"].epub.files["EPUB/styles/epub.css"].decode()
    assert "aside.footnote::before" not in css and "hr.notes-rule" in css
