"""The fuzzer: many random manuscripts built, every EPUB checked by EPUBCheck.

Usage: `.venv/bin/python bench/fuzz.py [--examples 10000] [--seed N] [--keep DIR] [--imports]`.
Each example is a two-chapter book whose first chapter Hypothesis writes (tests/fuzzkit.py);
every build must stop with `path:line:` problems or write an EPUB EPUBCheck passes. With
--imports, each example is instead a folder of one to three such texts as forum posts, imported
(`bookbuild import`) and then built, with the same promise for both steps. Failures
are collected, not stopped at: each is printed at the end and, with --keep, saved with the
Markdown that caused it. The exit status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from fuzzkit import build_example, chapters, import_example  # noqa: E402
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from bookbuild.checks.epubcheck import run_epubcheck_many  # noqa: E402

BATCH = 400  # EPUBs per EPUBCheck run: one JVM each, and a bounded folder of kept EPUBs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=None, help="default: a new random one")
    parser.add_argument("--keep", type=Path, help="save each failing chapter here")
    parser.add_argument("--imports", action="store_true",
                        help="fuzz `bookbuild import` of text posts instead of the build alone")
    args = parser.parse_args()
    run_seed = args.seed if args.seed is not None else random.randrange(2 ** 32)
    failures: list[tuple[str, str]] = []
    counts = {"examples": 0, "rejected": 0, "built": 0}
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bookbuild-fuzz-") as tmp:
        work = Path(tmp)
        pending: dict[Path, str] = {}

        def check_pending() -> None:
            results = run_epubcheck_many(list(pending))
            for path, markdown in pending.items():
                found = [f"EPUBCheck {m.id}: {m.message} ({m.location})" for m in results[path]
                         if m.severity in ("FATAL", "ERROR", "WARNING")]
                if found:
                    failures.append((markdown, "\n".join(found)))
                path.unlink()
            pending.clear()

        @seed(run_seed)
        @settings(max_examples=args.examples, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.lists(chapters(), min_size=1, max_size=3) if args.imports else chapters())
        def build_one(example: str | list[str]) -> None:
            number = counts["examples"]
            counts["examples"] += 1
            root = work / f"example-{number}"
            markdown = "\n\n".join(example) if args.imports else example
            try:
                outcome = (import_example(root, example) if args.imports
                           else build_example(root, example))
            except Exception:  # noqa: BLE001 - a broken promise is collected, not raised
                failures.append((markdown, traceback.format_exc(limit=3)))
                shutil.rmtree(root, ignore_errors=True)
                return
            if outcome.epub is None:
                counts["rejected"] += 1
            else:
                counts["built"] += 1
                kept = work / f"{number}.epub"
                shutil.move(outcome.epub, kept)
                pending[kept] = markdown
                if len(pending) >= BATCH:
                    check_pending()
            shutil.rmtree(root)
            if counts["examples"] % 500 == 0:
                print(f"fuzz: {counts['examples']} examples, {len(failures)} failures, "
                      f"{time.monotonic() - started:.0f} s", flush=True)

        build_one()
        check_pending()
    for number, (markdown, why) in enumerate(failures, start=1):
        print(f"\n--- failure {number}\n{why}\nchapter: {markdown!r}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            (args.keep / f"failure-{number}.md").write_text(markdown, encoding="utf-8")
            (args.keep / f"failure-{number}.txt").write_text(why, encoding="utf-8")
    print(f"\nfuzz: seed {run_seed}: {counts['examples']} examples ({counts['built']} built and "
          f"checked by EPUBCheck, {counts['rejected']} stopped with problems), "
          f"{len(failures)} failures, {time.monotonic() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
