"""Errors the bot lives through are said in the log, with why: none is swallowed silently."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from bot.analytics.reading import Reports
from bot.store import StorageUnavailable
from bot.telegram.background import in_background
from tests.support.app import App


async def test_an_apology_that_cannot_be_sent_is_logged_with_its_reason(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(text: str) -> None:
        raise RuntimeError("catalog on fire")

    monkeypatch.setattr(app.library.resolver, "answer", explode)
    app.fake.block(1001)  # the person blocked the bot meanwhile
    with caplog.at_level(logging.WARNING, logger="bot.telegram.handlers.errors"):
        await app.feed(app.fake.message("gosms 1004", user_id=1001))
    failed, apology = [r for r in caplog.records if r.name == "bot.telegram.handlers.errors"]
    assert "catalog on fire" in failed.getMessage()
    assert apology.getMessage().startswith("could not tell the person about the failed update")
    assert apology.exc_info is not None and "Forbidden" in str(apology.exc_info[1])


async def test_a_person_who_blocked_the_bot_is_one_line_and_no_apology(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    """Telegram refusing to write to a chat (the person blocked the bot, the bot was removed
    from the group) is the chat's doing, not a failure: one warning, no traceback, and no
    apology, which would be refused the same way; the lookup is still counted."""
    app.fake.block(1002)
    with caplog.at_level(logging.WARNING):
        await app.feed(app.fake.message("gosms 1004", user_id=1002))
    (said,) = [r for r in caplog.records if r.name == "bot.telegram.handlers.errors"]
    assert said.levelno == logging.WARNING and said.exc_info is None
    assert "Telegram refuses to write there" in said.getMessage()
    assert "blocked" in said.getMessage()
    assert len(app.fake.calls("sendMessage")) == 1  # the answer, refused; no apology after it
    await app.lookups.flush()
    assert (await Reports(app.lookups).report(days=1, top=1)).total == 1


class LockedDatabase:
    """Reports whose database cannot be read now."""

    async def report(self, days: int = 7, top: int = 10) -> dict[str, Any]:
        raise StorageUnavailable("database is locked")


async def test_a_background_task_that_fails_is_said_when_it_stops(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def digest() -> None:
        raise RuntimeError("DIGEST_AT is in the past")

    background: set[asyncio.Task[None]] = set()
    with caplog.at_level(logging.ERROR, logger="bot.telegram.background"):
        in_background(background, digest(), "digest")
        (task,) = background
        # Ended, and the bot not stopping: nothing would gather it yet. (Its done callbacks
        # run in the order they were added: the log's before this wait's.)
        await asyncio.wait([task])
    (record,) = caplog.records
    assert record.getMessage().startswith("digest stopped, until the bot restarts")
    assert record.exc_info is not None and "in the past" in str(record.exc_info[1])
