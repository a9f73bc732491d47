"""How well bookbuild curls quotes, measured against a hand-produced edition.

Takes a Standard Ebooks repository (a git directory, e.g. from GitHub), straightens every
curly quote and apostrophe of its chapters to ASCII, converts them to Markdown with pandoc as a
new user would (`pandoc -f html -t markdown-smart`), builds the EPUB with bookbuild, and
compares each paragraph's quotation marks with the original's. pandoc's own curling
(`-f markdown+smart`) of the same Markdown is counted too, for reference. Nothing is kept
outside the work folder; the books are not part of this repository.

    .venv/bin/python bench/quotes.py /path/to/bram-stoker_dracula/.git [--work /tmp/q] [-v]

Counts, over the paragraphs found in both: marks that differ from the original, by kind
(an apostrophe or closing ’ set as an opening ‘, the reverse, a double quote the wrong way,
anything else), and the paragraphs that could not be matched. Run it with PYTHONPATH set to
the bookbuild checkout to measure.
"""

from __future__ import annotations

import argparse
import collections
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from lxml import etree, html

XHTML = "{http://www.w3.org/1999/xhtml}"
MARKS = "\u2018\u2019\u201c\u201d'\""
KEEP = re.compile(r"[^\w]")  # a paragraph's key: its letters and digits only
KEEP_TAGS = frozenset("p i em b strong blockquote h1 h2 h3 h4 h5 h6 br".split())
TEXT_FILES = re.compile(r"^(preface|chapter-\d+|epilogue|conclusion)\.xhtml$")


def chapters(repo: Path) -> list[tuple[str, str]]:
    """(name, XHTML) of the edition's text files in reading order."""
    names = subprocess.run(["git", "-C", str(repo), "ls-tree", "--name-only",
                            "HEAD:src/epub/text"], capture_output=True, text=True,
                           check=True).stdout.split()

    def order(name: str) -> tuple[int, int]:
        number = re.search(r"\d+", name)
        rank = {"preface": 0, "epilogue": 2, "conclusion": 2}.get(name.split(".")[0], 1)
        return rank, int(number[0]) if number else 0

    wanted = sorted((n for n in names if TEXT_FILES.match(n)), key=order)
    return [(n, subprocess.run(["git", "-C", str(repo), "show", f"HEAD:src/epub/text/{n}"],
                               capture_output=True, text=True, check=True).stdout)
            for n in wanted]


def simplify(xhtml: str) -> str:
    """The text's plain HTML: paragraphs, quotes, headings, emphasis and line breaks, no
    attributes and no note calls (what an author's Markdown would have)."""
    root = html.document_fromstring(xhtml.encode())
    for a in list(root.iter("a")):
        if "noteref" in (a.get("epub:type") or ""):
            a.drop_tree()
    body = root.find("body")
    for el in list(body.iter()):
        if el is body or not isinstance(el.tag, str):
            continue
        el.attrib.clear()
        if el.tag not in KEEP_TAGS:
            el.drop_tag()
    return etree.tostring(body, encoding="unicode", method="html")


def key(text: str) -> str:
    return KEEP.sub("", text).lower()


def paragraphs_of(root: etree._Element) -> list[str]:
    return ["".join(p.itertext()) for p in root.iter(f"{XHTML}p", "p")]


def marks(text: str) -> str:
    return "".join(c for c in text if c in MARKS)


def compare(original: list[str], made: list[str], label: str, verbose: bool) -> dict[str, int]:
    """Mark-by-mark differences of the paragraphs of `made` found in `original`."""
    by_key = collections.defaultdict(list)
    for text in original:
        by_key[key(text)].append(text)
    counts = collections.Counter()
    for text in made:
        found = by_key.get(key(text))
        if not found or not key(text):
            counts["unmatched paragraphs"] += bool(key(text))
            continue
        want = marks(found[0])
        got = [(i, c) for i, c in enumerate(text) if c in MARKS]
        counts["paragraphs"] += 1
        if len(want) != len(got):
            counts["paragraphs with another number of marks"] += 1
            continue
        wrong = [(w, g, i) for w, (i, g) in zip(want, got, strict=True) if w != g]
        for w, g, i in wrong:
            if verbose:
                print(f"{label}: {w} set as {g}: {text[max(0, i - 30):i + 30]!r}")
            if g == "\u2018" and w == "\u2019":
                counts["’ (apostrophe, closing) set as opening ‘"] += 1
            elif g == "\u2019" and w == "\u2018":
                counts["opening ‘ set as ’"] += 1
            elif {w, g} == {"\u201c", "\u201d"}:
                counts["double quote the wrong way"] += 1
            else:
                counts["other (straight left, single for double)"] += 1
            counts["wrong marks"] += 1
    return dict(counts)


def run(repo: Path, work: Path, verbose: bool) -> dict[str, dict[str, int]]:
    book, md_dir = work / "book", work / "book" / "text"
    md_dir.mkdir(parents=True, exist_ok=True)
    originals, pandoc_paragraphs, spine = [], [], []
    for name, xhtml in chapters(repo):
        originals += paragraphs_of(etree.fromstring(xhtml.encode()))
        straight = re.sub("[\u2018\u2019]", "'", re.sub("[\u201c\u201d]", '"', xhtml))
        markdown = subprocess.run(["pandoc", "-f", "html", "-t", "markdown-smart"],
                                  input=simplify(straight), capture_output=True, text=True,
                                  check=True).stdout
        path = md_dir / name.replace(".xhtml", ".md")
        path.write_text(markdown, encoding="utf-8")
        spine.append(f"text/{path.name}")
        made = subprocess.run(["pandoc", "-f", "markdown+smart", "-t", "html"], input=markdown,
                              capture_output=True, text=True, check=True).stdout
        pandoc_paragraphs += paragraphs_of(html.fragment_fromstring(made, create_parent="div"))
    (book / "book.yaml").write_text(
        "title: Quotes Bench\nauthor: Bench\nlanguage: en-GB\nspine:\n"
        + "".join(f"  - {s}\n" for s in spine), encoding="utf-8")
    built = subprocess.run([sys.executable, "-m", "bookbuild", "build", str(book), "--format",
                            "epub", "--out", str(work / "out")], capture_output=True, text=True,
                           cwd=work)  # not the current folder: PYTHONPATH says which bookbuild
    if built.returncode:
        sys.exit(f"bookbuild failed:\n{built.stderr[-3000:]}")
    (epub,) = (work / "out").glob("*.epub")
    ours = []
    with zipfile.ZipFile(epub) as z:
        for name in sorted(z.namelist()):
            if name.endswith(".xhtml") and "/text/" in name:
                ours += paragraphs_of(etree.fromstring(z.read(name)))
    lines = built.stderr.splitlines()
    result = {"bookbuild": compare(originals, ours, "bookbuild", verbose),
              "pandoc": compare(originals, pandoc_paragraphs, "pandoc", verbose)}
    for code in ("BB245", "BB250"):
        result["bookbuild"][f"{code} warnings"] = sum(code in line for line in lines)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repo", type=Path, help="a Standard Ebooks repository's git directory")
    parser.add_argument("--work", type=Path, help="where to write the Markdown and the EPUB")
    parser.add_argument("-v", "--verbose", action="store_true", help="print each paragraph "
                                                                     "with a wrong mark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="quotes-bench-") as tmp:
        result = run(args.repo, args.work or Path(tmp), args.verbose)
    for who, counts in result.items():
        print(f"{who}:")
        for name, count in sorted(counts.items()):
            print(f"  {name}: {count}")


if __name__ == "__main__":
    main()
