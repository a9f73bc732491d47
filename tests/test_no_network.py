"""No network during a build: stylesheets and SVG pictures that point at a host (through CSS
escapes, comments or `file://HOST/`) are refused at their line, and nothing connects.

A listener on the loopback address stands in for the outside world: every case names it, and
afterwards it must have seen no connection; name lookups are recorded too.
"""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest
from bookkit import make_book, run_cli

from bookbuild.pdf.fetcher import confined_fetcher

YAML = "title: Quiet Book\nauthor: Jane Doe\nspine: [one.md]\n"


@pytest.fixture
def listener(monkeypatch):
    """(port, connections made to it, host names looked up) for the duration of a test."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    lookups: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host, *args, **kwargs):
        lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)
    monkeypatch.setattr(socket, "gethostbyname", lambda host: lookups.append(host) or "0.0.0.0")

    def connections() -> int:
        count = 0
        while select.select([server], [], [], 0.05)[0]:
            conn, _ = server.accept()
            conn.close()
            count += 1
        return count

    try:
        yield server.getsockname()[1], connections, lookups
    finally:
        server.close()


def _problems(run) -> list[str]:
    return [line for line in run.err.splitlines() if not line.startswith("bookbuild: ")]


def test_print_css_that_names_a_host_is_refused_at_its_lines(tmp_path, listener):
    port, connections, lookups = listener
    css = (f"/* a comment first */ @\\69mport url(http://127.0.0.1:{port}/a.css);\n"
           f"body {{ background: u\\72l(file://127.0.0.1:{port}/etc/hosts); }}\n"
           f"@media print {{ p {{ background-image: url('file://localhost/etc/passwd'); }} }}\n"
           f"@font-face {{ font-family: X; src: url(//127.0.0.1:{port}/x.otf); }}\n"
           "h1 { background: url(pic.png); }\n")
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\nText.\n",
                                               "styles/print.css": css})
    started = time.monotonic()
    run = run_cli("build", book, "--format", "pdf")
    assert time.monotonic() - started < 5
    assert run.code == 1 and "Traceback" not in run.err
    assert _problems(run) == [
        "styles/print.css:1: error: @import loads another stylesheet; put its rules in this one "
        "[BB233 stylesheet-load]",
        f"styles/print.css:2: error: url(file://127.0.0.1:{port}/etc/hosts) would load from "
        "outside the book; a stylesheet may name a file beside it (such as fonts/Body.otf) "
        "[BB233 stylesheet-load]",
        "styles/print.css:3: error: url(file://localhost/etc/passwd) would load from outside "
        "the book; a stylesheet may name a file beside it (such as fonts/Body.otf) "
        "[BB233 stylesheet-load]",
        f"styles/print.css:4: error: url(//127.0.0.1:{port}/x.otf) would load from outside "
        "the book; a stylesheet may name a file beside it (such as fonts/Body.otf) "
        "[BB233 stylesheet-load]"]
    assert connections() == 0 and lookups == []
    assert not (book / "build").exists() or not any((book / "build").glob("*.pdf"))


def test_epub_css_with_a_remote_import_is_not_copied_into_the_epub(tmp_path, listener):
    port, connections, lookups = listener
    book = make_book(tmp_path / "book", YAML, {
        "one.md": "# One\n\nText.\n",
        "styles/epub.css": f"p {{ margin: 0 }}\n\n@import 'http://127.0.0.1:{port}/a.css';\n"
                           f"em {{ background: url(file:///etc/passwd) }}\n"})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    assert _problems(run) == [
        "styles/epub.css:3: error: @import loads another stylesheet; put its rules in this one "
        "[BB233 stylesheet-load]",
        "styles/epub.css:4: error: url(file:///etc/passwd) would load from outside the book; a "
        "stylesheet may name a file beside it (such as fonts/Body.otf) [BB233 stylesheet-load]"]
    assert connections() == 0 and lookups == []
    assert not (book / "build").exists() or not any((book / "build").glob("*.epub"))


@pytest.mark.parametrize("style", [
    "@\\69mport url(http://127.0.0.1:{port}/a.css);",
    "/* first */ @import 'http://127.0.0.1:{port}/a.css';",
    "rect {{ fill: u\\72l(http://127.0.0.1:{port}/p.svg#x) }}",
    "rect {{ fill: url( 'file://127.0.0.1:{port}/p.svg#x' ) }}",
    "@font-face {{ font-family: F; src: url(//127.0.0.1:{port}/f.woff) }}",
    "rect {{ fill: image-set('http://127.0.0.1:{port}/p.png' 1x) }}",
])
def test_svg_stylesheet_that_loads_through_an_escape_is_refused(tmp_path, listener, style):
    port, connections, lookups = listener
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           f'<style>{style.format(port=port)}</style><rect width="5" height="5"/></svg>')
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a drawing](pic.svg)\n",
                                               "pic.svg": svg})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    [line] = _problems(run)
    assert line.startswith("one.md:3: error: image 'pic.svg' has a stylesheet that loads a "
                           "file: ")
    assert line.endswith("[BB208 image-missing]")
    assert connections() == 0 and lookups == []


@pytest.mark.parametrize("attribute", [
    'style="fill: u\\72l(http://127.0.0.1:{port}/p.svg#x)"',
    'fill="u\\72l(http://127.0.0.1:{port}/p.svg#x)"',
    'style="/**/fill:url(&quot;//127.0.0.1:{port}/p.svg#x&quot;)"',
])
def test_svg_attribute_that_loads_through_an_escape_is_refused(tmp_path, listener, attribute):
    port, connections, _ = listener
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           f'<rect width="5" height="5" {attribute.format(port=port)}/></svg>')
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a drawing](pic.svg)\n",
                                               "pic.svg": svg})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 1
    [line] = _problems(run)
    assert " has a stylesheet" not in line and "an SVG in a book must stand alone" in line
    assert connections() == 0


def test_svg_that_refers_only_to_its_own_parts_is_accepted(tmp_path):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           '<style>@namespace svg url(http://www.w3.org/2000/svg); rect { fill: url(#g) }'
           '</style><defs><linearGradient id="g"/></defs>'
           '<rect width="5" height="5" style="stroke: url(\'#g\')"/></svg>')
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n\n![a drawing](pic.svg)\n",
                                               "pic.svg": svg})
    run = run_cli("build", book, "--format", "epub")
    assert run.code == 0, run.err


@pytest.mark.parametrize("url", [
    "file://127.0.0.1:{port}/{root}/one.md",
    "file://localhost/{root}/one.md",
    "http://127.0.0.1:{port}/one.md",
    "ftp://127.0.0.1:{port}/one.md",
])
def test_fetcher_refuses_any_url_with_a_host_before_resolving_it(tmp_path, listener, url):
    port, connections, lookups = listener
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n"})
    fetcher = confined_fetcher(book)
    with pytest.raises(ValueError, match="loads nothing from a network"):
        fetcher.fetch(url.format(port=port, root=str(book).lstrip("/")))
    assert connections() == 0 and lookups == []


def test_fetcher_still_reads_a_file_inside_the_book_and_no_other(tmp_path):
    book = make_book(tmp_path / "book", YAML, {"one.md": "# One\n"})
    (tmp_path / "secret.txt").write_text("private")
    fetcher = confined_fetcher(book)
    response = fetcher.fetch(Path(book / "one.md").as_uri())
    assert response.read() == b"# One\n"
    with pytest.raises(ValueError, match="outside the book folder"):
        fetcher.fetch((tmp_path / "secret.txt").as_uri())
