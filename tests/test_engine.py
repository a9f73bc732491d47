"""WeasyPrint's import (pdf/engine.py): its libraries found without running the C compiler or
the linker, and the library search put back as it was."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import ctypes.util, subprocess, sys
    ran = []
    original_popen = subprocess.Popen.__init__
    def recording(self, args, *rest, **options):
        ran.append(args if isinstance(args, str) else " ".join(map(str, args)))
        original_popen(self, args, *rest, **options)
    subprocess.Popen.__init__ = recording
    search = ctypes.util.find_library
    from bookbuild.pdf.engine import import_weasyprint
    import_weasyprint()
    import weasyprint.text.ffi as ffi
    assert ctypes.util.find_library is search, "the library search was not put back"
    assert ffi.pango.pango_version() > 0 and ffi.harfbuzz and ffi.fontconfig
    print("\\n".join(ran))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the quick search is Linux's")
def test_weasyprint_loads_its_libraries_without_the_compiler_or_the_linker():
    ran = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    programs = {command.split()[0].rsplit("/", 1)[-1] for command in ran if command.strip()}
    assert programs <= {"ldconfig"}, programs
