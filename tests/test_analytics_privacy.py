"""What the lookup log keeps of a person: a keyed hash for the id, masked text for the query."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.analytics.privacy import luhn, mask_query, user_key


@pytest.mark.parametrize(
    "text",
    [
        "notificore 21 41 61 24",
        "notificore 21 41 61 24 35 11",
        "gosms 1004",
        "gosms 88-89",
        "2024-05-01 12:30 error_code=10005",
        '{"error":"40"}',
        "error 35 (401) 2 3",
        "Authorization_Bearer_Token_missing",
        "радист 17002",
    ],
)
def test_error_codes_dates_and_words_survive_masking(text: str) -> None:
    assert mask_query(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+7 999 123-45-67", "<phone>"),
        ("89991234567", "<phone>"),
        ("+380 (44) 123 45 67", "<phone>"),
        ("79929999999", "<phone>"),
        ("8 (999) 123-45-67", "<phone>"),
        ("(495) 123-45-67", "<phone>"),
        ("555-123-4567", "<phone>"),
        ("call 8 999 123 45 67 please", "call <phone> please"),
        ("gosms 1004 for +79991234567", "gosms 1004 for <phone>"),
        ("радист 17002 +7 (912) 345-67-89", "радист 17002 <phone>"),
    ],
)
def test_phone_numbers_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ivan.petrov+sms@mail.example.ru now", "write to <email> now"),
        (
            "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U failed",
            "token <token> failed",
        ),
        ("gosms 1004 key sk_live_4eC39HqLyjWDarjtT1zdp7dc", "gosms 1004 key <token>"),
        ("hash 9f86d081884c7d659a2feaa0c55ad015", "hash <token>"),
    ],
)
def test_emails_and_long_tokens_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


def test_a_long_query_is_cut_to_200_characters_after_masking() -> None:
    assert mask_query("x" * 500) == "x" * 200
    # Masking first: a phone that straddles the cut is gone, not left half visible.
    masked = mask_query("z" * 190 + " +7 999 123-45-67")
    assert masked == "z" * 190 + " <phone>"


def test_the_same_id_gives_the_same_key_and_another_secret_another() -> None:
    key = user_key(b"one secret", 123456789)
    assert key == user_key(b"one secret", 123456789)
    assert isinstance(key, int) and -(2**63) <= key < 2**63  # SQLite's INTEGER
    assert key != user_key(b"another secret", 123456789)
    assert key != user_key(b"one secret", 123456780)
    assert key != 123456789


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("card 4111 1111 1111 1111 declined", "card <card> declined"),
        ("4111-1111-1111-1111", "<card>"),
        ("5500 0000 0000 0004", "<card>"),
        ("password: hunter2", "password: <secret>"),
        ("Password=Tr0ub4dor&3 gosms 1004", "Password=<secret> gosms 1004"),
        ("пароль: сонечко", "пароль: <secret>"),
        ("мой пароль qwerty123", "мой пароль <secret>"),
        ("api key 9f3kQ2 not accepted", "api key <secret> not accepted"),
        ("токен=abcdef", "токен=<secret>"),
        ("pin 4821", "pin <secret>"),
        ("пишите @ivan_petrov или t.me/ivan_petrov", "пишите <username> или <username>"),
        ("паспорт 4510 123456", "паспорт <id>"),
        ("паспорт АА123456", "паспорт <id>"),
        ("passport AB1234567", "passport <id>"),
        ("id card 123456789", "id card <id>"),
        ("gosms\x00 1004\u202e", "gosms 1004"),
        ("line one\nline two", "line one line two"),
    ],
)
def test_secrets_in_every_form_are_masked(text: str, masked: str) -> None:
    assert mask_query(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "radist 2fa password too many attempts",
        "gosms token 1003",
        "invalid token error",
        "notificore 21 41 61 24 35 11 12",  # seven codes, not a card
        "4111 1111 1111 1112",  # fails the Luhn check: not a card
        "gupshup 131047",
        "radist MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS",
    ],
)
def test_questions_that_only_look_secret_survive(text: str) -> None:
    assert mask_query(text) == text


# --- generated secrets inside generated text ---------------------------------------------------


def _with_luhn(body: list[int]) -> str:
    """``body`` and the check digit that makes it pass the Luhn test."""
    for check in range(10):
        if luhn([*body, check]):
            return "".join(map(str, [*body, check]))
    raise AssertionError("unreachable")


@st.composite
def card_numbers(draw: st.DrawFn) -> tuple[str, str]:
    length = draw(st.sampled_from([13, 15, 16, 19]))
    number = _with_luhn(draw(st.lists(st.integers(0, 9), min_size=length - 1, max_size=length - 1)))
    separator = draw(st.sampled_from(["", " ", "-"]))
    written = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    return written, number


_ALNUM = st.text(
    alphabet=st.sampled_from("abcdefghkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789!#%&*"),
    min_size=6,
    max_size=20,
)


@st.composite
def named_secrets(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(
        st.sampled_from(["password", "Password", "пароль", "Пароль", "pwd", "pin", "токен"])
    )
    separator = draw(st.sampled_from([": ", "=", ":", " = "]))
    value = draw(_ALNUM)
    return f"{word}{separator}{value}", value


@st.composite
def usernames(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9_]{4,20}", fullmatch=True))
    return draw(st.sampled_from([f"@{name}", f"t.me/{name}"])), name


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, str]:
    digits = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    series = draw(st.sampled_from(["4510 ", "45 10 ", "АА", "КВ ", "AB"]))
    return f"{series}{digits}", digits


@st.composite
def phones_and_emails(draw: st.DrawFn) -> tuple[str, str]:
    digits = draw(st.from_regex(r"9[0-9]{9}", fullmatch=True))
    kind = draw(st.sampled_from(["+7", "8 ", "email"]))
    if kind == "email":
        user = draw(st.from_regex(r"[a-z][a-z0-9.]{2,10}", fullmatch=True))
        return f"{user}@mail.example.org", user
    return f"{kind}{digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}", digits[3:]


_WORDS = st.lists(
    st.sampled_from(
        [
            "gosms",
            "1004",
            "notificore",
            "21",
            "41",
            "ошибка",
            "не",
            "приходит",
            "sms",
            "помилка",
            "radist",
            "17002",
            "код",
            "клиента",
            "why",
            "fails",
            "?",
            "—",
            "2024-05-01",
        ]
    ),
    max_size=8,
)


@given(
    before=_WORDS,
    secret=st.one_of(
        card_numbers(), named_secrets(), usernames(), documents(), phones_and_emails()
    ),
    after=_WORDS,
)
def test_no_generated_secret_is_ever_stored(
    before: list[str], secret: tuple[str, str], after: list[str]
) -> None:
    written, core = secret
    stored = mask_query(" ".join([*before, written, *after]))
    assert core not in stored.replace(" ", "").replace("-", "")
