"""Build progress: the stages a build reports as it goes, shown as bars, lines or not at all.

build.py calls `Progress.stage`; the CLI picks the display: `rich` bars on a terminal, plain
lines with -v elsewhere, nothing when quiet, so CI logs stay clean.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

STAGES = {
    "parse": "Reading the manuscript",
    "epub": "Writing the EPUB",
    "epubcheck": "Validating the EPUB (EPUBCheck)",
    "pdf": "Laying out the PDF",
    "preflight": "Checking the PDF (preflight)",
    "make-up": "Measuring the make-up (spreads, loose lines, hyphens)",
    "ace": "Checking accessibility (DAISY Ace)",
    "cover": "Making the print cover",
}
# WeasyPrint reports each step and each page it lays out on this logger, at INFO level.
WEASYPRINT_PROGRESS = "weasyprint.progress"
LAYOUT_PAGE = re.compile(r"Creating layout - Page (\d+)")


class Stage:
    """One stage of a build under way: how far it has gone, out of how much."""

    def __init__(self, name: str, total: int | None = None):
        self.name, self.label, self.total = name, STAGES.get(name, name), total
        self.completed, self.detail = 0, ""
        self.final = False  # set by the step itself once it knows its outcome
        self.by_section = False  # the PDF is laid out in sections, which report themselves
        self.started = time.perf_counter()
        self.seconds = 0.0

    def update(self, completed: int | None = None, total: int | None = None,
               detail: str | None = None) -> None:
        if completed is not None:
            self.completed = completed
        if total is not None:
            self.total = total
        if detail is not None:
            self.detail = detail
        self.changed()

    def changed(self) -> None:
        """Called after every update; displays override it."""


class Progress:
    """Reports nothing: for -q, --json and output that is not a terminal."""

    enabled = False

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        if not self.enabled:
            yield Stage(name, total)
            return
        stage = self._begin(name, total)
        listener = _LayoutListener(stage) if name == "pdf" else None
        ok = False
        try:
            if listener:
                listener.attach()
            yield stage
            ok = True
        finally:
            if listener:
                listener.detach()
            stage.seconds = time.perf_counter() - stage.started
            self._end(stage, ok)

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _begin(self, name: str, total: int | None) -> Stage:
        return Stage(name, total)

    def _end(self, stage: Stage, ok: bool) -> None:
        return None


def summary(stage: Stage, ok: bool = True) -> str:
    """`Laying out the PDF: 3.2 s (26 pages, 2 passes)`, for -v."""
    text = f"{stage.label}: {stage.seconds:.1f} s"
    if stage.detail:
        text += f" ({stage.detail})"
    return text + ("" if ok else " - stopped")


class LineProgress(Progress):
    """One line per finished stage, for -v where bars cannot be drawn (CI logs, pipes)."""

    enabled = True

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr

    def _end(self, stage: Stage, ok: bool) -> None:
        print(f"bookbuild: {summary(stage, ok)}", file=self.stream, flush=True)


class BarProgress(Progress):
    """A `rich` progress bar per stage on a terminal; finished stages stay with their times."""

    enabled = True

    def __init__(self, stream: TextIO | None = None, verbose: bool = False):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self.verbose = verbose
        # Time before the details, so a narrow terminal cuts the details, not the time.
        self.bars = Progress(SpinnerColumn(finished_text="[green]✓"),
                             TextColumn("{task.description}"), BarColumn(bar_width=20),
                             TimeElapsedColumn(), TextColumn("{task.fields[info]}"),
                             console=Console(file=stream or sys.stderr), transient=False)
        self.tasks: dict[int, int] = {}

    def __enter__(self) -> BarProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.bars.stop()
        except OSError:
            pass  # the terminal is gone (SIGHUP): nothing is left to draw on

    def _begin(self, name: str, total: int | None) -> Stage:
        stage = Stage(name, total)
        task = self.bars.add_task(stage.label, total=total, info="")
        self.tasks[id(stage)] = task

        def changed() -> None:
            count = f"{stage.completed}/{stage.total}" if stage.total else ""
            info = " · ".join(part for part in (stage.detail, count) if part)
            self.bars.update(task, completed=stage.completed, total=stage.total, info=info)

        stage.changed = changed
        return stage

    def _end(self, stage: Stage, ok: bool) -> None:
        task = self.tasks.pop(id(stage))
        total = stage.total or stage.completed or 1
        self.bars.update(task, total=total, completed=total if ok else stage.completed,
                         info=stage.detail if ok else "[red]stopped")
        self.bars.stop_task(task)
        if self.verbose:
            self.bars.console.print(f"bookbuild: {summary(stage, ok)}")


class _LayoutListener(logging.Handler):
    """Turns WeasyPrint's progress log into page counts: pages laid out, layout passes."""

    def __init__(self, stage: Stage):
        super().__init__(logging.INFO)
        self.stage = stage
        self.passes = 0
        self.pages = 0
        self.logger = logging.getLogger(WEASYPRINT_PROGRESS)
        self.saved = (self.logger.level, self.logger.propagate)

    def attach(self) -> None:
        self.logger.setLevel(logging.INFO)
        self.logger.propagate = False  # the messages are ours to show, not the root logger's
        self.logger.addHandler(self)

    def detach(self) -> None:
        self.logger.removeHandler(self)
        self.logger.setLevel(self.saved[0])
        self.logger.propagate = self.saved[1]
        if self.pages and not self.stage.final:
            plural = "es" if self.passes != 1 else ""
            self.stage.update(completed=self.pages, total=self.pages,
                              detail=f"{self.pages} pages, {self.passes} layout pass{plural}")

    def emit(self, record: logging.LogRecord) -> None:
        if self.stage.by_section:
            return  # WeasyPrint's own passes are then only the furniture and front matter
        message = record.getMessage()
        if message.startswith("Step 1 "):  # a new document: the writer lays the book out again
            if self.pages:
                self.stage.total = self.pages
            self.passes += 1
            self.stage.update(completed=0, detail=f"pass {self.passes}")
        elif match := LAYOUT_PAGE.search(message):
            self.pages = int(match[1])
            total = self.stage.total
            self.stage.update(completed=self.pages,
                              total=max(total, self.pages) if total else None)
        elif message.startswith("Step 6 "):
            self.stage.update(detail="writing")
