"""WeasyPrint imported without the C compiler: its native libraries found by their Linux
names at once, not after a search that runs gcc and ld for each name meant for another system.

WeasyPrint opens each of its libraries (GObject, Pango, HarfBuzz, Fontconfig…) by trying a
list of names, the Windows and macOS ones first; for each name that is no file, cffi asks
`ctypes.util.find_library`, which on Linux runs `ldconfig -p`, then gcc, then ld (about 10 ms
a name, some 150 ms in all: a fifth of the import, before the first page can be laid out).
While WeasyPrint is imported here, that search asks the linker's cache only; a library the
cache does not list is still found under its Linux name (`libpango-1.0.so.0`), which the
dynamic loader opens directly, on LD_LIBRARY_PATH too.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import sys
from collections.abc import Iterator


def import_weasyprint() -> None:
    """Import WeasyPrint (once per process) with the quick library search."""
    if "weasyprint" in sys.modules:
        return
    with _linker_cache_only():
        import weasyprint  # noqa: F401


@contextlib.contextmanager
def _linker_cache_only() -> Iterator[None]:
    cache_lookup = getattr(ctypes.util, "_findSoname_ldconfig", None)
    if not sys.platform.startswith("linux") or cache_lookup is None:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = cache_lookup
    try:
        yield
    finally:
        ctypes.util.find_library = original
