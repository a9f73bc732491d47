"""The machine's processes, read from /proc (Linux): which belong to a build, which the test
session left behind. Used by tests/test_processes.py and the session's last check in
conftest.py."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    session: int
    state: str  # "Z": exited, waiting to be reaped; holds no memory
    started: int  # clock ticks after boot: with the pid, names one process for good
    cmdline: str

    @property
    def alive(self) -> bool:
        return self.state not in ("Z", "X")

    def environ(self) -> dict[str, str]:
        """The environment the process was started with (empty when it cannot be read)."""
        try:
            raw = (PROC / str(self.pid) / "environ").read_bytes()
        except OSError:
            return {}
        return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0")
                    if "=" in item)


def processes() -> dict[int, Proc]:
    """Every process now, by pid (one that ends while being read is left out)."""
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        # The command name, in parentheses, may hold spaces and parentheses itself.
        fields = stat[stat.rindex(")") + 2:].split()
        found[int(entry.name)] = Proc(
            pid=int(entry.name), ppid=int(fields[1]), session=int(fields[3]), state=fields[0],
            started=int(fields[19]),
            cmdline=cmdline.replace(b"\0", b" ").decode("utf-8", "replace").strip())
    return found


def descendants(pid: int, table: dict[int, Proc] | None = None) -> list[Proc]:
    """The living processes below `pid`: its children, theirs, and so on."""
    table = processes() if table is None else table
    children: dict[int, list[Proc]] = {}
    for proc in table.values():
        children.setdefault(proc.ppid, []).append(proc)
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child.alive:
                found.append(child)
                todo.append(child.pid)
    return found


def ancestors(pid: int, table: dict[int, Proc]) -> set[int]:
    found = set()
    while pid in table and pid not in found and pid > 0:
        found.add(pid)
        pid = table[pid].ppid
    return found


def still_running(procs: list[Proc]) -> list[Proc]:
    """Those of `procs` that still run (the same process: its pid not reused since)."""
    now = processes()
    return [p for p in procs
            if p.pid in now and now[p.pid].started == p.started and now[p.pid].alive]


def wait_until(find: Callable[[], list], seconds: float) -> list:
    """`find()` once it is empty, or as it is after `seconds`."""
    deadline = time.monotonic() + seconds
    while (found := find()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    """Whether `condition()` comes true within `seconds`."""
    return not wait_until(lambda: not condition(), seconds)


# ---- what a test session leaves behind ----

# Every process the test session starts with exec carries this in its environment (and so do
# the processes those fork), whatever becomes of its parent.
SESSION_MARK = "BOOKBUILD_TEST_SESSION"


def mark_session() -> None:
    os.environ[SESSION_MARK] = str(os.getpid())


def strays() -> list[Proc]:
    """Processes of bookbuild's started by this test session that still run: below this
    process, or orphaned (their parent died) and carrying the session's mark. Only
    multiprocessing's helpers (a fork server, a resource tracker) may stay beside this process,
    as they end with it."""
    me = os.getpid()
    table = processes()
    mine = table.get(me)
    near = ancestors(me, table)
    below = {p.pid for p in descendants(me, table)}
    found = []
    for proc in table.values():
        if not proc.alive or proc.pid in near:
            continue
        if "bookbuild" not in proc.cmdline.lower() and (mine is None
                                                        or proc.cmdline != mine.cmdline):
            continue  # not bookbuild's, nor a fork of this process
        if proc.ppid == me and "from multiprocessing." in proc.cmdline:
            continue
        if proc.pid in below or proc.environ().get(SESSION_MARK) == str(me):
            found.append(proc)
    return found
