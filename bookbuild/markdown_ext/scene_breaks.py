"""Scene breaks: a `* * *` line (any Markdown rule) becomes `<hr class="scene-break"/>`.

A rule is read as pandoc reads it: three or more `*`, `-` or `_` with any spaces between them
(`  *   *   *`), where Python-Markdown allows two at most and took the rest for nested lists."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.blockprocessors import HRProcessor
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class SceneBreakProcessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for hr in root.iter("hr"):
            hr.set("class", "scene-break")


class PandocRuleProcessor(HRProcessor):
    SEARCH_RE = re.compile(r"^[ ]{0,3}(?:(?:-[ ]*){3,}|(?:_[ ]*){3,}|(?:\*[ ]*){3,})$",
                           re.MULTILINE)


class SceneBreakExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # The same name and priority as Python-Markdown's own, which this replaces.
        md.parser.blockprocessors.register(PandocRuleProcessor(md.parser), "hr", 50)
        md.treeprocessors.register(SceneBreakProcessor(md), "scene_break", 5)
