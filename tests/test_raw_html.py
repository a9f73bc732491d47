"""Raw HTML that is well-formed and harmless passes through unchanged."""

from bookkit import NS, copied_image, text_of


def test_well_formed_raw_html_passes_through(feature_books):
    doc = feature_books["raw_html"].epub.document("raw")
    (memo,) = doc.xpath("//x:div[@class='memo']", namespaces=NS)
    paragraph = memo.find("x:p", NS)
    abbr = paragraph.find("x:abbr", NS)
    assert abbr.get("title") == "Ministry of State Security" and abbr.text == "MGB"
    assert paragraph.find("x:br", NS) is not None
    assert text_of(paragraph) == "To: MGBRe: the patient"


def test_inline_raw_html_passes_through(feature_books):
    doc = feature_books["raw_html"].epub.document("raw")
    (span,) = doc.xpath("//x:span[@class='smallcaps']", namespaces=NS)
    assert span.text == "inline"
    (link,) = doc.xpath("//x:section//x:a", namespaces=NS)
    assert link.get("href") == "https://example.org/" and link.text == "link"


def test_raw_html_image_is_copied_and_referenced(feature_books):
    book = feature_books["raw_html"]
    target = copied_image(book, "raw.xhtml", "A round ministry stamp", "art/stamp.png")
    assert book.epub.item_named(target)["media-type"] == "image/png"
