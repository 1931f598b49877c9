"""Secrets a name points at: ``{"password":"x"}``, ``?api_key=x``, ``X-Auth-Token: x``,
``Cookie: a=b``, ``password is x``, ``пароль — x``, ``Bearer x``, ``CVV 123``, ``ИНН 77...``."""

from __future__ import annotations

import re

# A key holds a secret when a part of its name is one of these ("user_password", "apiKey",
# "X-Auth-Token", "client_secret"); the first group counts inside a longer part too
# ("accesstoken", "userpassword"), the second only as a part of its own ("pin", not "pinned").
_SECRET_INSIDE = (
    "passw", "pwd", "secret", "token", "apikey", "cookie", "credential", "passphrase",
    "passcode", "privatekey", "accesskey", "authkey", "парол", "гасл", "токен", "секрет",
)  # fmt: skip
_SECRET_PARTS = (
    "pass pin pincode key auth authorization login username session sessionid hmac otp cvv cvc "
    "cvn csc логин логін ключ пин пін"
)
_SECRET_PART = frozenset(_SECRET_PARTS.split())
# ...unless another part says that the value describes the secret rather than holds it:
# "token_type", "password_expired", "INVALID_TOKEN", "MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS".
_DESCRIBING_PARTS = (
    "type expires expiry expired ttl length hint policy required error errors status count "
    "format reset url uri field invalid wrong incorrect missing bad empty weak mismatch failed "
    "unknown too many not no attempts limit min max rule rules"
)
_DESCRIBING_PART = frozenset(_DESCRIBING_PARTS.split())
_NAME_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[^\W\d_A-Za-z]+")

# A key and its value, in JSON, YAML, a query string, a header, a Ruby hash or a JSON string
# inside JSON, quoted or not. A quoted value is masked whole, spaces and all, and an unclosed quote
# runs to the end. An unquoted value ends where a query string ends it (after ? or &: "&"), where
# JSON does (after a quoted key: "," "}" "]"), else at a space: "Password=Tr0ub4dor&3" is one.
_KEYED = re.compile(
    r"(?:(?<=[?&])(?P<query>)|(?<![\w.?&-]))"  # a key starts a name: once a run, not in it
    r"(?P<quote>\\?[\"'])?(?P<key>-*[^\W\d][\w.-]*+)(?(quote)(?P=quote))"
    r"(?P<sep>(?>\s*(?:=>|[:=])\s*))"
    r"(?P<value>\\\"(?:[^\\]|\\(?!\"))*(?:\\\"|$)"
    r"|\"(?:[^\"\\]|\\.)*\"?"
    r"|'[^']*'?"
    r"|(?:(?:bearer|basic|digest|token)\s+)?(?=[^\s<])"
    r"(?(query)[^\s&]+|(?(quote)[^\s,}\]]+|\S+)))",
    re.IGNORECASE,
)
_SCHEME = re.compile(r"(?:bearer|basic|digest|token)\s+", re.IGNORECASE)
_CARRIES_SCHEME = re.compile(r"auth|token", re.IGNORECASE)  # Authorization, X-Auth-Token
# A cookie header holds nothing but secrets: every pair and attribute up to the first one that
# no semicolon joins ("Cookie: sid=x; theme=dark gosms 1004").
_COOKIE = re.compile(
    r"(?<![\w-])((?:set-)?cookie)(\s*:\s*)([^\s<;\"'][^\s;]*(?:; ?[^\s;]+)*;?)", re.IGNORECASE
)

# A secret after the word that names it in prose: "password: hunter2", "password is hunter2",
# "пароль — сонечко", "api key 9f3k...", "Bearer abc123", "CVV 123".
_SECRET_WORDS = (
    r"passw(?:or)?d|pass|pwd|passcode|passphrase|pin[ -]?code|pin-код|pin|secret|token|"
    r"api[ _-]?key|apikey|login|bearer|basic|cvv2?|cvc2?|cvn|csc|access code|security code|"
    r"парол(?:ь|я|ю|ем|е)|гасл(?:о|а|у|ом)|логин|логін|токен(?:а|у|ом|ы|и)?|ключ(?:а|ом|ем|і)?|секрет|пин|пін|"
    r"пин-код|пін-код|код доступ[ауі]?|код безпеки|код безопасности"
)
_SECRET = re.compile(
    rf"(?<!\w)(?<!\w-)({_SECRET_WORDS})"  # "--password x" too, not "x-password x"
    r"((?>\s*(?:=>|[:=])\s*|\s+(?:is|was|это|є|це|-)\s+|\s*[—–]\s*"
    r"|(?:\s+[^\W\d_]+){1,3}\s*:\s*|\s+))"  # "пароль от кабинета: x", a label of three words
    r"(?!\\?[\"']<)([^\s<][^\s]*)",  # not again what a key's rule masked: "<secret>"
    re.IGNORECASE,
)
# Words whose secret is a few digits: "PIN 4821", "CVV 123". After any other word a short number
# is an error code ("gosms token 1003").
_DIGITS_SECRET = re.compile(
    r"pin[ -]?code|pin-код|pin|пин|пін|пин-код|пін-код|cvv2?|cvc2?|cvn|csc|access code|"
    r"security code|код доступ[ауі]?|код безпеки|код безопасности",
    re.IGNORECASE,
)
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
# Words that, between a secret's name and a colon, make the colon label something else.
_NOT_A_SECRET_LABELS = (
    "error code status message response reason ошибка ошибки код статус помилка помилки"
)
_LABEL_WORD = re.compile(r"[^\W\d_]+")
_NOT_A_SECRET_LABEL = _DESCRIBING_PART | frozenset(_NOT_A_SECRET_LABELS.split())
_TRAILING = ".,!?;:)]}»\"'"
_PIECE = re.compile(r"[\"',;]")

# Tax and personal numbers after the word that names them: "ID 123-456-789", "ИНН 7707083893",
# "ІПН 1234567890". Seven digits at least: error codes have at most six ("error id 1004").
_ID_NUMBER = re.compile(
    r"(?<![\w-])(id|инн|інн|іпн|ипн|рнокпп|снилс|ssn|inn|tin)(\s*(?:№|#|no\.?|:|=)?\s*)"
    r"(\d{3,}(?:[ .-]\d{2,})*)(?![\w-])",
    re.IGNORECASE,
)
_ID_DIGITS = 7

# Whatever the rules above need to find: a look for these (any case) decides whether they run.
STEMS = (
    "pass", "pwd", "secret", "token", "key", "cookie", "credential", "auth", "login", "username",
    "session", "hmac", "otp", "pin", "cvv", "cvc", "cvn", "csc", "bearer", "basic", "access",
    "security", "парол", "гасл", "токен", "секрет", "ключ", "логин", "логін", "пин", "пін",
    "доступ", "безп", "безоп", "инн", "інн", "іпн", "ипн", "рнокпп", "снилс", "ssn", "inn", "tin",
    r"\bid",  # "id123 45 67": no boundary after it
)  # fmt: skip


def mask_named(text: str) -> str:
    """``text`` with every secret that a key or a word names replaced."""
    text = _COOKIE.sub(r"\1\2<secret>", text)
    text = _mask_keyed(text)
    text = _SECRET.sub(_secret, text)
    return _ID_NUMBER.sub(_id_number, text)


def names_secret(key: str) -> bool:
    """Whether a key named ``key`` holds a secret ("api_key" does, "error_code" does not)."""
    parts = [part.lower() for part in _NAME_PART.findall(key)]
    if any(part in _DESCRIBING_PART for part in parts):
        return False
    return any(part in _SECRET_PART or any(s in part for s in _SECRET_INSIDE) for part in parts)


def _mask_keyed(text: str) -> str:
    out: list[str] = []
    done = start = 0
    while match := _KEYED.search(text, start):
        value, end = match["value"], match.end()
        if value.startswith("<") or not names_secret(match["key"]):
            start = match.end("sep")  # the value may hold a key of its own: look there next
            continue
        scheme = _SCHEME.match(value)
        if scheme and not _CARRIES_SCHEME.search(match["key"]):  # "password: basic" is a word
            value = scheme.group().rstrip()
            end = match.start("value") + len(value)
        out += [text[done : match.start("value")], _masked_value(value)]
        done = start = end
    return "".join(out) + text[done:]


def _masked_value(value: str) -> str:
    """A value's quotes (or an authorization scheme) kept around ``<secret>``."""
    for quote in ('\\"', '"', "'"):
        if value.startswith(quote):
            closed = len(value) >= 2 * len(quote) and value.endswith(quote)
            return f"{quote}<secret>{quote if closed else ''}"
    scheme = _SCHEME.match(value)
    return f"{scheme.group() if scheme else ''}<secret>{_closing(value)}"


def _closing(value: str) -> str:
    """The punctuation that ends a sentence or a JSON string around ``value``, kept in sight
    ("password: x, and" → "password: <secret>, and"); all of it if nothing else is there."""
    kept = len(value) - len(value.rstrip(_TRAILING))
    return value[-kept:] if 0 < kept < len(value) else ""


def _secret(match: re.Match[str]) -> str:
    word, separator, value = match.groups()
    # Judged by its first piece: after "token " in JSON, 'expired","token_type":"bearer"}'.
    bare = _PIECE.split(value, 1)[0].rstrip(_TRAILING)
    label = _LABEL_WORD.findall(separator) if ":" in separator else []
    if any(part.casefold() in _NOT_A_SECRET_LABEL for part in label):
        secret = False  # "token error code: 1003" labels a code
    elif ":" in separator or "=" in separator:
        secret = True
    elif separator.strip() or word.lower() == "bearer":  # "is", a dash; a Bearer's token
        secret = bare.casefold() not in _DESCRIPTION
    else:  # a plain word ("password too many attempts"), or a code after a word that is no PIN
        plain = bare.isalpha() and (bare.islower() or bare.isupper() or bare.istitle())
        code = bare.isdigit() and len(bare) <= 6 and not _DIGITS_SECRET.fullmatch(word)
        secret = not (plain or code)
    return f"{word}{separator}<secret>{_closing(value)}" if secret else match.group()


def _id_number(match: re.Match[str]) -> str:
    word, separator, number = match.groups()
    if sum(char.isdigit() for char in number) < _ID_DIGITS:
        return match.group()
    return f"{word}{separator}<id>"
