"""What the log keeps of a person: a keyed hash instead of the Telegram id, masked text."""

from __future__ import annotations

import hmac
import html
import re
import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import unquote

from bot.analytics.markup_secrets import mask_blocks, mask_credentials
from bot.analytics.named_secrets import MASKED, mask_named
from bot.analytics.secret_words import (
    ONE_TIME_WORDS,
    PASSWORD_WORDS,
    looks_secret,
    mask_later_codes,
    mask_secret_words,
    mask_spaced_codes,
)
from bot.analytics.shaped_secrets import mask_keys, mask_people, mask_shapes
from bot.core.text import clean

if TYPE_CHECKING:
    from bot.analytics.writer import LookupLog

QUERY_LIMIT = 200

# Most questions hold nothing to mask ("gosms 1004"): a look at what every mask needs decides
# whether they run at all, sparing such a question, and with it the writer, the masks. Shapes:
# six digits in a row, 13 digits in groups, digits grouped as a phone's, an area code, a plus,
# @, a Telegram link, a long run of token or base64 characters, an IBAN's start, curl's -u.
# The look reads the text before the masks put it on one line, so a group may end in any run of
# spaces, tabs or line breaks ("4111  1111", a group a line), around a dash or a dot too.
_GAP = r"(?:\s*+[.-]?\s*+)"
_MAYBE_SHAPE = re.compile(
    rf"\d{{6}}|(?:\d{_GAP}){{12}}\d|\d(?:\s*+[.-]\s*+|\s++)\d{{3}}|\(\d{{3}}|\+\d|@"
    r"|\d\d[\s.-]\d\d[\s.-]\d\d|\d{4}[\s.-]\d\d(?!\d)"  # (after a bare "code": "48 21 93")
    r"|(?:t|telegram)\.me/|tg://|[A-Za-z0-9_.-]{16}|[A-Za-z0-9/+]{40}"
    r"|[a-z]{2}\d{2}(?:\s*+-?\s*+[a-z0-9]){11}|-u",
    re.IGNORECASE,
)
# ...and names: a part of every word or key that names a secret, in any case.
NAME_STEMS = (
    "pass", "pw", "psw", "pasw", "pssw", r"pa\$\$", "secret", "token", "key", "cookie",
    "credential", "creds", "auth", "login", "hasł", "hasl", "gasł", "gasl", "contrase", "senha",
    "sifre", "şifre", "wachtw", "p@ss", "parol", "құпия", "кред", "сикрет", "токін",
    "username", "session", "sid", "hmac", "otp", "pin", "cvv", "cvc", "cvn", "csc", "bearer",
    "basic", "access", "security", "verification", "confirmation", r"api[\W_]?id",
    "парол", "пасс", "пасв", "гасл", "токен", "секрет", "ключ", "логин", "логін", "пин", "пін",
    "доступ", "безп", "безоп", "инн", "інн", "іпн", "ипн", "рнокпп", "снилс", "ssn", "inn", "tin",
    r"\bid",  # "id123 45 67": no boundary after it
    "никому", "нікому", "share", "действител", "дійсн", "kod", "введит", "введіт", "verif",
    "для вход",  # a pasted SMS (secret_words)
    ONE_TIME_WORDS,
)  # fmt: skip
# The names looked for in the lowered text: with re.IGNORECASE, re folds every character for
# each of the 50-odd names, 12.6 µs a question (bench_e2e's every-question-different mix, in
# process); lowered once, 2.4 µs. lower() folds as re does but for a few letters: İ (two
# characters lowered), and ı, ſ and Cyrillic's old forms, which re takes for i, s, в, д, о, с,
# т; a text with one of them is looked at as before (a test checks every character).
_MAYBE_NAMED = re.compile("|".join(NAME_STEMS), re.IGNORECASE)
_MAYBE_NAMED_LOWERED = re.compile("|".join(NAME_STEMS))
_FOLDED_APART = re.compile("[\u0130\u0131\u017f\u1c80-\u1c88]")
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_VARIATIONS = re.compile("[\ufe00-\ufe0f]")  # variation selectors: an emoji's look, no letter
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-f]+|[a-z]+);", re.IGNORECASE)
# A word of Latin and Cyrillic letters at once ("pаssword" with a Cyrillic а, "пaроль" with a
# Latin a) is a disguise or a slip of the keyboard: read in the script in which it names a
# secret, its look-alike letters changed (``_one_script``); any other stays as written.
# Looked for only where a Latin letter touches a Cyrillic one (one quick scan of the text); a
# word is entered at its first letter only.
_SCRIPTS_TOUCH = re.compile(r"[a-zA-Z][\u0400-\u04ff]|[\u0400-\u04ff][a-zA-Z]")
_MIXED_SCRIPTS = re.compile(
    r"(?<![^\W\d_])(?=[^\W\d_]*?[a-zA-Z])(?=[^\W\d_]*?[\u0400-\u04ff])[^\W\d_]++"
)
_CYRILLIC_ALIKE, _LATIN_ALIKE = "аеорсхуіјѕАВЕКМНОРСТХІЈЅ", "aeopcxyijsABEKMHOPCTXIJS"
_AS_LATIN = str.maketrans(_CYRILLIC_ALIKE, _LATIN_ALIKE)
_AS_CYRILLIC = str.maketrans(_LATIN_ALIKE, _CYRILLIC_ALIKE)
_ENDS_MASKED = re.compile(r"<secret>\W*$")
_WRAPPED = re.compile(rf"(?!{MASKED}$)\S+")  # one piece of a secret, not a mask of its own


def user_key(secret: bytes, user_id: int) -> int:
    """The pseudonym stored instead of a Telegram user id: the first 64 bits of HMAC-SHA256,
    as a signed integer (SQLite's own: smaller rows and faster inserts than hex text)."""
    digest = hmac.digest(secret, str(user_id).encode(), "sha256")
    return int.from_bytes(digest[:8], "big", signed=True)


async def pseudonym(lookups: LookupLog, user_id: int) -> int | None:
    """The person as the lookups store them (privacy.user_key); None while analytics are off.
    StorageUnavailable if the key replicas share cannot be read from the database."""
    key = lookups.secret or (await lookups.read_key() if lookups.read_key else None)
    return user_key(key, user_id) if key is not None else None


def mask_query(text: str) -> str:
    """``text`` as stored: ``masked``, cut to 200 characters."""
    return masked(text)[:QUERY_LIMIT]


def masked(text: str) -> str:
    """``text`` ``plain_text``, on one line, with every secret ``mask`` knows replaced, eager
    for passwords as a message to the team is (a stored question reaches the team on the
    handoff's card, in /gaps and the digest)."""
    text = plain_text(text)
    return mask(text, eager=True) if may_hold_secrets(text) else one_line(text)


def plain_text(text: str) -> str:
    """``text`` percent-decoded (a pasted URL or form keeps no secret behind %22 or %3D), its
    compatibility characters folded (NFKC: ＡＢＣ as ABC, ＠ as @), its invisible and control
    characters gone; its lines kept."""
    text = _folded(text)
    for _ in range(3):  # twice encoded is seen in the wild; more is not
        if not _PERCENT.search(text):
            break
        text = _folded(unquote(text, errors="replace"))
    if "&" in text and _ENTITY.search(text):  # "password&#58; x", "&lt;password&gt;x"
        text = _folded(html.unescape(text))
    text = _VARIATIONS.sub("", clean(text, lines=True))  # ➡️ is ➡ (an arrow) and one of them
    return _MIXED_SCRIPTS.sub(_one_script, text) if _SCRIPTS_TOUCH.search(text) else text


def _one_script(word: re.Match[str]) -> str:
    """The word in the one script in which it names a secret ("pаssword", "пaроль"); else as
    written ("SMSка", "смсhelp")."""
    found = word.group()
    for script in (_AS_LATIN, _AS_CYRILLIC):
        read = found.translate(script)
        if read != found and _MAYBE_NAMED_LOWERED.search(read.lower()):
            return read
    return found


def _folded(text: str) -> str:
    """``text`` in NFKC, but for №: a key of Russian and Ukrainian keyboards, not a disguise,
    which NFKC would turn into "No"."""
    return "№".join(unicodedata.normalize("NFKC", part) for part in text.split("№"))


def one_line(text: str) -> str:
    """``text`` with its lines joined and every run of spaces as one."""
    return " ".join(text.split())


def may_hold_secrets(text: str) -> bool:
    """False only if ``mask`` would only put ``text`` on one line: the cheap look that spares
    most questions the masks."""
    if _MAYBE_SHAPE.search(text):
        return True
    if _FOLDED_APART.search(text):
        return _MAYBE_NAMED.search(text) is not None
    return _MAYBE_NAMED_LOWERED.search(text.lower()) is not None


def mask_message(text: str) -> str | None:
    """A message the person sends the team with every secret ``mask`` knows replaced, but for
    their contacts (e-mail addresses, phones, @usernames: what a person gives support to be
    reached, and the very numbers an SMS gateway's support asks for), its lines kept (on one
    line when a secret spans lines; a line that is one piece with a digit, mixed case or a symbol
    after a line that ends in a masked secret is taken for the rest of it); None when it holds
    none."""
    written = plain_text(text)
    # A key's armour and lines, before they are read apart.
    text = mask_keys(written)
    if not may_hold_secrets(text):
        return None
    # One-time codes across lines first: the codes after the first, on lines of their own
    # ("otp 482193\n\n551234", "otp 482193\nи 551234", backup codes a line each), had no name
    # before them read line by line (an attack).
    coded = mask_later_codes(mask_spaced_codes(text))
    spanned, text = coded != text, coded
    # Line by line then: "which login works\nlogin anna password qwerty" read as one line is
    # prose about a login, its second line alone a password.
    masked = [team_mask(line) if may_hold_secrets(line) else line for line in text.split("\n")]
    for index in range(1, len(masked)):  # "password: Hun\nter2": a secret wrapped to the next line
        wrapped = masked[index].strip()
        if (
            _ENDS_MASKED.search(masked[index - 1])
            and _WRAPPED.fullmatch(wrapped)
            and looks_secret(wrapped)
        ):
            masked[index] = "<secret>"
    lines = "\n".join(masked)
    if lines == text and not spanned:  # no line alone holds a secret: the whole may
        whole = team_mask(text)
        return None if whole == one_line(text) and text == written else whole
    return lines if team_mask(lines) == one_line(lines) else team_mask(text)


# A message that ends with a secret's name, its value to come in the next one: after a mark
# ("пароль:", "token =", "password is") or a possessive ("мой пароль", "my password"), not in
# a sentence that is over ("не подходит пароль").
_SECRET_NAME = (
    rf"(?:{PASSWORD_WORDS}|token|токен\w*|pin|пин|пін|cvv2?|cvc2?|secret|"
    r"секрет|api[ _-]?key|ключ\w*)"
)
_ENDS_NAMING = re.compile(
    rf"(?<!\w){_SECRET_NAME}\s*(?::|=|-|—|–|is|это|це)\s*$"
    rf"|^\W*(?:\w+\s+)?(?:мой|мій|моя|мое|моє|my|our|наш|наша)\s+(?:\w+\s+)?{_SECRET_NAME}"
    r"\s*[:—–-]?\s*$",
    re.IGNORECASE,
)  # ("вот мой пароль", not "How do I reset my password?" nor "I forgot my password.")
# A message that is an error's code or a question about one is not a secret's value.
_ERROR_WORDS = re.compile(r"(?<!\w)(?:error|ошибк\w*|помилк\w*|code|код)(?!\w)", re.IGNORECASE)
NEXT_WORDS = 3  # a message this short after one that named a secret is taken for its value
NEXT_LENGTH = 64


def ends_naming_secret(text: str) -> bool:
    """Whether ``text`` ends with a secret's name, its value left for the next message."""
    return _ENDS_NAMING.search(plain_text(text)[-80:]) is not None


def value_after_name(text: str) -> bool:
    """Whether ``text``, sent right after a message that ended naming a secret, is short enough
    to be its value ("мой пароль:" and then "S3cretPw" in a message of its own)."""
    text = plain_text(text).strip()
    if not 0 < len(text) <= NEXT_LENGTH or "\n" in text or len(text.split()) > NEXT_WORDS:
        return False
    return not (_ERROR_WORDS.search(text) or text.endswith("?"))  # "error 1004", "который?"


def team_mask(text: str) -> str:
    """``mask`` keeping e-mail addresses, phones and @usernames, and eager for passwords and
    one-time codes (bot/analytics/secret_words.py): the person writes to support, not asks for
    an error code."""
    return mask(text, contacts=False, eager=True)


def mask(text: str, *, contacts: bool = True, eager: bool = False) -> str:
    """``text`` on one line with YAML block values, credentials in XML, URLs and curl,
    invitation links, e-mail addresses, IBANs, long tokens and cards, the secrets that keys and
    words name, ID and passport numbers, phones and @usernames replaced (``contacts`` False:
    e-mail addresses, phones and @usernames kept; ``eager``: see ``team_mask``)."""
    text = mask_later_codes(mask_blocks(mask_keys(text)))  # (a line's end ends a sentence)
    text = one_line(text)  # a YAML block ends where its lines say
    text = mask_spaced_codes(mask_credentials(text))  # (a list of backup codes is no card)
    text = mask_shapes(text, contacts=contacts)
    text = mask_named(text)
    text = mask_secret_words(text, eager=eager)
    return mask_people(text, contacts=contacts)
