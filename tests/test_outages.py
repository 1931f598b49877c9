"""PostgreSQL and Redis going away while the bot runs is no outage: answers keep flowing,
lookups wait in memory and are written when the database is back, flood control falls back to
the process's own, and /healthz says which one is down. (Each server is cut off behind a proxy,
as a stop and a restart look to the bot, without stopping the one the other tests share.)"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import pytest
from aiogram.methods import SendMessage

from bot.store import StorageUnavailable
from bot.store.postgres import PostgresStore
from bot.telegram.monitoring import Health
from bot.telegram.shared import Shared
from tests.support.app import running_app
from tests.support.services import outage


async def test_both_servers_gone_and_back_lose_no_answer_and_no_lookup(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(outage(postgres_url))
        cache = await stack.enter_async_context(outage(redis_url))
        shared = Shared(cache.url)
        stack.push_async_callback(shared.close)
        store = PostgresStore(database.url, tmp_path / "lookups.pending")
        app = await stack.enter_async_context(running_app(tmp_path, shared=shared, store=store))
        health = Health(app.library, app.lookups, shared)

        async def ask(person: int) -> str:
            (reply,) = await app.feed(app.fake.message("notificore 35", user_id=person))
            assert isinstance(reply, SendMessage)
            return reply.text

        assert (await ask(1)).startswith("<b>Notificore · 35")
        await app.lookups.flush()
        await database.cut()
        await cache.cut()
        answers = [await ask(person) for person in range(100, 130)]
        assert all(text.startswith("<b>Notificore · 35") for text in answers)
        with pytest.raises(StorageUnavailable):
            await app.lookups.flush()
        assert app.lookups.pending == 30  # held in memory, not lost
        status, body = await health.check()
        assert status == 503 and body["database"]["writable"] is False
        assert body["redis"] == "down" and body["lookups_waiting"] == 30

        await database.restore()
        await cache.restore()
        await app.lookups.flush()
        assert app.lookups.pending == 0
        db = await asyncpg.connect(postgres_url)
        try:
            assert await db.fetchval("SELECT count(*) FROM lookups") == 31
        finally:
            await db.close()
        status, body = await health.check()
        assert status == 200 and body["database"]["writable"] is True


async def test_a_database_that_stops_answering_is_given_up_and_a_stop_spills_in_time(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A PostgreSQL that hangs (no refusal, no answer) held every write: /healthz said it was
    writable and a stop never ended, so a process manager's SIGKILL lost the lookups (found by
    an attack, 2026-12-07). A statement is now given up after COMMAND_TIMEOUT, and a stop
    spills what STOP_WRITE did not see written. (Both clocks shortened here.)"""
    import logging

    from bot.analytics import writer
    from bot.analytics.spill import read_spills
    from bot.store import postgres, postgres_schema

    monkeypatch.setattr(postgres, "COMMAND_TIMEOUT", 0.5)
    monkeypatch.setattr(writer, "STOP_WRITE", 1.0)
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(outage(postgres_url))
        store = PostgresStore(database.url, tmp_path / "lookups.pending")
        app = await stack.enter_async_context(running_app(tmp_path, store=store))
        health = Health(app.library, app.lookups, Shared(None))
        await app.feed(app.fake.message("notificore 35", user_id=1))
        await app.lookups.flush()
        database.hang()
        for person in range(100, 105):
            (reply,) = await app.feed(app.fake.message("notificore 35", user_id=person))
            assert isinstance(reply, SendMessage)  # answers go on
        with pytest.raises(StorageUnavailable):
            await app.lookups.flush()  # given up on, not waited for
        status, body = await health.check()
        assert status == 503 and body["database"]["writable"] is False
        # The stop's own bound: however long the database would take (its connection given
        # up only after CONNECT_TIMEOUT now), the stop spills after STOP_WRITE.
        monkeypatch.setattr(postgres, "COMMAND_TIMEOUT", 60.0)
        monkeypatch.setattr(postgres_schema, "CONNECT_TIMEOUT", 60.0)
        with caplog.at_level(logging.WARNING, logger="bot.analytics.writer"):
            assert await app.lookups.close()  # spilled, not waited for a minute
        assert "the database took more than 1 s at the stop: spilled" in caplog.text
        ((_, rows),) = read_spills(tmp_path / "lookups.pending")
        assert len(rows) == 5
        database.flow()


async def test_a_database_gone_before_the_first_write_still_keys_the_runs_lookups(
    postgres_url: str, tmp_path: Path
) -> None:
    """With the key kept in PostgreSQL (no ANALYTICS_SECRET), a database that went away after a
    sound start but before the first write left every lookup of the run without its person: the
    key was read only with the first write (found by an attack, 2026-12-07). It is read at the
    start."""
    import time

    from bot.analytics.spill import read_spills
    from bot.analytics.writer import LookupLog
    from tests.support.lookups import lookup

    async with outage(postgres_url) as database:
        store = PostgresStore(database.url, tmp_path / "lookups.pending")
        log = LookupLog(store, secret=store.shared_key)
        await log.start()
        await database.cut()
        for person in (1, 2, 3):
            log.record(lookup(time.time(), person))
        assert await log.close()  # spilled
    ((_, rows),) = read_spills(tmp_path / "lookups.pending")
    assert len(rows) == 3 and all(row.person is not None for row in rows)
