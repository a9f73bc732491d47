"""Chapter titles: from the first `#` heading, or from a YAML header with a subtitle."""

from bookkit import NS, body_text, text_of


def heading(doc):
    return doc.find(".//x:section/x:header/x:h1", NS)


def test_chapter_title_comes_from_first_heading(feature_books):
    epub = feature_books["titles"].epub
    doc = epub.document("heading")
    assert text_of(heading(doc)) == "The Heading Title"
    assert doc.findtext(".//x:head/x:title", namespaces=NS) == "The Heading Title"
    section = doc.find(".//x:body/x:section", NS)
    assert section.get("aria-labelledby") == heading(doc).get("id")
    # The heading moved into the chapter's header; the text does not repeat it.
    assert len(doc.findall(".//x:h1", NS)) == 1
    assert "The Heading Title" not in body_text(doc).replace(text_of(heading(doc)), "", 1)
    assert "First paragraph of the chapter." in body_text(doc)


def test_chapter_title_and_dated_subtitle_come_from_yaml_header(feature_books):
    epub = feature_books["titles"].epub
    doc = epub.document("header")
    assert text_of(heading(doc)) == "The Header Title"
    subtitle = doc.find(".//x:section/x:header/x:p", NS)
    assert subtitle.get("role") == "doc-subtitle"
    # Written unquoted in YAML; it must stay the author's text, not become a date object.
    assert text_of(subtitle) == "1953-03-05"
    assert "---" not in body_text(doc) and "title:" not in body_text(doc)
    assert "Text under a title from the header." in body_text(doc)


def test_chapter_titles_are_the_nav_entries(feature_books):
    epub = feature_books["titles"].epub
    nav = epub.xml(epub.nav_name())
    labels = [text_of(a) for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)]
    assert labels == ["The Heading Title", "The Header Title"]


def test_titles_from_a_yaml_header_get_smart_punctuation_and_stay_text(tmp_path):
    from bookkit import Epub, build_epub, make_book

    chapter = ('---\ntitle: The Doctor\'s "Hand" *and* <b>more</b>\n'
               'subtitle: March 1953 -- May 1956...\n---\nText.\n')
    book = make_book(tmp_path / "b", "title: T\nauthor: A\nspine:\n  - c.md\n",
                     {"c.md": chapter})
    doc = Epub(build_epub(book)).document("c")
    heading = doc.find(".//{http://www.w3.org/1999/xhtml}h1")
    subtitle = doc.find(".//{http://www.w3.org/1999/xhtml}p[@role='doc-subtitle']")
    assert "".join(heading.itertext()) == "The Doctor\u2019s \u201cHand\u201d *and* <b>more</b>"
    assert len(heading) == 0  # markup characters stay characters
    assert subtitle.text == "March 1953 \u2013 May 1956\u2026"
