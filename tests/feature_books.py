"""One tiny book per feature: book.yaml text and source files.

conftest.py builds all of them once per session into one folder and runs EPUBCheck over the lot;
the feature tests read the EPUBs. Titles differ, so every book gets its own file name.
"""

from __future__ import annotations

from bookkit import picture, tiny_png
from typography_corpus import BLOCKS, CORPUS, YAML_CORPUS

PNG = tiny_png()

FEATURE_BOOKS: dict[str, tuple[str, dict[str, str | bytes]]] = {}


def feature_book(name: str, yaml_text: str, files: dict[str, str | bytes]) -> None:
    FEATURE_BOOKS[name] = (yaml_text, files)


feature_book("titles", """
    title: Titles Book
    author: Jane Doe
    spine:
      - chapters/heading.md
      - chapters/header.md
""", {
    "chapters/heading.md": """
        # The Heading Title

        First paragraph of the chapter.
    """,
    "chapters/header.md": """
        ---
        title: The Header Title
        subtitle: 1953-03-05
        ---
        Text under a title from the header.
    """,
})

feature_book("footnotes", """
    title: Footnotes Book
    author: Jane Doe
    spine:
      - one.md
      - two.md
""", {
    "one.md": """
        # One

        A claim.[^1] A longer aside.[^note] The claim again.[^1]

        [^1]: The first note.
        [^note]: The first paragraph of a long note.

            Its second paragraph.
    """,
    "two.md": """
        # Two

        Another claim.[^a]

        [^a]: Chapter two's only note.
    """,
})

feature_book("typography", """
    title: Typography Book
    author: Jane Doe
    spine: [typo.md]
""", {
    "typo.md": """
        # Typography

        "Hello," she said. 'Quite so.' It's the dog's bowl.

        Pages 10--12 --- and then... nothing.

        Code stays: `"raw" 'single' it's -- --- ...`
    """,
})

feature_book("typography-corpus", """
    title: Typography Corpus
    author: Jane Doe
    typography: {quotes: language}
    spine: [corpus.md, plain.md, blocks.md]
""", {
    "corpus.md": "# Corpus\n\n" + "\n\n".join(markdown for markdown, _ in CORPUS) + "\n",
    # Each block in a div of its own, so that its test reads only its elements.
    "blocks.md": "# Blocks\n\n" + "".join(f"::: {{#block-{i}}}\n{markdown}\n:::\n\n"
                                           for i, (markdown, _, _) in enumerate(BLOCKS)),
    "plain.md": """
        # Plain

        ::: transcript
        "Quoted," she said.
        :::

        > 'Tis a quote in a quote block.
    """,
})

_YAML = {key: typed for key, typed, _ in YAML_CORPUS}


def _block(text: str, indent: int = 2) -> str:
    """A YAML block scalar: the text exactly, whatever quotes it holds."""
    return "|-\n" + " " * indent + text


feature_book("typography-yaml", "\n".join([
    f"title: {_block(_YAML['title'])}",
    f"subtitle: {_block(_YAML['subtitle'])}",
    "author: Jane Doe",
    "typography: {quotes: language}",
    f"rights: {_block(_YAML['rights'])}",
    f"edition: {_block(_YAML['edition'])}",
    f"dedication: {_block(_YAML['dedication'])}",
    "epigraph:",
    f"  text: {_block(_YAML['epigraph.text'], 4)}",
    f"  author: {_block(_YAML['epigraph.author'], 4)}",
    f"acknowledgements: {_block(_YAML['acknowledgements'])}",
    f"also-by:\n  - {_block(_YAML['also-by'], 4)}",
    f"back-cover: {_block(_YAML['back-cover'])}",
    "cover: cover.jpg",
    "spine:",
    f"  - part: {_block(_YAML['part'], 6)}",
    "    chapters: [one.md, two.md]",
]) + "\n", {
    "one.md": "---\ntitle: |-\n  " + _YAML["header.title"] + "\nsubtitle: |-\n  "
              + _YAML["header.subtitle"] + "\n---\n\nText.\n",
    "two.md": "---\nlang: ru\ntitle: |-\n  " + _YAML["ru.title"] + "\n---\n\nТекст.\n",
    "cover.jpg": picture(1600, 2400),
})

feature_book("typography-off", """
    title: Typography Off
    author: Jane Doe
    typography: {quotes: straight, spaces: false}
    spine: [off.md]
""", {
    "off.md": """
        # Off

        "Hello," Mr. Orlov said---'tis all...
    """,
})

feature_book("documents", """
    title: Documents Book
    author: Jane Doe
    spine: [inquiry.md, papers.md, semantics.md]
""", {
    "inquiry.md": """
        # The Inquiry

        ::: {.epigraph author="Anna Akhmatova" source="Requiem"}
        I was with my people then.
        :::

        The hearing opened at nine.

        ::: {.transcript source="Transcript of the Inquiry into the Harbour Fire" date="1953"}
        Pavel Orlov: Mrs. Marchenko, do you recognise this letter?

        Lidia Marchenko: I do.

        **Orlov:** Who gave it to you?

        MARCHENKO: Her brother.

        Charles de Gaulle: Non.

        (The witness hesitates.)

        *A door closes.*
        :::

        ::: {.letter date="2 March 1953" author="Nina Orlova"}
        Dear Pavel,

        The harbour burns in my dreams.

        Yours ever,

        Nina
        :::

        ::: {.newspaper source="Pravda" date="6 March 1953" author="Our Correspondent"}
        ### Fire at the Harbour

        The fire was put out by morning.
        :::

        ::: {.excerpt source="The Harbour Pilot" author="A. Ivanov" date="1949"}
        Keep the red light to port.
        :::
    """,
    # Every kind again, with notes inside, an epigraph inside the text, a postscript, verse.
    "papers.md": """
        # The Papers

        The clerk read out the papers one by one.

        ::: {.epigraph author="Ksenia Dubrovina" source="Winter Notebooks"}
        For three years the whole country waited.
        :::

        ::: {.excerpt source="A History of the Northern Fleet" author="S. P. Kornilov" date="1961"}
        Of all the hours of the Regency, none has been argued over more.[^history]
        :::

        ::: {.transcript source="Record of the Second Sitting" date="7 March 1953"}
        Presiding Judge: Mrs. Marchenko, you wrote this?[^record]

        *(The witness nods.)*

        Lidia Marchenko: I did.
        :::

        ::: {.letter date="3 March 1953" author="Lidia Marchenko"}
        My dear Nina,

        They ask about the fire again.[^letter]

        With love,

        Lidia

        P.S. Burn this.
        :::

        ::: {.newspaper source="Izvestia" date="8 March 1953" author="A Staff Reporter"}
        ### Inquiry Resumes

        The second sitting heard a letter.[^cutting]
        :::

        | The harbour burns, the pilots sleep,
        |    and no one counts the dead.

        [^history]: Kornilov, chapter 4.
        [^record]: The record gives no time.
        [^letter]: The letter is in the archive.
        [^cutting]: The cutting is undated in the file.
    """,
    # epub:type as pandoc's conversion of a Standard Ebooks edition writes it, on every kind
    # of element: one rule (read/passes.py match_roles), checked by EPUBCheck and Ace
    "semantics.md": """
        ::: {#chapter-3 .section .chapter epub:type="chapter"}
        # The Raft {epub:type="z3998:roman"}

        The raft drifted.[1](#note-1){#noteref-1 .noteref epub:type="noteref"} Then it
        stopped.[2](#note-2){#noteref-2 .noteref
        epub:type="noteref"}

        ::: {.pull epub:type="pullquote"}
        The river was a mile wide.
        :::

        The [Times]{epub:type="z3998:newspaper"} said nothing.

        <aside epub:type="footnote" id="aside-1"><p>A note written as HTML.</p></aside>

        ::: {#notes epub:type="endnotes"}
        ::: {#note-1}
        The raft was the author's own. [↩](#noteref-1){.backlink
        epub:type="backlink"}
        :::

        ::: {#note-2}
        Near the island. [↩](#noteref-2){.backlink epub:type="backlink"}
        :::
        :::
        :::
    """,
})

feature_book("divs", """
    title: Divs Book
    author: Jane Doe
    spine: [divs.md, signed.md]
""", {
    "signed.md": """
        # Signed

        ::: letter
        Dear Comrade,

        The work goes well.

        Yours faithfully,

        K. Petrov
        :::
    """,
    "divs.md": """
        # Documents

        ::: {.excerpt source="The Short Course" author="A. Committee"}
        The history of the party.
        :::

        ::: excerpt
        An excerpt in shorthand.
        :::

        ::: {.letter}
        Dear Nina,

        ::: {.excerpt source="Pravda"}
        A clipping inside the letter.
        :::

        Yours, K.
        :::

        ::: transcript
        MALENKOV: Is he awake?

        BERIA: He is listening.

        *A door closes.*
        :::

        ::: {.epigraph author="Anna Akhmatova" source="Requiem"}
        No, not under the vault of alien skies.
        :::

        ::: {.newspaper source="Pravda" date="6 March 1953"}
        The heart of the comrade has stopped beating.
        :::

        ::: {.marginalia}
        A note in the margin.
        :::
    """,
})

feature_book("spans", """
    title: Spans Book
    author: Jane Doe
    spine: [spans.md]
""", {
    "spans.md": """
        # Names

        He called for [Иван]{lang=ru} and wrote [שלום]{lang=he} on the wall.
    """,
})

feature_book("scene_break", """
    title: Scene Break Book
    author: Jane Doe
    spine: [scenes.md]
""", {
    "scenes.md": """
        # Scenes

        The first scene ends.

        * * *

        The second scene begins.
    """,
})

feature_book("image", """
    title: Image Book
    author: Jane Doe
    spine: [chapters/map.md]
""", {
    "chapters/map.md": """
        # The Map

        ![A street map of central Moscow](../art/moscow-map.png "Moscow, 1953")
    """,
    "art/moscow-map.png": PNG,
})

feature_book("raw_html", """
    title: Raw HTML Book
    author: Jane Doe
    spine: [raw.md]
""", {
    "raw.md": """
        # Raw

        <div class="memo">
        <p>To: <abbr title="Ministry of State Security">MGB</abbr><br/>Re: the patient</p>
        </div>

        A line with <span class="smallcaps">inline</span> HTML and a
        <a href="https://example.org/">link</a>.

        <p class="stamp"><img src="art/stamp.png" alt="A round ministry stamp"/></p>
    """,
    "art/stamp.png": PNG,
})

feature_book("nav", """
    title: Navigation Book
    author: Jane Doe
    spine:
      - {file: front/dedication.md, type: frontmatter, role: dedication}
      - part: "Part One: The Hand"
        chapters:
          - ch1.md
          - ch2.md
      - part: "Part Two: The Word"
        chapters:
          - ch3.md
      - {file: back/afterword.md, type: backmatter, role: afterword}
""", {
    "front/dedication.md": "For N.\n",
    "ch1.md": "# Without Belongings\n\nText.\n",
    "ch2.md": "# The Bulletin\n\nText.\n",
    "ch3.md": "# The Word\n\nText.\n",
    "back/afterword.md": "# Afterword\n\nText.\n",
})

feature_book("metadata", """
    title: Metadata Book
    subtitle: A Novel of Metadata
    author:
      - name: Helena Markham
        file-as: Markham, Helena
      - name: Ivan Petrov
        file-as: Petrov, Ivan
    language: en-GB
    identifier: urn:isbn:9780000000002
    publisher: Test Press
    date: "2026-11-01"
    description: A book about its own metadata.
    rights: All rights reserved.
    subjects: [Fiction, Alternate history]
    series: Other Moscows
    series-index: 2
    spine: [meta.md]
""", {
    "meta.md": "# Meta\n\nText.\n",
})

feature_book("slug", """
    title: "Ça Ira: The Book"
    author: Jane Doe
    spine: [slug.md]
""", {
    "slug.md": "# Slug\n\nText.\n",
})

feature_book("output_override", """
    title: Overridden Title
    author: Jane Doe
    output: custom-name
    spine: [out.md]
""", {
    "out.md": "# Out\n\nText.\n",
})

# Front and back matter written from book.yaml alone (matter.py), with a cover.
feature_book("matter", """
    title: Matter Book
    subtitle: Pages From Metadata
    author: [Jane Doe, John Roe]
    publisher: Test Press
    date: "2026-03-01"
    edition: Second edition
    fiction: true
    isbn: {epub: 978-0-00-000195-5, print: 0-306-40615-2}
    dedication: For *everyone* who "asked".
    epigraph:
      text: Words [без слов]{lang=ru} & <b>no tags</b>.
      author: A. Speaker
      source: A Source
    acknowledgements: |
      First paragraph of thanks.

      Second paragraph of thanks.
    about-the-author: Jane Doe and John Roe write together.
    also-by: [First Book, Second Book]
    cover: art/cover.jpg
    spine:
      - {file: pre.md, type: frontmatter, role: preface}
      - ch1.md
      - {file: after.md, type: backmatter, role: afterword}
""", {
    "pre.md": "# Preface\n\nWhy.\n",
    "ch1.md": "# One\n\nText.\n",
    "after.md": "# Afterword\n\nAfter.\n",
    "art/cover.jpg": picture(1600, 2400),
})

# The author's own pages replace the generated ones, wherever the spine names them.
feature_book("matter_replaced", """
    title: Replaced Matter Book
    author: Jane Doe
    dedication: This generated dedication loses to the file.
    about-the-author: This generated page loses to the file.
    spine:
      - ch1.md
      - {file: front/legal.md, type: frontmatter, role: copyright-page}
      - {file: front/title.md, type: frontmatter, role: title-page}
      - {file: front/dedication.md, type: frontmatter, role: dedication}
      - {file: back/about.md, type: backmatter, role: about-the-author}
""", {
    "ch1.md": "# One\n\nText.\n",
    "front/legal.md": "Our own small print.\n",
    "front/title.md": "Our own title page.\n",
    "front/dedication.md": "For the file.\n",
    "back/about.md": "# About Jane\n\nThe file's biography.\n",
})

# pandoc's Markdown as authors bring it (issue 13): tests/test_pandoc_markdown.py reads it.
feature_book("pandoc", """
    title: Pandoc Markdown Book
    author: Jane Doe
    spine:
      - pandoc.md
      - header.md
""", {
    "pandoc.md": r"""
        # Chapter 1 {.recto}

        Water is H~2~O, 2^10^ is 1024, ~~gone~~ is struck.^[An *inline* note.] A labelled
        call[^lab] follows; a\ b keeps together.

        Yours faithfully,\
        The Author

        | The limerick packs laughs anatomical
        |    Into space that is quite economical.

        ## Interlude {-}

        ## Names {#cast .unlisted}

        [Small caps]{.smallcaps}, [underlined]{.underline} and [marked]{.mark}. See [the
        names](#cast) and [the interlude](#interlude).

        | Right | Left |
        |------:|:-----|
        | 1     | one  |

        Table: Numbers

        ``` python
        x = "straight"
        ```

            regex [^>]+ stays code

        <!-- a note [^never] in a comment -->

        \newpage

        3. three
        4. four

        - a bullet

        1. a number

        Term
        :   Its definition.

        [^lab]: A labelled note.
    """,
    "header.md": """
        ---
        title: Header
        author: Someone
        date: 2020
        tags: [draft]
        lang: fr
        ---
        Un texte en français.
    """,
    "before.md": """
        # Before It All {epub:type=prologue}

        The title's type makes this a prologue.
    """,
})

# pandoc's simple, multiline and grid tables (issue 13): tests/test_pandoc_tables.py reads it.
feature_book("pandoc-tables", """
    title: Pandoc Tables Book
    author: Jane Doe
    spine: [tables.md]
""", {
    "tables.md": """
        # Tables

          Right     Left     Center     Default
        -------     ------ ----------   -------
             12     *12*      12            12
            123     123       123          123

        Table: A simple table.

        -------------------------------------------------------------
         Centered   Default           Right Left
          Header    Aligned         Aligned Aligned
        ----------- ------- --------------- -------------------------
           First    row                12.0 Example of a row that
                                            spans multiple lines.

          Second    row                 5.0 Here is another one.
        -------------------------------------------------------------

        : A multiline table.

        +---------------+---------------+--------------------+
        | Fruit         | Price         | Advantages         |
        +==============:+:==============+:==================:+
        | Bananas       | 1.34          | - built-in wrapper |
        |               |               | - bright color     |
        +---------------+---------------+--------------------+
    """,
})


# More of pandoc's Markdown (issue 13): example lists across chapters, task lists, Markdown
# inside HTML, a chapter title kept out of the contents, a chapter in another language;
# tests/test_pandoc_extras.py reads it.
feature_book("pandoc-more", """
    title: More Pandoc Book
    author: Jane Doe
    language: en
    spine:
      - examples.md
      - more.md
      - unlisted.md
      - french.md
      - before.md
""", {
    "examples.md": r"""
        # Examples

        (@) The first example.
        (@second) The second, labelled.

        As (@second) shows, and (@later) will.

        - [ ] buy bread
        - [x] post the *letter*
    """,
    "more.md": r"""
        # More

        (@later) The third, in another chapter.

        <div class="aside">

        *Markdown* inside a div, with a [link](#examples).

        </div>

        <aside>
        A **bold** aside.
        </aside>

        An empty span []{#anchor-here} is an anchor [to link to](#anchor-here);
        <https://example.org/a page> holds a space and stays as typed.

        ![A picture whose file name has a space](<my picture.png>)
    """,
    "my picture.png": PNG,
    "unlisted.md": """
        # Interlude {.unlisted}

        Not in the contents.
    """,
    "french.md": """
        ---
        lang: fr
        ---
        # Avant-propos

        Un texte en français.
    """,
    "before.md": """
        # Before It All {epub:type=prologue}

        The title's type makes this a prologue.
    """,
})
