"""Accessibility (EPUB Accessibility 1.1, WCAG 2.1 AA): the package's claims, the page-list
that follows the print edition page for page, language and heading structure, and DAISY Ace.

The sample book's `check` run (the `sample` fixture in conftest.py) gives the EPUB and PDF of
one build; Ace runs inside it, once per session.
"""

from __future__ import annotations

import json
import re
import stat
from collections import Counter

import pytest
from bookkit import NS, Epub, make_book, require_ace, run_cli
from lxml import etree

from bookbuild.checks.ace import ace_executable, ace_problems, read_ace_report
from bookbuild.epub.documents import insert_at_unit, page_marker
from bookbuild.xhtml import h

EPUB_TYPE = f"{{{NS['epub']}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
COMPARED = 20  # letters and digits compared at each page start: about four words


@pytest.fixture(scope="module")
def epub(sample) -> Epub:
    assert sample["run"].code == 0, sample["run"].err
    return Epub(sample["epub"])


def properties(epub: Epub, name: str) -> list[str]:
    return epub.metadata(f"opf:meta[@property='{name}']")


# ---- package metadata ----


def test_package_states_access_modes_features_hazards_and_summary(epub):
    assert properties(epub, "schema:accessMode") == ["textual", "visual"]
    assert properties(epub, "schema:accessModeSufficient") == ["textual", "textual,visual"]
    assert properties(epub, "schema:accessibilityFeature") == [
        "structuralNavigation", "tableOfContents", "readingOrder", "alternativeText",
        "pageBreakMarkers", "pageNavigation"]
    assert properties(epub, "schema:accessibilityHazard") == ["none"]
    (summary,) = properties(epub, "schema:accessibilitySummary")
    assert "Every image has a text description." in summary
    assert "print edition (ISBN 978-0-00-000196-2)" in summary


def test_package_claims_epub_accessibility_1_1_and_names_the_page_source(epub):
    assert properties(epub, "dcterms:conformsTo") == [
        "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert properties(epub, "a11y:certifiedBy") == ["Bookbuild Sample Press"]
    assert properties(epub, "pageBreakSource") == ["urn:isbn:9780000001962"]  # the paperback
    assert epub.opf.get(XML_LANG) == "en"


def test_an_epub_built_without_the_pdf_has_no_page_list_and_claims_none(sample_book):
    epub = sample_book.epub  # conftest builds this one with --format epub
    nav = epub.xml(epub.nav_name())
    assert not nav.xpath("//x:nav[@epub:type='page-list']", namespaces=NS)
    assert "pageNavigation" not in properties(epub, "schema:accessibilityFeature")
    assert properties(epub, "pageBreakSource") == []


# ---- the page-list follows the print edition ----


def _events(section: etree._Element):
    """("marker", label) and ("text", str) in reading order, note calls left out."""
    def walk(el):
        if el.get(EPUB_TYPE) == "pagebreak":
            yield "marker", el.get("aria-label")
        elif el.get(EPUB_TYPE) != "noteref":
            yield "text", el.text or ""
            for child in el:
                yield from walk(child)
        yield "text", el.tail or ""

    yield from walk(section)


def _alnum(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def epub_page_starts(epub: Epub) -> dict[str, tuple[str, bool]]:
    """For each page-list entry: the text after its marker, up to the next marker (or COMPARED
    letters), whether the marker stands at the start of its document's section, and how long
    the word after it is."""
    nav_name = epub.nav_name()
    (page_list,) = epub.xml(nav_name).xpath("//x:nav[@epub:type='page-list']", namespaces=NS)
    starts = {}
    for link in page_list.iter(f"{{{NS['x']}}}a"):
        name, fragment = epub.full_name(link.get("href"), nav_name), link.get("href").split("#")[1]
        doc = epub.xml(name)
        (marker,) = doc.xpath("//*[@id=$f]", f=fragment)
        assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
        assert marker.get("aria-label") == link.text == fragment.removeprefix("page-")
        root = doc.find(".//x:body/x:section", NS)
        if root is None or marker not in root.iter():
            # The contents page: the nav lists the front matter too, print only what follows
            # the contents, so only the heading is the same.
            (heading,) = doc.xpath("//x:nav[@epub:type='toc']/x:h1", namespaces=NS)
            starts[link.text] = (_alnum(heading.text), True, 0)
            continue
        events = list(_events(root))
        at = events.index(("marker", marker.get("aria-label")))
        text = ""
        for kind, value in events[at + 1:]:
            if kind == "marker" and not _alnum(text):
                continue  # a blank page's marker is followed by the next page's
            if kind == "marker" or len(_alnum(text)) >= COMPARED:
                break
            text += value
        section_start = not _alnum("".join(v for k, v in events[:at] if k == "text"))
        word = re.match(r"\W*(\w*)", text)[1]
        starts[link.text] = (_alnum(text)[:COMPARED], section_start, len(word))
    return starts


def pdf_page_text(page, top: float, bottom: float) -> tuple[str, list[str]]:
    """The page's text between the margins (body and notes, in drawing order), and the words
    in the head and foot margins (running heads and folios)."""
    body, margins = [], []
    height = float(page.trimbox.top)

    def visit(text, cm, tm, font, size):
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        if y > height - top or y < bottom:
            margins.append(text)
        else:
            body.append((text, round(size * abs(tm[0] or tm[3] or 1), 1)))

    page.extract_text(visitor_text=visit)
    # Note calls are set smaller than any text (0.65em against the notes' 0.8em): the EPUB's
    # text has no call where the page begins, so they are left out.
    sizes = Counter()
    for text, size in body:
        sizes[size] += len(text.strip())
    common = sizes.most_common(1)[0][0] if sizes else 0
    kept = "".join(text for text, size in body if size >= 0.72 * common)
    return _alnum(kept), " ".join(margins).lower().split()


@pytest.mark.slow
def test_page_list_has_every_print_page_under_its_folio(sample, epub):
    starts = epub_page_starts(epub)
    pages = len(sample["reader"].pages)
    assert len(starts) == pages
    labels = list(starts)
    first_arabic = labels.index("1")
    roman = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
    assert labels[:first_arabic] == roman[:first_arabic]
    assert labels[first_arabic:] == [str(n) for n in range(1, pages - first_arabic + 1)]
    for number, label in enumerate(labels, start=1):
        _, margin_words = pdf_page_text(sample["reader"].pages[number - 1], 0.75 * 72, 0.75 * 72)
        if margin_words:  # a folio is printed: it is the label
            assert label in margin_words, (number, label, margin_words)


@pytest.mark.slow
def test_text_after_each_page_marker_is_the_text_that_begins_that_print_page(sample, epub):
    """The EPUB's page-list is built from the PDF's layout; read back both files and check
    that each marker sits exactly where its page begins, word for word."""
    reader = sample["reader"]
    checked = mid_paragraph = split_words = 0
    starts = epub_page_starts(epub).items()
    for number, (label, (after, section_start, word)) in enumerate(starts, start=1):
        page_text, _ = pdf_page_text(reader.pages[number - 1], 0.75 * 72, 0.75 * 72)
        if not page_text:  # a blank page: its marker is where the next page starts
            assert after == "" or section_start, (label, after)
            continue
        if section_start and not page_text.startswith(after):
            page_text = page_text.lstrip("0123456789")  # print numbers its chapters
        # A word hyphenated across two pages is marked before the whole word.
        split = next((k for k in range(max(word, 1)) if page_text.startswith(after[k:])), None)
        assert split is not None, (label, after, page_text[:60])
        assert len(after) >= min(COMPARED, len(page_text)) or section_start, label
        checked += 1
        mid_paragraph += not section_start
        split_words += split > 0
    assert checked >= 30
    assert mid_paragraph >= 15  # most pages begin inside running text, not at a heading
    assert split_words <= mid_paragraph // 2


def test_marker_goes_before_the_unit_and_its_leading_punctuation_not_into_note_calls():
    section = etree.fromstring(
        '<section xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        '<p>Ab, cd<a epub:type="noteref" href="#n1">12</a> ef.</p>'
        '<p>\u201cGh <em>ij</em> kl.</p></section>')
    insert_at_unit(section, 6, page_marker("7"))  # "gh": after a, b, c, d, e, f
    insert_at_unit(section, 3, page_marker("6"))  # "d": the start of its word, "cd"
    insert_at_unit(section, 8, page_marker("8"))  # "ij", which opens the <em>: before it
    text = etree.tostring(section, encoding="unicode")
    assert '<p>Ab, <span id="page-6"' in text and "></span>cd<a" in text
    assert '</p><span id="page-7"' in text and '></span><p>\u201cGh ' in text  # between blocks
    assert 'Gh <span id="page-8"' in text and "></span><em>ij</em>" in text
    insert_at_unit(section, 99, page_marker("9"))  # past the end: appended
    assert section[-1].get("id") == "page-9"


def test_a_marker_never_splits_a_phrase_from_the_signs_before_it():
    section = etree.fromstring(
        '<section xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        '<p>\u00a9 2026 Helena Markham.</p></section>')
    insert_at_unit(section, 0, page_marker("iv"))
    assert section[0].get("id") == "page-iv" and section[1].text == "\u00a9 2026 Helena Markham."


def test_a_marker_never_stands_inside_a_heading():
    section = etree.fromstring(
        '<section xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        '<header><h1>The Mute Regency</h1></header><p>Text.</p></section>')
    insert_at_unit(section, 0, page_marker("ii"))
    insert_at_unit(section, 3, page_marker("iii"))
    (heading,) = section.iter(h("h1"))
    assert len(heading) == 0 and heading.text == "The Mute Regency"
    assert [el.get("id") for el in section.iter(h("span"))] == ["page-ii", "page-iii"]
    assert section[0].get("id") == "page-ii"  # before the header too, which the markers open


# ---- structure: languages and headings ----


def test_every_foreign_phrase_carries_its_language_for_readers_and_hyphenation(epub):
    foreign = 0
    for doc in epub.documents().values():
        for el in doc.iter():
            if el.get("lang"):
                assert el.get(XML_LANG) == el.get("lang"), etree.tostring(el)[:80]
                foreign += el.get("lang") != "en"
        for el in doc.iter(h("span")):
            text = "".join(el.itertext())
            if re.search("[\u0400-\u04ff]", text):
                assert el.get("lang") == "ru", text
            if re.search("[\u0590-\u05ff]", text):
                assert el.get("lang") == "he" and el.get("dir") == "rtl", text
    assert foreign >= 3


def test_headings_step_down_one_level_at_a_time(epub):
    for name, doc in epub.documents().items():
        levels = [int(el.tag[-1]) for el in doc.iter(*(h(f"h{n}") for n in range(1, 7)))]
        previous = 0
        for level in levels:
            assert level <= previous + 1, (name, levels)
            previous = level


# ---- DAISY Ace ----


def test_sample_book_passes_daisy_ace_with_no_violations(sample):
    require_ace()
    assert "DAISY Ace: 0 violations" in sample["run"].out
    report_path = sample["out"] / "ace" / "report.json"
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert read_ace_report(report_path) == []
    assert report["earl:result"]["earl:outcome"] == "pass"
    assert report["properties"]["hasPageBreaks"] is True
    assert {"schema:accessMode", "schema:accessibilityFeature", "schema:accessibilityHazard",
            "schema:accessibilitySummary", "schema:accessModeSufficient", "a11y:certifiedBy",
            "dcterms:conformsTo"} <= set(report["a11y-metadata"]["present"])
    checked = {a["earl:testSubject"]["url"] for a in report["assertions"]}
    assert {"text/cover.xhtml", "text/copyright.xhtml", "nav.xhtml",
            "text/ch-01-without-belongings.xhtml"} <= checked


def test_ace_violations_become_problems_by_impact(tmp_path, monkeypatch):
    """The plumbing, with a stand-in for ace-cli that writes a report with two violations."""
    report = {"assertions": [{"earl:testSubject": {"url": "text/one.xhtml"}, "assertions": [
        {"earl:result": {"earl:outcome": "fail", "dct:description": "Images need alt text"},
         "earl:test": {"dct:title": "image-alt", "earl:impact": "critical"}},
        {"earl:result": {"earl:outcome": "fail", "dct:description": "Heading skipped"},
         "earl:test": {"dct:title": "heading-order", "earl:impact": "moderate"}},
        {"earl:result": {"earl:outcome": "pass"}, "earl:test": {"dct:title": "ok"}}]}]}
    fake = tmp_path / "ace-cli"
    fake.write_text("#!/bin/sh\n# writes the canned report into --outdir\n"
                    f"mkdir -p \"$4\" && cat > \"$4/report.json\" <<'EOF'\n"
                    f"{json.dumps(report)}\nEOF\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("BOOKBUILD_ACE", str(fake))
    monkeypatch.setenv("PUPPETEER_EXECUTABLE_PATH", "/bin/sh")
    (tmp_path / "book.epub").write_bytes(b"PK")
    problems, note = ace_problems(tmp_path / "book.epub", "build/book.epub", tmp_path / "ace")
    assert [p.format() for p in problems] == [
        "build/book.epub: error: Ace image-alt (critical) in text/one.xhtml: Images need alt "
        "text [BB303 accessibility]",
        "build/book.epub: warning: Ace heading-order (moderate) in text/one.xhtml: Heading "
        "skipped [BB303 accessibility]"]
    assert note.startswith("DAISY Ace: 2 violations")


@pytest.mark.slow
def test_check_without_ace_says_so_plainly_and_passes(tmp_path, monkeypatch):
    monkeypatch.delenv("BOOKBUILD_ACE", raising=False)
    monkeypatch.setattr("bookbuild.checks.ace.ACE_PACKAGE", tmp_path / "no-ace")
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # java stays; no ace-cli there
    if ace_executable() is not None:
        pytest.skip("an ace-cli is installed system-wide")
    book = make_book(tmp_path / "book", "title: T\nauthor: A\nspine: [a.md]\n",
                     {"a.md": "# A\n\nText.\n"})
    run = run_cli("check", book, "--format", "epub")
    assert run.code == 0, run.err
    assert "EPUBCheck: 0 errors, 0 warnings" in run.out
    assert "Accessibility not checked: DAISY Ace is not installed" in run.out
    # Only the warning that the book has no cover (BB249), which stores require.
    assert [line for line in run.err.splitlines() if "BB249" not in line] == []


def test_ace_can_be_switched_off(tmp_path, monkeypatch):
    monkeypatch.setenv("BOOKBUILD_ACE", "off")
    (tmp_path / "book.epub").write_bytes(b"PK")
    assert ace_problems(tmp_path / "book.epub", "book.epub", tmp_path / "ace") == (
        [], "Accessibility not checked: DAISY Ace is switched off (BOOKBUILD_ACE=off)")
