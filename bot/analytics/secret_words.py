"""Secrets after the word that names them in prose: "password is x", "пароль — x", "ключ API x",
"password for my account x", "Bearer x", "CVV 123", "OTP 482193", "код из смс 482193"."""

from __future__ import annotations

import re

from bot.analytics.named_secrets import (
    MASKED,
    NOT_A_SECRET_WORD,
    after_error_word,
    closing,
    passphrase_end,
)

# One-time codes, named: the number after them is a secret for its minutes of life.
ONE_TIME_WORDS = (
    r"otp|one[ -]time (?:code|password|pin)|(?:verification|confirmation|2fa|login) code|"
    r"sms[ -]?code|(?:смс|sms)[ -]?код|код (?:из|с|со|з|із|зі) (?:смс|sms)|"
    r"код (?:подтверждения|підтвердження|верификации|верифікації)|одноразов(?:ый|ий) код"
)
_SECRET_WORDS = (
    r"passw(?:or)?d|pass|pwd|psw|pw|passcode|passphrase|pin[ -]?code|pin-код|pin|secret|token|"
    r"api[ _-]?key|apikey|login|bearer|basic|cvv2?|cvc2?|cvn|csc|access code|security code|"
    r"парол(?:ь|я|ю|ем|е|і)|гасл(?:о|а|у|ом)|логин|логін|токен(?:а|у|ом|ы|и)?|"
    r"ключ(?:а|ом|ем|і)?|секрет|пин|пін|пин-код|пін-код|код доступ[ауі]?|код безпеки|"
    rf"код безопасности|{ONE_TIME_WORDS}"
)
_NAME = re.compile(rf"(?<!\w)(?<!\w-)(?:{_SECRET_WORDS})(?!\w)", re.IGNORECASE)  # not x-password
# Words whose secret is a few digits: "PIN 4821", "CVV 123". After a one-time code's name, four
# digits or more. After any other word a short number is an error code ("gosms token 1003").
_DIGITS_SECRET = re.compile(
    r"pin[ -]?code|pin-код|pin|пин|пін|пин-код|пін-код|cvv2?|cvc2?|cvn|csc|access code|"
    r"security code|код доступ[ауі]?|код безпеки|код безопасности",
    re.IGNORECASE,
)
_ONE_TIME = re.compile(ONE_TIME_WORDS, re.IGNORECASE)
_CODE_DIGITS = 6
_ONE_TIME_DIGITS = 4
_SEPARATOR = re.compile(
    r"(?>\s*(?:=>|[:=])\s*|\s+(?:is|was|это|є|це|-)\s+|\s*[—–]\s*)", re.IGNORECASE
)
_NOT_MASKED = rf"(?![\[{{(\\\"']*{MASKED})"  # not again what a key's rule masked: "[<secret>,"
_VALUE = re.compile(rf"{_NOT_MASKED}\S+")
_NEXT = re.compile(rf"\s+{_NOT_MASKED}(\S+)")
_LABEL_WORD = re.compile(r"\s+([^\W\d_]+)(?!\w)")
_LABEL_WORDS = 3  # "пароль від кабінету", "password for my account"
_LABELLED_LENGTH = 5  # after a label, "v2" in "token for gosms v2" is a version, not a secret
_IN_TAG = re.compile(r"</?(?:[\w.-]+:)?$")  # <password>, </wsse:Password>: XML's, not prose
# What follows "password is", "пароль —" or "Bearer" when it describes rather than is the secret.
_DESCRIPTIONS = (
    "wrong incorrect invalid expired required missing empty not too correct right ok okay "
    "blocked locked changed reset weak short long the a an same valid accepted rejected denied "
    "unknown null none set lost different also still already being sent needed token auth "
    "authentication authorization header scheme "
    "неверный неправильный неверен неправилен недействителен недействительный истек истёк "
    "устарел не верный правильный пустой заблокирован слишком короткий сброшен изменен "
    "невірний неправильний недійсний застарів порожній заблокований занадто змінено скинуто "
    "правильний"
)
_DESCRIPTION = frozenset(_DESCRIPTIONS.split())
# A label between a name and its secret says nothing of the kind ("token error code: 1003").
_NOT_IN_LABEL = (NOT_A_SECRET_WORD | _DESCRIPTION) - {"the", "a", "an"}
_PIECE = re.compile(r"[\"',;]")


def mask_secret_words(text: str) -> str:
    """``text`` with every secret that a word before it names replaced."""
    out: list[str] = []
    done = start = 0
    while name := _NAME.search(text, start):
        found = _secret_after(text, name)
        if found is None:
            start = name.end()
            continue
        secret_start, secret_end = found
        out += [text[done:secret_start], "<secret>"]
        done = start = secret_end
    return "".join(out) + text[done:]


def _secret_after(text: str, name: re.Match[str]) -> tuple[int, int] | None:
    """Where the secret that ``name`` names is, if there is one: after a separator ("password:
    x", "пароль — x", "password is x"), maybe behind a label of a few words, or after a space
    and such a label when it does not read as a word ("пароль від кабінету hunter2")."""
    word, label, position = name.group(), 0, name.end()
    if _IN_TAG.search(text, max(0, name.start() - 40), name.start()):
        return None
    while True:
        if separator := _SEPARATOR.match(text, position):
            value = _VALUE.match(text, separator.end())
            if value is None or not _is_secret(text, name, separator.group(), value.group()):
                return None
            end = value.end()
            if value.group().isalpha() and not separator.group().isspace():
                end = passphrase_end(text, end)
            return value.start(), end - len(closing(text[value.start() : end]))
        following = _NEXT.match(text, position)
        if following is None:
            return None
        labelled = label and len(following[1]) < _LABELLED_LENGTH
        if not labelled and _is_secret(text, name, "", following[1], label):
            return following.start(1), following.end(1) - len(closing(following[1]))
        label_word = _LABEL_WORD.match(text, position)
        if word.casefold() == "bearer" or label == _LABEL_WORDS or label_word is None:
            return None
        if label_word[1].casefold() in _NOT_IN_LABEL:
            return None
        label, position = label + 1, label_word.end()


def _is_secret(text: str, name: re.Match[str], separator: str, value: str, label: int = 0) -> bool:
    word = name.group()
    # Judged by its first piece: after "token " in JSON, 'expired","token_type":"bearer"}'.
    bare = _PIECE.split(value, 1)[0].rstrip(".,!?;:)]}»\"'")
    if not bare:
        return False
    if word.casefold() == "bearer" and not separator.strip():  # a Bearer's token, whatever it is
        return bare.casefold() not in _DESCRIPTION
    if bare.isdigit():
        if _DIGITS_SECRET.fullmatch(word):
            return True
        if _ONE_TIME.fullmatch(word):  # not behind a label: "код из смс gosms 1004"
            return len(bare) >= _ONE_TIME_DIGITS and not label
        # "gosms token 1003", "Ошибка токена: 1003": an error's code.
        code = not separator.strip() or after_error_word(text, name.start())
        return len(bare) > _CODE_DIGITS or not code
    if ":" in separator or "=" in separator:
        return True
    if separator.strip():  # "is", a dash
        return bare.casefold() not in _DESCRIPTION
    # A plain word ("password too many attempts") cannot be told from a description.
    return not (bare.isalpha() and (bare.islower() or bare.isupper() or bare.istitle()))
