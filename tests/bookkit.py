"""Test helpers: write tiny books, run the CLI in-process or as a subprocess, read EPUBs.

Plain functions so both tests and session-scoped fixtures (conftest.py) can use them.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import struct
import subprocess
import sys
import textwrap
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from lxml import etree

from bookbuild.checks.ace import ace_executable, chromium_executable
from bookbuild.cli import main

NS = {
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
EPUB_TYPE = f"{{{NS['epub']}}}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def make_book(root: Path, yaml_text: str, files: dict[str, str | bytes] | None = None) -> Path:
    """Write book.yaml and each file (text is dedented; bytes are written as they are)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "book.yaml").write_text(textwrap.dedent(yaml_text).lstrip("\n"), encoding="utf-8")
    for name, content in (files or {}).items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
    return root


@dataclass
class Run:
    code: int
    out: str
    err: str

    def told(self, code: str) -> list[str]:
        """The lines of standard error that carry this problem code."""
        return [line for line in self.err.splitlines() if code in line]


def run_cli(*argv: str | Path) -> Run:
    """`bookbuild.cli.main` in this process, its output captured (usable outside a test too)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:  # argparse: --help, --version, bad arguments
            code = exc.code if isinstance(exc.code, int) else 1
    return Run(code, out.getvalue(), err.getvalue())


def run_module(*argv: str | Path, cwd: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m bookbuild ...` as a separate process, as an author would run it."""
    return subprocess.run([sys.executable, "-m", "bookbuild", *map(str, argv)], cwd=cwd,
                          env={**os.environ, **(env or {})}, capture_output=True, text=True,
                          timeout=300, check=False)


def require_ace() -> None:
    """Ace is optional for authors but not for CI: there a missing Ace fails the test."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("BOOKBUILD_ACE", raising=False)  # conftest switches it off for others
        if ace_executable() and chromium_executable():
            return
    message = "DAISY Ace or Chromium is not installed (./dev test installs both)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


def build_epub(book_dir: Path, out_dir: Path | None = None) -> Path:
    """Build the EPUB only and return its path; fails the test with the CLI's output if not."""
    argv = ["build", book_dir, "--format", "epub"]
    if out_dir is not None:
        argv += ["--out", out_dir]
    run = run_cli(*argv)
    assert run.code == 0, run.err
    written = [line[len("wrote "):] for line in run.out.splitlines() if line.startswith("wrote ")]
    assert len(written) == 1, run.out
    return Path(written[0])


def tree_digest(root: Path, skip: tuple[str, ...] = ("build",)) -> dict[str, str]:
    """sha256 of every file under `root` (folders named in `skip` left out), by relative path."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file() and not set(p.relative_to(root).parts) & set(skip)}


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid greyscale PNG, so image tests need no binary fixtures."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    rows = b"".join(b"\x00" + bytes([0x80] * width) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0,
                                                            0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def picture(width: int, height: int, mode: str = "RGB", kind: str = "JPEG") -> bytes:
    """A plain picture of any size and colour mode (cover images), made with Pillow."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new(mode, (width, height), {"RGB": (40, 60, 90), "L": 80,
                                      "CMYK": (60, 40, 0, 60)}[mode]).save(buffer, kind)
    return buffer.getvalue()


class Epub:
    """A built EPUB opened for inspection: its package document, nav and content documents."""

    def __init__(self, path: Path):
        self.path = path
        self.data = path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(self.data)) as z:
            self.infos = z.infolist()
            self.files = {info.filename: z.read(info) for info in self.infos}
        container = self.xml("META-INF/container.xml")
        self.opf_name = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
        self.opf = self.xml(self.opf_name)
        self.base = PurePosixPath(self.opf_name).parent

    def xml(self, name: str) -> etree._Element:
        return etree.fromstring(self.files[name])

    def full_name(self, href: str, relative_to: str | None = None) -> str:
        """The zip entry an href points at, from the OPF or from another entry."""
        base = PurePosixPath(relative_to).parent if relative_to else self.base
        parts: list[str] = []
        for part in (base / href.split("#")[0]).parts:
            if part == "..":
                parts.pop()
            elif part != ".":
                parts.append(part)
        return "/".join(parts)

    def manifest(self) -> dict[str, dict[str, str]]:
        """Manifest items by id, each with href, media-type and properties."""
        return {item.get("id"): dict(item.attrib)
                for item in self.opf.xpath("//opf:manifest/opf:item", namespaces=NS)}

    def spine(self) -> list[str]:
        """Spine entries as zip entry names, in reading order."""
        items = self.manifest()
        return [self.full_name(items[idref]["href"])
                for idref in self.opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS)]

    def item_named(self, full_name: str) -> dict[str, str]:
        return next(i for i in self.manifest().values() if self.full_name(i["href"]) == full_name)

    def nav_name(self) -> str:
        nav = next(i for i in self.manifest().values()
                   if "nav" in i.get("properties", "").split())
        return self.full_name(nav["href"])

    def document(self, stem: str) -> etree._Element:
        """The content document made from the spine file named `stem`.md."""
        names = [n for n in self.files if PurePosixPath(n).name == f"{stem}.xhtml"]
        assert len(names) == 1, (stem, sorted(self.files))
        return self.xml(names[0])

    def documents(self) -> dict[str, etree._Element]:
        """Every XHTML content document in the spine, by zip entry name."""
        return {name: self.xml(name) for name in self.spine()}

    def metadata(self, xpath: str) -> list[str]:
        return [str(v).strip() if isinstance(v, str) else (v.text or "").strip()
                for v in self.opf.xpath(f"//opf:metadata/{xpath}", namespaces=NS)]


def text_of(el: etree._Element) -> str:
    return "".join(el.itertext())


def body_text(doc: etree._Element) -> str:
    """The document's text with notes left out, whitespace as written."""
    section = doc.find(".//x:body/x:section", NS)
    return text_of(section)


def copied_image(book, doc_suffix: str, alt: str, source: str) -> str:
    """Check the one <img> of the spine document ending in `doc_suffix`: its alt text, and
    that its src resolves to a file in the EPUB holding `source`'s bytes. Returns that name."""
    epub = book.epub
    doc_name = next(n for n in epub.spine() if n.endswith(doc_suffix))
    (img,) = epub.xml(doc_name).findall(".//x:img", NS)
    assert img.get("alt") == alt
    target = epub.full_name(img.get("src"), relative_to=doc_name)
    assert target in epub.files
    assert epub.files[target] == (book.root / source).read_bytes()
    return target
