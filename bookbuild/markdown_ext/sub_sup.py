"""pandoc's strikeout `~~text~~`, subscript `H~2~O` and superscript `2^10^`, read by pandoc's
rules: a strikeout opens on a mark that is not a space or a tilde and may run over lines; a
subscript or superscript holds no space (`\\ ` is a no-break space, allowed); a superscript may
hold a subscript (`2^H~2~^`); `~~~x~~~` is a tilde, a strikeout and a tilde."""

from __future__ import annotations

from markdown import Markdown
from markdown.extensions import Extension
from markdown.inlinepatterns import SimpleTagInlineProcessor

STRIKEOUT = r"(~~)(?=[^\s~])(.+?)(?<=\S)~~"
SUPERSCRIPT = r"(\^)(?=[^ \t\n^])([^^ \t\n]+)\^"
# (not opening on a strikeout already read, as in `~~~x~~~`: Python-Markdown's placeholder)
SUBSCRIPT = r"(~)(?=[^ \t\n~\x02])([^~ \t\n]+)~"


class SubSupExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:
        # Before emphasis (60), which reads what they hold; strikeout before subscript, whose
        # mark it doubles, superscript before subscript, which it may hold.
        md.inlinePatterns.register(SimpleTagInlineProcessor(STRIKEOUT, "del"), "strikeout", 63)
        md.inlinePatterns.register(SimpleTagInlineProcessor(SUPERSCRIPT, "sup"), "superscript",
                                   62)
        md.inlinePatterns.register(SimpleTagInlineProcessor(SUBSCRIPT, "sub"), "subscript", 61)
