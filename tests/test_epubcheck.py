"""Every feature book passes the real EPUBCheck 5.3, run once for all of them in one JVM."""

import pytest
from bookkit import run_cli
from feature_books import FEATURE_BOOKS

from bookbuild.checks.epubcheck import run_epubcheck, run_epubcheck_many

# USAGE notes (EPUBCheck's advice, shown with -u) that a book may draw, each with the reason it
# is acceptable. None is listed: no feature book draws any usage note with EPUBCheck 5.3.0, so
# any that appears is new and must be looked at before it is added here.
JUSTIFIED_USAGE: dict[str, str] = {}


@pytest.mark.parametrize("name", list(FEATURE_BOOKS))
def test_feature_book_passes_epubcheck(name, feature_books, epubcheck_results):
    messages = epubcheck_results[feature_books[name].epub.path]
    problems = [m for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")]
    assert problems == []
    usage = [m for m in messages if m.severity == "USAGE" and m.id not in JUSTIFIED_USAGE]
    assert usage == []


def test_sample_book_builds_and_passes_epubcheck(sample_book, epubcheck_results):
    messages = epubcheck_results[sample_book.epub.path]
    assert [m for m in messages if m.severity in ("FATAL", "ERROR", "WARNING")] == []
    assert [m for m in messages if m.severity == "USAGE" and m.id not in JUSTIFIED_USAGE] == []
    assert sample_book.sources_after == sample_book.sources_before
    assert len(sample_book.epub.spine()) > 5


@pytest.mark.slow
def test_check_command_reports_what_the_batch_reports(faulty_book, epubcheck_results):
    batch = epubcheck_results[faulty_book.epub.path]
    # The faulty book must really draw messages, or agreeing would prove nothing.
    assert {("RSC-007", "ERROR"), ("OPF-088", "USAGE")} <= {(m.id, m.severity) for m in batch}
    # `check` runs EPUBCheck's own command line, one file per JVM, on the same bytes.
    run = run_cli("check", faulty_book.root, "--format", "epub")
    assert run.code == 1
    assert (faulty_book.root / "build" / "faulty-book.epub").read_bytes() == faulty_book.epub.data
    assert "Traceback" not in run.err
    *problems, summary = run.err.splitlines()
    # The faulty book has no cover either, which `check` warns of (BB249).
    (no_cover,) = [line for line in problems if "[BB249 no-cover]" in line]
    problems.remove(no_cover)
    assert sorted(problems) == sorted(
        f"build/faulty-book.epub: error: EPUBCheck {m.id} in {m.location}: {m.message} "
        f"[BB301 epubcheck]" for m in batch if m.severity in ("FATAL", "ERROR"))
    assert problems[0].startswith("build/faulty-book.epub: error: EPUBCheck RSC-007 in "
                                  "EPUB/styles/epub.css:2: ")
    assert summary == ("bookbuild: 1 error; the files above were written, but they have these "
                       "problems")


def test_batch_epubcheck_of_nothing_starts_no_java():
    assert run_epubcheck_many([]) == {}


def test_epubcheck_of_a_missing_file_is_an_error_not_a_pass(tmp_path):
    with pytest.raises(FileNotFoundError):
        run_epubcheck(tmp_path / "nothing.epub")
