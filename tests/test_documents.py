"""In-world documents as our author writes them: speakers in capitals, mixed case or bold; every
source, author and date visible; blockquote, footer and cite semantics; letters' parts marked;
the newspaper headline styled as a reader's browser computes it."""

from __future__ import annotations

import re
import zipfile

from bookkit import NS, make_book, run_cli, text_of
from pypdf import PdfReader

X = f"{{{NS['x']}}}"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def squash(el) -> str:
    return " ".join(text_of(el).split())


def chapter(feature_books):
    return feature_books["documents"].epub.document("inquiry")


def quote(feature_books, cls):
    (found,) = chapter(feature_books).xpath(
        "//x:blockquote[contains(concat(' ', @class, ' '), $c)]", c=f" {cls} ", namespaces=NS)
    return found


def test_speakers_in_mixed_case_capitals_and_bold_are_recognised(feature_books):
    transcript = quote(feature_books, "transcript")
    speeches = transcript.findall("x:p[@class='speech']", NS)
    speakers = [p.find("x:span[@class='speaker']", NS).text for p in speeches]
    assert speakers == ["Pavel Orlov", "Lidia Marchenko", "Orlov", "MARCHENKO",
                        "Charles de Gaulle"]
    assert squash(speeches[2]) == "Orlov: Who gave it to you?"
    assert transcript.find(".//x:strong", NS) is None  # the bold became the speaker
    directions = [squash(p) for p in transcript.findall("x:p[@class='direction']", NS)]
    assert directions == ["(The witness hesitates.)", "A door closes."]


def test_every_document_shows_its_source_author_and_date(feature_books):
    lines = {cls: squash(quote(feature_books, cls).find(".//x:p[@class='attribution']", NS))
             for cls in ("transcript", "excerpt", "epigraph", "letter", "newspaper")}
    assert lines == {
        "transcript": "From the Transcript of the Inquiry into the Harbour Fire, 1953",
        "excerpt": "From The Harbour Pilot by A. Ivanov, 1949",
        "epigraph": "\u2014 Anna Akhmatova, Requiem",
        "letter": "By Nina Orlova",
        "newspaper": "By Our Correspondent",
    }
    assert squash(quote(feature_books, "newspaper").find(".//x:p[@class='dateline']", NS)) \
        == "Pravda, 6 March 1953"
    assert squash(quote(feature_books, "letter").find(".//x:p[@class='dateline']", NS)) \
        == "2 March 1953"
    # Nothing is left hidden in data- attributes.
    assert not [a for el in chapter(feature_books).iter() for a in el.attrib
                if a.startswith("data-")]


def test_documents_are_blockquotes_with_attribution_in_footer_and_cite(feature_books):
    for cls in ("transcript", "excerpt", "epigraph"):
        footer = quote(feature_books, cls).find("x:footer", NS)
        assert footer is not None and footer.find(".//x:cite", NS) is not None, cls
    assert quote(feature_books, "newspaper").find("x:header/x:p/x:cite", NS).text == "Pravda"


def test_a_chapter_top_epigraph_carries_its_semantics(feature_books):
    epigraph = quote(feature_books, "epigraph")
    assert epigraph.get(EPUB_TYPE) == "epigraph" and epigraph.get("role") == "doc-epigraph"


def test_letter_marks_salutation_valediction_and_signature(feature_books):
    letter = quote(feature_books, "letter")
    assert letter.get(EPUB_TYPE) == "z3998:letter"
    marked = {p.get(EPUB_TYPE): squash(p) for p in letter.iter(X + "p") if p.get(EPUB_TYPE)}
    assert marked == {"z3998:salutation": "Dear Pavel,", "z3998:valediction": "Yours ever,",
                      "z3998:signature": "Nina"}
    assert letter.find("x:header/x:p[@class='salutation']", NS) is not None
    assert [squash(p) for p in letter.findall("x:footer/x:p", NS)] == [
        "Yours ever,", "Nina", "By Nina Orlova"]


def test_the_documents_are_set_in_the_pdf_too(feature_books, tmp_path):
    run = run_cli("build", feature_books["documents"].root, "--format", "pdf", "--out", tmp_path)
    assert run.code == 0, run.err
    (pdf,) = tmp_path.glob("*.pdf")
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    flat = re.sub(r"\s", "", text).lower()  # small capitals come out as lower case
    for line in ("From the Transcript of the Inquiry into the Harbour Fire, 1953",
                 "From The Harbour Pilot by A.", "Pravda, 6 March 1953", "By Nina Orlova"):
        assert re.sub(r"\s", "", line).lower() in flat, line


def test_a_transcript_line_without_a_speaker_is_warned_with_its_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Speakerless
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": "# One\n\n::: transcript\nORLOV: Yes.\n\nthen someone said no.\n:::\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err
    warnings = [line for line in run.err.splitlines() if "BB246" in line]
    assert len(warnings) == 1 and "one.md:6:" in warnings[0], run.err


def test_the_newspaper_headline_is_styled_in_the_epub(feature_books, browser, tmp_path):
    epub = feature_books["documents"].epub.path
    with zipfile.ZipFile(epub) as archive:
        archive.extractall(tmp_path)
    (document,) = tmp_path.rglob("inquiry.xhtml")
    page = browser.new_page()
    try:
        page.goto(document.as_uri())
        style = page.evaluate("""() => {
            const headline = document.querySelector('blockquote.newspaper h2');
            const s = getComputedStyle(headline);
            return {tag: headline.tagName, caps: s.fontVariantCaps, align: s.textAlign,
                    weight: s.fontWeight};
        }""")
    finally:
        page.close()
    assert style == {"tag": "h2", "caps": "small-caps", "align": "center", "weight": "700"}
