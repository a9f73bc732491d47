"""pandoc's task lists: a list item starting `[ ]` or `[x]` (then a space and text) is a task,
set with a disabled checkbox as pandoc sets it; a bullet list of tasks only is classed
`task-list`.

Markdown marks the item (`data-task`, its state) and takes the brackets out; the checkbox
itself is added by `add_checkboxes` once the HTML policy has read the tree (read/__init__.py),
since the policy refuses form fields in the author's raw HTML."""

from __future__ import annotations

import re
from xml.etree.ElementTree import Element

from lxml import etree
from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

TASK = "data-task"  # on a task's <li>: "x" (done) or "" (to do), until add_checkboxes
BOX = re.compile(r"^\[([ xX])\][ \t]+(?=\S)")
XHTML = "http://www.w3.org/1999/xhtml"


class TaskListTreeprocessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for lst in root.iter():
            if lst.tag not in ("ul", "ol"):
                continue
            items = [li for li in lst if li.tag == "li"]
            tasks = [li for li in items if self._mark(li)]
            if tasks and len(tasks) == len(items) and lst.tag == "ul":
                lst.set("class", " ".join(filter(None, (lst.get("class"), "task-list"))))

    @staticmethod
    def _mark(li: Element) -> bool:
        holder = li
        if not (li.text or "").strip() and len(li) and li[0].tag == "p":
            holder = li[0]
        match = BOX.match(holder.text or "")
        if match is None:
            return False
        li.set(TASK, match[1].strip().lower())
        holder.text = holder.text[match.end():]
        return True


def add_checkboxes(body: etree._Element) -> None:
    """A disabled checkbox at the start of each task (checked when done), as pandoc writes."""
    for li in body.iter(f"{{{XHTML}}}li"):
        state = li.attrib.pop(TASK, None)
        if state is None:
            continue
        holder = li[0] if not (li.text or "").strip() and len(li) \
            and li[0].tag == f"{{{XHTML}}}p" else li
        box = etree.Element(f"{{{XHTML}}}input", type="checkbox", disabled="disabled")
        if state:
            box.set("checked", "checked")
        box.tail = " " + (holder.text or "").lstrip()
        holder.text = None
        holder.insert(0, box)
        # its label, for screen readers (pandoc's HTML has none: Ace requires one)
        words = "".join(holder.itertext()).split()
        box.set("aria-label", " ".join(words[:12]) + (" …" if len(words) > 12 else ""))


class TaskListsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # After the inline patterns (20), which leave `[ ]` and an undefined `[x]` as text.
        md.treeprocessors.register(TaskListTreeprocessor(md), "pandoc_task_lists", 5)
