"""Figures: an image alone in its paragraph becomes `<figure>`, its title the caption."""

import xml.etree.ElementTree as etree

from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor


class FigureProcessor(Treeprocessor):
    def run(self, root) -> None:
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
                parent.remove(p)
                parent.insert(index, figure)


class FiguresExtension(Extension):
    def extendMarkdown(self, md) -> None:
        md.treeprocessors.register(FigureProcessor(md), "figures", 4)
