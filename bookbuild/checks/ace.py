"""DAISY Ace over the EPUB a build wrote: accessibility (EPUB Accessibility 1.1, WCAG 2.1 AA).

Hands back `Problem`s located in the output file, and the line saying what was checked.
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

ACE_PACKAGE = Path(__file__).resolve().parents[2] / ".tools" / "ace"  # where ./dev puts it
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
