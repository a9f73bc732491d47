"""What `bookbuild watch` counts as a change to the book: saved files, not its own output."""

from __future__ import annotations

import os
import threading
import time

from bookbuild.preview.watcher import snapshot, wait_for_change


def _book(tmp_path):
    (tmp_path / "manuscript").mkdir()
    (tmp_path / "manuscript" / "one.md").write_text("# One\n")
    (tmp_path / "book.yaml").write_text("title: T\n")
    return tmp_path


def test_snapshot_sees_the_sources_and_skips_output_hidden_and_swap_files(tmp_path):
    book = _book(tmp_path)
    for name in ("build/book.epub", ".git/index", "manuscript/.one.md.swp",
                 "manuscript/one.md~", "manuscript/#one.md#", "__pycache__/x.pyc"):
        (book / name).parent.mkdir(parents=True, exist_ok=True)
        (book / name).write_text("x")
    seen = {os.path.relpath(p, book) for p in snapshot(book, book / "build")}
    assert seen == {"book.yaml", os.path.join("manuscript", "one.md")}


def test_a_saved_file_is_a_change_and_output_is_not(tmp_path):
    book = _book(tmp_path)
    before = snapshot(book, book / "build")
    (book / "build").mkdir()
    (book / "build" / "book.pdf").write_text("output")
    assert snapshot(book, book / "build") == before
    (book / "manuscript" / "one.md").write_text("# One\n\nMore.\n")
    assert snapshot(book, book / "build") != before


def test_wait_for_change_returns_once_a_save_has_settled(tmp_path):
    book = _book(tmp_path)
    before = snapshot(book)
    stop = threading.Event()

    def save_in_two_steps():
        time.sleep(0.2)
        (book / "manuscript" / "two.md").write_text("# Two\n")
        time.sleep(0.05)
        (book / "manuscript" / "two.md").write_text("# Two\n\nDone.\n")

    threading.Thread(target=save_in_two_steps).start()
    after = wait_for_change(book, before, stop, interval=0.1)
    assert after is not None
    assert (book / "manuscript" / "two.md").read_text() == "# Two\n\nDone.\n"
    assert after == snapshot(book)


def test_wait_for_change_ends_when_stopped(tmp_path):
    book = _book(tmp_path)
    stop = threading.Event()
    threading.Timer(0.2, stop.set).start()
    assert wait_for_change(book, snapshot(book), stop, interval=0.05) is None
