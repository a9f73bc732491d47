"""Package metadata from book.yaml: title, language, identifier, creators, series, dates."""

import os
import re
import uuid
from datetime import UTC, datetime

from bookkit import NS, Epub, build_epub, make_book

TINY = """
    title: {title}
    author: Jane Doe
    spine: [a.md]
"""


def refines(epub, target, prop):
    return epub.metadata(f"opf:meta[@refines='#{target}'][@property='{prop}']")


def test_metadata_title_subtitle_and_language(feature_books):
    epub = feature_books["metadata"].epub
    titles = {t.get("id"): t.text for t in epub.opf.xpath("//dc:title", namespaces=NS)}
    assert set(titles.values()) == {"Metadata Book", "A Novel of Metadata"}
    main_id = next(i for i, t in titles.items() if t == "Metadata Book")
    sub_id = next(i for i, t in titles.items() if t == "A Novel of Metadata")
    assert refines(epub, main_id, "title-type") == ["main"]
    assert refines(epub, sub_id, "title-type") == ["subtitle"]
    assert epub.metadata("dc:language") == ["en-GB"]
    for doc in epub.documents().values():
        assert doc.get("lang") == "en-GB"


def test_metadata_identifier_is_the_unique_identifier(feature_books):
    epub = feature_books["metadata"].epub
    unique = epub.opf.get("unique-identifier")
    assert epub.metadata(f"dc:identifier[@id='{unique}']") == ["urn:isbn:9780000000002"]


def test_metadata_creators_with_file_as(feature_books):
    epub = feature_books["metadata"].epub
    creators = epub.opf.xpath("//dc:creator", namespaces=NS)
    assert [c.text for c in creators] == ["Helena Markham", "Ivan Petrov"]
    file_as = [refines(epub, c.get("id"), "file-as") for c in creators]
    assert file_as == [["Markham, Helena"], ["Petrov, Ivan"]]
    assert [refines(epub, c.get("id"), "role") for c in creators] == [["aut"], ["aut"]]


def test_metadata_series_and_other_fields(feature_books):
    epub = feature_books["metadata"].epub
    (collection,) = epub.opf.xpath("//opf:meta[@property='belongs-to-collection']",
                                   namespaces=NS)
    assert collection.text == "Other Moscows"
    assert refines(epub, collection.get("id"), "collection-type") == ["series"]
    assert refines(epub, collection.get("id"), "group-position") == ["2"]
    assert epub.metadata("dc:publisher") == ["Test Press"]
    assert epub.metadata("dc:date") == ["2026-11-01"]
    assert epub.metadata("dc:description") == ["A book about its own metadata."]
    assert epub.metadata("dc:rights") == ["All rights reserved."]
    assert epub.metadata("dc:subject") == ["Fiction", "Alternate history"]


def test_metadata_has_dcterms_modified(feature_books):
    epub = feature_books["metadata"].epub
    (modified,) = epub.metadata("opf:meta[@property='dcterms:modified']")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", modified)


def identifier_of(path):
    epub = Epub(path)
    return epub.metadata(f"dc:identifier[@id='{epub.opf.get('unique-identifier')}']")[0]


def test_identifier_is_a_deterministic_uuid_when_absent(tmp_path):
    files = {"a.md": "# A\n\nText.\n"}
    first = build_epub(make_book(tmp_path / "one", TINY.format(title="Same Title"), files))
    again = build_epub(make_book(tmp_path / "two", TINY.format(title="Same Title"), files))
    other = build_epub(make_book(tmp_path / "three", TINY.format(title="Other Title"), files))
    identifier = identifier_of(first)
    assert identifier.startswith("urn:uuid:")
    uuid.UUID(identifier.removeprefix("urn:uuid:"))
    assert identifier_of(again) == identifier
    assert identifier_of(build_epub(tmp_path / "one")) == identifier
    assert identifier_of(other) != identifier


def test_source_date_epoch_sets_dcterms_modified(tmp_path, monkeypatch):
    book = make_book(tmp_path / "book", TINY.format(title="Epoch"), {"a.md": "Text.\n"})
    modified = "opf:meta[@property='dcterms:modified']"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert Epub(build_epub(book)).metadata(modified) == ["2023-11-14T22:13:20Z"]
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")
    assert Epub(build_epub(book)).metadata(modified) == ["2000-01-01T00:00:00Z"]


def test_modified_date_without_source_date_epoch_is_newest_source(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    book = make_book(tmp_path / "book", TINY.format(title="Mtime"), {"a.md": "Text.\n"})
    for name, stamp in (("book.yaml", 1600000000), ("a.md", 1650000000)):
        os.utime(book / name, (stamp, stamp))
    (modified,) = Epub(build_epub(book)).metadata("opf:meta[@property='dcterms:modified']")
    assert modified == datetime.fromtimestamp(1650000000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
