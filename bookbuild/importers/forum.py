"""A forum serial saved from a XenForo 2 thread: its pages' posts become chapters.

Reads each saved page with lxml (posts are `article.message--post` with `data-author`, the
text in `.message-body .bbWrapper`, a `.threadmarkLabel` on marked posts) and hands on a
`Draft` whose chapters are the threadmarked posts, or the thread author's posts.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lxml import etree, html

from bookbuild.errors import BookError, Problem
from bookbuild.importers import conventions
from bookbuild.importers.draft import Chapter, Draft
from bookbuild.importers.markdown import Converter, classes, escape
from bookbuild.importers.names import natural_order, read_image, unique_name

MAX_PAGE_BYTES = 20 * 1024 * 1024  # a saved thread page; a real one is well under 2 MB
PAGE_SUFFIXES = (".html", ".htm", ".xhtml")
POST_XPATH = ("//article[@data-content and contains(concat(' ', normalize-space(@class), ' '),"
              " ' message ')]")
BODY_XPATH = (".//*[contains(concat(' ', normalize-space(@class), ' '), ' message-body ')]"
              "//div[contains(concat(' ', normalize-space(@class), ' '), ' bbWrapper ')]")
# Parts of a post that are the forum's, not the author's.
FURNITURE = {"js-selectToQuoteEnd", "bbCodeBlock-expandLink", "bbCodeBlock-title",
             "message-lastEdit", "message-signature", "bbCodeSpoiler-button", "u-srOnly"}


@dataclass
class Post:
    number: int  # the post's id in the forum, which orders the thread
    author: str
    label: str | None  # the threadmark's label
    body: etree._Element
    page: Path
    edited: str = ""


def page_files(folder: Path) -> list[Path]:
    """The saved pages in a folder, in page order (by the numbers in their names)."""
    return sorted((p for p in folder.iterdir() if p.suffix.lower() in PAGE_SUFFIXES
                   and p.is_file()), key=natural_order)


def _page(path: Path) -> etree._Element:
    shown = path.as_posix()
    try:
        if path.stat().st_size > MAX_PAGE_BYTES:
            raise BookError(Problem(shown, None, f"is larger than a saved thread page can be "
                                                 f"({MAX_PAGE_BYTES // 2**20} MB)", "BB501"))
        data = path.read_bytes()
        return html.document_fromstring(data)
    except (OSError, etree.ParserError, ValueError) as exc:
        raise BookError(Problem(shown, None, f"cannot be read as a web page ({exc})",
                                "BB501")) from None


def _text(el: etree._Element | None) -> str:
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


def _first(el: etree._Element, xpath: str) -> etree._Element | None:
    found = el.xpath(xpath)
    return found[0] if found else None


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _posts(page: etree._Element, path: Path) -> list[Post]:
    posts = []
    for article in page.xpath(POST_XPATH):
        number = re.search(r"(\d+)", article.get("data-content", ""))
        body = _first(article, BODY_XPATH)
        if number is None or body is None:
            continue
        author = article.get("data-author") or _text(_first(
            article, f".//*[{_has_class('message-name')}]"))
        label = _first(article, f".//*[{_has_class('threadmarkLabel')}]")
        edited = _first(article, f".//*[{_has_class('message-lastEdit')}]//time/@datetime")
        posts.append(Post(int(number[1]), author.strip(), _text(label) or None, body, path,
                          str(edited or "")))
    return posts


def _thread_title(page: etree._Element) -> str | None:
    heading = _first(page, f"//*[{_has_class('p-title-value')}]")
    if heading is not None:
        return _text(heading) or None
    title = _first(page, "//title")
    return _text(title).split(" | ")[0] or None if title is not None else None


def _thread_starter(page: etree._Element) -> str | None:
    link = _first(page, f"//*[{_has_class('p-description')}]//*[{_has_class('username')}]")
    return _text(link) or None


def read_thread(pages: list[Path], root: Path, author: str | None = None) -> Draft:
    """The draft of a serial from its saved pages (in any order, overlapping or repeated)."""
    draft = Draft()
    found: dict[int, Post] = {}
    starter = None
    for path in pages:
        page = _page(path)
        posts = _posts(page, path)
        if not posts:
            draft.warn(path.as_posix(), "holds no forum post; it was left out")
            continue
        draft.title = draft.title or _thread_title(page)
        starter = starter or _thread_starter(page)
        for post in posts:
            # A page saved later may hold an edited post: keep the latest edit.
            if post.number not in found or post.edited > found[post.number].edited:
                found[post.number] = post
    if not found:
        shown = (pages[0] if len(pages) == 1 else root).as_posix()
        raise BookError(Problem(shown, None, "is not a saved forum thread: no XenForo post "
                                             "(article.message--post with a bbWrapper) was "
                                             "found; nothing was written", "BB501"))
    thread = [found[n] for n in sorted(found)]
    writer = author or starter or thread[0].author
    marked = [p for p in thread if p.label]
    chosen = marked or [p for p in thread if p.author.casefold() == writer.casefold()]
    draft.authors = [writer]
    draft.found["replies left out"] = len(thread) - len(chosen)
    for post in chosen:
        chapter = _chapter(post, root, draft, len(draft.chapters) + 1)
        if chapter is not None:
            draft.chapters.append(chapter)
    if not draft.chapters:
        shown = root.as_posix()
        who = "threadmarked" if marked else f"by {writer}"
        raise BookError(Problem(shown, None, f"the thread has no post {who} with text; "
                                             f"nothing was written (name the author with "
                                             f"--author)", "BB502"))
    return draft


def _chapter(post: Post, root: Path, draft: Draft, index: int) -> Chapter | None:
    where = f"post {post.number}"
    converter = PostConverter(lambda message: draft.warn(where, message), post, root, draft)
    return conventions.serial_chapter(post.label, converter.blocks(post.body), where, draft,
                                      index)


class PostConverter(Converter):
    """XenForo 2's rendering of BBCode: quotes, spoilers, smilies, saved images."""

    lines_are_paragraphs = True

    def __init__(self, warn: Callable[[str], None], post: Post, root: Path, draft: Draft):
        super().__init__(warn)
        self.post, self.root, self.draft = post, root, draft

    def special(self, el: etree._Element) -> list[str] | str | None:
        names = classes(el)
        if names & FURNITURE:
            return []
        if "bbCodeBlock--quote" in names:
            if el.get("data-source") or el.get("data-quote"):
                self.draft.found["quotes of other posts left out"] += 1
                return []
            content = _first(el, f".//*[{_has_class('bbCodeBlock-content')}]")
            return self.block_quote(content if content is not None else el)
        if "bbCodeSpoiler" in names:
            title = _text(_first(el, f".//*[{_has_class('bbCodeSpoiler-button-title')}]"))
            self.warn(f"a spoiler{f' ({title!r})' if title else ''} was kept as plain text")
            content = _first(el, f".//*[{_has_class('bbCodeSpoiler-content')}]")
            return self.blocks(content) if content is not None else []
        if "bbCodeInlineSpoiler" in names:
            self.warn("an inline spoiler was kept as plain text")
            return self.inline_content(el)
        if "smilie" in names:
            return escape(el.get("alt") or "")
        if names & {"bbMediaWrapper", "bbMediaContainer", "bbOembed"}:
            self.warn("an embedded video or media link was left out")
            return []
        if "username" in names:
            return escape(_text(el))
        return None

    def block_quote(self, content: etree._Element) -> list[str]:
        inner = self.blocks(content)
        if not inner:
            return []
        text = "\n\n".join(inner)
        return ["\n".join(("> " + ln) if ln else ">" for ln in text.split("\n"))]

    def image(self, el: etree._Element) -> str:
        source = (el.get("data-src") or el.get("src") or "").strip()
        if not source or re.match(r"[a-z][a-z0-9+.-]*:", source, re.IGNORECASE):
            self.warn(f"an image ({source[:80]!r}) was not saved beside the page; it was left "
                      f"out (save the page as 'Web Page, complete' to keep its images)")
            return ""
        path = self.post.page.parent / unquote(source.split("?")[0].split("#")[0])
        found = read_image(path, self.root)
        if found is None:
            self.warn(f"the image {source[:80]!r} is not a PNG, JPEG, GIF or WebP file saved "
                      f"beside the page; it was left out")
            return ""
        data, kind = found
        alt = " ".join((el.get("alt") or "").split())
        if not alt or re.search(r"\.(png|jpe?g|gif|webp)$", alt, re.IGNORECASE):
            self.warn(f"the image {path.name!r} has no description: write its alt text "
                      f"between the brackets of ![](…) (the build requires it)")
            alt = ""
        name = unique_name(self.draft.images, path.stem, kind)
        self.draft.images[name] = data
        return f"![{escape(alt)}](images/{name})"
