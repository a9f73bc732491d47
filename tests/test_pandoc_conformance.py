"""pandoc is the oracle: every case in tests/pandoc_corpus/ is converted by pandoc itself (the
Debian package; `./dev test` installs it) and by bookbuild's reading step, and the two
must agree: the text exactly (spaces collapsed), the structure (element kinds, classes, ids,
nesting) after the known differences below are normalised away.

The known differences, each with its reason (docs/markdown.md lists them for authors):
- Notes: pandoc ends the document with `<section class="footnotes">`, Python-Markdown with
  `<div class="footnote">`; bookbuild turns either into EPUB popup notes (read/notes.py). Both
  are taken out, the calls too, and the notes' texts compared in order.
- Code: pandoc wraps highlighted code in `<div class="sourceCode">` with a `<span>` per line
  and classes for the language; bookbuild does not highlight. The `<pre>` text is compared.
- Tables: pandoc classes rows `odd`/`even`/`header`; presentation only.
- Figures: bookbuild classes an image's figure `image` (for the themes); a figure's image
  path is the one in the book (`images/...`), which is not compared.
- Ordered lists: pandoc writes `type="1"`, which is HTML's default.
- Rules: bookbuild classes a rule `scene-break` (a novel's rules are scene breaks; the themes
  set them).
- Languages: bookbuild adds `xml:lang` beside `lang`, as EPUB wants; only `lang` is compared.
- Sections: pandoc writes a div of class `section` (its HTML-to-Markdown conversion wraps each
  chapter of a book in one) as a `<section>` without the class; bookbuild keeps the `<div>`,
  since its own sections are the chapters, which the themes and the PDF layout address.
- Raw comments: pandoc keeps `<!-- -->` in its HTML; bookbuild drops them (they never show).
- A final newline inside `<pre>`: Python-Markdown keeps it; whitespace is not compared.
- A div's `role` (`{role="presentation"}`, as Standard Ebooks writes): pandoc keeps it,
  bookbuild writes it `data-role`, since EPUBCheck refuses most roles on a div; `role` is not
  compared. Other keys HTML does not know are `data-…` in both; bookbuild writes their names in
  lower case (`data-startfrom`), as HTML requires, so names are compared in lower case.
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bookkit import make_book, tiny_png
from lxml import etree
from lxml import html as lxml_html

from bookbuild import config as config_module
from bookbuild.errors import Report
from bookbuild.read import read_chapters
from bookbuild.xhtml import h

CORPUS = Path(__file__).parent / "pandoc_corpus"
CASES = sorted(CORPUS.glob("*.md"))
COMPARED_ATTRIBUTES = ("id", "class", "start", "lang", "type")
BLOCKS = ("p", "div", "figure", "figcaption", "table", "caption", "thead", "tbody", "tr", "th",
          "td", "ul", "ol", "li", "dl", "dt", "dd", "pre", "blockquote", "h1", "h2", "h3", "h4",
          "h5", "h6")
DROPPED_CLASSES = {"odd", "even", "header", "sourceCode", "image", "scene-break"}
# The reading step's own marks for later steps, never written to the book; and a div's `role`,
# which bookbuild keeps as `data-role` (see the module's docstring).
INTERNAL_DATA = {"data-auto-id", "data-title-id", "data-role"}


def pandoc_html(text: str) -> str:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        pytest.fail("pandoc is the oracle of this test: install it (apt-get install pandoc; "
                    "./dev test does)")
    return subprocess.run([pandoc, "-f", "markdown", "-t", "html"], input=text, check=True,
                          capture_output=True, text=True).stdout


def bookbuild_html(text: str, folder: Path) -> str:
    """The chapter's body as the reading step hands it to the writers, its notes after it
    in Python-Markdown's markup (so one normalisation serves both)."""
    book = make_book(folder, "title: Case\nauthor: A\nspine: [case.md]\n",
                     {"case.md": text, "pic.png": tiny_png()})
    report = Report(book)
    section = read_chapters(config_module.load(book), report).sections[0]
    assert [p for p in report.problems if p.severity == "error"] == [], report.problems
    body = copy.deepcopy(section.body)
    for call in body.iter(h("a")):
        if call.get("class") == "noteref":
            call.set("class", "footnote-ref")
            call.set("href", f"#fn{call.text}")
    notes = etree.SubElement(body, h("div"), {"class": "footnote"})
    items = etree.SubElement(notes, h("ol"))
    for note in section.notes:
        li = etree.SubElement(items, h("li"), id=f"fn{note.number}")
        li.extend(copy.deepcopy(note.blocks))
        for number in li.iterfind(f".//{h('a')}[@class='note-number']"):
            number.set("class", "footnote-back")
    markup = etree.tostring(body, encoding="unicode")
    markup = re.sub(r' xmlns(:\w+)?="[^"]*"', "", markup)
    return re.sub(r"^<section[^>]*>|</section>$", "", markup)  # the chapter's, not the author's


def normalised(markup: str) -> tuple[etree._Element, list[str]]:
    """The body with the notes, their calls and the known differences taken out, and the
    notes' texts."""
    root = lxml_html.fragment_fromstring(markup, create_parent="div")
    texts = {}
    for block in root.xpath("//section[contains(@class, 'footnotes')] | "
                            "//div[@class='footnote']"):
        for li in block.iter("li"):
            for back in li.xpath(".//a[contains(@class, 'footnote-back')]"):
                back.drop_tree()
            texts[li.get("id")] = _words(li)
        block.drop_tree()
    # numbered as they are called, as bookbuild numbers them (read/notes.py)
    calls = root.xpath("//a[contains(@class, 'footnote-ref')]/@href")
    notes = [texts[href[1:]] for href in dict.fromkeys(calls)]
    for call in root.xpath("//a[contains(@class, 'footnote-ref')]"):
        parent = call.getparent()
        (parent if parent.tag == "sup" and len(parent) == 1 and not (parent.text or "").strip()
         else call).drop_tree()
    for pre in root.iter("pre"):
        text = pre.text_content()
        for child in list(pre):
            pre.remove(child)
        pre.text = text.rstrip("\n")
        parent = pre.getparent()
        if parent.tag == "div" and "sourceCode" in parent.get("class", ""):
            parent.drop_tag()
    for el in root.iter("section"):  # not the notes' (taken out above)
        el.tag = "div"
        el.set("class", " ".join(["section", *el.get("class", "").split()]))
    for el in root.iter(etree.Comment):
        el.drop_tree()
    for el in root.iter(*BLOCKS):  # pandoc's HTML has a line break between blocks
        el.tail = el.tail if (el.tail or "").strip() or el.tail else "\n"
    return root, notes


def _words(el: etree._Element) -> str:
    return " ".join(el.text_content().split())


def structure(el: etree._Element) -> tuple:
    attrs = []
    for key in COMPARED_ATTRIBUTES:
        value = el.get(key)
        if key == "class" and value:
            value = " ".join(c for c in value.split() if c not in DROPPED_CLASSES) or None
        if key == "type" and value == "1":
            value = None  # HTML's default
        if el.tag in ("pre", "code") and key == "class":
            value = None  # highlighting classes (see the module's docstring)
        if value:
            attrs.append((key, value))
    attrs.extend(sorted((key.lower(), value) for key, value in el.items()
                        if key.startswith("data-") and key not in INTERNAL_DATA))
    style = el.get("style", "")
    if "text-align" in style:
        attrs.append(("align", style.split(":")[1].strip(" ;")))
    elif style:
        attrs.append(("style", re.sub(r"\.0\b", "", style.replace(" ", ""))))
    return (el.tag, tuple(attrs), tuple(structure(c) for c in el
                                        if isinstance(c.tag, str)))


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_bookbuild_renders_the_case_as_pandoc_does(case, tmp_path):
    text = case.read_text(encoding="utf-8")
    theirs, their_notes = normalised(pandoc_html(text))
    ours, our_notes = normalised(bookbuild_html(text, tmp_path / "book"))
    assert _words(ours) == _words(theirs)
    assert our_notes == their_notes
    assert structure(ours) == structure(theirs)


def test_the_corpus_covers_each_construct():
    assert len(CASES) >= 20
