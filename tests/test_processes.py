"""A build stopped mid-layout, however it is stopped, leaves no process behind and the last
PDF as it was: its layout workers end with it. SIGTERM and SIGHUP (the terminal closed) end it
as Ctrl-C does, cleanly; SIGKILL leaves it no say, and the workers go by themselves. The same
holds for `watch`, whose workers come from a fork server.

Linux only: the processes are read from /proc."""

from __future__ import annotations

import contextlib
import importlib.util
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import prockit
import pytest

from bookbuild import config as config_module
from bookbuild.pdf import workers as pool

REPO = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.skipif(not prockit.PROC.is_dir(), reason="reads processes from /proc (Linux)"),
    pytest.mark.skipif(pool.cpus() < 2, reason="one core: the layout has no workers"),
]
PREVIOUS = b"%PDF-1.7\n% the PDF of an earlier build, to be left exactly as it is\n"


def _novel(folder: Path) -> Path:
    """A book of six chapters in three parts whose layout takes a few seconds (bench's
    generator: the prose is nonsense of a novel's texture)."""
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate.generate(folder, words=12_000, chapters=6)


@pytest.fixture
def book(tmp_path) -> Path:
    return _novel(tmp_path / "book")


@pytest.fixture
def start(tmp_path):
    """`start(*argv)`: `python -m bookbuild ... -v` in a session of its own (every process it
    starts is in it, and in its process group). What a failed test leaves, it ends. Its
    temporary files go to `start.tmpdir` (a process killed outright cannot remove them)."""
    started: list[subprocess.Popen] = []
    scratch = tmp_path / "tmpdir"
    scratch.mkdir()

    def run(*argv: str) -> subprocess.Popen:
        started.append(subprocess.Popen(
            [sys.executable, "-m", "bookbuild", *argv, "-v"], stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
            env={**os.environ, "TMPDIR": str(scratch)}))
        return started[-1]

    run.tmpdir = scratch
    yield run
    for process in started:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        process.stdout.close()
        process.stderr.close()


def _session(process: subprocess.Popen) -> list[prockit.Proc]:
    return [p for p in prockit.processes().values()
            if p.session == process.pid and p.alive]


def _laying_out(process: subprocess.Popen, workers_of) -> list[prockit.Proc]:
    """Wait until `process` has read the manuscript and its workers run (`workers_of` picks
    them from its processes), then a moment more, so that they are laying sections out;
    returns the workers."""
    for line in process.stderr:  # -v: one line per stage as it ends
        if "Reading the manuscript" in line:
            break
    else:
        raise AssertionError(f"the build ended first: {process.wait()}")
    assert prockit.wait_for(lambda: len(workers_of(_session(process))) >= 2, 30), \
        "no layout workers started"
    time.sleep(0.5)
    workers = workers_of(_session(process))
    assert len(workers) >= 2, [p.cmdline for p in _session(process)]
    return workers


def _stopped(process: subprocess.Popen, signum: int, workers: list[prockit.Proc]) -> str:
    """Send `signum` to `process` alone; once it has ended, nothing of it may be left (the
    workers noted before, nor any other process of its session) within a few seconds.
    Returns what it printed on stderr after."""
    os.kill(process.pid, signum)
    process.wait(timeout=30)
    assert prockit.wait_until(lambda: prockit.still_running(workers), 5) == [], \
        "layout workers outlived their build"
    left = prockit.wait_until(lambda: _session(process), 5)
    assert left == [], [p.cmdline for p in left]
    return process.stderr.read()  # at its end only once every process holding it is gone


def _children(of: int):
    return lambda procs: [p for p in procs if p.ppid == of]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL],
                         ids=["SIGTERM", "SIGHUP", "SIGKILL"])
def test_a_build_stopped_mid_layout_leaves_no_process_and_the_last_pdf(book, start, signum):
    pdf = book / "build" / f"{config_module.load(book).slug}.pdf"
    pdf.parent.mkdir()
    pdf.write_bytes(PREVIOUS)
    build = start("build", str(book), "--format", "pdf")
    workers = _laying_out(build, _children(build.pid))
    err = _stopped(build, signum, workers)
    assert pdf.read_bytes() == PREVIOUS
    if signum == signal.SIGKILL:
        assert build.returncode == -signal.SIGKILL
        return
    # As Ctrl-C: a word, the shell's status for the signal, no traceback, no temporary file.
    assert build.returncode == 128 + signum, err
    assert err.splitlines()[-1] == "bookbuild: terminated", err
    assert "Traceback" not in err
    assert list(pdf.parent.rglob("*.part")) == []


@pytest.mark.slow
def test_a_pdf_build_leaves_nothing_in_the_temporary_folder(book, start):
    """The layout workers end by os._exit, which cleans nothing up: WeasyPrint's font folders
    (a couple of MB each) were left in /tmp by every PDF build, thousands of them in a day."""
    build = start("build", str(book), "--format", "pdf")
    _, err = build.communicate(timeout=600)
    assert build.returncode == 0, err
    assert list(start.tmpdir.iterdir()) == []


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGKILL], ids=["SIGHUP", "SIGKILL"])
def test_watch_stopped_mid_layout_leaves_no_process(book, start, signum):
    watch = start("watch", str(book), "--format", "pdf", "--port", "0")

    def workers(procs: list[prockit.Proc]) -> list[prockit.Proc]:
        # The preview serves from threads, so the workers are forked by a fork server.
        servers = {p.pid for p in procs
                   if p.ppid == watch.pid and "multiprocessing.forkserver" in p.cmdline}
        return [p for p in procs if p.ppid in servers]

    err = _stopped(watch, signum, _laying_out(watch, workers))
    if signum != signal.SIGKILL:
        assert watch.returncode == 0, err
        assert "Traceback" not in err
        assert list(start.tmpdir.iterdir()) == []  # its working folder removed


def test_a_pool_closed_after_a_failure_ends_its_workers_at_once(tmp_path):
    """An error, Ctrl-C or a signal in the build: its workers stop mid-job, not after it."""
    before = {p.pid for p in prockit.descendants(os.getpid())}

    def started_workers() -> list[prockit.Proc]:
        return [p for p in prockit.descendants(os.getpid()) if p.pid not in before]

    workers = pool.Workers(_novel(tmp_path / "book"), start=True, limit=2)
    started = time.monotonic()
    try:
        busy = [workers.pool.submit(time.sleep, 60) for _ in range(workers.size)]
        assert prockit.wait_for(lambda: len(started_workers()) == workers.size, 30), \
            "no workers started"
        pids = started_workers()
    finally:
        workers.close(abort=True)
    assert time.monotonic() - started < 30
    assert all(job.done() for job in busy)
    assert prockit.wait_until(lambda: prockit.still_running(pids), 5) == []


def _orphan_check(parent: int) -> None:
    pool.die_with_parent(parent)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_worker_whose_parent_is_already_gone_exits():
    """The kernel's death signal is asked for after the fork: a parent that died in between
    would never send it, so the worker checks and leaves."""
    context = multiprocessing.get_context("fork")
    orphan = context.Process(target=_orphan_check, args=(1,))  # "my parent was pid 1"
    orphan.start()
    orphan.join(30)
    assert orphan.exitcode == 1
    child = context.Process(target=_orphan_check, args=(os.getpid(),))
    child.start()
    child.join(30)
    assert child.exitcode == 0
