"""Figures: an image alone in its paragraph becomes `<figure>`, its title the caption, else
(pandoc's implicit figures) its alt text; pandoc's `{width=50%}` sizes become styles."""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from xml.etree.ElementTree import Element

from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

PIXELS = re.compile(r"[0-9]{1,5}")


def size_as_style(img: Element) -> None:
    """`width=50%` or `height=2em` (pandoc's link_attributes) as a style, as pandoc writes it;
    a number of pixels stays an attribute, which HTML allows."""
    styles = []
    for key in ("width", "height"):
        value = img.get(key)
        if value is not None and not PIXELS.fullmatch(value):
            styles.append(f"{key}:{value}")
            del img.attrib[key]
    if styles:
        img.set("style", ";".join(filter(None, [img.get("style"), *styles])))


class FigureProcessor(Treeprocessor):
    def run(self, root: Element) -> None:
        for img in root.iter("img"):
            size_as_style(img)
        for parent in root.iter():
            for index, p in enumerate(list(parent)):
                if p.tag != "p" or len(p) != 1 or p[0].tag != "img":
                    continue
                img = p[0]
                if (p.text or "").strip() or (img.tail or "").strip():
                    continue
                figure = etree.Element("figure", {"class": "image"})
                img.tail = None
                figure.append(img)
                caption = img.attrib.pop("title", None)
                if caption:
                    etree.SubElement(figure, "figcaption").text = caption
                elif img.get("alt", "").strip():
                    # the alt text said twice: a screen reader reads it once, as pandoc marks it
                    etree.SubElement(figure, "figcaption", {"aria-hidden": "true"}).text = \
                        img.get("alt")
                parent.remove(p)
                parent.insert(index, figure)


class FiguresExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(FigureProcessor(md), "figures", 4)
