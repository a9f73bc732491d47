"""Page styles shared between pages the same @page rules select: one change to WeasyPrint's
page layout.

WeasyPrint 70 gives every page a page type of its own (side, blank, name, and its index and
page groups, for `:first` and `:nth()`), and makes a new style for the page and each of its
margin boxes per page type (`layout/page.py`, `set_page_type_computed_styles`), whose values
are then computed property by property as they are read. On a page with running heads and a
folio that is some sixteen styles computed anew for each page, though the pages of a book
match only a few different sets of @page rules. `install()` puts a check first: a page matched
by exactly the rules an earlier page of the same layout was matched by takes that page's
styles (WeasyPrint itself shares the computed style of elements that match the same rules,
`css/__init__.py`). The styles of the first page are never lent: values in viewport units are
computed from its size, known only once it is made.
"""

from __future__ import annotations

from typing import Any

_STATE: dict[str, Any] = {}


def install() -> None:
    """Put the check before WeasyPrint's set_page_type_computed_styles (once per process)."""
    import weasyprint.layout.page as page

    if "original" not in _STATE:
        _STATE["original"] = page.set_page_type_computed_styles
        page.set_page_type_computed_styles = set_page_type_computed_styles


def set_page_type_computed_styles(page_type: Any, html: Any, style_for: Any) -> None:
    """The styles of `page_type`'s page and margin boxes: an earlier page type's, if the same
    @page selectors match both, else made by WeasyPrint."""
    matched = tuple(style_for._page_type_match(selector[2], page_type)
                    for sheet, _origin, _specificity in style_for._sheets
                    for _rule, selectors, _declarations in sheet.page_rules
                    for selector in selectors)
    # kept on the layout's StyleFor: a new layout (a new document) starts afresh
    shared = style_for.__dict__.setdefault("bookbuild_page_styles", {})
    earlier = shared.get(matched)  # an earlier page type's styles, by (page type, pseudo)
    computed = style_for.get_computed_styles()
    if earlier is None or page_type.index == 0:
        _STATE["original"](page_type, html, style_for)
        if page_type.index > 0:  # (see the module's note on the first page)
            shared[matched] = [(key, computed[key]) for key in computed
                               if key[0] == page_type]
        return
    for (_type, pseudo_type), style in earlier:
        computed[page_type, pseudo_type] = style
