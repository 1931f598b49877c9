"""Words as the search compares them: a text's meaningful words, their stems in English,
Russian and Ukrainian, and the synonyms a support team uses (synonyms.yaml)."""

from __future__ import annotations

import re
from functools import cache

import Stemmer
import yaml

from bot.core.query import ignored_words
from bot.core.text import fold
from bot.data import read_text

_TOKEN = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яіїєґ]")
_UKRAINIAN = re.compile(r"[іїєґ]")  # letters Russian lacks
_RUSSIAN = re.compile(r"[ыэъ]")  # letters Ukrainian lacks (ё is folded to е)
# PyStemmer's own cache (10,000 words a stemmer by default, growing with every word people
# type) is off: it held 1.2 MiB after the index was built and bought 2% of a word search
# (152 µs against 156 µs a question).
_STEMMERS = {
    "ru": Stemmer.Stemmer("russian", maxCacheSize=0),
    "en": Stemmer.Stemmer("english", maxCacheSize=0),
}

# --- Ukrainian: a light suffix stripper ------------------------------------------------------
# In the manner of the Porter-like Ukrainian stemmers: the reflexive -ся/-сь, then the longest
# inflection of a noun, an adjective or a verb (its persons, its past and its infinitive too:
# надсилаємо, надіслав, вимкнули, надіслати), keeping a stem of at least three letters with a
# vowel in it; a participle's -ан-/-ен- goes with its adjective ending (вичерпаний, вичерпано ->
# вичерп), -нн- is one н (повідомлення, повідомлень -> повідомлен), and a vowel or a soft sign
# left at the end goes (пристрої, пристроїв, пристрій -> пристр). Light on purpose: it does not
# undo the alternations of a stem (підписка, підписці), it only makes the forms people type meet.
_UK_VOWELS = frozenset("аеиоуюяіїє")


def _endings(listed: str) -> frozenset[str]:
    return frozenset(listed.split())


_UK_ADJECTIVE = _endings("ий ій ого ому ої ою им ім их іх ими іми")
_UK_ENDINGS = (  # by length: three letters, two, one
    _endings(
        "ами ями ого ому ими іми ові еві єві ала яла ила іла ало яло ило іло али яли или іли ано "
        "яно ено єно ють уть ать ять ить єть еть ією емо ємо имо їмо ете єте ите їте ули ула уло"
    ),
    _endings(
        "ах ях ам ям ом ем єм ею єю ою ів їв ей ий ій ої их іх им ім ую юю ая яя ії ія ію ує ав яв "
        "ив ув"
    ),
    frozenset("аяоеєуюіїиьй"),
)
_UK_PARTICIPLE = ("ан", "ян", "ен", "єн")
_UK_INFINITIVE = ("ати", "яти", "ити", "іти", "ути", "їти")


def _stem_left(stem: str) -> bool:
    return len(stem) >= 3 and any(char in _UK_VOWELS for char in stem)


def stem_uk(word: str) -> str:
    """The stem of a folded Ukrainian word (see above)."""
    if len(word) <= 3:
        return word
    if word.endswith(("ся", "сь")) and len(word) >= 6:
        word = word[:-2]
    # An infinitive keeps four letters at least (оплати is оплата's, not a verb's).
    infinitive = word.endswith(_UK_INFINITIVE) and len(word) >= 7
    if infinitive:
        word = word[:-3]
    for size, endings in zip((3, 2, 1), _UK_ENDINGS, strict=True):
        if infinitive:
            break
        if word[-size:] in endings and _stem_left(word[:-size]):
            ending, word = word[-size:], word[:-size]
            if ending in _UK_ADJECTIVE and word.endswith(_UK_PARTICIPLE) and _stem_left(word[:-2]):
                word = word[:-2]
            break
    if word.endswith("нн"):
        word = word[:-1]
    if len(word) >= 4 and (word[-1] in _UK_VOWELS or word[-1] in "ьй"):
        word = word[:-1]
    return word


def stems(word: str) -> tuple[str, ...]:
    """The stems of a folded word, the first the one it is indexed and compared by: English by
    its Snowball stemmer; Cyrillic with a letter only Ukrainian has by ``stem_uk``, with one only
    Russian has by the Russian Snowball stemmer, and a word either language could spell (номер,
    телефону, вичерпано) by both, when they differ."""
    if not _CYRILLIC.search(word):
        return (_STEMMERS["en"].stemWord(word),)
    if _UKRAINIAN.search(word):
        return (stem_uk(word),)
    russian: str = _STEMMERS["ru"].stemWord(word)
    if _RUSSIAN.search(word):
        return (russian,)
    ukrainian = stem_uk(word)
    return (russian,) if ukrainian == russian else (russian, ukrainian)


def words(text: str) -> list[str]:
    """A text's meaningful words, folded, in order: no filler, no numbers."""
    ignored = ignored_words()
    found = _TOKEN.findall(fold(text).replace("'", ""))  # зв'язок and звязок alike
    return [word for word in found if word not in ignored and not word.isdigit()]


# --- Synonyms -----------------------------------------------------------------------------------

Phrase = tuple[tuple[str, ...], ...]  # each word's stems, in order


@cache
def synonym_groups() -> tuple[tuple[Phrase, ...], ...]:
    """The groups of synonyms.yaml, each member as its words' stems."""
    text = read_text("bot.core", "synonyms.yaml")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    groups = []
    for members in data["groups"].values():
        phrases = (tuple(stems(word) for word in words(str(member))) for member in members)
        groups.append(tuple(dict.fromkeys(phrase for phrase in phrases if phrase)))
    return tuple(groups)
