"""`python -m bookbuild`: the same command-line interface as the `bookbuild` script."""

from bookbuild.cli import main

raise SystemExit(main())
