"""Pictures: each image a chapter uses (Markdown or raw `<img>`) checked and named inside the
book, and the cover image checked against what stores ask; hands on `Image`s."""

from __future__ import annotations

import glob
import mimetypes
import os
import warnings
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from bookbuild.book import Image
from bookbuild.config import Config, book_files, resolve_inside, slugify
from bookbuild.errors import Report
from bookbuild.html_policy import check_svg
from bookbuild.read.links import URL_SCHEME
from bookbuild.read.source import Locator, Source, megabytes
from bookbuild.xhtml import h

IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/svg+xml", "image/webp"}
MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # a 300 dpi full-page picture is under 10 million
IMAGE_SIGNATURES = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
                    "image/gif": (b"GIF87a", b"GIF89a")}
# What stores ask of the ebook's cover image.
MIN_COVER_SIDE = 1400
MAX_COVER_BYTES = 5 * 1024 * 1024
NOT_RGB = {"CMYK": "CMYK", "L": "greyscale", "LA": "greyscale", "1": "black and white",
           "I": "greyscale", "I;16": "greyscale", "F": "greyscale"}


def check_image(src: str, alt: str | None, number: int | None, source: Source, config: Config,
                 report: Report, images: dict[Path, Image], names: dict[str, str | None],
                 alt_hint: str = "describe it between the brackets: ![a map of ...]({src})",
                 ) -> None:
    names[src] = None  # checked; refused unless it gets a name below
    if not (alt or "").strip():
        report.error(source.path, number, f"image '{src}' has no alt text; "
                                          f"{alt_hint.format(src=src)}", "BB209")
    if URL_SCHEME.match(src) or src.startswith("//"):
        return  # not a file of the book: the HTML policy reports it
    relative = os.path.relpath(source.path.parent / unquote(src), config.root)
    path = resolve_inside(config.root, relative)
    if path is None:
        report.error(source.path, number, f"image '{src}' is outside the book folder", "BB105")
        return
    if not path.is_file():
        # pandoc reads a path from the folder it runs in, a pandoc book's own folder: a book
        # written for pandoc names its pictures from there.
        from_book = resolve_inside(config.root, unquote(src))
        if from_book is not None and from_book.is_file() and not Path(unquote(src)).is_absolute():
            path = from_book
    if not path.is_file():
        report.error(source.path, number, f"image '{src}' does not exist: looked for "
                                          f"'{Path(relative).as_posix()}' (an image's path is "
                                          f"relative to the chapter file, or to the book folder "
                                          f"as pandoc reads it)"
                                          f"{_image_elsewhere(path, source, config)}", "BB208")
        return
    media_type = mimetypes.guess_type(path.name)[0]
    if media_type not in IMAGE_TYPES:
        report.error(source.path, number, f"image '{src}' is not PNG, JPEG, GIF, SVG or WebP",
                     "BB208")
        return
    try:
        size = path.stat().st_size
        problem = None if size > MAX_IMAGE_BYTES else _image_content_problem(path, media_type)
    except OSError as exc:
        report.error(source.path, number, f"image '{src}' cannot be read: "
                                          f"{exc.strerror or exc}", "BB208")
        return
    if size > MAX_IMAGE_BYTES:
        report.error(source.path, number, f"image '{src}' is {megabytes(size)}; images may be "
                                          f"at most {megabytes(MAX_IMAGE_BYTES)} (stores refuse "
                                          f"larger ones): make it smaller", "BB219")
        return
    sniffed = _sniffed_type(path) if problem and media_type != "image/svg+xml" else None
    if sniffed:
        # pandoc takes the picture whatever its name; it goes into the book named for what it is
        kind = sniffed.split("/")[1].upper()
        report.warning(source.path, number, f"image '{src}' is a {kind} file, whatever its name "
                                            f"says: it goes into the book as {kind}; rename it",
                       "BB208")
        media_type, problem = sniffed, None
    if problem:
        report.error(source.path, number, f"image '{src}' {problem}", "BB208")
        return
    if media_type != "image/svg+xml" and (problem := raster_problem(path)):
        report.error(source.path, number, f"image '{src}' {problem[0]}", problem[1])
        return
    if path not in images:
        taken = {image.name for image in images.values()}
        stem, suffix = slugify(path.stem) or "image", path.suffix.lower()
        if mimetypes.guess_type(f"x{suffix}")[0] != media_type:  # named for another kind
            suffix = mimetypes.guess_extension(media_type) or suffix
        name, n = f"images/{stem}{suffix}", 2
        while name in taken:
            name, n = f"images/{stem}-{n}{suffix}", n + 1
        images[path] = Image(path, name, media_type)
    names[src] = images[path].name


def _image_elsewhere(path: Path, source: Source, config: Config) -> str:
    """`; there is ... : write ...` for a file of the missing image's name elsewhere in the book."""
    found = book_files(config.root, glob.escape(path.name))
    if not found:
        return ""
    there = found[0].relative_to(config.root).as_posix()
    write = Path(os.path.relpath(found[0], source.path.parent)).as_posix()
    return f"; there is '{there}': write '{write}'"


def _image_content_problem(path: Path, media_type: str) -> str | None:
    """Why the file is not the image its name says (or, for SVG, not a safe one), or None."""
    if media_type == "image/svg+xml":
        return check_svg(path.read_bytes())
    with path.open("rb") as handle:
        head = handle.read(12)
    if media_type == "image/webp":
        fits = head[:4] == b"RIFF" and head[8:12] == b"WEBP"
    else:
        fits = head.startswith(IMAGE_SIGNATURES[media_type])
    kind = media_type.split("/")[1].upper()
    return None if fits else f"is not a {kind} file (its content does not match its name)"


def _sniffed_type(path: Path) -> str | None:
    """The raster type (PNG, JPEG, GIF, WebP) the file's first bytes say, or None."""
    with path.open("rb") as handle:
        head = handle.read(12)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return next((kind for kind, signatures in IMAGE_SIGNATURES.items()
                 if head.startswith(signatures)), None)


def raster_problem(path: Path) -> tuple[str, str] | None:
    """Why a PNG, JPEG, GIF or WebP file cannot go into the book (unreadable, BB208, or over
    MAX_IMAGE_PIXELS, BB219), with the code; only its header is read, no pixel decoded."""
    from PIL import Image as Picture
    from PIL import UnidentifiedImageError

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Picture.DecompressionBombWarning)
        try:
            with Picture.open(path) as picture:
                width, height = picture.size
        except Picture.DecompressionBombError:  # Pillow stops at twice its own limit
            width, height = 2 * Picture.MAX_IMAGE_PIXELS + 1, 1
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            return "cannot be read as an image: the file is damaged or cut short", "BB208"
    if width * height > MAX_IMAGE_PIXELS:
        size = f"{width:,} x {height:,} pixels" if height > 1 else \
            f"more than {width - 1:,} pixels"
        return (f"is {size}; bookbuild reads images of up to {MAX_IMAGE_PIXELS:,} pixels "
                f"(decoding takes 4 bytes a pixel): scale it down", "BB219")
    return None


def check_raw_images(body: etree._Element, source: Source, config: Config, report: Report,
                      images: dict[Path, Image], names: dict[str, str | None]) -> None:
    """An `<img>` written as raw HTML is checked and copied into the book like `![alt](src)`."""
    where = Locator(body, source)
    for img in body.iter(h("img")):
        src, alt = img.get("src", ""), img.get("alt")
        line = where.attribute(img, "src", src)
        if alt is None:  # Markdown always writes an alt, so this is raw HTML
            report.error(source.path, line, f"image '{src}' has no alt text; add "
                                            f"alt=\"a map of ...\"", "BB209")
        if not src or src in names or URL_SCHEME.match(src) or src.startswith("//"):
            continue  # done, or refused by the policy
        check_image(src, "-" if alt is None else alt, line, source, config, report, images,
                     names, alt_hint='add alt="a map of ..."')


def check_cover_image(config: Config, report: Report) -> None:
    """Warn about a cover image that stores may reject: too small, not RGB, too heavy."""
    from PIL import Image, UnidentifiedImageError

    path, line = config.cover, config.lines.get("cover")
    rel = report.rel(path)
    problem = raster_problem(path)
    if problem is not None:
        report.error(config.source, line, f"cover image '{rel}' {problem[0]}", problem[1])
        return
    try:
        with Image.open(path) as picture:
            (width, height), mode = picture.size, picture.mode
    except (UnidentifiedImageError, OSError) as exc:
        report.error(config.source, line, f"cover image '{rel}' cannot be read: {exc}", "BB208")
        return
    if min(width, height) < MIN_COVER_SIDE:
        report.warning(config.source, line, f"cover image '{rel}' is {width} x {height} px; "
                                            f"stores ask for at least {MIN_COVER_SIDE} px on the "
                                            f"short side (1600 x 2560 is ideal)", "BB107")
    if mode in NOT_RGB:
        report.warning(config.source, line, f"cover image '{rel}' is {NOT_RGB[mode]}; stores "
                                            f"expect an RGB cover", "BB107")
    size = path.stat().st_size
    if size > MAX_COVER_BYTES:
        report.warning(config.source, line, f"cover image '{rel}' is {size / 2**20:.1f} MB; "
                                            f"stores accept at most 5 MB (Kobo: 3 MB)", "BB107")
