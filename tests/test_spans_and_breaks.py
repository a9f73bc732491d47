"""Bracketed spans `[text]{lang=..}` mark languages (right-to-left ones get dir); `* * *` breaks."""

from bookkit import NS, XML_LANG, text_of


def spans(feature_books):
    doc = feature_books["spans"].epub.document("spans")
    return doc.findall(".//x:section//x:span", NS)


def test_bracketed_span_sets_lang_and_xml_lang(feature_books):
    russian = spans(feature_books)[0]
    assert russian.text == "Иван"
    assert russian.get("lang") == "ru" and russian.get(XML_LANG) == "ru"
    assert russian.get("dir") is None


def test_right_to_left_span_gets_dir_rtl(feature_books):
    hebrew = spans(feature_books)[1]
    assert hebrew.text == "שלום"
    assert hebrew.get("lang") == "he" and hebrew.get(XML_LANG) == "he"
    assert hebrew.get("dir") == "rtl"


def test_span_syntax_leaves_no_brackets(feature_books):
    doc = feature_books["spans"].epub.document("spans")
    paragraph = doc.find(".//x:section/x:p", NS)
    assert text_of(paragraph) == "He called for Иван and wrote שלום on the wall."


def test_scene_break_becomes_hr_with_class(feature_books):
    doc = feature_books["scene_break"].epub.document("scenes")
    section = doc.find(".//x:section", NS)
    body = [(el.tag.rpartition("}")[2], el.get("class")) for el in section
            if el.tag != f"{{{NS['x']}}}header"]
    assert body == [("p", None), ("hr", "scene-break"), ("p", None)]
    assert "*" not in text_of(section)
