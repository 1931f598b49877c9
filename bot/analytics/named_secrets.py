"""Secrets a key or a document's word points at: ``{"password":"x"}``, ``{"auth":["a","b"]}``,
``?psw=x``, ``X-Auth-Token: x``, ``Cookie: a=b``, ``ИНН 77...``, ``серия 4510 номер 123456``."""

from __future__ import annotations

import itertools
import re

# What the masks leave: a value that is one of them is masked already.
MASKED = r"<(?:secret|token|email|card|iban|phone|id|invite|username)>"
_MASKED = re.compile(rf"(?:\\?[\"'«“„])?{MASKED}")  # quoted or not ("otp: «<secret>»")

# A key holds a secret when a part of its name is one of these ("user_password", "apiKey",
# "X-Auth-Token", "client_secret"); the first group counts inside a longer part too
# ("accesstoken", "PHPSESSID"), the second only as a part of its own ("pin", not "pinned"), the
# third as two parts in a row ("api_id": SMS.ru's key).
_SECRET_INSIDE = (
    "passw", "pwd", "secret", "token", "apikey", "cookie", "credential", "passphrase",
    "passcode", "privatekey", "accesskey", "authkey", "sessid", "sessionid",
    "парол", "гасл", "токен", "секрет",
)  # fmt: skip
_SECRET_PARTS = (
    "pass psw pw pin pincode key auth authorization login username session sid hmac otp cvv cvc "
    "cvn csc логин логін ключ пин пін"
)
_SECRET_PART = frozenset(_SECRET_PARTS.split())
_SECRET_PAIR = frozenset({"apiid", "verificationcode", "confirmationcode"})
# ...unless another part says that the value describes the secret rather than holds it:
# "token_type", "password_expired", "INVALID_TOKEN", "MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS".
_DESCRIBING_PARTS = (
    "type expires expiry expired ttl length hint policy required error errors status count "
    "format reset url uri field invalid wrong incorrect missing bad empty weak mismatch failed "
    "unknown too many not no attempts limit min max rule rules"
)
DESCRIBING_PART = frozenset(_DESCRIBING_PARTS.split())
# Words that say a value describes rather than is a secret, or that a number is an error's code.
_NOT_A_SECRET_WORDS = (
    "error code status message response reason ошибка ошибки код статус помилка помилки"
)
NOT_A_SECRET_WORD = DESCRIBING_PART | frozenset(_NOT_A_SECRET_WORDS.split())
# What follows "password:" when the person has none to give.
_NO_VALUES = (
    "забыл забыла забыли не нет none unknown forgotten forgot where what which how see "
    "какие какой какая где как когда почему зачем що де як який яка які коли чому "
    "attached attachment below above please pls help пожалуйста помогите допоможіть both оба "
    "обидва неверный неправильный неверен истек истёк устарел невірний неправильний застарів"
)
NO_VALUE = frozenset(_NO_VALUES.split())
_NAME_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[^\W\d_A-Za-z]+")

# A key and its value, in JSON, YAML, a query string, a header, a Ruby hash or a JSON string
# inside JSON, quoted or not. A quoted value is masked whole, spaces and all, and an unclosed quote
# runs to the end; so does an array or an object (every item in it). An unquoted value ends where
# a query string ends it (after ? or &: "&"), where JSON does (after a quoted key: "," "}" "]"),
# else at a space: "Password=Tr0ub4dor&3" is one; "password: correct horse battery" is read on.
# The key is read first and its value only when the key names a secret: "x=x=x=..." read the
# rest of the text as each x's value.
_KEY = re.compile(
    r"(?:(?<=[?&])(?P<query>)|(?<![\w.?&-]))"  # a key starts a name: once a run, not in it
    r"(?P<quote>\\?[\"'])?(?P<key>-*[^\W\d][\w.-]*+)(?(quote)(?P=quote))"
    r"(?P<sep>(?>\s*(?:==>|=>|:=|::|[:=])\s*))",
    re.IGNORECASE,
)
_QUOTED = (
    r"\\\"(?:[^\\]|\\(?!\"))*+(?:\\\"|$)|\"(?:[^\"\\]|\\.)*+\"?|'[^']*+'?"
    r"|«[^»\n]*+»?|[„“][^“”\n]*+[“”]?"  # («my secret phrase»: its first word alone was masked)
)
_SCHEMED = r"(?:(?:bearer|basic|digest|token)\s+)?(?=\S)"
_VALUE_IN_QUERY = re.compile(rf"{_QUOTED}|{_SCHEMED}[^\s&]+", re.IGNORECASE)
_VALUE_IN_JSON = re.compile(rf"{_QUOTED}|[\[{{]|{_SCHEMED}[^\s,}}\]]+", re.IGNORECASE)
_VALUE = re.compile(rf"{_QUOTED}|[\[{{]|{_SCHEMED}\S+", re.IGNORECASE)
_SCHEME = re.compile(r"(?:bearer|basic|digest|token)\s+", re.IGNORECASE)
_CARRIES_SCHEME = re.compile(r"auth|token", re.IGNORECASE)  # Authorization, X-Auth-Token
_BLOCK_INDICATOR = re.compile(r"[|>][-+1-9]{0,2}")  # YAML's "password: |" on one line
_NEXT_TOKEN = re.compile(r"\s+\S+")
# The pieces of an array or object: strings (escaped inside a JSON string too), brackets,
# separators, bare scalars. Every character is in one, so a scan never skips any.
_NESTED_PIECE = re.compile(
    r'\\"(?:[^\\]|\\(?!"))*+(?:\\"|$)|"(?:[^"\\]|\\.)*+"?|[\[\]{}]|\s+|[:,]|[^\s\[\]{}:,"]++'
)
# A cookie header holds nothing but secrets: every pair and attribute up to the first one that
# no semicolon joins ("Cookie: sid=x; theme=dark gosms 1004").
_COOKIE = re.compile(
    r"(?<![\w-])((?:set-)?cookie)(\s*:\s*)([^\s<;\"'][^\s;]*(?:; ?[^\s;]+)*;?)", re.IGNORECASE
)
TRAILING = ".,!?;:)]}»”“\"'"
_LAST_WORD = re.compile(r"([^\W\d_]+)\s*$")
_CODE_DIGITS = 6  # an error code's most; a PIN's, a CVV's and a one-time code's digits are secret
SHORTEST_PIN = 3
_DIGITS_PART = frozenset({"pin", "pincode", "cvv", "cvc", "cvn", "csc", "otp", "пин", "пін"})
# A passphrase's next word, and the marks that close it ("staple."): a word before ":" or "="
# is a key or a label of its own, not part of the value.
_PASSPHRASE_WORD = re.compile(r"\s+([^\W\d_]+)([.,!?;)\]}»\"']*)(?=\s|$)")
_NUMBER_NEXT = re.compile(r"\s+\d")
_PASSPHRASE_WORDS = 3

# Tax and personal numbers after the word that names them: "ID 123-456-789", "ИНН 7707083893",
# "ІПН 1234567890". Seven digits at least: error codes have at most six ("error id 1004").
_ID_NUMBER = re.compile(
    r"(?<![\w-])(id|инн|інн|іпн|ипн|рнокпп|снилс|ssn|inn|tin)(\s*(?:№|#|no\.?|:|=)?\s*)"
    r"(\d{3,}(?:[ .-]\d{2,})*)(?![\w-])",
    re.IGNORECASE,
)
_ID_DIGITS = 7
# A passport's series and number told apart ("серия 4510 номер 123456", "серія АА № 123456"), or
# its number after its name ("паспорт № 1234567", "номер паспорта 123456").
_PASSPORT = re.compile(
    r"(?<!\w)((?:серия|серії|серія|series)\s*:?\s*)(\d{2} ?\d{2}|[A-ZА-ЯІЇЄҐ]{2})"
    r"(\s*,?\s*(?:и|і|та|and)?\s*(?:номер|№|no\.?|number|#)\s*:?\s*)(\d{6,7})(?!\w)"
    r"|(?<!\w)((?:паспорт[а-яіїє]*|passport)(?:\s*(?:номер|№|no\.?|number|#))?"
    r"|(?:номер|№|number)\s+(?:паспорта|паспорту|of passport))(\s*:?\s*)(\d{6,9})(?!\w)",
    re.IGNORECASE,
)


# Code that names a secret by a string: PHP's define('DB_PASSWORD', 'x'), a tuple ("password",
# "x"), a form's {"name":"password","value":"x"} (either way round); and a call whose name names
# one, every string it is given: setPassword("x"), login("anna", "x").
_QUOTED_PAIR = re.compile(
    r"(?P<q>[\"'])(?P<key>[^\W\d][\w.-]{0,40})(?P=q)(?P<between>\s*,\s*)(?P<v>[\"'])[^\"'\n]*(?P=v)"
)
_NAME_VALUE = re.compile(
    r"(?P<head>\"name\"\s*:\s*\"(?P<key>[^\"]{1,40})\"\s*,\s*\"value\"\s*:\s*)\"[^\"]*\""
    r"|(?P<head2>\"value\"\s*:\s*)\"[^\"]*\"(?P<tail>\s*,\s*\"name\"\s*:\s*\"(?P<key2>[^\"]{1,40})\")",
    re.IGNORECASE,
)
_CALL = re.compile(r"(?<![\w.])(?P<name>[A-Za-z_][\w.]{0,40})\((?P<args>[^()\n]{0,200})\)")
_STRING = re.compile(r"([\"'])[^\"'\n]*\1")
_IS_A_KEY = re.compile(r"\s*:")


def mask_named(text: str) -> str:
    """``text`` with every secret that a key names replaced, and ID and passport numbers."""
    if "'" in text or '"' in text:
        text = _NAME_VALUE.sub(_name_value, text)
        text = _QUOTED_PAIR.sub(_quoted_pair, text)
        if "(" in text:
            text = _CALL.sub(_call, text)
    text = _COOKIE.sub(r"\1\2<secret>", text)
    text = _mask_keyed(text)
    text = _PASSPORT.sub(_passport, text)
    return _ID_NUMBER.sub(_id_number, text)


def _name_value(found: re.Match[str]) -> str:
    if found["head"] is not None:
        return f'{found["head"]}"<secret>"' if names_secret(found["key"]) else found.group()
    if not names_secret(found["key2"]):
        return found.group()
    return f'{found["head2"]}"<secret>"{found["tail"]}'


def _quoted_pair(found: re.Match[str]) -> str:
    if not names_secret(found["key"]) or _IS_A_KEY.match(found.string, found.end()):
        return found.group()  # '"password","value":"x"': a key follows, not a value
    return found.group()[: found.start("v") - found.start()] + f"{found['v']}<secret>{found['v']}"


def _call(found: re.Match[str]) -> str:
    name = found["name"].rsplit(".", 1)[-1]
    if not names_secret(name):
        return found.group()
    args = _STRING.sub(r"\1<secret>\1", found["args"])
    return f"{found['name']}({args})"


def names_secret(key: str) -> bool:
    """Whether a key named ``key`` holds a secret ("api_key" does, "error_code" does not)."""
    parts = [part.lower() for part in _NAME_PART.findall(key)]
    if any(part in DESCRIBING_PART for part in parts):
        return False
    if any(first + second in _SECRET_PAIR for first, second in itertools.pairwise(parts)):
        return True
    return any(part in _SECRET_PART or any(s in part for s in _SECRET_INSIDE) for part in parts)


def passphrase_end(text: str, end: int) -> int:
    """Where a value whose first word ends at ``end`` ends: three words or more in a row are a
    passphrase ("correct horse battery staple"), read up to a mark that closes one or anything
    not a word; the error words before a number that follows stay ("... error 1004")."""
    words: list[tuple[str, int]] = []
    while match := _PASSPHRASE_WORD.match(text, words[-1][1] if words else end):
        words.append((match[1], match.end(1)))
        if match[2]:
            break
    else:
        if _NUMBER_NEXT.match(text, words[-1][1] if words else end):
            while words and words[-1][0].casefold() in NOT_A_SECRET_WORD:
                words.pop()
    if len(words) + 1 < _PASSPHRASE_WORDS:
        return end
    return words[-1][1]


def _mask_keyed(text: str) -> str:
    out: list[str] = []
    done = start = 0
    while key := _KEY.search(text, start):
        start = key.end()  # the value may hold a key of its own: look there next
        value_start = key.end()
        if _MASKED.match(text, value_start) or not names_secret(key["key"]):
            continue
        in_query, in_json = key["query"] is not None, key["quote"] is not None
        found = (_VALUE_IN_QUERY if in_query else _VALUE_IN_JSON if in_json else _VALUE).match(
            text, value_start
        )
        if found is None or _MASKED.match(found.group()) or _error_code(key, found.group()):
            continue
        if _no_value(key, found.group()):  # "Пароль: забыл", "password: expired", "PIN: 4 or 6"
            continue
        value, end = found.group(), found.end()
        if value in ("[", "{"):
            masked, end = _masked_nested(text, value_start)
            out += [text[done:value_start], masked]
            done = start = end
            continue
        scheme = _SCHEME.match(value)
        if scheme and not _CARRIES_SCHEME.search(key["key"]):  # "password: basic" is a word
            end = value_start + len(scheme.group().rstrip())
        elif _BLOCK_INDICATOR.fullmatch(value) and (block := _NEXT_TOKEN.match(text, end)):
            end = block.end()
        elif not (in_query or in_json) and value.isalpha():
            end = passphrase_end(text, end)
        out += [text[done:value_start], _masked_value(text[value_start:end])]
        done = start = end
    return "".join(out) + text[done:]


def after_error_word(text: str, start: int) -> bool:
    """Whether the word before ``start`` says an error's name follows ("Ошибка токена", "invalid
    token")."""
    before = _LAST_WORD.search(text, max(0, start - 40), start)
    return before is not None and before[1].casefold() in NOT_A_SECRET_WORD


def no_value(word: str) -> bool:
    """Whether ``word``, after a secret's name and a colon, says there is none to hide: a
    question, a shrug, a description ("Пароль: забыл", "password: expired", "пароль: неверный";
    quoted, it is the value)."""
    folded = word.rstrip(TRAILING).casefold()
    return folded in NO_VALUE or folded in NOT_A_SECRET_WORD


def _no_value(key: re.Match[str], value: str) -> bool:
    """``no_value``, or one or two digits after a PIN's name (a PIN has three at least)."""
    if no_value(value):
        return True
    bare = value.rstrip(TRAILING)
    digits_named = {part.lower() for part in _NAME_PART.findall(key["key"])} & _DIGITS_PART
    return bool(digits_named) and bare.isdigit() and len(bare) < SHORTEST_PIN


def _error_code(key: re.Match[str], value: str) -> bool:
    """Whether a short number after a key is an error's code: "Ошибка токена: 1003" (not after a
    PIN's or a one-time code's name)."""
    if not (value.isdigit() and len(value) <= _CODE_DIGITS):
        return False
    digits_named = {part.lower() for part in _NAME_PART.findall(key["key"])} & _DIGITS_PART
    return not digits_named and after_error_word(key.string, key.start())


def _masked_value(value: str) -> str:
    """A value's quotes (or an authorization scheme) kept around ``<secret>``."""
    for quote in ('\\"', '"', "'"):
        if value.startswith(quote):
            closed = len(value) >= 2 * len(quote) and value.endswith(quote)
            return f"{quote}<secret>{quote if closed else ''}"
    if value[:1] in "«“„":  # the closing one is among the punctuation kept
        return f"{value[0]}<secret>{closing(value)}"
    scheme = _SCHEME.match(value)
    return f"{scheme.group() if scheme else ''}<secret>{closing(value)}"


def _masked_nested(text: str, start: int) -> tuple[str, int]:
    """The array or object that starts at ``start`` with every value in it masked, its brackets,
    quotes and keys kept; and where it ends (an unclosed one runs to the end of ``text``)."""
    out: list[str] = []
    depth = 0
    last_value = -1  # where in ``out`` the last masked value is, with what it was
    original = ""
    for piece in _NESTED_PIECE.finditer(text, start):
        found = piece.group()
        if found in "[{":
            depth += 1
        elif found in "]}":
            depth -= 1
        elif found == ":" and last_value >= 0:
            out[last_value] = original  # that was a key
        elif not (found == "," or found.isspace()):
            last_value, original = len(out), found
            found = _masked_value(found) if found[0] in "\\\"'" else "<secret>"
        out.append(found)
        if depth <= 0:
            return "".join(out), piece.end()
    return "".join(out), len(text)


def closing(value: str) -> str:
    """The punctuation that ends a sentence or a JSON string around ``value``, kept in sight
    ("password: x, and" → "password: <secret>, and"); all of it if nothing else is there."""
    kept = len(value) - len(value.rstrip(TRAILING))
    return value[-kept:] if 0 < kept < len(value) else ""


def _passport(match: re.Match[str]) -> str:
    if match[1] is not None:
        return f"{match[1]}<id>{match[3]}<id>"
    return f"{match[5]}{match[6]}<id>"


def _id_number(match: re.Match[str]) -> str:
    word, separator, number = match.groups()
    if sum(char.isdigit() for char in number) < _ID_DIGITS:
        return match.group()
    return f"{word}{separator}<id>"
