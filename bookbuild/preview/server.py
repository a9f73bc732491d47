"""The preview server: rebuilds the book when a file is saved and serves it on loopback.

The browser page (assets/index.html) polls `/_preview/state` and reloads the chapter, the
printed pages and the problem list whenever the version there changes.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bookbuild.book import Book
from bookbuild.build import BuildResult
from bookbuild.errors import Problem
from bookbuild.preview.site import Resource, book_site
from bookbuild.preview.watcher import snapshot, wait_for_change

# Runs one build, handing the parsed book to the callback before the writers run; returns
# what was written (None when nothing was) and every problem found.
Rebuild = Callable[[Callable[[Book], None]], tuple[BuildResult | None, list[Problem]]]

ASSETS = Path(__file__).parent / "assets"
ASSET_TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
               ".css": "text/css; charset=utf-8"}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
PAGE_DPI = "100"
# The book's own documents may not run scripts (the HTML policy refuses them; this is a
# second lock): only the preview's files, served from here, can.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'self'; base-uri 'none'; form-action 'none'; "
       "frame-ancestors 'self'")


class PreviewServer:
    """One book, served at `url` while `run` rebuilds it on every change."""

    def __init__(self, book_dir: Path, rebuild: Rebuild, host: str = "127.0.0.1",
                 port: int = 8000, skip: Path | None = None,
                 pdftoppm: str | None = None):
        self.book_dir, self.rebuild, self.skip = book_dir, rebuild, skip
        self.pdftoppm = pdftoppm if pdftoppm is not None else shutil.which("pdftoppm")
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.version = self.content_version = self.print_version = 0
        self.building = False
        self.title = book_dir.name
        self.files: dict[str, Resource] = {}
        self.contents: list[dict] = []
        self.problems: list[dict] = []
        self.last_build: dict | None = None
        self.pdf: Path | None = None
        self.pdf_info: dict | None = None
        self.page_cache: dict[tuple[int, int], bytes] = {}
        self.workdir = Path(tempfile.mkdtemp(prefix="bookbuild-preview-"))
        self.host = host
        self.httpd = _HTTPServer((host, port), _Handler)
        self.httpd.preview = self
        self.port = self.httpd.server_address[1]
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        """Start answering requests (in a background thread)."""
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="preview-http",
                                       daemon=True)
        self.thread.start()

    def run(self, interval: float = 0.25) -> None:
        """Build now, then again after every change, until `stop` is called."""
        previous = snapshot(self.book_dir, self.skip)
        self.build_once()
        while True:
            current = wait_for_change(self.book_dir, previous, self.stopping, self.skip,
                                      interval)
            if current is None:
                return
            previous = current
            self.build_once()

    def stop(self) -> None:
        self.stopping.set()

    def close(self) -> None:
        self.stop()
        if self.thread:
            self.httpd.shutdown()
        self.httpd.server_close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- building ----

    def build_once(self) -> None:
        with self.lock:
            self.building = True
            self.version += 1
        started = time.monotonic()
        result, problems = self.rebuild(self._publish_text)
        pdf = next((p for p in result.outputs if p.suffix == ".pdf"), None) if result else None
        if pdf is not None and pdf.is_file():
            self._publish_print(pdf)
        with self.lock:
            self.building = False
            self.problems = [{**p.as_dict(), "text": p.format()} for p in problems]
            self.last_build = {"ok": result is not None
                               and not any(p.severity == "error" for p in problems),
                               "seconds": round(time.monotonic() - started, 2),
                               "finished": time.strftime("%H:%M:%S")}
            self.version += 1

    def _publish_text(self, book: Book) -> None:
        files, contents = book_site(book)
        with self.lock:
            self.files, self.contents, self.title = files, contents, book.title
            self.content_version += 1
            self.version += 1

    def _publish_print(self, pdf: Path) -> None:
        from pypdf import PdfReader

        copy = self.workdir / f"print-{self.print_version + 1}.pdf"
        shutil.copyfile(pdf, copy)
        reader = PdfReader(copy)
        box = reader.pages[0].mediabox
        info = {"pages": len(reader.pages), "width": float(box.width),
                "height": float(box.height), "images": bool(self.pdftoppm)}
        with self.lock:
            old = self.pdf
            self.pdf, self.pdf_info = copy, info
            self.page_cache.clear()
            self.print_version += 1
            self.version += 1
        # Keep the previous copy: a page request may still be reading it.
        for stale in self.workdir.glob("print-*.pdf"):
            if stale not in (copy, old):
                stale.unlink(missing_ok=True)

    # ---- answering ----

    def state(self) -> dict:
        with self.lock:
            return {"version": self.version, "contentVersion": self.content_version,
                    "printVersion": self.print_version, "building": self.building,
                    "title": self.title, "contents": self.contents, "problems": self.problems,
                    "lastBuild": self.last_build, "print": self.pdf_info}

    def page_image(self, number: int) -> bytes | None:
        """Page `number` of the latest PDF as a PNG, rendered by pdftoppm on first request."""
        with self.lock:
            pdf, version, info = self.pdf, self.print_version, self.pdf_info
            cached = self.page_cache.get((version, number))
        if cached is not None:
            return cached
        if not (pdf and info and self.pdftoppm and 1 <= number <= info["pages"]):
            return None
        run = subprocess.run([self.pdftoppm, "-png", "-r", PAGE_DPI, "-f", str(number),
                              "-l", str(number), str(pdf)], capture_output=True, timeout=120,
                             check=False)
        if run.returncode != 0 or not run.stdout:
            return None
        with self.lock:
            if version == self.print_version:
                self.page_cache[(version, number)] = run.stdout
        return run.stdout

    def pdf_bytes(self) -> bytes | None:
        with self.lock:
            pdf = self.pdf
        return pdf.read_bytes() if pdf and pdf.is_file() else None

    def resource(self, path: str) -> Resource | None:
        if path == "/":
            path = "/_preview/index.html"
        if path.startswith("/_preview/"):
            return self._asset(path[len("/_preview/"):])
        with self.lock:
            return self.files.get(path)

    @staticmethod
    def _asset(name: str) -> Resource | None:
        path = ASSETS / name
        if "/" in name or path.suffix not in ASSET_TYPES or not path.is_file():
            return None
        return Resource(ASSET_TYPES[path.suffix], path.read_bytes())

    def host_allowed(self, host_header: str | None) -> bool:
        """On loopback, only requests addressed to loopback: a web page elsewhere cannot read
        the manuscript through a DNS name it points at 127.0.0.1."""
        if self.host not in LOOPBACK:
            return True
        if not host_header:
            return False
        name = host_header.strip().lower()
        name = name[1:name.index("]")] if name.startswith("[") and "]" in name \
            else name.rsplit(":", 1)[0]
        return name in LOOPBACK


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    preview: PreviewServer


class _Handler(http.server.BaseHTTPRequestHandler):
    server: _HTTPServer
    server_version = "bookbuild-preview"

    def do_GET(self) -> None:  # the name http.server calls
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def log_message(self, format: str, *args) -> None:
        """Requests are not worth a line in the author's terminal."""

    def _answer(self, send_body: bool) -> None:
        preview = self.server.preview
        if not preview.host_allowed(self.headers.get("Host")):
            self._send(403, "text/plain; charset=utf-8", b"forbidden host\n", send_body)
            return
        path = unquote(urlsplit(self.path).path)
        if path == "/_preview/state":
            body = json.dumps(preview.state(), ensure_ascii=False).encode()
            self._send(200, "application/json; charset=utf-8", body, send_body)
            return
        if path.startswith("/_preview/page/") and path.endswith(".png"):
            number = path[len("/_preview/page/"):-len(".png")]
            # ASCII digits only, and few: "²" is a digit to str.isdigit but not to int(), and
            # int() refuses a number of thousands of digits.
            image = preview.page_image(int(number)) \
                if re.fullmatch(r"[0-9]{1,6}", number, re.ASCII) else None
            self._send(*((200, "image/png", image) if image else
                         (404, "text/plain; charset=utf-8", b"no such page\n")), send_body)
            return
        if path == "/_preview/book.pdf":
            data = preview.pdf_bytes()
            self._send(*((200, "application/pdf", data) if data else
                         (404, "text/plain; charset=utf-8", b"no PDF yet\n")), send_body)
            return
        resource = preview.resource(path)
        if resource is None:
            self._send(404, "text/plain; charset=utf-8", b"not found\n", send_body)
            return
        self._send(200, resource.content_type, resource.body, send_body)

    def _send(self, status: int, content_type: str, body: bytes, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if send_body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the browser navigated away mid-answer; nothing to tell anyone
