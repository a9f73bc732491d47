"""What the raw-HTML policy and the manuscript do with markup that is allowed: it passes through,
its images and links are taken into the book, and two Markdown habits HTML forbids are
repaired. (What is refused, and where it is reported, is in the hostile corpus.)"""

from __future__ import annotations

import pytest
from bookkit import NS, Epub, build_epub, make_book, text_of, tiny_png

from bookbuild.pdf.fetcher import confined_fetcher

TWO_CHAPTERS = "title: Policy Book\nauthor: Jane Doe\nspine: [one.md, part/two.md]\n"


@pytest.fixture(scope="module")
def epub(tmp_path_factory) -> Epub:
    root = tmp_path_factory.mktemp("policy") / "book"
    book = make_book(root, TWO_CHAPTERS, {
        "one.md": """
            # One

            A link with a note in its text: [the decree[^1]](https://example.org/decree).

            - <aside role="note"><p>An aside in a list item.</p></aside>

            An inline <img src="art/seal.png" alt="a seal"/> picture, and [the second
            chapter](part/two.md), [a place in it](part/two.md#there), [here](#mark).

            <p id="mark">A mark.</p>

            [^1]: A note with its own picture: <img src="art/stamp.png" alt="a stamp"/>
        """,
        "part/two.md": "# Two\n\n<p id=\"there\">There.</p>\n\n[Back](../one.md#mark).\n",
        "art/seal.png": tiny_png(3, 3),
        "art/stamp.png": tiny_png(4, 4),
    })
    return Epub(build_epub(book))


def test_a_note_call_in_a_link_moves_just_after_the_link(epub):
    paragraph = epub.document("one").find(".//x:section/x:p", NS)
    link, call = paragraph.findall("x:a", NS)
    assert (link.get("href"), text_of(link)) == ("https://example.org/decree", "the decree")
    assert call.get("role") == "doc-noteref" and call.text == "1"
    assert link.getnext() is call and link.tail is None
    assert text_of(paragraph) == "A link with a note in its text: the decree1."


def test_block_html_in_a_list_item_is_not_wrapped_in_a_paragraph(epub):
    (item,) = epub.document("one").findall(".//x:section/x:ul/x:li", NS)
    assert [child.tag.split("}")[1] for child in item] == ["aside"]
    assert item.find("x:aside/x:p", NS).text == "An aside in a list item."


def test_raw_html_images_in_the_text_and_in_notes_are_copied_into_the_book(epub):
    doc_name = "EPUB/text/one.xhtml"
    doc = epub.xml(doc_name)
    sources = {img.get("alt"): epub.full_name(img.get("src"), relative_to=doc_name)
               for img in doc.iter(f"{{{NS['x']}}}img")}
    assert set(sources) == {"a seal", "a stamp"}
    assert epub.files[sources["a seal"]] == tiny_png(3, 3)
    assert epub.files[sources["a stamp"]] == tiny_png(4, 4)
    assert doc.find(".//x:aside//x:img", NS).get("alt") == "a stamp"
    for name in sources.values():
        assert epub.item_named(name)["media-type"] == "image/png"


def test_links_to_chapters_point_at_their_documents(epub):
    links = {text_of(a): a.get("href")
             for a in epub.document("one").iterfind(".//x:section//x:a", NS)}
    assert links["the second\nchapter"] == "two.xhtml"
    assert links["a place in it"] == "two.xhtml#there"
    assert links["here"] == "#mark"
    (back,) = epub.document("two").iterfind(".//x:section//x:p/x:a", NS)
    assert back.get("href") == "one.xhtml#mark"


def test_print_css_cannot_load_files_from_outside_the_book(tmp_path):
    book = make_book(tmp_path / "book", TWO_CHAPTERS, {"styles/inside.css": "p {}\n"})
    (tmp_path / "secret.css").write_text("p { color: red }\n")
    fetch = confined_fetcher(book).fetch
    inside = fetch((book / "styles" / "inside.css").as_uri())
    assert inside.read() == b"p {}\n"
    inside.close()
    with pytest.raises(ValueError, match="outside the book folder"):
        fetch((tmp_path / "secret.css").as_uri())
    with pytest.raises(ValueError, match="outside the book folder"):
        fetch((book / "styles" / ".." / ".." / "secret.css").as_uri())
    with pytest.raises(ValueError):
        fetch("https://example.org/tracker.css")
