"""A deterministic generator of manuscripts in our author's shape, for the benchmarks.

`generate(folder, words, chapters, seed)` writes book.yaml and chapter files: dated subtitles,
excerpts, transcripts, letters, scene breaks, about one footnote per 700 words, Cyrillic names.
The prose is nonsense assembled from a small word list, so its length and texture are real
while no sentence means anything.
"""

from __future__ import annotations

import datetime
import random
from pathlib import Path

WORDS = """
the a of and to in that was it he she her his they for on with as at by from but not which
had were this there when one all would could into only more over after some time long night
snow street window door hand letter river bridge city winter morning evening ministry office
paper question answer silence doctor guard car train station corridor stair room table lamp
clock voice face coat glass water bread tea hour week year spring march city archive file name
order report court witness judge minister deputy chairman committee bureau telegram bulletin
quiet slow cold grey narrow heavy late early certain careful ordinary last first small old new
said asked waited turned walked wrote read opened closed listened watched remembered knew held
""".split()
NAMES = ["Levina", "Glebov", "Rudnev", "Sedova", "Kornilov", "Volkova", "Orlov", "Belov"]
CYRILLIC = ["Без вещей", "Руки назад", "Товарищ", "последнее слово", "Ближняя дача",
            "Вечерняя столица", "Страшно"]
SOURCES = [("The Silent Years", "S. P. Kornilov"), ("Interpreters of the Hand", "M. Ellery"),
           ("A Winter Ledger", "T. Orlova"), ("The Regency Papers", "D. Kessler")]


class _Writer:
    def __init__(self, seed: int):
        self.random = random.Random(seed)
        self.notes = 0

    def sentence(self, words: int) -> str:
        picked = [self.random.choice(WORDS) for _ in range(words)]
        if self.random.random() < 0.15:
            picked[self.random.randrange(words)] = self.random.choice(NAMES)
        if self.random.random() < 0.05:
            phrase = self.random.choice(CYRILLIC)
            picked.insert(self.random.randrange(words), f"[{phrase}]{{lang=ru}}")
        text = " ".join(picked)
        text = text[0].upper() + text[1:]
        if self.random.random() < 0.2:
            return f'"{text}," {self.random.choice(NAMES)} said.'
        return text + self.random.choice([".", ".", ".", "?", " --- and then nothing."])

    def paragraph(self, words: int) -> tuple[str, int]:
        out, count = [], 0
        while count < words:
            n = self.random.randint(6, 24)
            out.append(self.sentence(n))
            count += n
        return " ".join(out), count


def _chapter(writer: _Writer, number: int, words: int, day: datetime.date) -> str:
    lines = ["---", f"title: Chapter of the {writer.random.choice(WORDS).title()} "
                    f"{writer.random.choice(WORDS).title()}",
             f"subtitle: {day.strftime('%B')} {day.day}, {day.year}", "---", ""]
    notes: list[str] = []
    written, since_note = 0, 0
    while written < words:
        kind = writer.random.random()
        if kind < 0.05:
            source, author = writer.random.choice(SOURCES)
            text, n = writer.paragraph(120)
            lines += [f'::: {{.excerpt source="{source}" author="{author}"}}', "", text, "",
                      ":::", ""]
        elif kind < 0.08:
            lines += ["::: transcript", ""]
            n = 0
            for _ in range(6):
                speaker = writer.random.choice(NAMES).upper()
                speech, count = writer.paragraph(25)
                lines += [f"{speaker}: {speech}", ""]
                n += count
            lines += ["*(A pause in the hall.)*", "", ":::", ""]
        elif kind < 0.10:
            text, n = writer.paragraph(90)
            lines += ["::: letter", "", "My dear Tanya,", "", text, "", "Your mother,", "", "S.",
                      "", ":::", ""]
        elif kind < 0.12:
            lines += ["* * *", ""]
            n = 0
        else:
            text, n = writer.paragraph(writer.random.randint(60, 160))
            if since_note + n >= 700:
                label = len(notes) + 1
                text += f"[^{label}]"
                note, _ = writer.paragraph(40)
                notes.append(f"[^{label}]: {note}")
                since_note = 0
            lines += [text, ""]
        written += n
        since_note += n
    return "\n".join(lines + notes) + "\n"


def generate(folder: Path, words: int, chapters: int, seed: int = 1953) -> Path:
    """Write a book of about `words` words in `chapters` chapters (three parts) into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "chapters").mkdir(exist_ok=True)
    writer = _Writer(seed)
    day = datetime.date(1953, 3, 1)
    names = []
    for number in range(1, chapters + 1):
        name = f"chapters/{number:03d}.md"
        (folder / name).write_text(_chapter(writer, number, words // chapters, day),
                                   encoding="utf-8")
        names.append(name)
        day += datetime.timedelta(days=writer.random.randint(1, 9))
    parts = [names[: len(names) // 3], names[len(names) // 3: 2 * len(names) // 3],
             names[2 * len(names) // 3:]]
    spine = []
    for index, chapters_of_part in enumerate(parts, start=1):
        spine.append(f'  - part: "Part {index}"\n    chapters:\n' +
                     "".join(f"      - {n}\n" for n in chapters_of_part))
    (folder / "book.yaml").write_text(
        f"title: Benchmark of {words} Words\nauthor: Generated Author\nlanguage: en\n"
        f"date: \"2026-01-01\"\nspine:\n{''.join(spine)}", encoding="utf-8")
    return folder
