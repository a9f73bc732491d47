"""`bookbuild watch`: the live preview in a real browser (Chromium driven by Playwright).

The command runs as the author runs it, in its own process; the tests edit the book's files
on disk and watch the open page change by itself.
"""

from __future__ import annotations

import http.client
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from authorkit import Watch
from bookkit import make_book
from pypdf import PdfReader

from bookbuild.preview.server import PreviewServer
from bookbuild.theme import PACKAGED

BOOK = """
    title: Preview Book
    author: Pat Writer
    spine:
      - part: Part One
        chapters: [chapters/one.md, chapters/two.md]
"""
ONE = """\
# The First Chapter

The harbour was quiet that morning.[^tide]

Nets dried on the wall.

[^tide]: High water came at six.
"""
TWO = "# The Second Chapter\n\nGulls stood on the slipway.\n"
WAIT_MS = 60_000  # a rebuild of this book takes a second or two; CI machines can be slow


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    return make_book(tmp_path_factory.mktemp("preview") / "book", BOOK,
                     {"chapters/one.md": ONE, "chapters/two.md": TWO})


@pytest.fixture(scope="module")
def watch(book):
    running = Watch(book)
    running.built()
    yield running
    running.stop()


@pytest.fixture
def page(browser, watch):
    from playwright.sync_api import expect

    expect.set_options(timeout=WAIT_MS)
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    context.close()
    assert errors == [], "the preview page's script failed"


@pytest.fixture
def chapter_one(book, watch):
    """chapters/one.md, put back as it was (and rebuilt) after the test."""
    path = book / "chapters" / "one.md"
    yield path
    if path.read_text(encoding="utf-8") != ONE:
        # The test may end while the build of its edit is still writing the PDF: that build's
        # end must not pass for the rebuild of the restored chapter, which would then land in
        # the next test (and reload the chapter under it).
        version = watch.wait_for(lambda s: not s["building"],
                                 what="the end of the test's build")["version"]
        path.write_text(ONE, encoding="utf-8")
        watch.wait_for(lambda s: s["version"] > version and not s["building"]
                       and not s["problems"], what="the rebuild of the restored chapter")


def text_frame(page):
    return page.frame_locator("#text")


def test_preview_is_served_on_loopback_only(watch):
    assert urlsplit(watch.url).hostname == "127.0.0.1"


def test_preview_shows_the_chapter_as_the_epub_sets_it(page, watch, book):
    from playwright.sync_api import expect

    page.goto(watch.url + "#text/one")
    frame = text_frame(page)
    expect(frame.locator("h1")).to_have_text("The First Chapter")
    expect(frame.locator("body")).to_contain_text("Nets dried on the wall.")
    # The EPUB's own content document, with the EPUB's stylesheet, read as XHTML.
    expect(frame.locator('link[href="../styles/epub.css"]')).to_have_count(1)
    chapter = next(f for f in page.frames if f.url.split("?")[0].endswith("/one.xhtml"))
    assert chapter.evaluate("document.contentType") == "application/xhtml+xml"
    served = page.request.get(watch.url + "book/styles/epub.css").body()
    assert served == (PACKAGED / "epub.css").read_bytes()
    # Chapter navigation.
    contents = page.locator("#toc")
    for title in ("Part One", "The First Chapter", "The Second Chapter"):
        expect(contents).to_contain_text(title)
    contents.get_by_text("The Second Chapter").click()
    expect(frame.locator("h1")).to_have_text("The Second Chapter")
    assert page.url.endswith("#text/two")


def test_the_epub_itself_carries_no_preview_script(watch, book):
    epub = next((book / "build").glob("*.epub"))
    with zipfile.ZipFile(epub) as z:
        for name in z.namelist():
            data = z.read(name)
            assert b"<script" not in data and b"_preview" not in data, name


def test_saving_a_chapter_updates_the_open_page_without_a_reload(page, watch, chapter_one):
    from playwright.sync_api import expect

    page.goto(watch.url + "#text/one")
    frame = text_frame(page)
    expect(frame.locator("body")).to_contain_text("Nets dried on the wall.")
    page.evaluate("window.untouched = 'still the same page'")
    chapter_one.write_text(ONE.replace("Nets dried on the wall.",
                                       "The tide turned at noon, and nobody saw it."),
                           encoding="utf-8")
    expect(frame.locator("body")).to_contain_text("The tide turned at noon, and nobody saw it.")
    expect(frame.locator("body")).not_to_contain_text("Nets dried on the wall.")
    assert page.evaluate("window.untouched") == "still the same page", "the page reloaded"
    assert page.url.endswith("#text/one")


def test_a_footnote_opens_as_a_popup(page, watch):
    from playwright.sync_api import expect

    # No rebuild may land while the popup is open: a new build reloads the chapter, and the
    # popup goes with the document it was opened in.
    watch.wait_for(lambda s: not s["building"], what="a quiet preview")
    page.goto(watch.url + "#text/one")
    frame = text_frame(page)
    popup = frame.locator(".bookbuild-popup")
    frame.locator('a[role="doc-noteref"]').click()
    expect(popup).to_be_visible()
    expect(popup).to_contain_text("High water came at six.")
    frame.locator("h1").press("Escape")
    expect(popup).to_have_count(0)


def test_a_build_error_appears_in_the_page_with_its_line(page, watch, chapter_one):
    from playwright.sync_api import expect

    page.goto(watch.url + "#text/one")
    frame = text_frame(page)
    expect(frame.locator("body")).to_contain_text("Nets dried on the wall.")
    broken = ONE.replace("Nets dried on the wall.", "Nets dried on the wall.[^nowhere]")
    line = broken.splitlines().index("Nets dried on the wall.[^nowhere]") + 1
    chapter_one.write_text(broken, encoding="utf-8")
    problems = page.locator("#problem-list")
    expect(problems).to_contain_text(f"chapters/one.md:{line}: error: ")
    expect(problems).to_contain_text("[BB203 footnote-undefined]")
    expect(page.locator("#status")).to_have_class("failed")
    # The last good text stays on show while the author fixes the error.
    expect(frame.locator("body")).to_contain_text("Nets dried on the wall.")
    assert watch.printed(f"chapters/one.md:{line}: error:"), "the terminal shows it too"
    chapter_one.write_text(ONE, encoding="utf-8")
    expect(page.locator("#problems")).to_be_hidden()
    expect(page.locator("#status")).not_to_have_class("failed")


def test_print_view_shows_the_latest_pdf_pages(page, watch, book, chapter_one):
    from playwright.sync_api import expect

    page.goto(watch.url + "#print")
    pages = page.locator("#print img")
    pdf = next((book / "build").glob("*.pdf"))
    before = len(PdfReader(pdf).pages)
    expect(pages).to_have_count(before)
    first = pages.first
    expect(first).to_have_attribute("alt", "Page 1 of the print PDF")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0",
                           arg=first.element_handle())
    longer = ONE + "\n" + "\n\n".join(["The boats came in one by one, and the harbour filled "
                                       "with voices and the smell of tar and fish."] * 120)
    chapter_one.write_text(longer, encoding="utf-8")
    watch.wait_for(lambda s: s["print"] and s["print"]["pages"] > before and not s["building"],
                   what="the longer PDF")
    after = len(PdfReader(pdf).pages)
    assert after > before
    expect(pages).to_have_count(after)


def _get(url: str, path: str, host: str | None = None) -> int:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host or parts.netloc)
    connection.endheaders()
    status = connection.getresponse().status
    connection.close()
    return status


def test_preview_refuses_requests_addressed_to_another_host(watch):
    """A web page that points a DNS name of its own at 127.0.0.1 cannot read the book."""
    assert _get(watch.url, "/_preview/state") == 200
    assert _get(watch.url, "/_preview/state", host="attacker.example") == 403
    assert _get(watch.url, "/", host=f"attacker.example:{urlsplit(watch.url).port}") == 403
    assert _get(watch.url, "/", host=f"localhost:{urlsplit(watch.url).port}") == 200


@pytest.mark.parametrize("path", ["/book.yaml", "/chapters/one.md", "/book/../book.yaml",
                                  "/book/text/../../book.yaml", "/_preview/../book.yaml",
                                  "/_preview/%2e%2e/server.py", "/etc/passwd",
                                  "/_preview/page/999.png"])
def test_preview_serves_the_book_and_nothing_else(watch, path):
    assert _get(watch.url, path) == 404


@pytest.mark.parametrize("path", ["/_preview/page/%C2%B2.png",
                                  "/_preview/page/" + "9" * 5000 + ".png",
                                  "/_preview/page/%EF%BC%91.png", "/_preview/page/-1.png",
                                  "/_preview/page/0.png", "/_preview/page/%ff.png"])
def test_a_page_number_that_is_not_one_is_a_404_not_a_traceback(tmp_path, capfd, path):
    """The server in this process, with nothing built: a bad page is answered, not dropped."""
    server = PreviewServer(tmp_path, lambda publish: (None, []), port=0, pdftoppm="")
    server.start()
    try:
        assert _get(server.url, path) == 404
        assert _get(server.url, "/_preview/state") == 200  # still serving
    finally:
        server.close()
    assert "Traceback" not in capfd.readouterr().err


def test_ctrl_c_stops_the_preview_cleanly(tmp_path):
    book = make_book(tmp_path / "small", "title: Small\nauthor: A\nspine: [one.md]\n",
                     {"one.md": "# One\n\nText.\n"})
    running = Watch(book, "--format", "epub")
    state = running.built()
    assert state["lastBuild"]["ok"] and state["print"] is None  # no PDF asked for
    assert running.stop() == 0
    assert any("preview stopped" in line for line in running.out_lines)
