"""What the lookup log keeps of a person: a keyed hash for the id, masked text for the query."""

from __future__ import annotations

import pytest

from bot.analytics.privacy import mask_query, user_key


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
