"""Smart typography: curly quotes and apostrophes, en and em dashes, ellipsis.

Python-Markdown's own `smarty` does the work (it already leaves code spans alone); we only make it
emit real characters instead of HTML entities, so the text is plain Unicode from here on.
"""

from markdown.extensions.smarty import SmartyExtension

CHARACTERS = {
    "left-single-quote": "\u2018",
    "right-single-quote": "\u2019",
    "left-double-quote": "\u201c",
    "right-double-quote": "\u201d",
    "left-angle-quote": "\u00ab",
    "right-angle-quote": "\u00bb",
    "mdash": "\u2014",
    "ndash": "\u2013",
    "ellipsis": "\u2026",
}


class TypographyExtension(SmartyExtension):
    def extendMarkdown(self, md) -> None:
        super().extendMarkdown(md)
        # Smarty registers its pass after `prettify` (10), which gives every block a "\n" tail;
        # Python-Markdown's inline pass then looks each tailed child up in its parent, so a
        # chapter of n paragraphs took time n². Run it before prettify, where blocks have no tail.
        processor = md.treeprocessors["smarty"]
        md.treeprocessors.deregister("smarty")
        md.treeprocessors.register(processor, "smarty", 16)


def typography_extension() -> SmartyExtension:
    return TypographyExtension(substitutions=CHARACTERS, smart_angled_quotes=False)


_LINE_CONVERTER = None


def smart_text(text: str) -> str:
    """Plain text (a title from a YAML header, say) with the same smart punctuation as the body.

    Markup characters are escaped first, so the text stays text; the result is plain Unicode.
    """
    global _LINE_CONVERTER
    import html

    import markdown
    from lxml import html as lxml_html

    if _LINE_CONVERTER is None:
        _LINE_CONVERTER = markdown.Markdown(extensions=[typography_extension()])
    _LINE_CONVERTER.reset()
    escaped = html.escape(text, quote=False)
    for mark in "\\*_`[]#":  # backslash first; only punctuation may change, never words
        escaped = escaped.replace(mark, "\\" + mark)
    markup = _LINE_CONVERTER.convert(escaped)
    return "".join(lxml_html.fragment_fromstring(markup, create_parent="div").itertext())
