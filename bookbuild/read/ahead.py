"""Reading ahead: the spine's files read by other processes (the PDF's layout workers, idle
until the book is read) while this one reads from the first file, each handed over as the
entries of the chapter cache (cache.py) that reading it makes.

A file read ahead is read alone, as `read_file` reads it here: its ids as though no earlier
file had taken them, its problems told to a report of its own, the book's cache folder
looked in first. What comes back is what reading it here would have kept: Python-Markdown's
output, and the section read where reading it reported nothing. The reading here then finds
them as it finds a warm cache's entries, under keys made of the file's text and its ids: where
those differ (an id an earlier file took), the entries go unused and the file is read here.
So the book read is the same, byte for byte, read ahead or not.

Jobs go from the last file backwards while this process reads from the first; at each file,
a job no worker has begun is cancelled and the file read here, one under way waited for.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from markdown import Markdown

from bookbuild.config import Config
from bookbuild.errors import Report
from bookbuild.markdown_ext import new_markdown
from bookbuild.read import read_file
from bookbuild.read.cache import ChapterCache
from bookbuild.read.convert import Converter

Submit = Callable[..., Future | None]  # runs function(*args) in another process


def read_alone(config: Config, index: int, folder: Path | None) -> dict[str, bytes]:
    """Spine file `index` (of `config.files()`) read alone: the chapter cache entries made."""
    cache = ChapterCache(folder)
    read_file(config.files()[index], config, Converter(cache, _markdown()),
              Report(config.root), {}, set())
    return cache.new_entries()


@functools.cache
def _markdown() -> Markdown:
    """A reading process's Python-Markdown, set up at its first file."""
    return new_markdown()


class ReadAhead:
    """Every spine file of `config` handed to `submit` to be read ahead, the last first; a
    reading that cannot use them falls back on reading the files itself."""

    def __init__(self, config: Config, folder: Path | None, submit: Submit):
        self.jobs: dict[int, Future] = {}
        self.handed = 0  # files whose entries came from another process
        for index in reversed(range(len(config.files()))):
            job = submit(read_alone, config, index, folder)
            if job is None:
                break
            self.jobs[index] = job

    def entries(self, index: int) -> dict[str, bytes]:
        """The cache entries of file `index`: waited for if a worker is reading it; none if
        no worker has begun (its job is cancelled: the caller reads it) or reading it failed
        (the caller reads it again, and reports what failed)."""
        job = self.jobs.pop(index, None)
        if job is None or job.cancel():
            return {}
        try:
            entries = job.result()
        except Exception:  # noqa: BLE001 - read here instead, where its problem is told
            return {}
        self.handed += bool(entries)
        return entries

    def close(self) -> None:
        """Cancel what no worker has begun (the reading stopped early, on an error)."""
        for job in self.jobs.values():
            job.cancel()
        self.jobs.clear()
