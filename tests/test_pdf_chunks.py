"""Laying the interior out section by section, in parallel and cached, gives the same book as
one WeasyPrint pass: the same pages, text, boxes and pixels, and the same layout facts.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bookbuild import config as config_module
from bookbuild.errors import Report
from bookbuild.output import cache_folder
from bookbuild.pdf import chunk_cache
from bookbuild.pdf import chunked as chunking
from bookbuild.pdf import workers as pool
from bookbuild.pdf.finish import finisher
from bookbuild.pdf.html import print_html, print_images
from bookbuild.pdf.render import pdf_options
from bookbuild.pdf.single import lay_out
from bookbuild.read import read_book
from bookbuild.theme import theme_file

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The sample book laid out both ways."""
    out = tmp_path_factory.mktemp("chunks")
    book = read_book(config_module.load(ROOT))
    document, one_pass = lay_out(book, out / "single.pdf", "pod", Report(ROOT))
    single_pdf = document.write_pdf(finisher=finisher(book, "pod"),
                                    **pdf_options(book, "pod"))
    handed = []  # each job's tag, in the order they are handed out
    stream = pool.Workers.stream

    def recorded(self, next_job, finished):
        def job():
            found = next_job()
            if found is not None:
                handed.append(found[0])
            return found
        return stream(self, job, finished)

    with pytest.MonkeyPatch.context() as patch:
        # Furniture in nine pieces, whatever this machine's cores.
        patch.setattr(pool, "cpus", lambda: 3)
        patch.setattr(pool.Workers, "stream", recorded)
        chunked_pdf, chunked = chunking.write_chunked(book, out / "chunked.pdf", "pod",
                                                        Report(ROOT))
    (out / "single.pdf").write_bytes(single_pdf)
    (out / "chunked.pdf").write_bytes(chunked_pdf)
    return {"out": out, "book": book, "single": one_pass, "chunked": chunked,
            "single_pdf": single_pdf, "chunked_pdf": chunked_pdf, "handed": handed}


def test_the_sample_book_is_laid_out_in_pieces(both):
    assert chunking.worth_chunking(both["book"], "pod")
    assert not chunking.worth_chunking(both["book"], "screen")
    # Furniture in several pieces, each numbered from its own first page.
    assert len(list(cache_folder(both["out"], "chunks", "pod").glob("furniture-*.pdf"))) >= 3


def test_sections_go_first_in_book_order_then_the_furniture_then_the_front_matter(both):
    """So that the furniture of all but the last sections is ready while those are laid out."""
    kinds = [tag[0] for tag in both["handed"]]
    sections = [tag[1] for tag in both["handed"] if tag[0] == "section"]
    body = chunking.body_sections(both["book"])
    assert sorted(sections) == list(range(len(body)))
    # the blank verso whenever nothing else is ready, once the sections are handed out
    assert kinds.count("blank") == 1 and kinds.index("blank") >= len(body)
    kinds.remove("blank")
    assert kinds == ["section"] * len(body) + ["furniture"] * kinds.count("furniture") + [
        "front"]
    assert kinds.count("furniture") >= 3
    # in book order, but for a section over twice the median length, handed out first
    sizes = [len(print_html(both["book"], chunking.effective_margins(both["book"], 60), "pod",
                            print_images(both["book"]), only={s.id})) for s in body]
    median = sorted(sizes)[len(sizes) // 2]
    long = [i for i in range(len(body)) if sizes[i] > 2 * median]
    assert sections == long + [i for i in range(len(body)) if i not in long]


def test_blank_versos_and_furniture_pieces():
    # Three sections of 5, 1 and 6 pages: a blank verso after the first and after the second.
    owners = [(0, p) for p in range(5)] + [None, (1, 0), None] + [(2, p) for p in range(6)]
    assert chunking.page_owners([chunk_cache.ChunkResult(n, {}, [], []) for n in (5, 1, 6)]) \
        == owners
    assert chunking.groups([5, 1, 6], 1) == [(0, 3)]
    assert chunking.groups([5, 1, 6], 2) == [(0, 2), (2, 3)]
    assert chunking.groups([5, 1, 6], 3) == [(0, 1), (1, 3)]
    assert chunking.groups([1] * 10, 3) == [(0, 4), (4, 7), (7, 10)]


def test_same_pages_text_and_boxes_as_a_single_pass(both):
    a = PdfReader(io.BytesIO(both["single_pdf"]))
    b = PdfReader(io.BytesIO(both["chunked_pdf"]))
    assert len(a.pages) == len(b.pages)
    for number, (pa, pb) in enumerate(zip(a.pages, b.pages, strict=True), start=1):
        # Lower-cased: a small capital maps back to a letter of either case in the text
        # layer, depending on which the font subset of its piece met first.
        assert pa.extract_text().lower().split() == pb.extract_text().lower().split(), number
        for box in ("mediabox", "trimbox", "bleedbox"):
            assert list(map(float, getattr(pa, box))) == list(map(float, getattr(pb, box)))


def _same_pixels(out: Path, single_pdf: bytes, chunked_pdf: bytes) -> None:
    """Every page of the two PDFs renders to the same pixels (40 dpi, grey)."""
    from PIL import Image, ImageChops

    for name, data in (("single", single_pdf), ("chunked", chunked_pdf)):
        (out / f"{name}.pdf").write_bytes(data)
        subprocess.run(["pdftoppm", "-r", "40", "-png", out / f"{name}.pdf", out / name],
                       check=True)
    singles = sorted(out.glob("single-*.png"))
    assert len(singles) == len(PdfReader(io.BytesIO(single_pdf)).pages)
    for path in singles:
        other = out / path.name.replace("single", "chunked")
        difference = ImageChops.difference(Image.open(path).convert("L"),
                                           Image.open(other).convert("L"))
        assert difference.getbbox() is None, path.name


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_every_page_renders_to_the_same_pixels(both):
    _same_pixels(both["out"], both["single_pdf"], both["chunked_pdf"])


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_a_proofs_blank_versos_keep_their_crop_marks(tmp_path):
    """Three one-page chapters leave blank versos between them; on a proof a single pass
    draws crop marks on those too."""
    from bookkit import make_book

    book_dir = make_book(tmp_path / "book", "title: Proof Book\nauthor: Jane Doe\n"
                         "spine: [one.md, two.md, three.md]\n",
                         {f"{n}.md": f"# {n.title()}\n\nA short chapter.\n"
                          for n in ("one", "two", "three")})
    book = read_book(config_module.load(book_dir))
    document, _ = lay_out(book, tmp_path / "single.pdf", "proof", Report(book_dir))
    single_pdf = document.write_pdf(finisher=finisher(book, "proof"),
                                    **pdf_options(book, "proof"))
    chunked_pdf, layout = chunking.write_chunked(book, tmp_path / "out" / "book.pdf",
                                                   "proof", Report(book_dir))
    assert layout.sections == 3
    _same_pixels(tmp_path, single_pdf, chunked_pdf)


def test_same_layout_facts_as_a_single_pass(both):
    a, b = both["single"], both["chunked"]
    assert a.page_count == b.page_count
    assert a.opener_pages == b.opener_pages
    assert a.note_pages == b.note_pages
    assert a.body_first_page == b.body_first_page
    assert a.page_breaks == b.page_breaks
    assert a.margins == b.margins


def test_assembled_pdf_keeps_the_pdf_x_identification(both):
    reader = PdfReader(io.BytesIO(both["chunked_pdf"]))
    assert str(reader.metadata["/GTS_PDFXVersion"]).startswith("PDF/X-1")
    root = reader.trailer["/Root"]
    assert [i.get_object()["/S"] for i in root["/OutputIntents"]] == ["/GTS_PDFX"]
    assert all("/Annots" not in page for page in reader.pages)
    assert b"/ObjStm" not in both["chunked_pdf"]  # PDF 1.4: no object streams in PDF/X-1a


def _edit_and_build(book_dir: Path, out: Path) -> tuple[bytes, set[str]]:
    book = read_book(config_module.load(book_dir))
    def sections_cached() -> set[str]:  # the furniture's and the blank page's entries aside
        return {p.name for p in cache_folder(out, "chunks", "pod").glob("*.pdf")
                if not p.name.startswith(("furniture-", "blank-"))}

    before = sections_cached() if cache_folder(out).exists() else set()
    data, _ = chunking.write_chunked(book, out / "book.pdf", "pod", Report(book_dir))
    return data, sections_cached() - before


@pytest.mark.slow
def test_an_edit_lays_out_only_its_section_and_matches_a_fresh_build(tmp_path):
    book_dir = tmp_path / "book"
    shutil.copytree(ROOT / "manuscript", book_dir / "manuscript")
    shutil.copy(ROOT / "book.yaml", book_dir / "book.yaml")
    out = tmp_path / "out"
    first, new = _edit_and_build(book_dir, out)
    body = [s for s in read_book(config_module.load(book_dir)).sections
            if s.kind != "frontmatter" and s.role != "cover"]
    assert len(new) == len(body)
    unchanged, new = _edit_and_build(book_dir, out)
    assert new == set() and unchanged == first
    chapter = book_dir / "manuscript" / "03-the-ninth-day.md"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nOne more line.\n",
                       encoding="utf-8")
    incremental, new = _edit_and_build(book_dir, out)
    assert len(new) == 1 and incremental != first
    # The edited section's old entry is gone: the cache holds this version of the book only.
    assert len([p for p in cache_folder(out, "chunks", "pod").glob("*.pdf")
                if not p.name.startswith(("furniture-", "blank-"))]) == len(body)
    fresh, _ = _edit_and_build(book_dir, tmp_path / "fresh")
    assert incremental == fresh


def test_a_section_mended_in_a_worker_is_the_html_print_html_writes(both):
    """Workers mend a section's HTML without the Book; the result must be the very HTML the
    single pass lays out with those notes nudged and those paragraphs unhyphenated."""
    from lxml import html as lxml_html

    book = both["book"]
    margins = both["chunked"].margins
    images = print_images(book)
    checked = 0
    for section in chunking.body_sections(book):
        plain = print_html(book, margins, "pod", images, only={section.id})
        notes = {note.id for note in section.notes}
        paragraphs = {el.get("data-i") for el in lxml_html.document_fromstring(plain).iter()
                      if el.get("data-i")}
        mended = print_html(book, margins, "pod", images, only={section.id},
                                   nudged=notes, unhyphenated=paragraphs)
        assert pool.mend(plain, notes, paragraphs) == mended, section.id
        checked += bool(notes)
    assert checked >= 3  # sections with notes among them


def test_a_stylesheet_that_adds_pages_is_laid_out_in_one_pass_with_a_warning(tmp_path):
    """Generated content on html makes pages no piece foresees: the book still builds, in
    one pass, and the author hears why it was slower (it was an internal error)."""
    from bookkit import make_book, run_cli

    css = (theme_file(tmp_path, "print.css").read_text(encoding="utf-8")
           + '\nhtml::before { content: "Draft copy"; }\n')
    book = make_book(tmp_path / "book", "title: T\nauthor: A\nspine: [one.md, two.md]\n",
                     {"one.md": "# One\n\nFirst text.\n", "two.md": "# Two\n\nSecond text.\n",
                      "styles/print.css": css})
    run = run_cli("build", book, "--format", "pdf")
    assert run.code == 0, run.err
    assert run.err.splitlines()[0] == (
        "styles/print.css: warning: this stylesheet puts something on the pages that the "
        "section by section layout cannot foresee (content added to html or body?); the book "
        "was laid out in one pass instead, which is slower [BB412 layout-single-pass]")
    text = "".join(page.extract_text() for page in PdfReader(book / "build" / "t.pdf").pages)
    assert "Draft copy" in text and "First text." in text and "Second text." in text


def _boxes(document) -> list:
    """Every box of every page: its kind, element, place and size, and a text box's text and
    word spacing; and each page's anchors."""
    from weasyprint.formatting_structure import boxes

    found = []
    for number, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            key = box.element.get("data-i") if box.element is not None else None
            size = tuple(round(v, 3) if isinstance(v, (int, float)) else None
                         for v in (box.position_x, box.position_y, box.width, box.height))
            text = (box.text, round(box.justification_spacing or 0, 4)) \
                if isinstance(box, boxes.TextBox) else ()
            found.append((number, type(box).__name__, box.element_tag, key, size, text))
        found.append((number, sorted(page.anchors)))
    return found


@pytest.mark.slow
def test_a_retry_laid_out_from_the_page_before_its_first_change_is_a_full_layout():
    """The make-up's retry keeps the pages its changes do not reach (relay.py): the section
    comes out box for box as when laid out again from its start."""
    from bookbuild.pdf import makeup, relay

    book = read_book(config_module.load(ROOT))
    images = print_images(book)
    workers = pool.Workers(ROOT)
    sections = chunking.body_sections(book)
    margins = chunking.effective_margins(book, 60)
    section = max(sections, key=lambda s: len(etree.tostring(s.body)) if s.body is not None else 0)
    html = print_html(book, margins, "pod", images, only={section.id})
    notes = [(n.id, n.ref_id) for n in section.notes]
    trials: dict = {}
    first, _, _, seed = pool._lay_out_chunk(workers.theme, html, notes, trials)
    assert seed is not None and len(first.pages) >= 6
    # A paragraph on the fourth page set tighter and the sixth page run a line long: what
    # the make-up writes (makeup.apply), at places known here rather than planned.
    index = {id(el): n for n, el in enumerate(
        e for e in first.pages[0]._page_box.children[0].element.iter() if isinstance(e.tag, str))}
    paragraph = next(box.element for box in first.pages[3]._page_box.descendants()
                     if box.element_tag == "p" and id(box.element) in index)
    mended = makeup.apply(html, makeup.Mends(tight={index[id(paragraph)]},
                                             foot={(section.id, 6): 40.0}))
    again = relay.changes(seed, html, mended)
    assert again is not None and min(again) == 2  # from the page before the fourth
    full, full_result, full_faults, _ = pool._lay_out_chunk(workers.theme, mended, notes, trials)
    part, part_result, part_faults, kept = pool._lay_out_chunk(workers.theme, mended, notes,
                                                               trials, seed, again)
    assert kept.reused >= 2
    assert _boxes(part) == _boxes(full)
    assert (part_result, part_faults) == (full_result, full_faults)
    assert _boxes(full) != _boxes(first)  # the changes changed the pages


@pytest.mark.slow
def test_a_retry_that_splits_a_note_keeps_the_pages_before_it_and_is_a_full_layout():
    """A split note puts elements into the section (its second part, after its call): the
    elements after it are paired from the end, so the pages before the note's page are still
    kept (relay.py), and the section comes out box for box as when laid out from its start."""
    from bookbuild.pdf import makeup, relay

    book = read_book(config_module.load(ROOT))
    workers = pool.Workers(ROOT)
    margins = chunking.effective_margins(book, 60)
    section = max(chunking.body_sections(book), key=lambda s: len(s.notes))
    html = print_html(book, margins, "pod", print_images(book), only={section.id})
    notes = [(n.id, n.ref_id) for n in section.notes]
    trials: dict = {}
    first, _, _, seed = pool._lay_out_chunk(workers.theme, html, notes, trials)
    elements = [e for e in first.pages[0]._page_box.children[0].element.iter()
                if isinstance(e.tag, str)]
    index = {id(el): n for n, el in enumerate(elements)}
    # the last note whose call is past the second page, split after half its words
    note, page = next((box.element, number) for number in range(len(first.pages) - 1, 1, -1)
                      for box in first.pages[number]._page_box.descendants()
                      if (box.element_tag or "").endswith("::footnote-call"))
    words = len(" ".join(note.itertext()).split())
    assert words >= 6
    mended = makeup.apply(html, makeup.Mends(split={index[id(note)]: words // 2}))
    assert "footnote continued" in mended
    again = relay.changes(seed, html, mended)
    assert again is not None and min(again) == page - 1
    full, full_result, full_faults, _ = pool._lay_out_chunk(workers.theme, mended, notes, trials)
    part, part_result, part_faults, kept = pool._lay_out_chunk(workers.theme, mended, notes,
                                                               trials, seed, again)
    assert kept.reused >= page - 1
    assert _boxes(part) == _boxes(full)
    assert (part_result, part_faults) == (full_result, full_faults)
    assert _boxes(full) != _boxes(first)
