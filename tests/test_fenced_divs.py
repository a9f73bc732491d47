"""Fenced divs `::: {.class key=value}`: in-world documents styled by class (each a
blockquote), nesting allowed."""

import re

from bookkit import NS, text_of


def divs(feature_books, cls, stem="divs"):
    doc = feature_books["divs"].epub.document(stem)
    return doc.xpath("//*[self::x:div or self::x:blockquote]"
                     "[contains(concat(' ', @class, ' '), $c)]", c=f" {cls} ",
                     namespaces=NS)


def squash(el):
    return re.sub(r"\s+", " ", text_of(el)).strip()


def test_excerpt_gets_attribution_line(feature_books):
    excerpt = divs(feature_books, "excerpt")[0]
    assert excerpt[0].tag == f"{{{NS['x']}}}footer"
    attribution = excerpt[0][0]
    assert attribution.tag == f"{{{NS['x']}}}p" and attribution.get("class") == "attribution"
    assert squash(attribution) == "From The Short Course by A. Committee"
    assert attribution.findtext("x:cite", namespaces=NS) == "The Short Course"
    assert squash(excerpt[1]) == "The history of the party."
    # source= and author= became the attribution, not stray attributes.
    assert set(excerpt.attrib) == {"class"}


def test_excerpt_shorthand_is_a_blockquote_with_that_class(feature_books):
    shorthand = divs(feature_books, "excerpt")[1]
    assert shorthand.get("class") == "excerpt" and shorthand.tag == f"{{{NS['x']}}}blockquote"
    assert [squash(p) for p in shorthand] == ["An excerpt in shorthand."]


def test_fenced_divs_nest(feature_books):
    (letter,) = divs(feature_books, "letter")
    children = [(el.tag.rpartition("}")[2], el.get("class")) for el in letter]
    assert children == [("header", None), ("blockquote", "excerpt"), ("footer", None)]
    inner = letter[1]
    assert [squash(p) for p in inner] == ["From Pravda", "A clipping inside the letter."]
    assert squash(letter[2]) == "Yours, K."
    # The inner ::: closed only the inner div; nothing leaked after the letter.
    assert letter.getnext().get("class") == "transcript"


def test_transcript_splits_speakers_speeches_and_directions(feature_books):
    (transcript,) = divs(feature_books, "transcript")
    lines = transcript.findall("x:p", NS)
    assert [p.get("class") for p in lines] == ["speech", "speech", "direction"]
    speakers = [p.find("x:span[@class='speaker']", NS) for p in lines[:2]]
    assert [s.text for s in speakers] == ["MALENKOV", "BERIA"]
    assert [squash(p) for p in lines[:2]] == ["MALENKOV: Is he awake?", "BERIA: He is listening."]
    assert lines[2].findtext("x:em", namespaces=NS) == "A door closes."


def test_letter_is_a_blockquote_with_its_class(feature_books):
    (letter,) = divs(feature_books, "letter")
    assert letter.get("class") == "letter"
    # The salutation is short and ends in a comma too, but it opens the letter.
    salutation = letter[0][0]
    assert squash(salutation) == "Dear Nina," and salutation.get("class") == "salutation"


def test_letter_marks_its_sign_off(feature_books):
    (letter,) = divs(feature_books, "letter", "signed")
    assert [(squash(p), p.get("class")) for p in letter.iter(f"{{{NS['x']}}}p")] == [
        ("Dear Comrade,", "salutation"), ("The work goes well.", None),
        ("Yours faithfully,", "signoff"), ("K. Petrov", "signoff")]


def test_epigraph_gets_attribution_after_the_quotation(feature_books):
    (epigraph,) = divs(feature_books, "epigraph")
    quotation, attribution = epigraph.findall(".//x:p", NS)
    assert squash(quotation) == "No, not under the vault of alien skies."
    assert attribution.get("class") == "attribution"
    assert text_of(attribution) == "\u2014\u2009Anna Akhmatova, Requiem"
    assert attribution.findtext("x:cite", namespaces=NS) == "Requiem"


def test_newspaper_gets_dateline(feature_books):
    (paper,) = divs(feature_books, "newspaper")
    dateline = paper[0][0]
    assert dateline.get("class") == "dateline"
    assert squash(dateline) == "Pravda, 6 March 1953"
    assert dateline.findtext("x:cite", namespaces=NS) == "Pravda"
    assert squash(paper[1]) == "The heart of the comrade has stopped beating."


def test_unknown_div_class_passes_through(feature_books):
    (margin,) = divs(feature_books, "marginalia")
    assert margin.get("class") == "marginalia"
    assert [squash(p) for p in margin] == ["A note in the margin."]


def test_no_fence_text_survives(feature_books):
    doc = feature_books["divs"].epub.document("divs")
    assert ":::" not in text_of(doc)
    assert "{." not in text_of(doc)
