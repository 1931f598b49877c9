"""Secrets known by their shape wherever they stand: invitation links, e-mail addresses, long
tokens, AWS-style base64 keys, card numbers and IBANs (each checked by its checksum), passports,
phones, @usernames."""

from __future__ import annotations

import re

# Every pattern here is read once from left to right. A run of letters or digits is entered only
# at its first character (a lookbehind refuses the rest) and read possessively, so no input makes
# the engine read a run again from each of its characters: "a" * 4096 with no @ after it cost
# 4096 passes over the run before.

_INVITE = re.compile(
    r"(?:https?://)?\b(?:t|telegram)\.me/(?:\+|joinchat/)[\w-]+|\btg://join\?invite=[\w-]+",
    re.IGNORECASE,
)  # an invitation into a private chat or channel: its hash is the key to the door
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
# API keys, hashes and JWTs: a long run of token characters with a digit and a letter in it,
# or a long hex run. Error codes are short, so they never reach these lengths.
_TOKEN = re.compile(
    r"(?<![A-Za-z0-9_.-])"
    r"(?:(?=[A-Za-z_.-]*+[0-9])(?=[0-9_.-]*+[A-Za-z])[A-Za-z0-9_.-]{20,}+|[0-9A-Fa-f]{16,}+)"
    r"(?![A-Za-z0-9_.-])"
)
# A base64 key of 40 characters with a / or + in it, upper and lower case and a digit: an AWS
# secret access key (SNS sends SMS). Not inside a URL or a path: nothing of a path touches it.
_BASE64_KEY = re.compile(
    r"(?<![\w/+=.:-])(?=[A-Za-z0-9]*+[/+])(?=[A-Za-z/+]*+[0-9])(?=[A-Z0-9/+]*+[a-z])"
    r"(?=[a-z0-9/+]*+[A-Z])[A-Za-z0-9/+]{40}(?![\w/+=])"
)
# An API's error name is not a token, long as it is: MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS,
# in one case, in short parts joined by underscores.
_ERROR_NAME = re.compile(r"[A-Z0-9]{1,12}(?:_[A-Z0-9]{1,12})+|[a-z0-9]{1,12}(?:_[a-z0-9]{1,12})+")

# IBANs: a country, two check digits and the account, maybe in groups ("UA21 3223 1300 ...");
# as long as the country's IBANs are and passing the mod-97 check (ISO 13616), so a code or a
# word beside one is neither taken for it nor taken with it.
_IBAN = re.compile(r"(?<![^\W_])[A-Z]{2}[0-9]{2}(?:[ -]?[A-Z0-9]){11,30}", re.IGNORECASE)
_IBAN_COUNTRIES = (  # each country and its IBANs' length
    "AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 "
    "DK18 DO28 EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 "
    "IE22 IL23 IQ23 IS26 IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 "
    "MK19 MN20 MR27 MT31 MU30 NI28 NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 "
    "SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30"
)
_IBAN_LENGTHS = {
    country: int(length) for country, length in re.findall(r"(\w\w)(\d\d)", _IBAN_COUNTRIES)
}
# Card numbers: 13 to 19 digits, maybe grouped by spaces, dashes or dots (a space either side
# of a dash or dot too: "4111 - 1111"), masked when the Luhn check passes. A run of digit groups
# is taken whole (see _card): a code may stand next to a card. A full stop after a card ends the
# sentence, not the card.
_CARD_GAP = r"(?: ?[.-] ?| )"
_CARD = re.compile(
    r"(?<!\d)(?<!\d[ .-])(?<!\d [.-])(?<!\d[.-] )(?<!\d [.-] )"
    rf"[0-9]++(?:{_CARD_GAP}[0-9]++)*+"
)
_CARD_DIGITS = range(13, 20)
# Passport and ID card numbers: a Russian passport (4 + 6 digits, "4510 123456"), a Ukrainian or
# international one (two capital letters, 6 or 7 digits: "АА123456", "AB1234567"), a Ukrainian ID
# card (9 digits). Codes are at most 6 digits and stand alone.
_DOCUMENT = re.compile(
    r"(?<![\d\w])(?:\d{2} ?\d{2} \d{6}|[A-ZА-ЯІЇЄҐ]{2} ?\d{6,7}|\d{9})(?![\d\w])"
)
# Phone numbers as people paste them. Several codes in a row ("21 41 61 24") and dates
# ("2024-05-01 12:30") must survive, so spaced digits count as a phone only with a leading +,
# an area code in parentheses, the 3-3-2-2 grouping or 3-3-4 with dots (202.555.0143: an IP
# address has no group of four). Such a phone is masked before cards, lest a card's window over
# codes beside it take part of it; a bare run of 10 to 15 digits only after the ID numbers.
_FORMATTED_PHONE = re.compile(
    r"\+\d[\d\s().-]{7,}\d"
    r"|(?<![\d+])(?:\d{1,3}[\s-]?)?\(\d{3,5}\)[\s-]?\d{1,4}(?:[\s-]?\d{1,4}){1,3}(?!\d)"
    r"|(?<![\d+])(?:\d[\s-]?)?\d{3}[\s-]\d{3}[\s-]?\d{2}[\s-]?\d{2}(?!\d)"
    r"|(?<![\d+])(?<!\d\.)(?:\d\.)?\d{3}\.\d{3}\.\d{4}(?!\d|\.\d)"
)
_SPACED_DASH = re.compile(r"\s[-–—]\s")
_BARE_PHONE = re.compile(r"(?<![\d+])\d{10,15}(?!\d)")
_PHONE_DIGITS = 10
# Not after a mask: in "https://<secret>@host" the @ belongs to an address.
_USERNAME = re.compile(
    r"(?<![\w@/>])@[A-Za-z][A-Za-z0-9_]{3,31}\b|\b(?:t|telegram)\.me/[A-Za-z0-9_]{4,32}",
    re.IGNORECASE,
)


# A private key pasted whole, PEM's armour and all, to its end or the text's.
# Its armour as people paste it: dashes three to five, spaced or not, any case, a PGP key's
# block too ("-----BEGIN PGP PRIVATE KEY BLOCK-----").
_PEM = re.compile(
    r"-{3,5} ?BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*?-{3,5}(?:[^-]|-(?!-{2,4} ?END))*+"
    r"(?:-{3,5} ?END [A-Z0-9 ]*-{3,5})?",
    re.IGNORECASE,
)


def mask_keys(text: str) -> str:
    """``text`` with every private key pasted in it replaced, armour and all."""
    return _PEM.sub("<secret>", text) if "BEGIN" in text.upper() else text


# Base64 with its padding: what a Basic header or an encoded secret looks like pasted alone.
_PADDED_BASE64 = re.compile(r"(?<![\w+/=])[A-Za-z0-9+/]{12,}+={1,2}(?![\w+/=])")


def mask_shapes(text: str, *, contacts: bool = True) -> str:
    """``text`` with invitation links, e-mail addresses, IBANs, long tokens and base64 keys,
    phones written as phones and card numbers replaced (``contacts`` False: e-mail addresses and
    phones kept)."""
    text = _INVITE.sub("<invite>", text)
    if "=" in text:
        text = _PADDED_BASE64.sub("<token>", text)
    if contacts:
        text = _EMAIL.sub("<email>", text)
    text = _IBAN.sub(_iban, text)
    text = _TOKEN.sub(_token, text)
    text = _BASE64_KEY.sub("<token>", text)
    if contacts:
        text = _FORMATTED_PHONE.sub(_phone, text)
    return _CARD.sub(_card, text)


def mask_people(text: str, *, contacts: bool = True) -> str:
    """``text`` with passport and ID card numbers, phones of bare digits and @usernames
    replaced (``contacts`` False: phones and @usernames kept)."""
    text = _DOCUMENT.sub("<id>", text)
    if not contacts:
        return text
    text = _BARE_PHONE.sub("<phone>", text)
    return _USERNAME.sub("<username>", text)


def iban_valid(iban: str) -> bool:
    """Whether ``iban`` (letters and digits only) passes the IBAN check: mod 97 is 1."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _token(match: re.Match[str]) -> str:
    found = match.group()
    return found if _ERROR_NAME.fullmatch(found) else "<token>"


def _iban(match: re.Match[str]) -> str:
    found = match.group()
    length = _IBAN_LENGTHS.get(found[:2].upper())
    if length is None:
        return found
    alphanumeric = [index for index, char in enumerate(found) if char.isalnum()]
    if len(alphanumeric) < length:
        return found
    end = alphanumeric[length - 1] + 1
    iban = "".join(found[index] for index in alphanumeric[:length])
    if found[end : end + 1].isalnum() or not iban_valid(iban):
        return found  # no IBAN ends there: a letter or a digit goes on
    return "<iban>" + found[end:]


def _card(match: re.Match[str]) -> str:
    """The run of digit groups with every group that may belong to a card number masked
    ("1004 4111 1111 1111 1111" could be a code and a card, or a card and a code: both go)."""
    run = match.group()
    if sum(char.isdigit() for char in run) < _CARD_DIGITS.start:
        return run
    groups = re.split(f"({_CARD_GAP})", run)  # digits, separator, digits, ...
    numbers = groups[::2]
    covered = _card_groups(numbers)
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


def _card_groups(numbers: list[str]) -> list[bool]:
    """Which of the digit groups ``numbers`` belong to a span of whole groups that is 13 to 19
    digits long and passes the Luhn check. Each span is summed from its end leftwards, a group at
    a time, so a digit's place from the right (all Luhn needs) is known as it is added."""
    covered = [False] * len(numbers)
    for end in range(len(numbers)):
        total = place = 0
        for start in range(end, -1, -1):
            if place + len(numbers[start]) >= _CARD_DIGITS.stop:
                break
            for char in reversed(numbers[start]):
                digit = int(char)
                total += (digit * 2 - 9 if digit > 4 else digit * 2) if place % 2 else digit
                place += 1
            if place in _CARD_DIGITS and total % 10 == 0:
                covered[start : end + 1] = [True] * (end + 1 - start)
    return covered


def phone_at(text: str, start: int) -> bool:
    """Whether a phone number as people write it starts at ``start``: no secret after a name
    ("otp +7 999 123 45 67", "otp на 8-999-123-45-67" in a message to the team, whose phones
    are kept, lost the number)."""
    found = _FORMATTED_PHONE.match(text, start)
    return found is not None and _long_enough(found.group())


def phone_spans(text: str) -> list[tuple[int, int]]:
    """Where phone numbers as people write them stand in ``text``: a spaced dash ends one
    ("+77012345678 - 482193" is a phone and a code: an attack)."""
    spans = []
    for found in _FORMATTED_PHONE.finditer(text):
        phone = _SPACED_DASH.split(found[0], 1)[0]
        if _long_enough(phone):
            spans.append((found.start(), found.start() + len(phone)))
    return spans


def _phone(match: re.Match[str]) -> str:
    found = match.group()
    return "<phone>" if _long_enough(found) else found


def _long_enough(phone: str) -> bool:
    """Whether a phone's shape holds a phone's ten digits at least (fewer: another number)."""
    return sum(char.isdigit() for char in phone) >= _PHONE_DIGITS
