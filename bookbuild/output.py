"""Where bookbuild writes, and writing there safely: outputs through a temporary file in the same
folder and an atomic rename; caches in the user's cache folder, never in the book.

A book folder, its `build/` included, is untrusted input: nothing is written through a link
found there, and nothing is deleted that bookbuild did not create. A build that fails or is
killed never leaves a broken file where the last good one was.
"""

from __future__ import annotations

import functools
import glob
import hashlib
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bookbuild.errors import BookError, Problem

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None

STALE_AFTER = 60.0  # seconds; no write takes this long between creating and locking its file
# How each kind of output begins: a leftover part is ours only if it begins so.
MAGIC = {".pdf": b"%PDF-", ".epub": b"PK\x03\x04"}
CACHE_ENV = "BOOKBUILD_CACHE_DIR"


def atomic_write(path: Path, data: bytes, durable: bool = True) -> None:
    """Write `data` to `path` through a temporary file in the same folder and a rename.

    The temporary file is locked while it is written: a later build deletes the ones whose
    writer died (killed mid-write), and only those, so they do not pile up. `durable` waits
    for the disk before the rename (an output); a cache entry, which a reader that finds it
    damaged rebuilds, need not.
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
            if durable:
                os.fsync(handle.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_stale_parts(path: Path) -> list[Path]:
    """Delete the temporary files earlier writes of `path` left behind; returns them.

    A part is ours only when its name is the one `atomic_write` gives (mkstemp's eight letters)
    and, for the kinds of file in MAGIC, it begins as that kind does.
    It is stale when it is older than STALE_AFTER seconds and no process holds its lock (the
    age covers the instant between creating a file and locking it). Without file locks (not
    POSIX), only files a day old go. Links and folders are never touched.
    """
    head = MAGIC.get(path.suffix, b"")
    ours = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.part")
    removed = []
    now = time.time()
    for part in path.parent.glob(f".{glob.escape(path.name)}.*.part"):
        try:
            info = part.lstat()
            age = now - info.st_mtime
            if (not ours.fullmatch(part.name) or not stat.S_ISREG(info.st_mode)
                    or age < (STALE_AFTER if fcntl else 86400)):
                continue
            with part.open("rb") as handle:
                if handle.read(len(head)) != head:
                    continue  # not a part of this kind of file: someone else's
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


def check_output_folder(book_dir: Path, out_dir: Path) -> None:
    """Refuse an output folder inside the book that is, or lies under, a symbolic link or a
    file: a stranger's book could otherwise point `build/` (or the folder named with --out)
    anywhere, and the build would write and prune there.

    An output folder outside the book was named by whoever ran bookbuild, and is theirs.
    """
    book = book_dir.resolve()
    parts = Path(os.path.abspath(out_dir)).parts
    for start in range(len(parts), 0, -1):  # the longest start of the path that is the book
        if Path(*parts[:start]).resolve() == book:
            break
    else:
        return
    folder = book
    for part in parts[start:]:
        folder = folder / part
        shown = folder.relative_to(book).as_posix()
        try:
            info = folder.lstat()
        except FileNotFoundError:
            return  # made by the build, as a real folder
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(info.st_mode) else "not a folder"
            raise BookError(Problem(
                shown, None, f"the output folder {shown}/ is {kind}; bookbuild writes only "
                "into real folders inside the book: remove it, or choose another output "
                "folder with --out", "BB116"))


def replace_folder(target: Path, fresh: Path, is_ours: Callable[[Path], bool],
                   shown_as: str) -> None:
    """Put the folder `fresh` (just made by bookbuild) at `target`.

    An existing `target` is removed only when `is_ours(target)` says bookbuild wrote it;
    a link or a file there, or a folder of someone else's, stops the build instead.
    """
    try:
        info = target.lstat()
    except FileNotFoundError:
        os.rename(fresh, target)
        return
    if not stat.S_ISDIR(info.st_mode) or not is_ours(target):
        shutil.rmtree(fresh, ignore_errors=True)
        raise BookError(Problem(
            shown_as, None, f"{shown_as} was not written by bookbuild; move it away so that "
            "the report can be written there", "BB116"))
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
    os.rename(target, old / target.name)
    os.rename(fresh, target)
    shutil.rmtree(old, ignore_errors=True)  # follows no links: removes them, not their targets


PACKAGE = Path(__file__).parent  # all of bookbuild, whose source is in every cache key


@functools.cache
def source_digest() -> bytes:
    """bookbuild's own source, every module: part of every cache key, so that an entry made by
    another version of the code (a release, an edit) is never taken for this one's. Read once
    per process (the ~100 files take a few milliseconds)."""
    digest = hashlib.sha256()
    for source in sorted(PACKAGE.rglob("*.py")):
        digest.update(source.relative_to(PACKAGE).as_posix().encode() + source.read_bytes())
    return digest.digest()


def cache_folder(out_dir: Path, *parts: str) -> Path:
    """bookbuild's cache for builds into `out_dir`: one folder per output folder, under
    $BOOKBUILD_CACHE_DIR, else the user's cache folder. Never inside a book, whose files
    (`build/` included) a stranger may have written."""
    base = os.environ.get(CACHE_ENV)
    if not base:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
        base = Path(base) / "bookbuild"
    name = hashlib.sha256(os.fsencode(out_dir.resolve())).hexdigest()[:24]
    return Path(base) / name / Path(*parts) if parts else Path(base) / name


def prune_folder(folder: Path, keep: set[str], name_pattern: re.Pattern) -> None:
    """Delete the cache entries in `folder` whose stem is not in `keep`: only regular files
    whose whole name matches `name_pattern` (entries bookbuild writes)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for entry in entries:
        try:
            if (name_pattern.fullmatch(entry.name) and entry.name.split(".")[0] not in keep
                    and stat.S_ISREG(entry.lstat().st_mode)):
                entry.unlink(missing_ok=True)
        except OSError:
            pass  # a cache left as it was only takes room
