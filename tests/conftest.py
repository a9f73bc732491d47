"""Shared fixtures: every feature book built once per session, and EPUBCheck run over all of them.

EPUBCheck costs a JVM start (2-3 s) per run, so the session validates every EPUB in one JVM
(`run_epubcheck_many`). The CLI runs in-process through `bookkit.run_cli`, which captures output
itself because session fixtures cannot use the function-scoped `capsys`.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

import markdown
import prockit
import pytest
from bookkit import Epub, build_epub, make_book, require_ace, run_cli, tree_digest
from feature_books import FEATURE_BOOKS
from pypdf import PdfReader

from bookbuild import config as config_module
from bookbuild.checks.ace import AceViolation, run_ace
from bookbuild.checks.epubcheck import EpubCheckMessage, run_epubcheck_many
from bookbuild.read import read_book

REPO = Path(__file__).resolve().parents[1]
# DAISY Ace starts a Chromium for every `check` of an EPUB; the session runs it once, on the
# sample book (the `sample` fixture), and switches it off for every other `check`.
os.environ["BOOKBUILD_ACE"] = "off"
# Caches go to the user's cache folder; the suite's go to a folder of its own, removed after.
_CACHE = tempfile.TemporaryDirectory(prefix="bookbuild-test-cache-")
os.environ["BOOKBUILD_CACHE_DIR"] = _CACHE.name
# Every process the tests start is marked as this session's: see no_stray_processes.
prockit.mark_session()


@pytest.fixture
def conversions(monkeypatch) -> list[str]:
    """The texts Python-Markdown converted in this process during the test."""
    seen: list[str] = []
    real = markdown.Markdown.convert

    def counting(self, text):
        seen.append(text)
        return real(self, text)

    monkeypatch.setattr(markdown.Markdown, "convert", counting)
    return seen


@pytest.fixture(scope="session", autouse=True)
def no_stray_processes():
    """The session fails if a process of bookbuild's that it started outlives it: a build's
    layout workers left running after their build was killed, a `watch` never stopped.
    (Checked as the last session fixture ends, after every other has stopped what it
    started.)"""
    yield
    if not prockit.PROC.is_dir():
        return  # no /proc to read: not Linux
    left = prockit.wait_until(prockit.strays, 10)
    for proc in prockit.still_running(left):  # reported below, not left to run on
        os.kill(proc.pid, signal.SIGKILL)
    assert not left, "the test session left processes running:\n" + "\n".join(
        f"  pid {p.pid} (parent {p.ppid}): {p.cmdline}" for p in left)


@dataclass
class FeatureBook:
    name: str
    root: Path  # the book folder
    epub: Epub


@pytest.fixture(scope="session")
def feature_books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FeatureBook]:
    """Every book in feature_books.py, built into one shared output folder."""
    root = tmp_path_factory.mktemp("feature-books")
    out = root / "epubs"
    books = {}
    for name, (yaml_text, files) in FEATURE_BOOKS.items():
        book_dir = make_book(root / name, yaml_text, files)
        books[name] = FeatureBook(name, book_dir, Epub(build_epub(book_dir, out)))
    assert len({b.epub.path for b in books.values()}) == len(books), "two books, one file name"
    return books


@pytest.fixture(scope="session")
def documents_ace(feature_books: dict[str, FeatureBook],
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[AceViolation]]:
    """DAISY Ace over the book with every kind of in-world document: its report folder and
    violations (a Chromium start and a whole-book check: run once, shared)."""
    require_ace()
    out = tmp_path_factory.mktemp("documents-ace") / "ace"
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BOOKBUILD_ACE")
        violations = run_ace(feature_books["documents"].epub.path, out)
    return out, violations


@pytest.fixture(scope="session")
def faulty_book(tmp_path_factory) -> FeatureBook:
    """A book whose sources are fine to bookbuild but whose EPUB EPUBCheck faults: its own
    theme links a font it does not ship (an error) and raw HTML uses an unknown epub:type (a
    usage note), so validators are seen to report, not only to stay silent."""
    root = make_book(tmp_path_factory.mktemp("faulty") / "book", """
        title: Faulty Book
        author: Jane Doe
        spine: [one.md]
    """, {"one.md": '# One\n\n<div epub:type="not-a-type"><p>Odd.</p></div>\n',
          "styles/epub.css": "p { margin: 0; }\n"
                             "@font-face { font-family: X; src: url(fonts/gone.otf); }\n"})
    return FeatureBook("faulty", root, Epub(build_epub(root)))


@dataclass
class SampleBuild:
    epub: Epub
    sources_before: dict[str, str]
    sources_after: dict[str, str]


@pytest.fixture(scope="session")
def sample_book(tmp_path_factory) -> SampleBuild:
    """The repository's sample book, built into a temporary folder (the repo stays clean)."""
    def sources() -> dict[str, str]:
        return {**tree_digest(REPO / "manuscript"),
                "book.yaml": hashlib.sha256((REPO / "book.yaml").read_bytes()).hexdigest()}

    before = sources()
    epub = Epub(build_epub(REPO, tmp_path_factory.mktemp("sample")))
    return SampleBuild(epub, before, sources())


@pytest.fixture(scope="session")
def epubcheck_results(feature_books: dict[str, FeatureBook], sample_book: SampleBuild,
                      faulty_book: FeatureBook) -> dict[Path, list[EpubCheckMessage]]:
    """EPUBCheck's messages for every feature book, the sample and the faulty one, in one JVM."""
    paths = [b.epub.path for b in (*feature_books.values(), sample_book, faulty_book)]
    return run_epubcheck_many(paths)


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> dict:
    """`bookbuild check` on the sample book (EPUB with its page-list, PDF, cover; EPUBCheck,
    DAISY Ace when installed, preflight), once per session."""
    out = tmp_path_factory.mktemp("sample-check")
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BOOKBUILD_ACE")
        run = run_cli("check", REPO, "--out", out)
    book = read_book(config_module.load(REPO))
    pdf = out / f"{book.config.slug}.pdf"
    return {"run": run, "out": out, "book": book, "pdf": pdf,
            "epub": out / f"{book.config.slug}.epub",
            "cover": out / f"{book.config.slug}-cover.pdf", "reader": PdfReader(pdf)}


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright, started once for the session (the live preview
    and the EPUB's computed styles are checked in it)."""
    from authorkit import CHROMIUM, CHROMIUM_ARGS, unavailable

    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        unavailable(f"Playwright is not installed ({exc})")
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing (Debian package chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
