"""What the log keeps of a person: a keyed hash instead of the Telegram id, masked text."""

from __future__ import annotations

import hmac
import re
from urllib.parse import unquote

from bot.analytics.named_secrets import STEMS, mask_named
from bot.core.text import clean

QUERY_LIMIT = 200

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# API keys, hashes and JWTs: a long run of token characters with a digit and a letter in it,
# or a long hex run. Error codes are short, so they never reach these lengths.
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_.-])"
    r"(?:(?=[A-Za-z_.-]*[0-9])(?=[0-9_.-]*[A-Za-z])[A-Za-z0-9_.-]{20,}|[0-9A-Fa-f]{16,})"
    r"(?![A-Za-z0-9_.-])"
)
# An API's error name is not a token, long as it is: MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS,
# in one case, in short parts joined by underscores.
_ERROR_NAME = re.compile(r"[A-Z0-9]{1,12}(?:_[A-Z0-9]{1,12})+|[a-z0-9]{1,12}(?:_[a-z0-9]{1,12})+")
# Phone numbers as people paste them. Several codes in a row ("21 41 61 24") and dates
# ("2024-05-01 12:30") must survive, so spaced digits count as a phone only with a leading +,
# an area code in parentheses, or the 3-3-2-2 grouping; a bare run needs 10 to 15 digits.
_PHONE = re.compile(
    r"\+\d[\d\s().-]{7,}\d"
    r"|(?<![\d+])(?:\d{1,3}[\s-]?)?\(\d{3,5}\)[\s-]?\d{1,4}(?:[\s-]?\d{1,4}){1,3}(?!\d)"
    r"|(?<![\d+])(?:\d[\s-]?)?\d{3}[\s-]\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
    r"|(?<![\d+])\d{10,15}(?!\d)"
)
_PHONE_DIGITS = 10
# Card numbers: 13 to 19 digits, maybe grouped by spaces, dashes or dots, masked when the Luhn
# check passes. A run of digit groups is searched whole (see _card): a code may stand next to a
# card. A full stop after a card ends the sentence, not the card.
_CARD = re.compile(r"(?<![\d-])(?<!\d\.)\d+(?:[ .-]\d+)*(?![\d-])(?!\.\d)")
_USERNAME = re.compile(
    r"(?<![\w@/])@[A-Za-z][A-Za-z0-9_]{3,31}\b|\b(?:t|telegram)\.me/[A-Za-z0-9_]{4,32}",
    re.IGNORECASE,
)
# An invitation into a private chat or channel: its hash is the key to the door.
_INVITE = re.compile(
    r"(?:https?://)?\b(?:t|telegram)\.me/(?:\+|joinchat/)[\w-]+|\btg://join\?invite=[\w-]+",
    re.IGNORECASE,
)
# Passport and ID card numbers: a Russian passport (4 + 6 digits, "4510 123456"), a Ukrainian or
# international one (two capital letters, 6 or 7 digits: "АА123456", "AB1234567"), a Ukrainian ID
# card (9 digits). Codes are at most 6 digits and stand alone.
_DOCUMENT = re.compile(
    r"(?<![\d\w])(?:\d{2} ?\d{2} \d{6}|[A-ZА-ЯІЇЄҐ]{2} ?\d{6,7}|\d{9})(?![\d\w])"
)


# Most questions hold nothing to mask ("gosms 1004"): a look at what every mask above needs
# (six digits in a row, 13 digits in groups, digits grouped as a phone's, an area code, a plus,
# @, a Telegram link, a long run of token characters; a secret's name) decides whether they run
# at all: such a question, and with it the writer, is spared the masks.
_MAYBE_SHAPE = re.compile(
    r"\d{6}|(?:\d[ .-]?){12}\d|\d[ -]\d{3}|\(\d{3}|\+\d|@|(?:t|telegram)\.me/|tg://"
    r"|[A-Za-z0-9_.-]{16}",
    re.IGNORECASE,
)
_MAYBE_NAMED = re.compile("|".join(STEMS), re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")


def user_key(secret: bytes, user_id: int) -> int:
    """The pseudonym stored instead of a Telegram user id: the first 64 bits of HMAC-SHA256,
    as a signed integer (SQLite's own: smaller rows and faster inserts than hex text)."""
    digest = hmac.digest(secret, str(user_id).encode(), "sha256")
    return int.from_bytes(digest[:8], "big", signed=True)


def mask_query(text: str) -> str:
    """``text`` as stored (see ``plain_text``), with every secret ``mask`` knows replaced, cut
    to 200 characters."""
    text = plain_text(text)
    return (mask(text) if may_hold_secrets(text) else text)[:QUERY_LIMIT]


def plain_text(text: str) -> str:
    """``text`` percent-decoded (a pasted URL or form keeps no secret behind %22 or %3D), its
    invisible and control characters gone, runs of spaces as one."""
    for _ in range(3):  # twice encoded is seen in the wild; more is not
        if not _PERCENT.search(text):
            break
        text = unquote(text, errors="replace")
    return " ".join(clean(text, lines=False).split())


def may_hold_secrets(text: str) -> bool:
    """False only if ``mask`` would leave ``text`` as it is: the cheap look that spares most
    questions the masks."""
    return bool(_MAYBE_SHAPE.search(text) or _MAYBE_NAMED.search(text))


def mask(text: str) -> str:
    """``text`` with invitation links, e-mail addresses, long tokens, card numbers, the secrets
    that keys and words name, ID and passport numbers, phones and @usernames replaced."""
    text = _INVITE.sub("<invite>", text)
    text = _EMAIL.sub("<email>", text)
    text = _TOKEN.sub(_token, text)
    text = _CARD.sub(_card, text)
    text = mask_named(text)
    text = _DOCUMENT.sub("<id>", text)
    text = _PHONE.sub(_phone, text)
    return _USERNAME.sub("<username>", text)


def luhn(digits: list[int]) -> bool:
    """The Luhn checksum every payment card number passes."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _token(match: re.Match[str]) -> str:
    found = match.group()
    return found if _ERROR_NAME.fullmatch(found) else "<token>"


def _card(match: re.Match[str]) -> str:
    """The run of digit groups with every group that may belong to a card number masked
    ("1004 4111 1111 1111 1111" could be a code and a card, or a card and a code: both go)."""
    run = match.group()
    if sum(char.isdigit() for char in run) < 13:
        return run
    groups = re.split(r"([ .-])", run)  # digits, separator, digits, ...
    numbers = groups[::2]
    covered = [False] * len(numbers)
    for start in range(len(numbers)):
        digits = ""
        for end in range(start + 1, len(numbers) + 1):
            digits += numbers[end - 1]
            if len(digits) > 19:
                break
            if len(digits) >= 13 and luhn([int(d) for d in digits]):
                covered[start:end] = [True] * (end - start)
    if not any(covered):
        return run
    out: list[str] = []
    for index, number in enumerate(numbers):
        if covered[index]:
            if not (index and covered[index - 1]):
                out.append("<card>")
        else:
            out.append(number)
        if index + 1 < len(numbers) and not (covered[index] and covered[index + 1]):
            out.append(groups[2 * index + 1])
    return "".join(out)


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    return "<phone>" if sum(char.isdigit() for char in found) >= _PHONE_DIGITS else found
