"""Random manuscripts for property-based testing, and the promise each build must keep.

Hypothesis strategies that write chapters in our Markdown dialect: lists, quotes and fenced divs
nested at random, footnotes, emphasis, links, spans, images, raw HTML (well-formed, broken and
hostile), text in many scripts with invisible and control characters, very long words. Every
build of one must either fail with `path:line:` problems and exit status 1, or write an EPUB
that EPUBCheck passes. Used by tests/test_fuzz.py (CI) and bench/fuzz.py (on demand).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bookkit import make_book, run_cli, tiny_png, tree_digest
from hypothesis import strategies as st

BOOK_YAML = """\
title: Fuzzed Book
author: Jane Doe
spine: [one.md, two.md]
"""
# The second chapter is fixed, so links into it (`two.md#there`) have a target.
TWO = "# Two\n\n<p id=\"there\">A place to link to.</p>\n"
SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
       b'<rect width="5" height="5"/></svg>')
FILES: dict[str, str | bytes] = {"two.md": TWO, "pic.png": tiny_png(), "pic.svg": SVG,
                                 "fake.png": b"not a picture at all"}
# One problem per line: where, what, the code. Nothing else may reach stderr but the summary.
PROBLEM = re.compile(r"(one|two)\.md:[0-9]+(:[0-9]+)?: (error|warning): .+ \[BB[0-9]{3} [a-z-]+\]")

SCRIPTS = {
    "latin": "abcdefghijklmnopqrstuvwxyzéüßøæœ",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "greek": "αβγδεζηθικλμνξοπρστυφχψως",
    "hebrew": "אבגדהוזחטיכלמנסעפצקרשת",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "devanagari": "कखगघचछजझटठडढणतथदधनपफबभमयरलवशसहािीुूे्",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาิี",
    "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年",
    "hangul": "가나다라마바사아자차카타파하",
    "emoji": "😀👍🏽❤️🇺🇦",
}
EXTRA = {
    "combining": "\u0301\u0308\u0327",
    "invisible": "\u200b\u200c\u200d\u2028\u2029\u202a\u202e\u2066\u2069\ufeff\u00ad\u00a0",
    "control": "\x01\x07\x0b\x0c\x1b\x1f\ufffe",
    "markup": "*_`[]{}#<>&\\!:^~|",
}
PUNCTUATION = ".,;:!?\"'()-–—…«»"
LABELS = st.sampled_from(["1", "2", "a", "note", "ß", "ж", "x-y"])
# Each pool has a well-behaved half, and a hostile half that hostile chapters add to it.
SAFE_URLS = [
    "https://example.org/", "http://example.com/a?b=c#d", "mailto:someone@example.org",
    "#one-title", "two.md", "two.md#there", "one.md", "https://例え.jp/パス",
]
HOSTILE_URLS = [
    "#x", "#missing", "#", "two.md#missing", "other.md", "../../etc/passwd", "/etc/passwd",
    "//example.org/x", "javascript:alert(1)", "data:text/html,hi", "https://exa mple.org",
    "https://", "http://x.org/%zz", "ftp://x.org/", "http://[::1]/", "https://example.org/a b",
    "mailto:", "two.md?x=1",
]
SAFE_SPANS = ["lang=ru", "lang=he", "lang=ar .c", ".smallcaps", "dir=rtl", "title=\"a title\"",
              "lang=de-CH", "key=\"v\"", ".a .b"]
HOSTILE_SPANS = ["#x", "#y", "#one", "#one-title", "lang=\"x y\"", "dir=sideways", "",
                 "Foo=bar", "lang=", "=x", "#page-3"]
SAFE_IMAGES = [
    "![a picture](pic.png)", "![a picture](pic.png \"A caption\")", "![a drawing](pic.svg)",
    "![a picture](<pic.png>)",
]
HOSTILE_IMAGES = [
    "![](pic.png)", "![a picture](missing.png)", "![a picture](../outside.png)",
    "![a picture](fake.png)", "![remote](https://x.org/p.png)", "![a picture](pic.png?x=1)",
    "![a](data:image/png;base64,AA)", "![a](/etc/passwd)",
]
SAFE_DIVS = [
    "::: letter", "::: {.excerpt source=\"The Years\" author=\"S. P.\"}", "::: transcript",
    "::: {.epigraph author=\"A. B.\"}", "::: {.newspaper source=\"Pravda\" date=\"5 March\"}",
    "::: {lang=he}", "::: {dir=rtl}", "::: x", "::: {.a .b title=\"t\"}",
]
HOSTILE_DIVS = ["::: {#d1 .x}", "::: {Foo=bar}", "::: {lang=\"x y\"}", "::: {#one}",
                "::: {what is this}", "::: {dir=up}"]
SAFE_INLINE_HTML = [
    "<span>a span</span>", "<b>bold</b>", "<br/>", "<abbr title=\"Ministry\">MGB</abbr>",
    "<q>quoted</q>", "<sub>2</sub>", "<sup>2</sup>", "<time datetime=\"1953-03-05\">then</time>",
    "<bdo dir=\"rtl\">bdo</bdo>", "<ruby>漢<rt>kan</rt></ruby>",
    "<span style=\"color: #333; font-style: italic\">styled</span>", "&amp;", "&nbsp;",
    "&#x1F600;", "<!-- a comment -->", "<wbr/>", "<a href=\"#one-title\">up</a>",
    "<small>s</small>",
    "<span lang=\"fr\" dir=\"ltr\">fr</span>", "<mark>m</mark>", "<del>d</del>",
    "<img src=\"pic.png\" alt=\"inline\"/>", "<cite>c</cite>", "<kbd>k</kbd>",
]
HOSTILE_INLINE_HTML = [
    "<span id=\"x\">x</span>", "<a href=\"#x\">to x</a>",
    "<br>", "<em>", "</em>", "<span onclick=\"steal()\">c</span>",
    "<a href=\"javascript:steal()\">j</a>", "<img src=\"missing.png\"/>",
    "<img src=\"http://x.org/a.png\" alt=\"r\"/>", "<script>alert(1)</script>",
    "<span style=\"background: url(http://x.org/t.png)\">s</span>", "<span style=\"{{\">s</span>",
    "<span id=\"x\">again</span>", "<span id=\"\">e</span>", "<span id=\"a b\">e</span>",
    "<div>block in a paragraph</div>", "<p>p in p</p>", "&bogus;", "&#1;", "&#xD800;",
    "<?php echo 1; ?>", "<![CDATA[cdata]]>", "<svg><circle r=\"1\"/></svg>",
    "<span foo=\"bar\">f</span>", "<span data-Up=\"1\">u</span>", "<bdo>b</bdo>",
    "<time datetime=\"soon\">t</time>", "<span xml:base=\"http://x.org/\">b</span>",
    "<a href=\"#x\"><a href=\"#y\">nested</a></a>", "<input/>", "<span role=\"banana\">r</span>",
    "<span lang=\"not a tag\">l</span>", "<img src=\"../outside.png\" alt=\"o\"/>",
    "<img src=\"pic.png\" alt=\"big\" width=\"wide\"/>", "<a href=\"https://exa mple.org\">u</a>",
    "<li>stray item</li>", "<td>stray cell</td>", "<h7>h7</h7>", "<iframe src=\"x.html\"/>",
    "<span style=\"width: expression(alert(1))\">e</span>", "<a name=\"old\">anchor</a>",
]
SAFE_BLOCK_HTML = [
    "<div class=\"memo\">\n<p>To: <abbr title=\"Ministry\">MGB</abbr><br/>Re: it</p>\n</div>",
    "<table>\n<tr><th scope=\"col\">a</th></tr>\n<tr><td colspan=\"2\">b</td></tr>\n</table>",
    "<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
    "<ol start=\"3\" type=\"i\"><li value=\"5\">x</li></ol>",
    "<dl><dt>term</dt><dd>description</dd></dl>",
    "<details><summary>more</summary><p>hidden</p></details>",
    "<figure><img src=\"pic.png\" alt=\"a\"/><figcaption>caption</figcaption></figure>",
    "<blockquote><p>quoted</p></blockquote>", "<aside role=\"note\"><p>aside</p></aside>",
    "<div dir=\"rtl\"><p>שלום עולם</p></div>", "<p xml:lang=\"fr\" lang=\"fr\">bonjour</p>",
    "<section><h2>inner</h2><p>text</p></section>", "<pre>pre\n  formatted</pre>",
    "<hr/>", "<p epub:type=\"pullquote\">pull</p>",
]
HOSTILE_BLOCK_HTML = [
    "<div id=\"y\"><p>with an id</p></div>",
    "<div>unclosed", "<iframe src=\"https://x.org\"></iframe>", "<form><input/></form>",
    "<object data=\"x.swf\"></object>", "<style>p { color: red }</style>",
    "<table><td>no row</td></table>", "<ul><p>not an item</p></ul>", "<dl><dd>alone</dd></dl>",
    "<details><p>no summary</p></details>", "<p xmlns:f=\"urn:f\" f:x=\"1\">foreign</p>",
    "<!DOCTYPE x [<!ENTITY a \"aaaa\">]>", "<math><mi>x</mi></math>", "<video src=\"v.mp4\"/>",
    "<div id=\"y\"><p>twice</p></div>", "<p>unclosed <b>bold</p>", "<meta charset=\"x\"/>",
    "<hgroup><h2>a</h2><h3>b</h3></hgroup>", "<header><header>h</header></header>",
    "<address><h2>no</h2></address>", "<table><caption>c</caption><caption>d</caption></table>",
]


CSS_PROPERTIES = ["color", "font-style", "margin", "-webkit-hyphens", "x", "font", "width",
                  "font-family", "text-indent"]
CSS_ATOMS = ["red", "#333", "#", "1px", "1.5em", "-2", "+3", "0", ".5", "1e3", "10%", "!important",
             "!", "'a b'", '"q"', "'", "(", ")", "rgb(1,2,3)", "calc(1px + 2em)", "calc(", "/",
             ",", "*", "inherit", "_x", "ё", "1px/2", "--", "-", ".", "url(x.png)", "&amp;"]
# A style attribute of random declarations: the policy decides, EPUBCheck judges what it lets by.
STYLES = st.lists(st.tuples(st.sampled_from(CSS_PROPERTIES),
                            st.lists(st.sampled_from(CSS_ATOMS), max_size=3).map(" ".join)),
                  min_size=1, max_size=3).map(
    lambda declarations: "<span style=\"" + "; ".join(f"{p}: {v}" for p, v in declarations)
    + "\">styled</span>")


def _pool(safe: list[str], hostile: list[str], is_hostile: bool) -> st.SearchStrategy[str]:
    return st.sampled_from(safe + hostile if is_hostile else safe)


def _words(hostile: bool) -> st.SearchStrategy[str]:
    # Invisible and control characters are warnings, not errors: those chapters still build.
    alphabets = [*SCRIPTS.values(), EXTRA["combining"], EXTRA["invisible"], EXTRA["control"],
                 *([EXTRA["markup"]] if hostile else [])]
    letters = st.sampled_from(alphabets).flatmap(
        lambda alphabet: st.text(alphabet=alphabet, min_size=1, max_size=10))
    very_long = st.builds(lambda char, n: char * n, st.sampled_from("aж的ש"),
                          st.integers(200, 3000))
    return st.one_of(letters, letters, letters, st.sampled_from(PUNCTUATION), very_long)


def _inline(hostile: bool) -> st.SearchStrategy[str]:
    text = st.lists(_words(hostile), min_size=1, max_size=6).map(" ".join)
    html = _pool(SAFE_INLINE_HTML, HOSTILE_INLINE_HTML, hostile)
    images = _pool(SAFE_IMAGES, HOSTILE_IMAGES, hostile)
    leaves = st.one_of(text, text, text, html, images, STYLES,
                       LABELS.map(lambda label: f"[^{label}]"),
                       st.sampled_from(["\"quoted\"", "it's", "--", "---", "...", "`code`"]))

    urls = _pool(SAFE_URLS, HOSTILE_URLS, hostile)
    spans = _pool(SAFE_SPANS, HOSTILE_SPANS, hostile)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            inner.map(lambda t: f"*{t}*"), inner.map(lambda t: f"**{t}**"),
            inner.map(lambda t: f"_{t}_"),
            st.tuples(inner, urls).map(lambda t: f"[{t[0]}]({t[1]})"),
            st.tuples(inner, spans).map(lambda t: f"[{t[0]}]{{{t[1]}}}"),
            st.lists(inner, min_size=2, max_size=4).map(" ".join),
        )

    return st.recursive(leaves, extend, max_leaves=8)


def _indent(text: str, first: str, rest: str) -> str:
    lines = text.split("\n")
    return "\n".join([first + lines[0], *((rest + line) if line else "" for line in lines[1:])])


def _blocks(hostile: bool) -> st.SearchStrategy[str]:
    inline = _inline(hostile)
    paragraph = st.lists(inline, min_size=1, max_size=3).map("\n".join)
    heading = st.tuples(st.integers(1, 6), inline).map(lambda t: "#" * t[0] + " " + t[1])
    html = _pool(SAFE_BLOCK_HTML, HOSTILE_BLOCK_HTML, hostile)
    note = st.tuples(LABELS, paragraph).map(lambda t: _indent(t[1], f"[^{t[0]}]: ", "    "))
    code = st.text(alphabet="abc <>&*_`\n", max_size=30).map(
        lambda t: "```\n" + t.replace("```", "") + "\n```")
    # Well-behaved chapters define their notes at the left margin only (_tidy adds them).
    notes = [note] if hostile else []
    leaves = st.one_of(paragraph, paragraph, paragraph, heading, html, code, *notes,
                       st.sampled_from(["* * *", "***", "___"]))
    divs = _pool(SAFE_DIVS, HOSTILE_DIVS, hostile)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        items = st.lists(inner, min_size=1, max_size=3)
        nested_notes = [st.tuples(LABELS, items).map(
            lambda t: _indent("\n\n".join(t[1]), f"[^{t[0]}]: ", "    "))] if hostile else []
        return st.one_of(
            items.map(lambda xs: "\n".join(_indent(x, "- ", "    ") for x in xs)),
            items.map(lambda xs: "\n".join(_indent(x, "1. ", "    ") for x in xs)),
            inner.map(lambda x: _indent(x, "> ", "> ").replace("\n\n", "\n>\n")),
            st.tuples(divs, items).map(lambda t: t[0] + "\n" + "\n\n".join(t[1]) + "\n:::"),
            *nested_notes,
        )

    return st.recursive(leaves, extend, max_leaves=10)


def _tidy(text: str, draw: st.DrawFn) -> str:
    """Define, at the end, every footnote the text calls (notes may call notes), so that a good
    share of the well-behaved examples build and reach EPUBCheck."""
    for _ in range(4):
        defined = set(re.findall(r"^\[\^([^\]\s]+)\]:", text, re.MULTILINE))
        called = set(re.findall(r"\[\^([^\]\s]+)\](?!:)", text))
        for label in sorted(called - defined):
            text += f"\n\n[^{label}]: " + draw(NOTE_TEXT)
    return text


BLOCKS = {hostile: st.lists(_blocks(hostile), min_size=1, max_size=6) for hostile in (False, True)}
NOTE_TEXT = _inline(False)


@st.composite
def chapters(draw: st.DrawFn) -> str:
    """One chapter: a header or not, then blocks; well-behaved or hostile."""
    hostile = draw(st.booleans())
    blocks = draw(BLOCKS[hostile])
    text = "\n\n".join(blocks)
    if not hostile:
        text = _tidy(text, draw)
    if draw(st.booleans()):
        title = draw(st.sampled_from(["One", "Без вещей", "שלום", "\"Quoted\"", "a: b"]))
        text = f"---\ntitle: {title}\n---\n\n{text}"
    return text + draw(st.sampled_from(["\n", "", "\r\n", "\n\n\n"]))


@dataclass
class Outcome:
    markdown: str
    code: int
    problems: list[str]
    epub: Path | None


def build_example(root: Path, markdown: str) -> Outcome:
    """Build a two-chapter book whose first chapter is `markdown` and check the promise that
    holds whatever the text: no traceback or internal error, exit status 0 or 1, every problem
    a `path:line:` line, an EPUB exactly when there is no error, the sources untouched."""
    book = make_book(root / "book", BOOK_YAML, {**FILES, "one.md": markdown.encode()})
    (root / "outside.png").write_bytes(tiny_png())
    before = tree_digest(book)
    out = root / "out"
    run = run_cli("build", book, "--format", "epub", "--out", out)
    assert "Traceback" not in run.err + run.out, run.err
    assert "BB001" not in run.err, run.err
    assert run.code in (0, 1), run.err
    lines = run.err.splitlines()
    if run.code == 1:
        assert lines and lines[-1].startswith("bookbuild: "), run.err
        lines = lines[:-1]
        assert any(": error: " in line for line in lines), run.err
    bad = [line for line in lines if not PROBLEM.fullmatch(line)]
    assert not bad, f"problems without path:line: {bad}"
    epub = out / "fuzzed-book.epub"
    assert epub.is_file() == (run.code == 0), run.err
    assert tree_digest(book) == before, "the build changed the manuscript"
    return Outcome(markdown, run.code, lines, epub if run.code == 0 else None)


# What an import may print: a problem at a place in the input (`path:` or `post N:`), or at a
# line of the book it wrote.
IMPORT_PROBLEM = re.compile(r"(\S+?(:[0-9]+)?|post [0-9]+): (error|warning): .+ "
                            r"\[BB[0-9]{3} [a-z-]+\]")


def import_example(root: Path, posts: list[str]) -> Outcome:
    """Import a folder of text posts (a forum serial as an author saves it), then build what
    it made, checking the promise of both: no traceback or internal error, exit status 0 or 1,
    every problem at its place, nothing written beside the target folder, and a book that
    builds (or stops with `path:line:` problems) whenever the import succeeded."""
    source = root / "posts"
    source.mkdir(parents=True)
    for number, text in enumerate(posts, start=1):
        (source / f"{number:03d}.txt").write_bytes(text.encode("utf-8", "surrogatepass"))
    before = tree_digest(root, skip=())
    book = root / "book"
    run = run_cli("import", source, book, "--author", "Pen Name")
    assert "Traceback" not in run.err + run.out, run.err
    assert "BB001" not in run.err, run.err
    assert run.code in (0, 1), run.err
    lines = [line for line in run.err.splitlines() if not line.startswith("bookbuild: ")]
    bad = [line for line in lines if not IMPORT_PROBLEM.fullmatch(line)]
    assert not bad, f"problems without their place: {bad}"
    after = {k for k in tree_digest(root, skip=()) if not k.startswith("book/")}
    assert after == set(before), "the import wrote beside its target folder"
    if run.code == 1:
        assert not book.exists(), "a failed import left a folder behind"
        return Outcome("\n\n".join(posts), 1, lines, None)
    built = run_cli("build", book, "--format", "epub")
    assert "Traceback" not in built.err + built.out, built.err
    assert "BB001" not in built.err, built.err
    assert built.code in (0, 1), built.err
    epubs = list((book / "build").glob("*.epub")) if (book / "build").is_dir() else []
    assert bool(epubs) == (built.code == 0), built.err
    return Outcome("\n\n".join(posts), built.code, lines, epubs[0] if epubs else None)
