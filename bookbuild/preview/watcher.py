"""Noticing saved files: a snapshot of the book folder's modification times, polled.

Polling needs no platform support and no extra package, and a book folder is small enough to
scan several times a second.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]
# Editor droppings and our own temporary files: saving them is not a change to the book.
IGNORED_SUFFIXES = (".swp", ".swx", ".swo", ".tmp", ".part", "~")
IGNORED_DIRS = {"__pycache__", "node_modules"}


def _ignored(name: str) -> bool:
    return name.startswith((".", "#")) or name.endswith(IGNORED_SUFFIXES)


def snapshot(root: Path, skip: Path | None = None) -> Snapshot:
    """(mtime, size) of every file under `root`, hidden files and the `skip` folder left out."""
    found: Snapshot = {}
    skip_real = os.path.realpath(skip) if skip else None
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not _ignored(d) and d not in IGNORED_DIRS
                   and os.path.realpath(os.path.join(folder, d)) != skip_real]
        for name in files:
            if _ignored(name):
                continue
            path = os.path.join(folder, name)
            try:
                info = os.stat(path)
            except OSError:  # deleted between listing and stat: the next scan sees it gone
                continue
            found[path] = (info.st_mtime_ns, info.st_size)
    return found


def wait_for_change(root: Path, previous: Snapshot, stop: threading.Event, skip: Path | None = None,
                    interval: float = 0.25) -> Snapshot | None:
    """Block until the folder differs from `previous` and has settled; None when stopped.

    Settled means two scans `interval` apart agree, so an editor that writes a file in
    several steps gives one rebuild, not one per step.
    """
    while not stop.wait(interval):
        current = snapshot(root, skip)
        if current == previous:
            continue
        while not stop.wait(interval):
            settled = snapshot(root, skip)
            if settled == current:
                return current
            current = settled
    return None
