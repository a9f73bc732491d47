"""Property: whatever Markdown a stranger sends, a build either stops with `path:line:` problems
(exit status 1, nothing written) or writes an EPUB that EPUBCheck passes with no error or
warning. A few hundred fixed examples here; bench/fuzz.py runs thousands of new ones."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest
from fuzzkit import Outcome, build_example, chapters, import_example
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookbuild.checks.epubcheck import run_epubcheck_many

EXAMPLES = 300


@pytest.mark.slow
def test_random_manuscripts_stop_with_located_problems_or_pass_epubcheck(tmp_path):
    built: list[Outcome] = []
    numbers = itertools.count()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(chapters())
    def build_one(markdown: str) -> None:
        root = tmp_path / f"example-{next(numbers)}"
        outcome = build_example(root, markdown)
        if outcome.epub is not None:
            kept = tmp_path / "epubs" / f"{root.name}.epub"
            kept.parent.mkdir(exist_ok=True)
            outcome.epub = Path(shutil.move(outcome.epub, kept))
            built.append(outcome)
        shutil.rmtree(root)

    build_one()
    # Both outcomes must be well represented, or the property proves little.
    assert EXAMPLES // 5 <= len(built) <= EXAMPLES * 4 // 5, len(built)
    results = run_epubcheck_many([outcome.epub for outcome in built])
    invalid = {outcome.markdown: [f"{m.id} {m.message} ({m.location})"
                                  for m in results[outcome.epub]
                                  if m.severity in ("FATAL", "ERROR", "WARNING")]
               for outcome in built}
    assert {markdown: found for markdown, found in invalid.items() if found} == {}


IMPORT_EXAMPLES = 60


@pytest.mark.slow
def test_random_forum_posts_import_into_a_book_or_stop_with_located_problems(tmp_path):
    """Text posts of any content (the chapters above, as an author pastes them into a forum):
    the import makes a book that builds, or stops at the right place, and never writes
    outside its target folder."""
    numbers = itertools.count()
    imported = []

    @settings(max_examples=IMPORT_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(st.lists(chapters(), min_size=1, max_size=3))
    def import_one(posts: list[str]) -> None:
        root = tmp_path / f"example-{next(numbers)}"
        outcome = import_example(root, posts)
        imported.append(outcome.code == 0)
        shutil.rmtree(root)

    import_one()
    assert any(imported), "no example imported and built: the property proves little"
