"""Images: copied into the EPUB, referenced by a path that resolves, alt text kept."""

from bookkit import NS, copied_image, text_of


def test_image_is_copied_and_referenced(feature_books):
    book = feature_books["image"]
    target = copied_image(book, "map.xhtml", "A street map of central Moscow",
                          "art/moscow-map.png")
    assert book.epub.item_named(target)["media-type"] == "image/png"


def test_image_alone_in_paragraph_is_figure_with_caption(feature_books):
    doc = feature_books["image"].epub.document("map")
    (figure,) = doc.findall(".//x:figure", NS)
    assert figure.find("x:img", NS) is not None
    assert text_of(figure.find("x:figcaption", NS)) == "Moscow, 1953"
    assert figure.find("x:img", NS).get("title") is None


def test_book_with_image_declares_visual_access_mode(feature_books):
    epub = feature_books["image"].epub
    modes = epub.metadata("opf:meta[@property='schema:accessMode']")
    features = epub.metadata("opf:meta[@property='schema:accessibilityFeature']")
    assert "visual" in modes and "alternativeText" in features
