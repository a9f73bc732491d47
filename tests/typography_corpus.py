"""The typography corpus: tricky sentences as an author types them, and the exact characters a
careful publisher sets (U+00A0 no-break space, U+2060 word joiner, U+200A hair space).

Each entry is one paragraph of Markdown and the text the EPUB and the PDF must carry.
"""

NBSP, WJ, HAIR = "\u00a0", "\u2060", "\u200a"

CORPUS: list[tuple[str, str]] = [
    # dialogue, nested quotes, breaking off
    ('"Hello," she said. \'Quite so.\'', "“Hello,” she said. ‘Quite so.’"),
    ('"He said \'no\' to me."', "“He said ‘no’ to me.”"),
    ('"\'Go,\' he said," she wrote.', f"“{HAIR}‘Go,’ he said,” she wrote."),
    ('"She told me \'never\'"', f"“She told me ‘never’{HAIR}”"),
    ('"And---" he began.', f"“And{WJ}—” he began."),
    ('"Well..." she said.', "“Well…” she said."),
    ('"I thought---" "You thought wrong."', f"“I thought{WJ}—” “You thought wrong.”"),
    ('He turned---"Wait!"---and ran.', f"He turned{WJ}—“Wait!”{WJ}—and ran."),
    # quotes around italics, links and code
    ('"*Son.*" He nodded.', "“Son.” He nodded."),
    ("'*one*' and '**two**'", "‘one’ and ‘two’"),
    ('"[The paper](https://example.org)," he said.', "“The paper,” he said."),
    ('She read "*War and Peace*" twice.', "She read “War and Peace” twice."),
    ('Type `"raw"` then "cooked".', 'Type "raw" then “cooked”.'),
    # elisions at a word's and a paragraph's start, apostrophes
    ("'Tis the season, 'twas said.", "’Tis the season, ’twas said."),
    ("Give 'em rock 'n' roll 'cause 'til five o'clock.",
     "Give ’em rock ’n’ roll ’cause ’til five o’clock."),
    ("The '90s, the class of '99 and the dogs' bowls.",
     "The ’90s, the class of ’99 and the dogs’ bowls."),
    ("\"Well, go 'long with you.\"", "“Well, go ’long with you.”"),
    ("\"I'd 'a' bet 'stead of 'tend to it,\" he said.",
     "“I’d ’a’ bet ’stead of ’tend to it,” he said."),
    ("'Unmatched, and it stays an apostrophe", "’Unmatched, and it stays an apostrophe"),
    ('"A quotation that runs on into the next paragraph',
     "“A quotation that runs on into the next paragraph"),
    # dialect elisions: Cockney's dropped h, and a word that is both ('is, 'at) decided by
    # whether a quotation is plainly closed further on
    ("\"Look 'ere, guv'nor, 'e took up 'is end o' the boxes an' 'elped me,\" he said.",
     "“Look ’ere, guv’nor, ’e took up ’is end o’ the boxes an’ ’elped me,” he said."),
    ("'Ave you 'eard 'im? 'Tain't 'alf a 'ouse, 'bout 'nough 'cept 'spose.",
     "’Ave you ’eard ’im? ’Tain’t ’alf a ’ouse, ’bout ’nough ’cept ’spose."),
    ("'Is wife was goin' to market.", "’Is wife was goin’ to market."),
    ("'Is it true?' she asked.", "‘Is it true?’ she asked."),
    ("\"''Ere,' he says, 'that's mine.'\"", f"“{HAIR}‘{HAIR}’Ere,’ he says, ‘that’s mine.’{HAIR}”"),
    ("He marked 'A' on the plan, and I'd 'a' gone.",
     "He marked ‘A’ on the plan, and I’d ’a’ gone."),
    # the same quote nested in itself alternates; a letter's lines each open with a quote
    ('"He said "no" to me."', "“He said ‘no’ to me.”"),
    ("'He said 'no' to me.'", "‘He said “no” to me.’"),
    ('"a "b "c" d" e"', "“a ‘b “c” d’ e”"),
    ("\"Go 'long about midnight and say, 'Devil follow ye!' That's all.\"",
     "“Go ’long about midnight and say, ‘Devil follow ye!’ That’s all.”"),
    ('"Your friend,\\\n"Dracula."', "“Your friend,\n“Dracula.”"),
    # numbers and measurements
    ("He stood 6'2\" in his boots, 5' 10\" without.",
     "He stood 6′2″ in his boots, 5′ 10″ without."),
    ('A 12" record.', "A 12″ record."),
    # the publisher's spaces
    ("Mr. Orlov met Mrs. Marchenko and Dr. Wu on St. Anne's Day.",
     f"Mr.{NBSP}Orlov met Mrs.{NBSP}Marchenko and Dr.{NBSP}Wu on St.{NBSP}Anne’s Day."),
    ("S. P. Kornilov signed it.", f"S.{NBSP}P.{NBSP}Kornilov signed it."),
    ("Wait . . . then nothing.", f"Wait{NBSP}… then nothing."),
    # an ellipsis: one character, spaced as the language sets it (English and German: as
    # typed, never starting a line; French and Russian: close after the word)
    ("She paused... then, ... spoke ...", f"She paused… then,{NBSP}… spoke{NBSP}…"),
    ("[Il dit ... non.]{lang=fr}", "Il dit… non."),
    ("[Он сказал . . . нет...]{lang=ru}", "Он сказал… нет…"),
    ("[Er sagte ... nein.]{lang=de}", f"Er sagte{NBSP}… nein."),
    ("A dash --- spaced, and one---closed.", f"A dash — spaced, and one{WJ}—closed."),
    # curly quotes the author typed are kept
    ("“Already curled,” she said.", "“Already curled,” she said."),
    # languages: the book says `quotes: language`, the span says which
    ('[Он сказал: "Привет, \'друг\'."]{lang=ru}', "Он сказал: «Привет, „друг“.»"),
    ('[Sie sagte: "Ja."]{lang=de}', "Sie sagte: „Ja.“"),
    ('[אמר: "שלום."]{lang=he}', "אמר: „שלום.”"),
]

# The same pass inside the blocks pandoc's Markdown adds (tables, line blocks, definition lists,
# sub/superscripts, struck and styled spans, inline notes), and never inside code: each entry
# is a block of Markdown, an XPath (relative: inside that block; absolute: the whole chapter, as
# for a note, which moves to the chapter's end) and the exact text of each element it finds.
BLOCKS: list[tuple[str, str, list[str]]] = [
    ("| Who | Line |\n|---|---|\n| Orlov | \"Who gave it to you?\" |\n"
     "| 'Tis | She said 'no'---and left. |\n\nTable: \"Quoted\" caption, Mr. Orlov's",
     ".//x:caption | .//x:td",
     ["“Quoted” caption, Mr.\u00a0Orlov’s", "Orlov", "“Who gave it to you?”", "’Tis",
      f"She said ‘no’{WJ}—and left."]),
    ("| Code | Kept |\n|---|---|\n| `\"raw\" 'x'` | \"cooked\" |", ".//x:td",
     ['"raw" \'x\'', "“cooked”"]),
    ("| \"Hello,\" she said. 'Quite so.'\n|    'Tis the season, 'twas said...",
     ".//x:div[@class='line-block']",
     [f"“Hello,” she said. ‘Quite so.’\n{NBSP * 3}’Tis the season, ’twas said…"]),
    ("Term \"quoted\"\n:   The definition's \"curled\" and 'tis so.\n\n"
     "'Em, the *'90s*\n:   \"She said 'never'\"",
     ".//x:dt | .//x:dd",
     ["Term “quoted”", "The definition’s “curled” and ’tis so.", "’Em, the ’90s",
      f"“She said ‘never’{HAIR}”"]),
    ("```\n\"raw\" 'code' Mr. Orlov... --- don't ‘tis\n```", ".//x:pre",
     ["\"raw\" 'code' Mr. Orlov... --- don't ‘tis\n"]),
    ("    \"indented\" 'code' Dr. Wu...", ".//x:pre", ["\"indented\" 'code' Dr. Wu...\n"]),
    ("Then `'inline' \"code\"` stayed, \"cooked\".", ".//x:code | .//x:p",
     ["Then 'inline' \"code\" stayed, “cooked”.", "'inline' \"code\""]),
    ("H~2~O \"sub\", 2^10^ \"sup\", ~~\"struck\"~~, [the \"small\" caps]{.smallcaps}, "
     "[it's \"underlined\"]{.underline}, [a \"marked\"]{.mark} and \"[spanned]{.x}\".",
     ".//x:sub/.. | .//x:del | .//x:u | .//x:mark",
     ["H2O “sub”, 210 “sup”, “struck”, the “small” caps, it’s “underlined”, a “marked” and "
      "“spanned”.", "“struck”", "it’s “underlined”", "a “marked”"]),
    ("She said \"yes.\"^[The \"inline\" note's text, 'tis so.] Then she left.",
     "//x:aside[@epub:type='footnote']",
     ["1. The “inline” note’s text, ’tis so.\n"]),
]

# The same pass over what book.yaml and a chapter's YAML header hold (the book's language is
# en, `quotes: language`; the second chapter's header says `lang: ru`): the key, as typed,
# and as set. Each appears on its page in the EPUB and in the PDF (the back cover's on the
# cover PDF).
YAML_CORPUS: list[tuple[str, str, str]] = [
    ("title", 'Don\'t Say "Never"', "Don’t Say “Never”"),
    ("subtitle", "'Tis a Novel of '53", "’Tis a Novel of ’53"),
    ("rights", "© 2026 Jane Doe. \"All\" rights reserved.",
     "© 2026 Jane Doe. “All” rights reserved."),
    ("edition", "The 'Harbour' edition", "The ‘Harbour’ edition"),
    ("dedication", "For Mr. Orlov, who said \"'no' is an answer\"",
     f"For Mr.{NBSP}Orlov, who said “{HAIR}‘no’ is an answer”"),
    ("epigraph.text", '"Manuscripts don\'t burn."', "“Manuscripts don’t burn.”"),
    ("epigraph.author", "M. A. Bulgakov", f"M.{NBSP}A.{NBSP}Bulgakov"),
    ("acknowledgements", 'Thanks to the "*Harbour*" crew of the \'90s.',
     "Thanks to the “Harbour” crew of the ’90s."),
    ("also-by", '"Quiet" Moscow', "“Quiet” Moscow"),
    ("part", 'Part "One"', "Part “One”"),
    ("back-cover", 'She said "yes" twice---then \'no\'.', f"She said “yes” twice{WJ}—then ‘no’."),
    ("header.title", '"Hello" Again', "“Hello” Again"),
    ("header.subtitle", "It's 'late'", "It’s ‘late’"),
    ("ru.title", '"Привет"', "«Привет»"),
]
