"""Numbers in a story that are not error codes: phone numbers, dates, sums of money, counts of
days, times or people, tickets' and orders' numbers, and cards' numbers. The parser blanks them
before it reads codes, so that "gosms won't take +38 (067) 123-45-67" or "topped up 500 rubles
on May 1" reach the word search instead of codes 38, 67, 500 or 1.
(No error code in the catalogs is longer than five digits.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

_PHONE = (
    # A plus and at least seven digits, grouped any way: +38 (067) 123-45-67, +79991234567.
    r"\+\d(?:[\s().-]{0,2}\d){6,}"
    # An area code in brackets, maybe after a country's: 8 (999) 123-45-67, (067) 123 45 67.
    r"|(?<![\d-])(?:\d{1,3}[\s-]?)?\(\d{2,5}\)\s?(?:\d{3}[\s-]?\d{2}[\s-]?\d{2}|\d{5,7})(?!\d)"
    # Digits grouped as a phone's: 8 912 345 67 89, 067 123 45 67, 999-123-45-67; seven alone
    # only with dashes, 123-45-67 ("mobizon 100 12 13" lists three codes).
    r"|(?<![\d-])(?:\d{1,3}[\s-])?\d{3,4}[\s-]\d{3}[\s-]\d{2}[\s-]\d{2}(?![\d-])"
    r"|(?<![\d-])\d{3}-\d{2}-\d{2}(?![\d-])"
    # Ten to fifteen digits in a row (a phone number has at most 15): 0671234567, 89991234567.
    r"|(?<!\d)\d{10,15}(?!\d)"
)
_ENGLISH_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|june?|july?|aug(?:ust)?"
    r"|sep(?:t|tember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTHS = (  # each month's own forms (червня, not червоний)
    r"январ[ьяе]|феврал[ьяе]|марта?|марте|апрел[ьяе]|ма[йяе]|июн[ьяе]|июл[ьяе]|августа?|августе"
    r"|сентябр[ьяе]|октябр[ьяе]|ноябр[ьяе]|декабр[ьяе]"
    r"|січ(?:ень|ня|ні)|лют(?:ий|ого|ому)|берез(?:ень|ня|ні)|квіт(?:ень|ня|ні)|трав(?:ень|ня|ні)"
    r"|черв(?:ень|ня|ні)|лип(?:ень|ня|ні)|серп(?:ень|ня|ні)|верес(?:ень|ня|ні)|жовт(?:ень|ня|ні)"
    r"|листопад[аі]?|груд(?:ень|ня|ні)"
    rf"|{_ENGLISH_MONTHS}"
)
_DAY = r"(?<!\d)(?:0?[1-9]|[12]\d|3[01])(?!\d)"  # 35 is no day: "с марта нотификор 35"
# "May" stands before a number only ("May 5"): "mobizon 5 may mean" asks about code 5.
_YEAR = r"(?:\s*,?\s*(?:19|20)\d{2}(?:\s*(?:г\.|года?|году|року|рік|р\.))?)?"
_DATE = (
    # 1 мая, 5-го марта, 12 січня 2024; March 5, May 5th, 2024 (a month before its day only in
    # English: "с марта 12" is since March, code 12); a year said as one: в 2024 году.
    rf"{_DAY}(?:-?(?:го|е|ое|st|nd|rd|th))?\s+(?:{_MONTHS})(?![а-яёіїєa-z]){_YEAR}"
    rf"|(?<![а-яёіїєa-z])(?:{_ENGLISH_MONTHS}|may)\s+{_DAY}(?:st|nd|rd|th)?{_YEAR}"
    rf"|{_DAY}(?:st|nd|rd|th)?\s+may,?\s+(?:19|20)\d{{2}}(?!\d)"  # 12 may 2024, not "5 may mean"
    r"|(?<!\d)(?:19|20)\d{2}\s*(?:г\.|года?|году|року|рік|р\.|year)(?![а-яёіїєa-z])"
)
_CURRENCY = (
    r"руб[а-яё]*|р\.|₽|rub|rur|коп[а-яё]*|грн|гривен[а-яіїє]*|гривн[а-яіїє]*|₴|uah"
    r"|тенге|₸|kzt|сум|uzs|доллар[а-яё]*|долар[а-яіїє]*|бакс[а-яё]*|usd|dollars?|bucks"
    r"|cents?|евро|євро|eur|euros?|€|\$|£|gbp|%|процент[а-яё]*|відсот[а-яіїє]*|percent"
)
_NUMBER = r"(?:\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+)(?:[.,]\d{1,2})?"
_SUM = (  # (a sign that a number follows is its own: "gosms 1004 $20" is no "1004 $", an attack)
    rf"(?<![\d.,]){_NUMBER}\s?(?:{_CURRENCY})(?![а-яёіїєa-z]|(?<=[$€₽₴£])\d)"
    rf"|(?:[$€₽₴£]|(?<![a-z])(?:usd|eur|rub|uah))\s?{_NUMBER}"
)
# A count of days, hours, times, people or numbers, told as one: after a word that makes it a
# count ("notificore 35 for 2 days", "на 3 номера", "уже 3 раза": Notificore 2 and 3 were
# answered, an attack), or a few days or hours before "ago", "подряд" ("gosms 1004 3 дня
# подряд"). Not a number before such a word alone: "radist 400 номера не доходят", "notificore
# 35 times in a row" ask codes (a second attack: read as counts, they were lost).
_TIMES = (
    r"days?|дн(?:я|ей|і|ів)|день|суток|hours?|hrs|час(?:а|ов|у)?|годин[аиу]?|minutes?|mins?"
    r"|минут[аы]?|хвилин[аиу]?|weeks?|недел[ьиюя]|тижн[іяь]\w*|тиждень|months?|месяц\w*"
    r"|місяц\w*"
)
_UNITS = (
    rf"{_TIMES}|times|раза?|разів|people|человек|людей|осіб|users|clients|клиент(?:а|ов)"
    r"|клієнт(?:а|ів)|numbers|номера|номеров|номерів"
)
_COUNTING = (
    r"for|over|within|during|last|past|every|about|around|за|уже|вже|на|через|каждые|кожні"
    r"|протягом|в течение|около|у"
)
_COUNT = (
    rf"(?<![а-яёіїєa-z])(?:{_COUNTING})\s+\d{{1,3}}\s?(?:{_UNITS})(?![а-яёіїєa-z])"
    rf"|(?<![\d.,])\d{{1,2}}\s?(?:{_TIMES})\s+(?:ago|назад|тому|подряд|поспіль|in a row)"
    r"(?![а-яёіїєa-z])"
)
_COUNTED = re.compile(rf"[#№]?\d+\s?(?:{_UNITS})(?![а-яёіїєa-z])", re.IGNORECASE)


def counted(text: str, at: int) -> bool:
    """Whether the number at ``at`` is followed by a count's word ("2 дня", "3 times"): a count
    when another number is the code (query.py: "notificore 35 2 дня")."""
    return _COUNTED.match(text, at) is not None


# The number of a ticket after its name, or of an order, an invoice, a contract, a parcel or an
# account marked as a number ("№", "#") or longer than a code: "gosms 1004 тикет 5512",
# "заказ №123456 gosms 1004" ("GoSMS has no code 5512": an attack). Not a code after such a word
# ("gosms account 1004 blocked", "при отправке заказа 1004": a second attack). The name is
# blanked with the number.
_TICKETS = r"tickets?|тикет\w*|заявк[аиуе]|обращени[еяю]"
_LABELS = (
    r"orders?|заказ[аеуы]?|замовлення|invoice|инвойс\w*|сч[её]т[аеу]?|рахун(?:ок|ку)"
    r"|договор[аеу]?|contract|tracking|track|трек|ттн|накладн\w*|account|аккаунт[аеу]?"
    r"|акаунт[аеу]?|(?:user|client|order|ticket) ?id|id (?:клиента|заказа)"
)
# (A colon is no mark: "при отправке заказа: 1004" lists the codes it met: a fourth attack.)
_MARK = r"(?:№|#|no\.?|number|номер)\s*:?\s*"
_LABELLED = (
    rf"(?<![а-яёіїєa-z])(?:(?:{_TICKETS})\s*(?:{_MARK}|:\s*)?\d+"
    rf"|(?:{_LABELS})\s*(?:(?:{_MARK})\d+|:?\s*\d{{6,}}))(?:[-/]\d+)*"
)
# A payment card's number as people paste it, grouped by fours or not: its groups are no codes
# ("card 4111 1111 1111 1111 gosms 1004" got "GoSMS has no code 4111", the card's digits said
# back in a group: found by an attack). Only one passing the Luhn check, and not groups that are
# each a code the caller knows (four GoSMS codes in a row pass it one time in ten).
# Looked for within each run of digit groups, from each group on (a code may stand before the
# card: "gosms 1004 4111 1111 1111 1111" lost its code to a window that took it in: an attack).
_RUN = re.compile(r"(?<![\d-])\d++(?:[ -]\d++)*+")
_CARD_DIGITS = range(13, 20)
_ISSUERS = "23456789"  # a card's first digit (not the 1 of "1004"; 8 and 9: Uzcard, ПРОСТІР)
_FIRST_GROUP = 4  # a card's first group has four digits at least: "21 2240 2067 9701" is none

# Each pattern is tried only near the digits (what it matches holds one, and no month's name,
# year word or currency is longer than REACH), and only where the digits are near what it cannot
# match without: seven digits, a month's name or a year, a currency. Case-blind patterns that
# open on a lookbehind are slow in Python's re (each position tries every branch): all three
# over every message took 12 µs for "gosms 1004" and 420 µs for a 500-character story with a
# number in it (timeit), where this takes 3 µs and ~40 µs.
REACH = 24
_DIGITS = re.compile(r"\d+")
_MONTH_OR_YEAR = re.compile(rf"{_MONTHS}|may|(?:19|20)\d\d")  # on the lowered text: no lookbehind
_MONEY = re.compile(_CURRENCY + r"|usd|eur|rub|uah")
_A_UNIT = re.compile(rf"\d\s?(?:{_UNITS})(?![а-яёіїєa-z])")
_A_LABEL = re.compile(rf"(?:{_TICKETS}|{_LABELS})\W{{0,12}}\d")
_KINDS: tuple[tuple[str, Callable[[int, str], bool]], ...] = (  # each, and what it needs
    (_PHONE, lambda digits, _: digits >= 7),
    (_DATE, lambda _, low: _MONTH_OR_YEAR.search(low) is not None),
    (_SUM, lambda _, low: _MONEY.search(low) is not None),
    (_COUNT, lambda _, low: _A_UNIT.search(low) is not None),
    (_LABELLED, lambda _, low: _A_LABEL.search(low) is not None),
)


@cache
def _not_codes(kinds: tuple[int, ...]) -> re.Pattern[str]:
    """The kinds that may match, tried as one pattern in this order (the leftmost match wins,
    as it did when all were one). Made when a set of them is first needed: the 31 sets of five
    kinds, all made as the module loaded, took 107 ms of every start (-X importtime; the 7 of
    three, 30 ms), where most messages need one set or two."""
    return re.compile("|".join(_KINDS[k][0] for k in kinds), re.IGNORECASE)


Span = tuple[int, int]


def not_codes(
    text: str, codes: Callable[[list[str]], bool] = lambda groups: False
) -> tuple[list[Span], list[Span]]:
    """Where the text holds a phone number, a date or a sum, and where a card's number (unless
    its groups are each a code: ``codes``): spans to blank before codes are read."""
    windows: list[list[int]] = []  # [start, end, digits] around runs of digits, merged
    for run in _DIGITS.finditer(text):
        start, end = max(run.start() - REACH, 0), run.end() + REACH
        if windows and start <= windows[-1][1]:
            windows[-1][1:] = end, windows[-1][2] + len(run.group())
        else:
            windows.append([start, end, len(run.group())])
    spans: list[Span] = []
    cards: list[Span] = []
    for start, end, digits in windows:
        low = text[start:end].lower()
        kinds = tuple(k for k, (_, could) in enumerate(_KINDS) if could(digits, low))
        if kinds:
            spans += [match.span() for match in _not_codes(kinds).finditer(text, start, end)]
        if digits >= _CARD_DIGITS.start:
            for run in _RUN.finditer(text, start, end):
                cards += _cards_in(list(_DIGITS.finditer(run.group())), run.start(), codes)
    return spans, cards


def _cards_in(
    groups: list[re.Match[str]], at: int, codes: Callable[[list[str]], bool]
) -> list[Span]:
    """The cards' numbers among a run's digit groups (``at``: where the run starts): from each
    group that may start one (four digits at least, the first not a 0 or 1), the fewest groups
    that make one; a code of the provider named that starts a card's number with the groups
    after it stays a code when the next group starts one ("gosms 2001 4786-5797-5432-3199": one
    card in ten would take the code in, and leave its last group for a code: found by an
    attack)."""

    def card_from(first: int) -> int | None:  # the card's last group, if one starts here
        head = groups[first].group() if first < len(groups) else ""
        if len(head) < _FIRST_GROUP or head[0] not in _ISSUERS:
            return None
        digits: list[int] = []
        for last in range(first, len(groups)):
            digits += map(int, groups[last].group())
            if len(digits) > _CARD_DIGITS[-1]:
                return None
            taken = [group.group() for group in groups[first : last + 1]]
            if len(digits) in _CARD_DIGITS and luhn(digits):
                if len(taken) > 1 and codes(taken):
                    return None
                # A 19-digit card written 4-4-4-4-3 whose first 16 pass the check too (one in
                # ten) left its last group for a code (a fourth attack): the short group after
                # is the card's when the whole passes as well.
                tail = groups[last + 1].group() if last + 1 < len(groups) else ""
                longer = [*digits, *map(int, tail)]
                if len(tail) < _FIRST_GROUP and len(longer) in _CARD_DIGITS and luhn(longer):
                    return last + 1 if tail else last
                return last
        return None

    found: list[Span] = []
    first = 0
    while first < len(groups):
        last = card_from(first)
        if last is not None and codes([groups[first].group()]) and card_from(first + 1):
            last = None  # a code before a card
        if last is not None:
            found.append((at + groups[first].start(), at + groups[last].end()))
            first = last
        first += 1
    return found


def luhn(digits: list[int]) -> bool:
    """The Luhn checksum every payment card number passes."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
