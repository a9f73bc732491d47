"""bookbuild: a Markdown manuscript in, a validated EPUB 3 and a print-ready PDF out.

The pipeline reads top to bottom in the module names: config, manuscript, book, epub, pdf, check.
"""

__version__ = "0.1.0"
