"""What the log keeps of a person: a keyed hash instead of the Telegram id, masked text."""

from __future__ import annotations

import hashlib
import hmac
import re

QUERY_LIMIT = 200

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# API keys, hashes and JWTs: a long run of token characters with a digit and a letter in it,
# or a long hex run. Error codes are short, so they never reach these lengths.
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_.-])"
    r"(?:(?=[A-Za-z_.-]*[0-9])(?=[0-9_.-]*[A-Za-z])[A-Za-z0-9_.-]{20,}|[0-9A-Fa-f]{16,})"
    r"(?![A-Za-z0-9_.-])"
)
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


def user_key(secret: bytes, user_id: int) -> int:
    """The pseudonym stored instead of a Telegram user id: the first 64 bits of HMAC-SHA256,
    as a signed integer (SQLite's own: smaller rows and faster inserts than hex text)."""
    digest = hmac.new(secret, str(user_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def mask_query(text: str) -> str:
    """``text`` with phones, e-mail addresses and long tokens replaced, cut to 200 characters."""
    text = _EMAIL.sub("<email>", text)
    text = _TOKEN.sub("<token>", text)
    text = _PHONE.sub(_phone, text)
    return text[:QUERY_LIMIT]


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    return "<phone>" if sum(char.isdigit() for char in found) >= _PHONE_DIGITS else found
