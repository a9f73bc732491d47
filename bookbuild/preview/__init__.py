"""The live preview behind `bookbuild watch`: rebuild on save, serve the book to a browser.

`site` turns the `Book` into pages (the EPUB's own documents), `watcher` notices saved files,
`server` serves pages, state and printed pages on loopback; the CLI prints what happens.
"""

from bookbuild.preview.server import PreviewServer, Rebuild

__all__ = ["PreviewServer", "Rebuild"]
