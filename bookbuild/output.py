"""Writing outputs safely: a temporary file in the same folder, then an atomic rename.

A build that fails or is killed never leaves a broken file where the last good one was.
"""

from __future__ import annotations

import glob
import os
import stat
import tempfile
import time
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None

STALE_AFTER = 60.0  # seconds; no write takes this long between creating and locking its file


def atomic_write(path: Path, data: bytes) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The temporary file is locked while it is written: a later build deletes the ones whose
    writer died (killed mid-write), and only those, so they do not pile up.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(path)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if fcntl:
                fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file is closed
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_stale_parts(path: Path) -> list[Path]:
    """Delete the temporary files earlier writes of `path` left behind; returns them.

    One is stale when it is older than STALE_AFTER seconds and no process holds its lock (the
    age covers the instant between creating a file and locking it). Without file locks (not
    POSIX), only files a day old go.
    """
    removed = []
    now = time.time()
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        try:
            info = part.lstat()
            age = now - info.st_mtime
            if not stat.S_ISREG(info.st_mode) or age < (STALE_AFTER if fcntl else 86400):
                continue
            with part.open("rb") as handle:
                if fcntl:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    except BlockingIOError:
                        continue  # a build is writing it right now
                part.unlink()
            removed.append(part)
        except FileNotFoundError:
            continue  # renamed into place or removed meanwhile
    return removed
