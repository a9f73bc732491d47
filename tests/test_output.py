"""Where and how the EPUB is written: its name, its zip layout, byte-for-byte repeatability."""

import shutil

from bookkit import Epub, build_epub, make_book, run_cli, run_module, tree_digest

BOOK = """
    title: Repeatable Book
    author: Jane Doe
    spine: [chapters/one.md, chapters/two.md]
"""
FILES = {
    "chapters/one.md": "# One\n\nA claim.[^1]\n\n[^1]: A note.\n",
    "chapters/two.md": "# Two\n\n\"Quoted\" -- text.\n",
}


def test_default_slug_comes_from_the_title(feature_books):
    book = feature_books["slug"]
    assert book.epub.path.name == "ca-ira-the-book.epub"
    assert book.epub.metadata("dc:title") == ["Ça Ira: The Book"]


def test_output_key_overrides_the_slug(feature_books):
    book = feature_books["output_override"]
    assert book.epub.path.name == "custom-name.epub"
    assert not (book.epub.path.parent / "overridden-title.epub").exists()


def test_default_output_folder_is_build_in_the_book(tmp_path):
    book = make_book(tmp_path / "book", BOOK, FILES)
    assert build_epub(book) == book / "build" / "repeatable-book.epub"


def test_two_builds_are_byte_identical(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    book = make_book(tmp_path / "book", BOOK, FILES)
    first = build_epub(book).read_bytes()
    second = build_epub(book).read_bytes()
    assert first == second
    # The same sources elsewhere (copied with their times) build the same bytes too:
    # no absolute path, clock time or random id gets into the file.
    copy = tmp_path / "elsewhere" / "copy"
    shutil.copytree(book / "chapters", copy / "chapters")
    shutil.copy2(book / "book.yaml", copy / "book.yaml")
    assert build_epub(copy, tmp_path / "other-out").read_bytes() == first


def test_zip_has_mimetype_first_and_stored(feature_books):
    epub = feature_books["nav"].epub
    first = epub.infos[0]
    assert first.filename == "mimetype"
    assert first.compress_type == 0  # ZIP_STORED
    assert epub.files["mimetype"] == b"application/epub+zip"
    # Readers sniff the type at fixed offsets: no extra field may push it along.
    assert epub.data[30:38] == b"mimetype"
    assert epub.data[38:58] == b"application/epub+zip"
    assert "META-INF/container.xml" in epub.files


def test_build_leaves_the_manuscript_unchanged(tmp_path):
    book = make_book(tmp_path / "book", BOOK, FILES)
    before = tree_digest(book)
    build_epub(book)
    assert tree_digest(book) == before
    assert (book / "build" / "repeatable-book.epub").is_file()


def test_out_and_format_options(tmp_path, monkeypatch):
    book = make_book(tmp_path / "book", BOOK, FILES)
    monkeypatch.chdir(book)
    run = run_cli("build", ".", "--out", "dist", "--format", "epub")
    assert run.code == 0, run.err
    assert sorted(p.name for p in (book / "dist").iterdir()) == [
        "repeatable-book.epub"]
    assert not (book / "build").exists()
    assert f"wrote {book / 'dist' / 'repeatable-book.epub'}" in run.out


def test_python_m_bookbuild_help():
    done = run_module("--help")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: bookbuild")
    assert "build" in done.stdout and "check" in done.stdout


def test_python_m_bookbuild_builds_the_same_bytes(tmp_path):
    book = make_book(tmp_path / "book", BOOK, FILES)
    in_process = build_epub(book).read_bytes()
    done = run_module("build", ".", "--format", "epub", "--out", tmp_path / "sub", cwd=book)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "sub" / "repeatable-book.epub").read_bytes() == in_process


def test_zip_entry_times_come_from_the_source_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # 2023-11-14 22:13:20 UTC
    epub = Epub(build_epub(make_book(tmp_path / "book", BOOK, FILES)))
    assert {info.date_time for info in epub.infos} == {(2023, 11, 14, 22, 13, 20)}
