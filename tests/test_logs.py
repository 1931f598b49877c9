"""Secrets stay out of the logs: the token, and the password in every URL setting."""

from __future__ import annotations

import logging

from bot.logs import Redact, password, secrets_of, without_password
from bot.settings import load_settings


def test_urls_are_shown_without_their_password() -> None:
    url = "postgresql://codebook:s3cret-pass@db.internal:5432/codebook"
    assert without_password(url) == "postgresql://codebook:***@db.internal:5432/codebook"
    assert without_password("redis://:s3cret-pass@cache:6379/0") == "redis://:***@cache:6379/0"
    assert without_password("redis://cache:6379/0") == "redis://cache:6379/0"
    assert password(url) == "s3cret-pass" and password("redis://cache") == "" == password(None)


def test_each_secret_is_redacted_from_messages_and_tracebacks() -> None:
    record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "to %s", ("s3cret-pass",), None)
    try:
        raise OSError("cannot reach postgresql://codebook:s3cret-pass@db")
    except OSError:
        import sys

        record.exc_info = sys.exc_info()
    Redact(["s3cret-pass", ""]).filter(record)
    assert record.getMessage() == "to <redacted>"
    assert record.exc_text is not None and "codebook:<redacted>@db" in record.exc_text
    assert "s3cret-pass" not in record.exc_text


def test_the_secrets_are_the_token_and_every_urls_password() -> None:
    token = "123456:" + "A" * 35
    settings = load_settings(
        bot_token=token,
        database_url="postgresql://codebook:db-pass@db/codebook",
        redis_url="redis://:redis-pass@cache:6379/0",
        webhook_url=f"https://hook:hook-pass@bot.example.org/{token}",
        webhook_secret="s3cret",
        telegram_api_url="http://api:api-pass@127.0.0.1:8081",
    )
    assert set(secrets_of(settings)) == {token, "db-pass", "redis-pass", "hook-pass", "api-pass"}
