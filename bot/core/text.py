"""How text is cleaned and compared, in one place: what a person typed, before it is parsed or
stored, and the folded form that every match (providers, words, gaps) compares."""

from __future__ import annotations

import re
import unicodedata

# Unicode's format characters (category Cf): zero-width spaces and joiners, direction marks and
# overrides, the BOM, the soft hyphen... Pasted from web pages and messengers they sit invisibly
# inside words and numbers ("10\u200d04"), so they are removed, not turned into spaces.
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)
_INVISIBLE = re.compile(f"[{_FORMAT}\ud800-\udfff]")  # and lone surrogates, which UTF-8 cannot hold
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # tab and newline kept
_CONTROL_AND_LINES = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Ukrainian's apostrophe (ʼ, as the catalogs write it) and what people type for it: one mark.
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'", "ё": "е"})


def clean(text: str, *, lines: bool = True) -> str:
    """``text`` without what nobody can see: format characters and lone surrogates removed,
    control characters turned into spaces (newlines and tabs too, unless ``lines``)."""
    text = _INVISIBLE.sub("", text)
    return (_CONTROL if lines else _CONTROL_AND_LINES).sub(" ", text)


def fold(text: str) -> str:
    """How matching compares text: lower case, ё as е, every apostrophe as ``'``. As long as
    ``text`` itself, so positions found in the folded text hold in the original."""
    folded = text.lower().translate(_APOSTROPHES)
    if len(folded) != len(text):  # "İ".lower() is two characters: fold one by one
        folded = "".join(char.lower()[:1] for char in text).translate(_APOSTROPHES)
    return folded


def alias_key(alias: str) -> str:
    """How a provider's name compares: folded, separators (space, _, -) as one space."""
    return re.sub(r"[\s_-]+", " ", fold(alias)).strip()


def gap_key(query: str) -> str:
    """How unanswered questions group: folded, one space, no punctuation around."""
    text = " ".join(fold(query).split())
    start, end = 0, len(text)
    while start < end and _punctuation_or_space(text[start]):
        start += 1
    while end > start and _punctuation_or_space(text[end - 1]):
        end -= 1
    return text[start:end]


_PHRASE_WORD = re.compile(r"[^\W_]+")


def phrase_key(text: str) -> str:
    """How a taught phrase compares: the folded words, one space between them; punctuation,
    apostrophes inside words and invisible characters dropped ("Не приходят СМС!" and "не
    приходят смс" alike, "зв’язок" as "звязок")."""
    words = _PHRASE_WORD.findall(fold(clean(text, lines=False)).replace("'", ""))
    return " ".join(words)


def slug(text: str) -> str:
    """ASCII letters and digits joined by hyphens (an entry's key when it has no code)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _punctuation_or_space(char: str) -> bool:
    return char == " " or unicodedata.category(char).startswith("P")


def normalise_code(code: str) -> str:
    """Digits of any script as ASCII ("１００４" typed full-width is 1004), leading zeros dropped
    ("01004" is 1004); a minus sign kept: no catalog has it."""
    if not code.isascii():
        code = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in code)
    sign = "-" if code.startswith("-") else ""
    parts = [part.lstrip("0") or "0" for part in code.lstrip("-").split("-")]
    return sign + "-".join(parts)
