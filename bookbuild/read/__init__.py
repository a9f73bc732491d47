"""Reading: each spine file loaded, checked and turned into XHTML, then the front and back
matter added; hands on the one `Book` (book.py) the writers read.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bookbuild.book import Book, Image, Section
from bookbuild.config import Config, PartEntry, SpineEntry, read_text, slugify
from bookbuild.errors import Report
from bookbuild.markdown_ext.task_lists import add_checkboxes
from bookbuild.read.cache import ChapterCache
from bookbuild.read.checks import (
    check_html,
    check_leftover_markup,
    check_lines,
    nested_notes,
    warn_unlisted,
    within_limits,
)
from bookbuild.read.convert import Converter, chapter_tree
from bookbuild.read.documents import check_transcripts
from bookbuild.read.examples import number_examples
from bookbuild.read.images import check_raw_images
from bookbuild.read.links import check_ids, resolve_links
from bookbuild.read.matter import add_matter, back_cover, role_from_title
from bookbuild.read.notes import take_notes
from bookbuild.read.passes import (
    close_heading_gaps,
    lift_note_calls,
    mark_direction,
    mark_languages,
    mark_page_breaks,
    match_roles,
    relink_images,
    set_chapter_language,
    take_title,
    unwrap_block_paragraphs,
)
from bookbuild.read.source import Source, load_source
from bookbuild.read.split import split_chapters
from bookbuild.read.typography import book_settings, set_typography, typeset
from bookbuild.theme import check_stylesheets
from bookbuild.xhtml import h, unique_id

# The chapter cache entries another process made of spine file n (read/ahead.py), if any.
AheadEntries = Callable[[int], dict[str, bytes]]


@dataclass
class Chapters:
    """The author's files as read: sections (parts included) in spine order, and the pictures
    they use by their path on disk."""

    sections: list[Section]
    images: dict[Path, Image]
    texts: dict[Path, str]  # each file's text as decoded, by path


def read_book(config: Config, report: Report | None = None,
              cache: ChapterCache | None = None, ahead: AheadEntries | None = None) -> Book:
    """Parse every spine file into a `Book`; raises BookError listing every problem found.

    With a `cache`, a chapter whose text has not changed is not read again (cache.py); with
    `ahead` too, other processes read files ahead into it (ahead.py).
    """
    report = report or Report(config.root)
    chapters = read_chapters(config, report, cache, ahead)
    sections = add_matter(config, chapters.sections, report)
    report.stop_if_errors()
    blurb, blurb_problems = back_cover(config)
    texts = {**chapters.texts, config.source: read_text(config.source, report)}
    epoch = _source_epoch(config, chapters.images)
    return Book(config, sections, list(chapters.images.values()),
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch)), epoch,
                back_cover=blurb, back_cover_problems=blurb_problems, source_texts=texts,
                title_set=typeset(config.title, book_settings(config)),
                subtitle_set=typeset(config.subtitle, book_settings(config))
                if config.subtitle else None)


def read_chapters(config: Config, report: Report, cache: ChapterCache | None = None,
                  ahead: AheadEntries | None = None) -> Chapters:
    """Every spine file read, checked and converted, links resolved across them; the problems
    found are in `report`, in file and line order."""
    first_problem = len(report.problems)
    md = Converter(cache or ChapterCache(None))
    sections: list[Section] = []
    images: dict[Path, Image] = {}
    used_ids: set[str] = set()
    sources: list[tuple[Section, Source]] = []
    texts: dict[Path, str] = {}
    chapter_number = part_number = files = 0
    for entry in config.spine:
        entries = [entry]
        part_id = None
        if isinstance(entry, PartEntry):
            part_number += 1
            part_id = unique_id(f"part-{part_number}", used_ids)
            sections.append(Section(part_id, "part", "part",
                                    typeset(entry.title, book_settings(config)), None))
            entries = list(entry.chapters)
        for spine_entry in entries:
            numbered = spine_entry.type == "chapter" and spine_entry.role in (None, "chapter")
            if ahead is not None and cache is not None:
                cache.take(ahead(files))
            files += 1
            read = read_file(spine_entry, config, md, report, images, used_ids)
            chapter_number += numbered and not read  # a file that failed keeps its number
            for n, (section, source) in enumerate(read):
                if n == 0 and len(read) > 1 and not section.title:
                    # Text before a one-file book's first level-1 heading: an untitled section,
                    # as pandoc's EPUB writer makes it: no chapter number, not in the contents.
                    section.numbered = section.listed = False
                sources.append((section, source))
                texts[source.path] = source.text
                section.part = part_id
                if section.role == "chapter":
                    chapter_number += numbered and section.numbered
                    section.number = chapter_number if section.numbered else None
                    if not section.title and section.numbered:
                        section.title = f"Chapter {chapter_number}"
                        _title_below(section, source, report)
                sections.append(section)
    number_examples(sources, report)
    resolve_links(sources, report)
    _once_per_key(report, first_problem)
    _sort_problems(report, first_problem)
    check_stylesheets(config.root, report)
    warn_unlisted(config, report)
    return Chapters(sections, images, texts)


def _title_below(section: Section, source: Source, report: Report) -> None:
    """Told once for the book: a chapter called "Chapter N" for want of a `#` heading, whose
    text has `##` ones, as pandoc's conversion of an edition's HTML (`<h2>` chapter headings)
    writes every chapter; the contents would list "Chapter 1", "Chapter 2"... only."""
    line = source.line_of(r"^##[ \t]")
    if any(p.code == "BB251" for p in report.problems) or section.body is None \
            or section.body.find(f".//{h('h2')}") is None or line is None:
        return
    report.warning(source.path, line,
                   f"this chapter has no level-1 heading, so it is called '{section.title}' "
                   f"in the contents, but it has '##' headings: if they are the chapters' "
                   f"titles, make them '#' headings (pandoc --shift-heading-level-by=-1; told "
                   f"once for the book)", "BB251")


def _once_per_key(report: Report, first: int) -> None:
    """An ignored chapter-header key (BB241) is told once for the book, at its first use: a
    manuscript from Obsidian has `tags:` in every file."""
    seen: set[str] = set()
    kept = []
    for problem in report.problems[first:]:
        if problem.code == "BB241":
            if problem.message in seen:
                continue
            seen.add(problem.message)
        kept.append(problem)
    report.problems[first:] = kept


def _sort_problems(report: Report, first: int) -> None:
    """The manuscript's problems file by file (in spine order), each file's in line order, as
    a compiler lists them, whichever check found them first."""
    found = report.problems[first:]
    files = {path: n for n, path in enumerate(dict.fromkeys(p.path for p in found))}
    report.problems[first:] = sorted(found, key=lambda p: (files[p.path], p.line or 0))


def _section_id(path: Path, used: set[str]) -> str:
    slug = slugify(path.stem) or "section"
    return unique_id(slug if slug[0].isalpha() else f"ch-{slug}", used)


def read_file(entry: SpineEntry, config: Config, md: Converter, report: Report,
              images: dict[Path, Image], used_ids: set[str]) -> list[tuple[Section, Source]]:
    """One spine file as its `Section`s (with their `Source`s, for the links): one, or one
    per level-1 heading (read/split.py); none when it cannot be read."""
    source = load_source(entry.path, report)
    if source is None:
        return []
    read = (_read_section(part, entry, config, md, report, images, used_ids)
            for part in split_chapters(source))
    return [r for r in read if r is not None]


def _read_section(source: Source, entry: SpineEntry, config: Config, md, report: Report,
                  images: dict[Path, Image], used_ids: set[str],
                  ) -> tuple[Section, Source] | None:
    """One chapter of a spine file as a `Section`, or None when it cannot be read; every
    problem found is in `report`."""
    section = None
    would_be_id = _section_id(entry.path, set(used_ids))
    typography = book_settings(config, source.header.get("lang"))
    key = md.cache.key("section", "\n".join(source.lines), would_be_id, entry.type,
                       _role(entry), repr(typography))
    section = md.cache.section(key, entry.path)  # kept only once within the limits below
    if section is not None:
        used_ids.add(section.id)
        return section, source
    if within_limits(source, report):
        problems = len(report.problems)
        nested = nested_notes(source, report)
        image_names = check_lines(source, config, report, images)
        body = None if nested else chapter_tree(md, source, report)
        if body is not None:
            unwrap_block_paragraphs(body)
            lift_note_calls(body)
            check_html(body, source, report)
            add_checkboxes(body)  # form fields the policy refuses in the author's HTML
            mark_page_breaks(body)
            check_leftover_markup(body, source, report)
            check_raw_images(body, source, config, report, images, image_names)
            check_transcripts(body, source, report)
            section = Section(_section_id(entry.path, used_ids), entry.type, _role(entry), None,
                              entry.path)
            set_typography(body, typography, source, report)  # before the title is taken
            typed = take_title(section, source, body, report, typography)
            if typed and not entry.role:  # the title's epub:type says what the section is
                section.role = typed
            elif entry.type != "chapter" and not entry.role:  # so may its title's words
                section.role = role_from_title(section.title, entry.path.stem) or section.role
            match_roles(body, section.epub_type, source, report)
            close_heading_gaps(body)
            set_chapter_language(body, source.header.get("lang"))
            section.lang = source.header.get("lang") or None
            mark_languages(body)
            mark_direction(body)
            relink_images(body, image_names)
            section.notes = take_notes(body, section.id, source, report)
            section.body = body
            check_ids(section, source, report)
            if not image_names and body.find(f".//{h('img')}") is None \
                    and len(report.problems) == problems:  # see cache.py
                md.cache.keep_section(key, section, source.body)
    return (section, source) if section is not None else None


def _role(entry: SpineEntry) -> str:
    if entry.role:
        return entry.role
    return "chapter" if entry.type == "chapter" else {
        "frontmatter": "preface", "backmatter": "afterword"}[entry.type]


def _source_epoch(config: Config, images: dict[Path, Image]) -> int:
    """SOURCE_DATE_EPOCH when set, else the newest source file's mtime: builds repeat exactly."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    paths = [config.source, *(e.path for e in config.files()), *images,
             *([config.cover] if config.cover else [])]
    styles = config.root / "styles"
    if styles.is_dir():
        paths.extend(p for p in styles.rglob("*") if p.is_file())
    return int(max(p.stat().st_mtime for p in paths))
