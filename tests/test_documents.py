"""In-world documents as our author writes them: speakers in capitals, mixed case or bold; every
source, author and date visible; blockquote, footer and cite semantics; letters' parts marked;
the newspaper headline styled as a reader's browser computes it."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pdfplumber
import pytest
from bookkit import NS, make_book, run_cli, text_of
from lxml import etree
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


@pytest.fixture(scope="module")
def documents_pdf(feature_books, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("documents-pdf")
    run = run_cli("build", feature_books["documents"].root, "--format", "pdf", "--out", out)
    assert run.code == 0, run.err
    (pdf,) = out.glob("*.pdf")
    return pdf


def flat(text: str) -> str:
    """Text with no spaces of any kind, in lower case (small capitals come out so)."""
    return re.sub(r"[\s\u00a0\u200a\u2060]", "", text).lower()


@pytest.mark.slow
def test_the_documents_are_set_in_the_pdf_too(documents_pdf):
    text = flat("".join(page.extract_text() for page in PdfReader(documents_pdf).pages))
    for line in ("From the Transcript of the Inquiry into the Harbour Fire, 1953",
                 "From The Harbour Pilot by A.", "Pravda, 6 March 1953", "By Nina Orlova"):
        assert flat(line) in text, line


@pytest.mark.slow
def test_the_pdf_shows_every_attribution_and_sign_off(documents_pdf):
    with pdfplumber.open(documents_pdf) as pdf:
        text = flat("".join(page.extract_text() or "" for page in pdf.pages))
    for line in ("— Anna Akhmatova, Requiem", "From The Harbour Pilot by A. Ivanov, 1949",
                 "— Ksenia Dubrovina, Winter Notebooks",
                 "From A History of the Northern Fleet by S. P. Kornilov, 1961",
                 "From the Record of the Second Sitting, 7 March 1953",
                 "Presiding Judge: Mrs. Marchenko, you wrote this?", "(The witness nods.)",
                 "3 March 1953", "My dear Nina,", "With love,", "Lidia", "P.S. Burn this.",
                 "By Lidia Marchenko", "Izvestia, 8 March 1953", "Inquiry Resumes",
                 "By A Staff Reporter", "The cutting is undated in the file."):
        assert flat(line) in text, line


def test_a_transcript_line_without_a_speaker_is_warned_with_its_line(tmp_path):
    book = make_book(tmp_path / "book", """
        title: Speakerless
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": "# One\n\n::: transcript\nORLOV: Yes.\n\nthen someone said no.\n:::\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err
    warnings = run.told("BB246")
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


# ---- every kind of document: semantics, notes, a reader without our CSS, Ace ----

Z3998 = "z3998: http://www.daisy.org/z3998/2012/vocab/structure/#"


def papers(feature_books):
    return feature_books["documents"].epub.document("papers")


def paper(feature_books, cls):
    (found,) = papers(feature_books).xpath(
        "//x:blockquote[contains(concat(' ', @class, ' '), $c)]", c=f" {cls} ", namespaces=NS)
    return found


def typed(root, epub_type: str) -> list[str]:
    return [squash(el) for el in root.iter() if epub_type in (el.get(EPUB_TYPE) or "").split()]


def test_each_kind_carries_the_vocabularies_terms_and_no_invented_role(feature_books):
    kinds = {cls: (paper(feature_books, cls).get(EPUB_TYPE), paper(feature_books, cls).get("role"))
             for cls in ("epigraph", "excerpt", "transcript", "letter", "newspaper")}
    assert kinds == {"epigraph": ("epigraph", "doc-epigraph"), "excerpt": (None, None),
                     "transcript": (None, None), "letter": ("z3998:letter", None),
                     "newspaper": ("z3998:article", None)}
    # The Z39.98 prefix is declared where its terms are used.
    assert papers(feature_books).get(f"{{{NS['epub']}}}prefix") == Z3998


def test_a_transcript_marks_personas_speeches_and_stage_directions(feature_books):
    transcript = paper(feature_books, "transcript")
    assert typed(transcript, "z3998:persona") == ["Presiding Judge", "Lidia Marchenko"]
    assert typed(transcript, "z3998:speech") == [
        "Presiding Judge: Mrs. Marchenko, you wrote this?2", "Lidia Marchenko: I did."]
    assert typed(transcript, "z3998:stage-direction") == ["(The witness nods.)"]
    for speech in transcript.xpath(".//*[@epub:type='z3998:speech']", namespaces=NS):
        assert speech.get("class") == "speech"
        assert speech[0].get(EPUB_TYPE) == "z3998:persona"


def test_a_letter_marks_its_postscript_after_the_signature(feature_books):
    letter = paper(feature_books, "letter")
    footer = letter.find("x:footer", NS)
    assert [(p.get(EPUB_TYPE), squash(p)) for p in footer.findall("x:p", NS)] == [
        ("z3998:valediction", "With love,"), ("z3998:signature", "Lidia"),
        ("z3998:postscript", "P.S. Burn this."), (None, "By Lidia Marchenko")]
    assert typed(letter, "z3998:salutation") == ["My dear Nina,"]


def test_notes_inside_documents_pop_up_and_link_back(feature_books):
    doc = papers(feature_books)
    by_id = {el.get("id"): el for el in doc.iter() if el.get("id")}
    for cls in ("excerpt", "transcript", "letter", "newspaper"):
        (call,) = paper(feature_books, cls).xpath(".//x:a[@epub:type='noteref']", namespaces=NS)
        assert call.get("role") == "doc-noteref" and len(call) == 0, cls  # no <sup> inside
        note = by_id[call.get("href").removeprefix("#")]
        assert note.tag == X + "aside" and note.get(EPUB_TYPE) == "footnote", cls
        assert note.get("role") == "doc-footnote"
        assert note.getparent().tag == X + "body", cls  # not inside the document it annotates
        (back,) = note.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
        assert back.get("href") == "#" + call.get("id"), cls
    notes = [squash(n) for n in doc.xpath("//x:aside[@epub:type='footnote']", namespaces=NS)]
    assert notes == ["1. Kornilov, chapter 4.", "2. The record gives no time.",
                     "3. The letter is in the archive.", "4. The cutting is undated in the file."]


def test_documents_are_set_apart_by_a_reader_that_drops_our_css(feature_books, browser,
                                                                 tmp_path):
    """The chapter without its stylesheet, in Chromium: only the browser's own (UA) styles."""
    with zipfile.ZipFile(feature_books["documents"].epub.path) as archive:
        archive.extractall(tmp_path)
    (document,) = tmp_path.rglob("papers.xhtml")
    tree = etree.parse(str(document))
    for link in tree.getroot().iter(X + "link"):
        link.getparent().remove(link)
    bare = document.with_name("bare.xhtml")
    tree.write(str(bare), xml_declaration=True, encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(bare.as_uri())
        found = page.evaluate("""() => {
            const left = el => el.getBoundingClientRect().left;
            const right = el => el.getBoundingClientRect().right;
            const narrative = document.querySelector('section > p');
            const out = {sheets: document.styleSheets.length, narrative: [left(narrative),
                         right(narrative)], kinds: {}};
            for (const q of document.querySelectorAll('blockquote')) {
                const texts = [...q.querySelectorAll('p')];
                out.kinds[q.className] = {
                    left: Math.min(...texts.map(left)), right: Math.max(...texts.map(right)),
                    cite: [...q.querySelectorAll('cite')].map(c => getComputedStyle(c).fontStyle)};
            }
            return out;
        }""")
    finally:
        page.close()
    assert found["sheets"] == 0
    left, right = found["narrative"]
    assert set(found["kinds"]) == {"epigraph", "excerpt", "transcript", "letter", "newspaper"}
    for kind, box in found["kinds"].items():
        # Indented on both sides (HTML's blockquote margins: 40px), titles in italics.
        assert box["left"] >= left + 30 and box["right"] <= right - 30, (kind, box, left, right)
        assert set(box["cite"]) <= {"italic"}, kind


@pytest.mark.slow
def test_the_book_with_every_document_kind_passes_daisy_ace(documents_ace):
    out, violations = documents_ace
    assert violations == []
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["earl:result"]["earl:outcome"] == "pass"
    checked = {a["earl:testSubject"]["url"] for a in report["assertions"]}
    assert {"text/inquiry.xhtml", "text/papers.xhtml", "text/semantics.xhtml"} <= checked


def test_epub_type_follows_one_rule_on_every_element(feature_books):
    """A link's, a div's, a span's and raw HTML's epub:type is kept, with the DPUB-ARIA role its
    term has (Ace's epub-type-has-matching-role, checked by the Ace test above); the chapter
    div's `chapter` is left to the chapter's section, which says it already."""
    doc = feature_books["documents"].epub.document("semantics")
    typed = [(etree.QName(el).localname, el.get(EPUB_TYPE), el.get("role"))
             for el in doc.find(".//x:section", NS).iterdescendants() if el.get(EPUB_TYPE)]
    assert typed == [
        ("a", "noteref", "doc-noteref"), ("a", "noteref", "doc-noteref"),
        ("div", "pullquote", "doc-pullquote"), ("span", "z3998:newspaper", None),
        ("aside", "footnote", "doc-footnote"), ("div", "endnotes", "doc-endnotes"),
        ("a", "backlink", "doc-backlink"), ("a", "backlink", "doc-backlink")]
    assert doc.find(".//x:div[@id='chapter-3']", NS).get("data-epub-type") is None
    assert not any(el.get("data-epub-type") for el in doc.iter())
