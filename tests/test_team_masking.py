"""What a person writes to the support team, masked (``mask_message``): after a password's name
the value that follows is the password whatever its shape (the person talks to support, not
asks for an error code), a one-time code too; a login is what the team has to find, and stays."""

from __future__ import annotations

import pytest

from bot.analytics.privacy import mask_message, mask_query


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("мой пароль qwerty", "мой пароль <secret>"),
        ("мій пароль сонечко", "мій пароль <secret>"),
        ("пароль qwerty", "пароль <secret>"),
        ("password qwertyuiop", "password <secret>"),
        ("my password Qwerty", "my password <secret>"),
        ("passwd qwerty", "passwd <secret>"),
        ("login anna password qwerty", "login anna password <secret>"),
        ("логин anna пароль Qwerty", "логин anna пароль <secret>"),
        ("пароль вот такой qwerty", "пароль вот такой <secret>"),
        ("пароль от личного кабинета qwerty", "пароль от личного кабинета <secret>"),
        ("Here's the pass  qwerty", "Here's the pass <secret>"),
        ("my password is the word qwerty", "my password is the word <secret>"),
        ("пароль qwerty, помогите", "пароль <secret>, помогите"),
        ("мой пасс qwerty", "мой пасс <secret>"),
        ("пасворд Hunter2Secret", "пасворд <secret>"),
        ('password "qwerty"', 'password "<secret>"'),
        ("password 'qwerty' does not work", "password '<secret>' does not work"),
        ('пароль"qwerty"', 'пароль"<secret>"'),
        ("пароль 123456", "пароль <secret>"),
        ("пароль 12345", "пароль <secret>"),
        ("password -> Hunter2Secret", "password -> <secret>"),
        ("password → Hunter2Secret", "password → <secret>"),
        ("password -> qwerty", "password -> <secret>"),
        ("Hunter2Secret is my password", "<secret> is my password"),
        ("Hunter2Secret — мой пароль", "<secret> — мой пароль"),
        ("qw3rty is the password", "<secret> is the password"),
        ("code 482193", "code <secret>"),
        ("code from sms 482193", "code from sms <secret>"),
        ("the code from the SMS is 4821", "the code from the SMS is <secret>"),
        ("логин/пароль anna/qwerty", "логин/пароль <secret>"),
        ("my login is anna, password qwerty", "my login is anna, password <secret>"),
        ("пароль qwerty\nспасибо", "пароль <secret>\nспасибо"),
        ("my password is\nHunter2Secret", "my password is <secret>"),
        ("password for\nqwerty", "password for <secret>"),
        ("пароль от кабинета\nqwerty", "пароль от кабинета <secret>"),
    ],
)
def test_a_password_written_to_the_team_is_masked_whatever_its_shape(
    text: str, masked: str
) -> None:
    assert mask_message(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "password reset does not work",
        "пароль не подходит",
        "wrong password error",
        "password expired gosms 1004",
        "gosms token 1003",
        "error code 100500",
        "my login is anna",
        "пароль неверный, ошибка 1004",
        "reset password please",
        "код ошибки 1004",
        "telegram asks for a 2fa password to connect the account",
        "password 1004",
        "телеграм просить пароль двофакторної перевірки",
    ],
)
def test_what_only_talks_of_a_password_reaches_the_team_as_sent(text: str) -> None:
    assert mask_message(text) is None


@pytest.mark.parametrize(
    ("text", "stored"),
    [
        ("password reset does not work", "password reset does not work"),
        ("пароль не подходит", "пароль не подходит"),
        ("wrong password error", "wrong password error"),
        ("code 1004", "code 1004"),
        ('password "qwerty"', 'password "<secret>"'),
        ("password -> Hunter2Secret", "password -> <secret>"),
        ("Hunter2Secret is my password", "<secret> is my password"),
        ("code from sms 482193", "code from sms <secret>"),
        # Stored questions reach the team too (the handoff's card, /gaps, the digest): masked
        # as eagerly as a message to it (an attack found "мой пароль qwertyzz" on a card).
        ("Settings → Password → Reset", "Settings → Password → Reset"),
        ("Settings → Password → Confirm", "Settings → Password → <secret>"),
        ("gosms 1004 мой пароль qwertyzz", "gosms 1004 мой пароль <secret>"),
        ("мій пароль сонечко", "мій пароль <secret>"),
        ("password expired gosms 1004", "password expired gosms 1004"),
        ("пароль неверный, ошибка 1004", "пароль неверный, ошибка 1004"),
    ],
)
def test_a_stored_lookup_masks_the_plain_forms_and_keeps_the_questions(
    text: str, stored: str
) -> None:
    assert mask_query(text) == stored


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("password: Hun\nter2", "password: <secret>\n<secret>"),
        ("пароль: Hunter\n2Secret\nспасибо", "пароль: <secret>\n<secret>\nспасибо"),
        ("password: qwerty\nthanks", "password: <secret>\nthanks"),
        # Prose about a login on one line, the password on the next: each line read alone.
        (
            "which login works\nlogin anna password qwerty\nx",
            "which login works\nlogin anna password <secret>\nx",
        ),
    ],
)
def test_a_password_wrapped_onto_the_next_line_is_masked_there_too(text: str, masked: str) -> None:
    assert mask_message(text) == masked


def test_an_aws_secret_key_is_masked_with_its_id() -> None:
    text = "AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY for SNS"
    assert mask_message(text) == "<token> <token> for SNS"
    assert mask_query(text) == "<token> <token> for SNS"
    url = "https://sns.amazonaws.com/v1/Topics/ArnAbcdefGhijk1234/Subscriptions"
    assert mask_message(url) is None  # a URL's path is no key
