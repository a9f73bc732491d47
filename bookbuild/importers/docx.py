"""A Word .docx manuscript: checked with lxml, converted by pandoc, split at Heading 1.

Owns what pandoc does not: refusing tracked changes and unreadable files, the document's
properties, runs in another language, front matter, styles as quotes and verse; hands on a
`Draft` whose chapters are the Heading 1 sections.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path

from lxml import etree, html

from bookbuild.errors import BookError, Problem
from bookbuild.importers.draft import Chapter, Draft
from bookbuild.importers.markdown import Converter, classes, plain
from bookbuild.importers.names import read_image, slug, unique_name

MAX_DOCX_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 400 * 1024 * 1024  # a zip bomb stops here, before anything is inflated
PANDOC_SECONDS = 300
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W, "dc": "http://purl.org/dc/elements/1.1/",
      "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"}
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
SAFE_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           remove_comments=True)
# Private-use characters that carry a run's language through pandoc, which drops w:lang.
LANG_OPEN, LANG_MID, LANG_CLOSE = "\ue000", "\ue001", "\ue002"
LANG_RUN = re.compile(f"{LANG_OPEN}([A-Za-z0-9-]+){LANG_MID}(.*?){LANG_CLOSE}", re.DOTALL)
QUOTE_STYLES = {"quote", "block text", "intense quote", "block quote", "blockquote"}
VERSE_STYLES = re.compile(r"verse|poem|poetry|lyrics?", re.IGNORECASE)
# Heading 1 titles that are not chapters, and the roles of those that are front or back matter.
DROPPED_HEADINGS = {"contents", "table of contents"}
ROLES = {"prologue": "prologue", "foreword": "foreword", "preface": "preface",
         "introduction": "introduction", "epilogue": "epilogue", "afterword": "afterword",
         "acknowledgements": "acknowledgments", "acknowledgments": "acknowledgments",
         "appendix": "appendix", "glossary": "glossary", "bibliography": "bibliography"}


def _unreadable(path: Path, why: str) -> BookError:
    return BookError(Problem(path.as_posix(), None, f"{why}; nothing was written", "BB501"))


def _open(path: Path) -> zipfile.ZipFile:
    """The .docx as a zip, or a clear error for a .doc, a locked or a broken file."""
    try:
        if path.stat().st_size > MAX_DOCX_BYTES:
            raise _unreadable(path, f"is larger than {MAX_DOCX_BYTES // 2**20} MB")
        with path.open("rb") as handle:
            head = handle.read(8)
        if head == OLE_MAGIC:
            raise _unreadable(path, "is password-protected, or a Word 97-2003 .doc renamed "
                                    ".docx: remove the password (or open it in Word and save it "
                                    "as .docx) and import again")
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise _unreadable(path, f"is not a Word .docx file, or it is damaged ({exc})") from None
    names = set(archive.namelist())
    if "word/document.xml" not in names:
        kind = ("an OpenDocument (.odt) file: save it from LibreOffice as Word .docx"
                if "content.xml" in names else "not a Word document")
        raise _unreadable(path, f"is {kind}")
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
        raise _unreadable(path, f"unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB")
    return archive


def _xml(archive: zipfile.ZipFile, name: str, path: Path) -> etree._Element | None:
    if name not in archive.namelist():
        return None
    try:
        return etree.fromstring(archive.read(name), SAFE_XML)
    except (etree.XMLSyntaxError, zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _unreadable(path, f"has a damaged part {name} ({exc})") from None


def _properties(archive: zipfile.ZipFile, path: Path, draft: Draft) -> None:
    core = _xml(archive, "docProps/core.xml", path)
    if core is None:
        return

    def value(xpath: str) -> str | None:
        found = core.xpath(f"string({xpath})", namespaces=NS).strip()
        return unicodedata.normalize("NFC", found) if found else None

    draft.title = value("dc:title")
    creator = value("dc:creator")
    draft.authors = [a.strip() for a in re.split(r";|\band\b", creator) if a.strip()] \
        if creator else []
    draft.language = value("dc:language")
    draft.description = value("dc:description")
    subjects = [value("dc:subject"), *(value("cp:keywords") or "").split(",")]
    draft.subjects = list(dict.fromkeys(s.strip() for s in subjects if s and s.strip()))


def _language_tag(tag: str | None) -> str | None:
    return tag if tag and re.fullmatch(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*", tag) else None


def _mark_languages(document: etree._Element, default: str | None) -> int:
    """Wrap the text of each run in another language than `default` in marker characters."""
    marked = 0
    for lang in document.iter(f"{{{W}}}lang"):
        tag = _language_tag(lang.get(f"{{{W}}}val") or lang.get(f"{{{W}}}bidi"))
        run = lang.getparent().getparent() if lang.getparent() is not None else None
        if (tag is None or run is None or run.tag != f"{{{W}}}r"
                or (default and tag.lower() == default.lower())):
            continue
        texts = list(run.iter(f"{{{W}}}t"))
        if not texts:
            continue
        texts[0].text = f"{LANG_OPEN}{tag}{LANG_MID}{texts[0].text or ''}"
        texts[-1].text = f"{texts[-1].text or ''}{LANG_CLOSE}"
        marked += 1
    return marked


def _tracked(document: etree._Element) -> tuple[int, int]:
    inserted = len(document.xpath("//w:ins | //w:moveTo", namespaces=NS))
    deleted = len(document.xpath("//w:del | //w:moveFrom", namespaces=NS))
    return inserted, deleted


def _default_language(archive: zipfile.ZipFile, path: Path, draft: Draft) -> str | None:
    styles = _xml(archive, "word/styles.xml", path)
    found = None
    if styles is not None:
        found = styles.xpath("string(//w:docDefaults//w:lang/@w:val)", namespaces=NS) or None
    return _language_tag(draft.language) or _language_tag(found)


def _prepared(path: Path, archive: zipfile.ZipFile, track_changes: str | None,
              draft: Draft, work: Path) -> Path:
    """A copy of the .docx for pandoc, its runs' languages marked; refuses tracked changes."""
    document = _xml(archive, "word/document.xml", path)
    inserted, deleted = _tracked(document)
    if (inserted or deleted) and track_changes is None:
        raise BookError(Problem(path.as_posix(), None,
                                f"holds {inserted + deleted} tracked changes ({inserted} "
                                f"insertions, {deleted} deletions): import it with "
                                f"--track-changes accept (the text as it would read with all "
                                f"of them accepted) or --track-changes reject; nothing was "
                                f"written", "BB503"))
    comments = _xml(archive, "word/comments.xml", path)
    count = len(comments.xpath("//w:comment", namespaces=NS)) if comments is not None else 0
    if count:
        draft.warn(path.as_posix(), f"{count} comment{'s' * (count != 1)} in the margin "
                                    f"{'were' if count != 1 else 'was'} left out")
    language = _default_language(archive, path, draft)
    draft.language = draft.language or language
    for text in document.iter(f"{{{W}}}t"):
        if text.text and re.search(f"[{LANG_OPEN}-{LANG_CLOSE}]", text.text):
            text.text = re.sub(f"[{LANG_OPEN}-{LANG_CLOSE}]", "", text.text)
    draft.found["runs in another language"] = _mark_languages(document, language)
    copy = work / path.name
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as out:
        for info in archive.infolist():
            data = (etree.tostring(document, xml_declaration=True, encoding="UTF-8",
                                   standalone=True)
                    if info.filename == "word/document.xml" else archive.read(info))
            out.writestr(info, data)
    return copy


def _pandoc(source: Path, media: Path, track_changes: str | None, shown: Path) -> bytes:
    import pypandoc

    command = [pypandoc.get_pandoc_path(), "--from", "docx+styles", "--to", "html5",
               "--standalone", "--wrap", "none", f"--track-changes={track_changes or 'accept'}",
               f"--extract-media={media}", str(source)]
    try:
        done = subprocess.run(command, capture_output=True, timeout=PANDOC_SECONDS, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise _unreadable(shown, f"could not be converted by pandoc ({exc})") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _unreadable(shown, "could not be converted: " + (message[-1] if message
                                                               else f"pandoc exit "
                                                                    f"{done.returncode}"))
    return done.stdout


def read_docx(path: Path, track_changes: str | None = None,
              chapter_style: str | None = None) -> Draft:
    """The draft of a book from a Word file: metadata, front matter, chapters, images."""
    draft = Draft()
    with _open(path) as archive, tempfile.TemporaryDirectory(prefix="bookbuild-docx-") as tmp:
        work = Path(tmp)
        _properties(archive, path, draft)
        prepared = _prepared(path, archive, track_changes, draft, work)
        output = _pandoc(prepared, work / "media", track_changes, path)
        page = html.document_fromstring(output)
        if not draft.title:
            # pandoc's page title is the Title paragraph, else the file's own name.
            title = " ".join(page.xpath("string(//title)").split())
            draft.title = title if title and title != prepared.stem else None
        body = page.find("body")
        for header in body.xpath("./header[@id='title-block-header']"):
            body.remove(header)  # pandoc's title page from the document's properties
        notes = _footnotes(body)
        converter = WordConverter(lambda m: draft.warn(path.as_posix(), m), work, draft,
                                  slug(draft.title or path.stem))
        _chapters(body, notes, converter, draft, chapter_style, path)
    if not draft.chapters:
        raise BookError(Problem(path.as_posix(), None, "holds no text to import; nothing was "
                                                       "written", "BB502"))
    return draft


def _footnotes(body: etree._Element) -> dict[str, etree._Element]:
    """pandoc's notes section, taken out of the body: each note's <li> by its id."""
    notes = {}
    for section in body.xpath(".//section[@role='doc-endnotes'] | .//*[@id='footnotes']"):
        for item in section.iter("li"):
            if item.get("id"):
                notes[item.get("id")] = item
        section.getparent().remove(section)
    return notes


def _is_heading(el: etree._Element, chapter_style: str | None) -> bool:
    if chapter_style:
        return (el.get("data-custom-style") or "").casefold() == chapter_style.casefold()
    return el.tag == "h1"


def _chapters(body: etree._Element, notes: dict[str, etree._Element],
              converter: WordConverter, draft: Draft, chapter_style: str | None,
              path: Path) -> None:
    sections: list[tuple[str | None, list[etree._Element]]] = [(None, [])]
    for el in body:
        if not isinstance(el.tag, str):
            continue
        if _is_heading(el, chapter_style):
            sections.append((_text(el), []))
        else:
            sections[-1][1].append(el)
    preamble = sections.pop(0)[1]
    if not sections:
        draft.warn(path.as_posix(), f"has no {chapter_style or 'Heading 1'} paragraph to "
                                    f"start a chapter: the whole text is one chapter")
        sections, preamble = [(draft.title or "Chapter 1", preamble)], []
    _front_matter(preamble, converter, draft, path)
    for title, elements in sections:
        title = unicodedata.normalize("NFC", title or "").strip() or "Untitled"
        key = title.casefold().strip(" .:")
        if key in DROPPED_HEADINGS:
            continue
        if key in ("dedication", "copyright"):
            text = " ".join(plain(b) for b in converter.many(elements)).strip()
            if key == "dedication":
                draft.dedication = text or None
            else:
                draft.rights = text or None
            continue
        converter.calls = []
        blocks = converter.many(elements)
        definitions = [converter.note(label, notes.get(f"fn{label}")) for label in
                       converter.calls]
        draft.chapters.append(Chapter(title, blocks + definitions, role=ROLES.get(key),
                                      notes=len(definitions)))


def _front_matter(elements: list[etree._Element], converter: WordConverter, draft: Draft,
                  path: Path) -> None:
    """Title page, copyright and dedication before the first chapter, as book.yaml keys."""
    rest = []
    for el in elements:
        style = (el.get("data-custom-style") or "").casefold()
        text = _text(el)
        if not text:
            continue
        if style == "title" or text == draft.title:
            draft.title = draft.title or text
        elif style == "subtitle":
            continue
        elif style == "author" or (re.match(r"by\s", text, re.IGNORECASE) and len(text) < 80):
            draft.authors = draft.authors or [re.sub(r"^by\s+", "", text, flags=re.I)]
        elif re.search(r"copyright|©|all rights reserved", text, re.IGNORECASE):
            draft.rights = f"{draft.rights} {text}" if draft.rights else text
        elif re.search(r"\bISBN\b", text):
            draft.warn(path.as_posix(), f"the line {text[:60]!r} was left out: give the ISBNs "
                                        f"in book.yaml (isbn: epub, print)")
        else:
            rest.append(el)
    blocks = converter.many(rest)
    if not blocks:
        return
    if len(blocks) <= 2 and sum(len(b) for b in blocks) < 400:
        draft.dedication = " ".join(plain(b) for b in blocks)
        draft.found["dedication"] += 1
        return
    draft.warn(path.as_posix(), "the text before the first chapter became a preface: check it")
    draft.chapters.append(Chapter("Preface", blocks, role="preface"))


class WordConverter(Converter):
    """pandoc's HTML of a Word file: styles as quotes and verse, notes, extracted images."""

    def __init__(self, warn: Callable[[str], None], work: Path, draft: Draft,
                 image_stem: str):
        super().__init__(warn)
        self.work, self.draft, self.image_stem = work, draft, image_stem
        self.calls: list[str] = []

    def many(self, elements: list[etree._Element]) -> list[str]:
        holder = etree.Element("div")
        for el in elements:
            holder.append(el)
        blocks = [_languages(b) for b in self.blocks(holder)]
        return [unicodedata.normalize("NFC", b) for b in blocks]

    def special(self, el: etree._Element) -> list[str] | str | None:
        style = (el.get("data-custom-style") or "").casefold()
        if el.tag == "a" and "footnote-ref" in classes(el):
            label = re.sub(r"\D", "", el.get("href") or "") or str(len(self.calls) + 1)
            self.calls.append(label)
            return f"[^{label}]"
        if "footnote-back" in classes(el) or style == "footnote reference":
            return ""
        if el.tag == "div" and style in QUOTE_STYLES:
            inner = el.find("blockquote")
            return self.block(inner if inner is not None else _as_quote(el))
        if el.tag == "div" and VERSE_STYLES.search(style):
            return self.verse(el)
        return None

    def verse(self, el: etree._Element) -> list[str]:
        """A verse style's paragraphs as pandoc line blocks, a line per line break."""
        blocks = []
        for paragraph in el.iter("p"):
            lines = self.inline_content(paragraph).split("  \n")
            blocks.append("\n".join(f"| {ln.strip()}" for ln in lines if ln.strip()))
        self.draft.found["verse passages"] += 1
        return [_languages(b) for b in blocks if b]

    def note(self, label: str, item: etree._Element | None) -> str:
        if item is None:
            self.warn(f"note {label} has no text; it was left empty")
            return f"[^{label}]: (empty note)"
        blocks = self.blocks(item) or ["(empty note)"]
        text = "\n\n".join(_languages(b) for b in blocks)
        lines = text.split("\n")
        return "\n".join([f"[^{label}]: {lines[0]}"] + [f"    {ln}" if ln else ""
                                                        for ln in lines[1:]])

    def image(self, el: etree._Element) -> str:
        source = Path(el.get("src") or "")
        found = read_image(source if source.is_absolute() else Path.cwd() / source, self.work)
        if found is None:
            self.warn(f"an image ({source.name}) is not a PNG, JPEG, GIF or WebP picture; it "
                      f"was left out")
            return ""
        data, kind = found
        alt = " ".join((el.get("alt") or "").split())
        number = len(self.draft.images) + 1
        name = unique_name(self.draft.images, f"{self.image_stem}-{number}", kind)
        if not alt:
            self.warn(f"the image manuscript/images/{name} has no description (alt text): "
                      f"write one between the brackets of its ![](…) (the build requires it)")
        self.draft.images[name] = data
        return f"![{alt.replace('[', '(').replace(']', ')')}](images/{name})"


def _text(el: etree._Element) -> str:
    """An element's text, spaces collapsed, language marks removed."""
    return " ".join(_languages("".join(el.itertext())).split())


def _as_quote(el: etree._Element) -> etree._Element:
    quote = etree.Element("blockquote")
    for child in list(el):
        quote.append(child)
    return quote


def _languages(markdown: str) -> str:
    """Marked runs as `[text]{lang=xx}`, neighbours in the same language joined."""
    markdown = re.sub(f"{LANG_CLOSE}{LANG_OPEN}([A-Za-z0-9-]+){LANG_MID}", "\ue003\\1\ue004",
                      markdown)

    def span(match: re.Match) -> str:
        tag, text = match[1], match[2]
        text = re.sub(f"\ue003{re.escape(tag)}\ue004", "", text)
        return f"[{text}]{{lang={tag}}}" if text.strip() else text

    markdown = LANG_RUN.sub(span, markdown)
    return re.sub("[\ue000-\ue004]([A-Za-z0-9-]+[\ue001\ue004])?", "", markdown)
