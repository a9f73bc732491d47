"""bookbuild: a Markdown manuscript in, a validated EPUB 3 and a print-ready PDF out.

The pipeline reads top to bottom in the module names: config, read, book, epub, pdf, checks.
"""

__version__ = "0.1.0"
