"""Scene breaks: a `* * *` line (any Markdown rule) becomes `<hr class="scene-break"/>`."""

from __future__ import annotations

from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class SceneBreakProcessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for hr in root.iter("hr"):
            hr.set("class", "scene-break")


class SceneBreakExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(SceneBreakProcessor(md), "scene_break", 5)
