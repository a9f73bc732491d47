"""A cheap guess at the language of a short italic phrase in the book's own (Latin) script:
Latin, French, German, Italian, Spanish or English, told by their commonest small words and
endings and by their letters. For the accessibility claim's check of phrases without `lang`.

Limits: a phrase of one word is never guessed (*café*, *coup*, *via* are as often English);
a phrase holding one of the book's own small words is taken for the book's language; names,
short titles and words shared by two languages (*in camera*, *al fresco*) are missed, and a
title may be taken for a phrase (*Die Hard*); only the six languages are known. It finds
candidates for a reader to look at, not proof: on Standard Ebooks' Dracula it finds 12 of the
36 italic phrases that edition marks with a language (most of the rest are one word), and
nothing that is English.
"""

from __future__ import annotations

import re

NAMES = {"la": "Latin", "fr": "French", "de": "German", "it": "Italian", "es": "Spanish",
         "en": "English"}

# Small words of each language that the others (English above all) rarely have.
STOPWORDS: dict[str, frozenset[str]] = {lang: frozenset(words.split()) for lang, words in {
    "en": "the and of to is that with his her you for on not be but at by this have had are "
          "were from or which they him she he it my we our your their what when there been "
          "would could should shall must can do did does has if than then them these those "
          "who whom its into upon our very was as a",
    "la": "et est non cum ad ex quod qui quae quam sunt sed aut vel nisi enim ergo ipso sine "
          "ab hoc ut nunc semper deus dei domine deo nihil omnia omne omnes mihi tibi nobis "
          "quid quo ubi sum esse ita bene nota vide inter apud dum tamen etiam atque tuas "
          "tuus meus mea vita pax lux rex",
    "fr": "le la les un une des du et est au aux ce cette ces qui que dans pour sur avec "
          "pas ne je tu il elle nous vous ils elles mon ma mes son sa ses leur très bien "
          "mais où comme mot mots sans sont en deux à",
    "de": "der die das den dem des und ist ein eine einen einem einer nicht mit von zu im "
          "auf für sich ich du er sie wir ihr mein dein sein kein noch auch nur wie "
          "schnell gott himmel herr ja nein doch aber oder wenn denn",
    "it": "il lo gli della delle dello degli nel nella che di è non per con una uno sono "
          "questo questa molto come più anche dove perché ma",
    "es": "el los las del y es una uno que por con para sin muy pero como más también "
          "donde porque está son señor señora",
}.items()}

# Endings and letters that mark a word as the language's (English words rarely end so).
MARKS: dict[str, re.Pattern[str]] = {
    "la": re.compile(r"(?:orum|arum|ibus|ntur|tur|(?<!o)us|um|ae|ii|tio|tiae|ique)$"),
    "fr": re.compile(r"[éèêàâçôûœëî]|(?:eux|aux|eau|eaux|ette|oire|ement|ais|ait|ée|és)$"),
    "de": re.compile(r"[äöüß]|sch|(?:ung|keit|heit|lich|chen|ig|en)$"),
    "it": re.compile(r"[àèìòù]|(?:zione|zioni|etto|etta|ello|ella|ino|ini|mente|issimo)$"),
    "es": re.compile(r"[ñáíóú¿¡]|(?:ción|ciones|dad|ado|ada|ando|iendo|mente)$"),
}
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def guess_language(phrase: str, book_language: str) -> str | None:
    """The language (a BCP 47 tag) `phrase` looks written in, if it is plainly another than
    `book_language`; None when it looks like the book's own or cannot be told."""
    own = book_language.split("-")[0].lower()
    words = [w.lower() for w in WORD.findall(phrase)]
    if len(words) < 2:
        return None
    if own in STOPWORDS and any(w in STOPWORDS[own] for w in words):
        return None
    best, best_score = None, 0
    for lang in STOPWORDS:
        if lang == own:
            continue
        marked = MARKS.get(lang)
        score = sum(2 if w in STOPWORDS[lang] else
                    1 if marked is not None and len(w) > 3 and marked.search(w) else 0
                    for w in words)
        if score > best_score:
            best, best_score = lang, score
    # A small word of the language or two of its endings, and a sign for every two words:
    # "cum grano", "Denn die Todten reiten schnell", "Omnia Romae venalia sunt"; not "the
    # famous museum", not "die was cast".
    if best is not None and best_score >= 2 and best_score * 2 >= len(words):
        return best
    return None
