"""The author-side commands besides building: `new` (a book folder to start from) and `stats`
(word counts, pages, reading time). The CLI calls them; each hands back what it made or found.
"""
