"""The steps of WeasyPrint's that bookbuild leaves out or remembers lay a book out exactly as
WeasyPrint does: justification's Pango layouts made when drawn (pdf/late_layouts.py), no
margin boxes made for a page that has none (pdf/margin_boxes.py), a style's strut and font
description found once and a box's widths broken through the line memo (pdf/linememo.py),
pages selected by the same @page rules sharing their styles (pdf/page_styles.py), whether a box
is in normal flow found once per float and position (pdf/normal_flow.py).
Each section of the sample book, and pages with running heads and folios, laid out with and
without them come out the same, byte for byte; and each of them did its work."""

from __future__ import annotations

import io
from pathlib import Path

import pypdf
import pytest
from weasyprint.text import line_break

from bookbuild import config as config_module
from bookbuild.pdf import chunked as chunking
from bookbuild.pdf import late_layouts, linememo, margin_boxes, normal_flow, page_styles
from bookbuild.pdf import workers as pool
from bookbuild.pdf.html import print_html, print_images
from bookbuild.read import read_book

ROOT = Path(__file__).resolve().parent.parent


class Shortcuts:
    """Each shortcut switched on or off where WeasyPrint (and setlines.py) call it, counting
    what each did while on."""

    def __init__(self, monkeypatch):
        self.monkeypatch = monkeypatch
        self.done = {"later": 0, "no margin boxes": 0, "strut": 0, "font": 0, "widths": 0,
                     "page styles lent": 0, "flow": 0}
        self.weasyprint_strut = linememo._STATE["strut"]
        self.weasyprint_font = linememo._STATE["font_description"]
        self.weasyprint_layout = line_break.create_layout
        self.weasyprint_boxes = margin_boxes._STATE["original"]
        self.weasyprint_lines = linememo._STATE["original"]
        self.weasyprint_page_styles = page_styles._STATE["original"]
        self.weasyprint_flow = normal_flow._STATE["original"]
        self.late = late_layouts.create_layout
        self.asked = {"strut": 0, "font": 0}
        monkeypatch.setitem(linememo._STATE, "strut", self._count("strut",
                                                                  self.weasyprint_strut))
        monkeypatch.setitem(linememo._STATE, "font_description",
                            self._count("font", self.weasyprint_font))

    def _count(self, name, function):
        def counted(*args):
            self.asked[name] += 1
            return function(*args)
        return counted

    def switch(self, on: bool) -> None:
        patch = self.monkeypatch.setattr
        if on:
            def later(*args, **kwargs):
                made = self.late(*args, **kwargs)
                self.done["later"] += isinstance(made, late_layouts._later_class())
                return made

            def boxes(*args):
                made = margin_boxes.make_margin_boxes(*args)
                self.done["no margin boxes"] += made == ()
                return made

            def strut(style):
                self.done["strut"] += 1
                return linememo.strut(style)

            def font(style):
                self.done["font"] += 1
                return linememo.font_description(style)

            def widths(*args, **kwargs):
                self.done["widths"] += 1
                return linememo.split_first_line(*args, **kwargs)

            def page_styles_of(page_type, html, style_for):
                computed = style_for.get_computed_styles()
                made = sum(1 for key in computed if key[0] == page_type)
                page_styles.set_page_type_computed_styles(page_type, html, style_for)
                self.done["page styles lent"] += made == 0 and any(
                    style is computed[key] for key in computed if key[0] == page_type
                    for other, style in computed.items() if other[0] != page_type)

            def flow(box):
                self.done["flow"] += 1
                return normal_flow.is_in_normal_flow(box)

            patch("weasyprint.layout.inline.create_layout", later)
            patch("weasyprint.layout.page.set_page_type_computed_styles", page_styles_of)
            patch("weasyprint.formatting_structure.boxes.Box.is_in_normal_flow", flow)
            patch("weasyprint.layout.make_margin_boxes", boxes)
            patch("weasyprint.layout.inline.strut", strut)
            patch("weasyprint.text.line_break.get_font_description", font)
            patch("weasyprint.layout.preferred.split_first_line", widths)
            patch(late_layouts, "create_layout", self.late)
        else:
            patch("weasyprint.layout.inline.create_layout", self.weasyprint_layout)
            patch("weasyprint.layout.page.set_page_type_computed_styles",
                  self.weasyprint_page_styles)
            patch("weasyprint.formatting_structure.boxes.Box.is_in_normal_flow",
                  self.weasyprint_flow)
            patch("weasyprint.layout.make_margin_boxes", self.weasyprint_boxes)
            patch("weasyprint.layout.inline.strut", self.weasyprint_strut)
            patch("weasyprint.text.line_break.get_font_description", self.weasyprint_font)
            patch("weasyprint.layout.preferred.split_first_line", self.weasyprint_lines)
            # setlines.py's new lines too
            patch(late_layouts, "create_layout", self.weasyprint_layout)


@pytest.fixture
def shortcuts(monkeypatch):
    pool._typesetter(pool.Workers(ROOT).theme)  # installs them
    return Shortcuts(monkeypatch)


@pytest.mark.slow
def test_sections_laid_out_with_the_shortcuts_are_the_same_pdf(shortcuts):
    book = read_book(config_module.load(ROOT))
    theme = pool.Workers(ROOT).theme
    margins = chunking.effective_margins(book, 60)
    sections = chunking.body_sections(book)
    assert len(sections) >= 5
    for section in sections:
        html = print_html(book, margins, "pod", print_images(book), only={section.id})
        notes = [(n.id, n.ref_id) for n in section.notes]
        shortcuts.switch(False)
        without = pool.lay_out_section(theme, html, notes)
        shortcuts.switch(True)
        taken = pool.lay_out_section(theme, html, notes)
        assert taken.pdf == without.pdf, section.id
        facts = ("pages", "starts", "hyphen_pages", "anchors")
        assert [getattr(taken, name) for name in facts] == [
            getattr(without, name) for name in facts], section.id
    done = shortcuts.done
    assert done["later"] > 1000 and done["no margin boxes"] > 40, done
    assert done["flow"] > 10_000 and done["page styles lent"] > 10, done
    # each style's strut and font description found by WeasyPrint once for every five asked or more
    assert 0 < shortcuts.asked["strut"] < done["strut"] / 5, (shortcuts.asked, done)
    assert 0 < shortcuts.asked["font"] < done["font"] / 5, (shortcuts.asked, done)


def test_pages_with_running_heads_and_folios_are_the_same_pdf(shortcuts):
    """Margin boxes with content are made as WeasyPrint makes them, their widths broken
    through the memo."""
    typesetter = pool._typesetter(pool.Workers(ROOT).theme)
    words = " ".join(["a running head", "and a folio,"] * 400)
    html = ("<html><body class='profile-pod'><section class='chapter' data-title='Heads'>"
            "<h1>The Heads</h1>" + f"<p>{words}</p>" * 6 + "</section></body></html>")

    def pages(on: bool) -> list[bytes]:
        shortcuts.switch(on)
        pdf = typesetter.render(html).write_pdf()
        return [page.get_contents().get_data() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]

    without, taken = pages(False), pages(True)
    assert len(without) >= 4 and taken == without
    assert shortcuts.done["widths"] > 0 and shortcuts.done["no margin boxes"] == 0
    assert shortcuts.done["page styles lent"] >= len(taken) - 3, shortcuts.done
