"""WeasyPrint's line breaking remembered (pdf/linememo.py) lays a book out exactly as without
it: each section of the sample book (footnotes, Cyrillic and Hebrew, excerpts, a transcript,
the make-up's retries) laid out both ways comes out as the same PDF, byte for byte, and the
same pages; and the answers remembered were asked for again."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookbuild import config as config_module
from bookbuild.pdf import chunked as chunking
from bookbuild.pdf import linememo
from bookbuild.pdf import workers as pool
from bookbuild.pdf.html import print_html, print_images
from bookbuild.read import read_book

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_sections_laid_out_with_lines_remembered_are_the_same_pdf(monkeypatch):
    book = read_book(config_module.load(ROOT))
    workers = pool.Workers(ROOT)
    pool._typesetter(workers.theme)  # installs linememo
    margins = chunking.effective_margins(book, 60)
    remembering = linememo.split_first_line
    original = linememo._STATE["original"]
    asked = {"memo": 0, "weasyprint": 0}

    def counted(*args, **kwargs):
        asked["weasyprint"] += 1
        return original(*args, **kwargs)

    def counted_memo(*args, **kwargs):
        asked["memo"] += 1
        return remembering(*args, **kwargs)

    monkeypatch.setitem(linememo._STATE, "original", counted)
    sections = chunking.body_sections(book)
    assert len(sections) >= 5
    for section in sections:
        html = print_html(book, margins, "pod", print_images(book), only={section.id})
        notes = [(n.id, n.ref_id) for n in section.notes]
        monkeypatch.setattr("weasyprint.layout.inline.split_first_line", original)
        without = pool.lay_out_section(workers.theme, html, notes)
        monkeypatch.setattr("weasyprint.layout.inline.split_first_line", counted_memo)
        remembered = pool.lay_out_section(workers.theme, html, notes)
        assert remembered.pdf == without.pdf, section.id
        facts = ("pages", "starts", "hyphen_pages", "anchors")
        assert [getattr(remembered, name) for name in facts] == [
            getattr(without, name) for name in facts], section.id
    # WeasyPrint set each line once; a tenth or more were asked for again (a page laid
    # out again for its notes, the make-up's retries)
    assert 0 < asked["weasyprint"] < 0.9 * asked["memo"]


def test_a_style_changed_in_a_field_the_breaking_reads_is_a_new_key():
    """Two styles that differ in any of FIELDS are never given each other's lines."""
    from weasyprint import HTML

    document = HTML(string="<p style='letter-spacing: 1px'>a</p><p>a</p>").render()
    paragraphs = [page_box for page_box in document.pages[0]._page_box.descendants()
                  if page_box.element_tag == "p"]
    keys = {linememo._style_key(p.style) for p in paragraphs}
    assert len(keys) == 2
