"""The speed benchmark: bookbuild against pandoc and a single WeasyPrint pass, in one run.

Usage: `./dev bench [--sizes novel,omnibus] [--runs 3]`. Prints medians and ratios per size;
every book built is also validated (EPUBCheck and the PDF preflight): a fast wrong book is
worthless.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

SIZES = {"novel": (100_000, 30), "omnibus": (1_000_000, 300)}
# The bound each ratio must keep (the issues' targets); the full PDF's, the make-up's issue's
# 0.8, has a further goal: 0.55, what two cores allow.
TARGETS = {"epub_vs_pandoc": 0.5, "pdf_vs_weasyprint": 0.8, "pdf_rebuild": 0.25,
           "epub_rebuild": 0.3}
PDF_GOAL = 0.55
PLAIN_WEASYPRINT = """
import sys, weasyprint
from weasyprint.text.fonts import FontConfiguration
html, css, out = sys.argv[1:4]
fonts = FontConfiguration()
sheet = weasyprint.CSS(filename=css, font_config=fonts)
document = weasyprint.HTML(filename=html, base_url=str(__import__('pathlib').Path(css).parent)
                           ).render(stylesheets=[sheet], font_config=fonts)
document.write_pdf(out)
"""


def tree_rss_kib(pid: int) -> int:
    """Resident memory of a process and all its descendants, in KiB, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(next(line.split()[1] for line in status.splitlines()
                              if line.startswith("VmRSS:")))
            for task in Path(f"/proc/{current}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration, ValueError):
            continue
    return total


def timed(argv: list[str], env: dict | None = None) -> tuple[float, int]:
    """Run a command; return its wall time and the peak RSS (KiB) of its process tree."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, **(env or {})})
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_kib(process.pid))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = process.communicate()
    elapsed = time.perf_counter() - start
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{err.decode()[-2000:]}")
    return elapsed, peak[0]


def median_of(runs: int, argv: list[str], before=None) -> tuple[float, int]:
    times, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        elapsed, peak = timed(argv)
        times.append(elapsed)
        peaks.append(peak)
    return statistics.median(times), max(peaks)


def bench_size(name: str, words: int, chapters: int, runs: int, work: Path,
               epub_only: bool = False) -> dict:
    book = generate(work / name, words, chapters)
    out = work / f"{name}-out"
    bookbuild = [sys.executable, "-m", "bookbuild", "build", str(book), "--out", str(out), "-q"]
    files = sorted(str(p) for p in (book / "chapters").glob("*.md"))
    row: dict[str, float | int | str] = {"size": name, "words": words, "chapters": chapters}
    # The cache belongs to bookbuild (outside the book: output.cache_folder): clearing it
    # makes a run a full build.
    from bookbuild.output import cache_folder
    clear = lambda: shutil.rmtree(cache_folder(out), ignore_errors=True)  # noqa: E731

    row["epub"], _ = median_of(runs, bookbuild + ["--format", "epub"], clear)
    row["pandoc"], _ = median_of(runs, ["pandoc", "-f", "markdown", "-t", "epub3",
                                        "--metadata", f"title=Benchmark {name}", "-o",
                                        str(out / "pandoc.epub"), *files])
    if epub_only:
        return row
    row["pdf"], row["pdf_rss_kib"], row["weasyprint"] = _pdf_and_plain(runs, bookbuild, clear,
                                                                       book, out)

    edited = book / "chapters" / f"{chapters // 2:03d}.md"
    original = edited.read_text(encoding="utf-8")

    def edit() -> None:
        edit.count = getattr(edit, "count", 0) + 1
        edited.write_text(original + f"\nAn edit, number {edit.count}, at the end.\n",
                          encoding="utf-8")

    timed(bookbuild + ["--format", "all"])  # warm whatever cache exists
    row["epub_rebuild"], _ = median_of(runs, bookbuild + ["--format", "epub"], edit)
    row["pdf_rebuild"], _ = median_of(runs, bookbuild + ["--format", "pdf"], edit)
    _, row["all_rss_kib"] = timed(bookbuild + ["--format", "all"])
    edited.write_text(original, encoding="utf-8")

    check = subprocess.run([sys.executable, "-m", "bookbuild", "check", str(book), "--out",
                            str(out), "--json"], capture_output=True, text=True)
    row["valid"] = "yes" if check.returncode == 0 else "NO: " + check.stdout.strip()[:300]
    with contextlib.suppress(ValueError):
        row["makeup"] = json.loads(check.stdout).get("makeup", {})
    return row


def _pdf_and_plain(runs: int, bookbuild: list[str], clear, book: Path, out: Path
                   ) -> tuple[float, int, float]:
    """The full PDF build and the plain WeasyPrint pass of the same HTML, taken in turn (this
    machine's speed drifts by a quarter within minutes: runs in turn see the same drift):
    each one's median, and the build's peak memory."""
    clear()
    first, peak = timed(bookbuild + ["--format", "pdf"])
    html, css = _print_html(book, out)  # (the page count of the PDF just built sets margins)
    builds, plains = [first], []
    for run in range(runs):
        plains.append(timed([sys.executable, "-c", PLAIN_WEASYPRINT, str(html), str(css),
                             str(out / "plain.pdf")])[0])
        if run < runs - 1:
            clear()
            elapsed, rss = timed(bookbuild + ["--format", "pdf"])
            builds.append(elapsed)
            peak = max(peak, rss)
    return statistics.median(builds), peak, statistics.median(plains)


def _print_html(book: Path, out: Path) -> tuple[Path, Path]:
    """The exact print HTML and CSS bookbuild renders, for the plain WeasyPrint peer."""
    from bookbuild import config as config_module
    from bookbuild.pdf.html import print_html, print_images
    from bookbuild.pdf.margins import effective_margins
    from bookbuild.read import read_book
    from bookbuild.theme import theme_file

    model = read_book(config_module.load(book))
    pages = len(__import__("pypdf").PdfReader(_latest_pdf(out)).pages)
    html = out / "print.html"
    html.write_text(print_html(model, effective_margins(model, pages), "pod",
                               print_images(model)), encoding="utf-8")
    return html, theme_file(model.config.root, "print.css")


def _latest_pdf(out: Path) -> Path:
    return max(out.glob("*.pdf"), key=lambda p: p.stat().st_mtime)


def report(rows: list[dict]) -> str:
    lines = ["| size | EPUB s | pandoc s | EPUB ÷ pandoc | PDF s | WeasyPrint s | PDF ÷ WP | "
             "EPUB edit ÷ full | PDF edit ÷ full | peak RSS MB | valid |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    if any("pdf" not in r for r in rows):  # --epub-only
        return "\n".join(["| size | EPUB s | pandoc s | EPUB ÷ pandoc |", "|---|---|---|---|"] + [
            f"| {r['size']} ({r['words']:,} words) | {r['epub']:.2f} | {r['pandoc']:.2f} | "
            f"{r['epub'] / r['pandoc']:.2f} (≤ {TARGETS['epub_vs_pandoc']}) |" for r in rows])
    for r in rows:
        lines.append(
            f"| {r['size']} ({r['words']:,} words) | {r['epub']:.2f} | {r['pandoc']:.2f} | "
            f"{r['epub'] / r['pandoc']:.2f} (≤ {TARGETS['epub_vs_pandoc']}) | {r['pdf']:.2f} | "
            f"{r['weasyprint']:.2f} | {r['pdf'] / r['weasyprint']:.2f} "
            f"(≤ {TARGETS['pdf_vs_weasyprint']}; goal {PDF_GOAL}) | "
            f"{r['epub_rebuild'] / r['epub']:.2f} "
            f"(≤ {TARGETS['epub_rebuild']}) | {r['pdf_rebuild'] / r['pdf']:.2f} "
            f"(≤ {TARGETS['pdf_rebuild']}) | {max(r['pdf_rss_kib'], r['all_rss_kib']) / 1024:.0f}"
            f" (≤ 1536) | {r['valid']} |")
    for r in rows:
        if r.get("makeup"):
            lines.append(f"\nmake-up of the {r['size']} (bookbuild check): "
                         + ", ".join(f"{k.replace('_', ' ')} {v}"
                                     for k, v in r["makeup"].items()))
    if len(rows) == 2:
        lines.append(f"\nomnibus ÷ novel, full PDF: {rows[1]['pdf'] / rows[0]['pdf']:.1f} (≤ 11); "
                     f"full EPUB: {rows[1]['epub'] / rows[0]['epub']:.1f}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="novel,omnibus")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build in this folder and keep it")
    parser.add_argument("--epub-only", action="store_true",
                        help="time the EPUB against pandoc only (a minute, not half an hour)")
    args = parser.parse_args()
    if shutil.which("pandoc") is None:
        print("bench: pandoc is not installed (apt-get install pandoc)", file=sys.stderr)
        return 2
    work = args.keep or Path(tempfile.mkdtemp(prefix="bookbuild-bench-"))
    rows = []
    for name in args.sizes.split(","):
        words, chapters = SIZES[name]
        print(f"bench: {name} ({words:,} words, {chapters} chapters), {args.runs} runs each...",
              file=sys.stderr, flush=True)
        rows.append(bench_size(name, words, chapters, args.runs, work, args.epub_only))
    print(report(rows))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
