"""The lookup log's writer: nothing lost on close, nothing personal stored, failures survived."""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import pytest

from bot.analytics.days import DAY_SECONDS, iso_day
from bot.analytics.privacy import user_key
from bot.analytics.rollup import Lookup, LookupEntry, Stored
from bot.analytics.writer import LookupLog
from bot.store import StorageUnavailable, sqlite_schema
from bot.store.sqlite import SqliteStore
from tests.support.lookups import (
    NOW,
    SECRET,
    Backend,
    at,
    day_of,
    entry,
    lookup,
    query_db,
    remove_database,
)

NO_DEVICES = entry("gosms", "1004", "No devices registered")


def count(path: Path, table: str = "lookups") -> int:
    return query_db(path, f"SELECT count(*) FROM {table}")[0][0]


def every_byte(folder: Path) -> bytes:
    """The database file and whatever companions it left, concatenated."""
    return b"".join(file.read_bytes() for file in folder.glob("bot.sqlite3*"))


def messages(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == level]


async def test_close_right_after_a_burst_of_10000_lookups_loses_none(backend: Backend) -> None:
    log = backend.log()
    await log.start()
    for n in range(10_000):
        log.record(lookup(NOW, n % 300, NO_DEVICES, query=f"gosms 1004 #{n}"))
    await log.close()
    assert log.pending == 0 and log.dropped == 0
    assert await backend.query("SELECT count(*), count(DISTINCT query) FROM lookups") == [
        (10_000, 10_000)
    ]
    assert await backend.query("SELECT sum(count) FROM daily_entries") == [(10_000,)]


async def test_the_raw_telegram_id_is_nowhere_in_the_database_file(tmp_path: Path) -> None:
    person = 987_654_321_012
    path = tmp_path / "bot.sqlite3"
    log = LookupLog(path, secret=SECRET)
    await log.start()
    log.record(lookup(NOW, person, NO_DEVICES))
    log.record(lookup(NOW, person, query="gosms 9999"))
    log.vote(person, "gosms", "1004", True)
    await log.close()

    stored = every_byte(tmp_path)
    assert str(person).encode() not in stored
    # SQLite keeps integers big-endian in 6 or 8 bytes.
    assert person.to_bytes(6, "big") not in stored
    assert person.to_bytes(8, "big") not in stored
    assert SECRET not in stored
    key = user_key(SECRET, person)
    assert query_db(path, "SELECT DISTINCT user_key FROM lookups") == [(key,)]
    assert query_db(path, "SELECT user_key FROM votes") == [(key,)]


async def test_another_secret_stores_another_key_for_the_same_person(backend: Backend) -> None:
    for secret in (b"first secret", b"second secret"):
        log = backend.log(secret=secret)
        await log.start()
        log.record(lookup(time.time(), 42, NO_DEVICES))  # (not pruned by the second start)
        await log.close()
    keys = await backend.query("SELECT user_key FROM lookups ORDER BY id")
    assert len(keys) == 2 and keys[0] != keys[1]


async def test_pruning_deletes_what_is_older_than_the_retention_period(backend: Backend) -> None:
    log = backend.log(retention_days=30, flush_interval=60)
    await log.start()
    # 30 days kept, today included: 2024-04-11 .. 2024-05-10.
    for day in ("2024-03-31", "2024-04-10", "2024-04-11", "2024-05-10"):
        log.record(lookup(at(day), 1, NO_DEVICES, query=f"asked {day}"))
    log.vote(1, "gosms", "1004", True, at=at("2024-04-10"))
    log.vote(2, "gosms", "1004", True, at=at("2024-04-11"))
    await log.flush()
    assert await log.prune(now=NOW) == 2
    await log.close()

    assert await backend.query("SELECT query FROM lookups ORDER BY at") == [
        ("asked 2024-04-11",),
        ("asked 2024-05-10",),
    ]
    assert await backend.query("SELECT user_key FROM votes") == [(user_key(SECRET, 2),)]
    for table in ("daily_outcomes", "daily_entries", "daily_users", "daily_entry_users"):
        first = await backend.query(f"SELECT min(day) FROM {table}")
        assert first == [(day_of("2024-04-11"),)], table
    assert await backend.query("SELECT sum(count) FROM daily_outcomes") == [(2,)]


async def test_a_backlog_is_pruned_a_day_at_a_time_and_writes_go_on_between(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A year's backlog (a shorter retention, a long pause) went in one statement, which on
    PostgreSQL outlasted its bound, was given up and tried again the next day, for ever, and on
    SQLite held every write meanwhile (found by an attack). A day (the oldest kept) goes a
    writer round, in a transaction of its own, the rounds' writes between."""
    now = time.time()
    log = backend.log(retention_days=30, flush_interval=0.01)
    await log.start()
    for days_ago in (400, 399, 200, 31, 29, 0):
        log.record(lookup(now - days_ago * DAY_SECONDS, 1, NO_DEVICES, query=f"{days_ago}"))
    await log.flush()
    store, steps, done = log.store, [], asyncio.Event()
    prune = store.prune

    async def step(first_day: int, first_at: float) -> int:
        steps.append(first_day)
        log.record(lookup(time.time(), 2, NO_DEVICES, query=f"during {len(steps)}"))
        if len(steps) == 5:
            done.set()
        return await prune(first_day, first_at)

    monkeypatch.setattr(store, "prune", step)
    caplog.set_level(logging.INFO, logger="bot.analytics.writer")
    log._next_prune = 0.0  # due now: the writer's rounds go on from here
    await asyncio.wait_for(done.wait(), 30)  # (a bound for a failure, no verdict on speed)
    await log.close()
    today = int(now // DAY_SECONDS)
    assert steps == [today - d + 1 for d in (400, 399, 200, 31)] + [today - 29]
    kept = await backend.query("SELECT query FROM lookups ORDER BY at, query")
    assert kept == [("29",), ("0",)] + [(f"during {n}",) for n in range(1, 6)]
    said = [r.getMessage() for r in caplog.records if "pruned" in r.getMessage()]
    assert said == [f"lookup log: pruned 4 lookups from before {iso_day(today - 29)}"]


@pytest.mark.parametrize("at", [float("-inf"), -1e300])
async def test_a_row_of_a_nonsense_time_is_pruned_and_stops_nothing(
    tmp_path: Path, at: float
) -> None:
    """A lookup of time -inf or -1e300 (written by hand) made the prune's first step raise, at
    every start (found by a second attack). It is pruned, and the log starts."""
    path = tmp_path / "bot.sqlite3"
    log = LookupLog(path, secret=SECRET, retention_days=30)
    await log.start()
    log.record(lookup(time.time(), 1, NO_DEVICES, query="kept"))
    await log.close()
    with sqlite3.connect(path) as db:
        db.execute(
            "INSERT INTO lookups (at, channel, chat_type, outcome, query, took_ms, entry_count) "
            "VALUES (?, 'private', 'private', 'not_found', 'odd', 1.0, 0)",
            (at,),
        )
    log = LookupLog(path, secret=SECRET, retention_days=30)
    await log.start()  # (it prunes)
    assert log.healthy
    await log.close()
    assert query_db(path, "SELECT query FROM lookups") == [("kept",)]


async def test_the_log_prunes_when_it_starts(backend: Backend) -> None:
    now = time.time()
    log = backend.log(retention_days=365)
    await log.start()
    log.record(lookup(now - 40 * DAY_SECONDS, 1, NO_DEVICES, query="old"))
    log.record(lookup(now, 1, NO_DEVICES, query="new"))
    await log.close()
    assert await backend.query("SELECT count(*) FROM lookups") == [(2,)]

    log = backend.log(retention_days=30)
    await log.start()
    await log.close()
    assert await backend.query("SELECT query FROM lookups") == [("new",)]


async def test_a_database_that_cannot_be_opened_at_start_does_not_stop_the_bot(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A file where the data folder should be: nobody, root included, can make the database
    # there. (chmod would not do: the tests may run as root, whom permissions do not stop.)
    folder = tmp_path / "data"
    folder.write_text("not a folder")
    path = folder / "bot.sqlite3"
    log = LookupLog(path, secret=SECRET, flush_interval=60)
    await log.start()
    try:
        (said,) = [m for m in messages(caplog, logging.WARNING) if "cannot write to" in m]
        # (at the start, with none yet, it said "holding 0 rows and retrying": an attack)
        assert said.endswith("the lookups wait in memory (0 now) and are written once it answers")
        for n in range(3):
            log.record(lookup(NOW, n, NO_DEVICES))
        with pytest.raises(StorageUnavailable):
            await log.flush()
        assert log.pending == 3

        folder.unlink()
        folder.mkdir()
        await log.flush()
        assert log.pending == 0
        assert count(path) == 3
    finally:
        await log.close()


async def test_while_the_database_fails_rows_are_held_then_dropped_oldest_first_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    log = LookupLog(path, secret=SECRET, max_pending=50, flush_interval=60)
    await log.start()
    try:
        # A folder where the database file was: SQLite cannot open it, whoever asks.
        remove_database(path)
        path.mkdir()
        for n in range(80):
            log.record(lookup(NOW, n, query=f"question {n}"))
        assert (log.pending, log.dropped) == (50, 30)
        with pytest.raises(StorageUnavailable):
            await log.flush()
        assert (log.pending, log.dropped) == (50, 30)
        assert any("cannot write to" in m for m in messages(caplog, logging.WARNING))
        assert any("dropped 30 rows" in m for m in messages(caplog, logging.ERROR))

        path.rmdir()
        await log.flush()
        assert log.pending == 0
        assert query_db(path, "SELECT query FROM lookups ORDER BY id") == [
            (f"question {n}",) for n in range(30, 80)
        ]
    finally:
        await log.close()


async def test_the_writer_keeps_retrying_in_the_background_until_the_database_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "data"
    folder.write_text("not a folder")
    path = folder / "bot.sqlite3"
    log = LookupLog(path, secret=SECRET, flush_interval=0.01, retry_initial=0.01, retry_max=0.05)
    await log.start()
    try:
        for n in range(5):
            log.record(lookup(NOW, n, NO_DEVICES))
        folder.unlink()
        folder.mkdir()
        async with asyncio.timeout(60):  # a deadline for a hung writer, not a speed test
            while log.pending:  # noqa: ASYNC110 - a count, no event to wait for
                await asyncio.sleep(0.01)
        assert count(path) == 5
        assert "writing to" in messages(caplog, logging.WARNING)[-1]
    finally:
        await log.close()


async def test_a_database_file_removed_while_running_is_made_anew(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "bot.sqlite3"
    log = LookupLog(path, secret=SECRET, flush_interval=60)
    await log.start()
    try:
        for n in range(5):
            log.record(lookup(NOW, n, NO_DEVICES))
        await log.flush()
        remove_database(path)
        for n in range(7):
            log.record(lookup(NOW, n, NO_DEVICES))
        await log.flush()
        # Without the inode check these seven would have gone into the deleted file.
        assert count(path) == 7
        assert query_db(path, "SELECT sum(count) FROM daily_entries") == [(7,)]
        assert count(path, "daily_entry_users") == 7  # the writer forgot what the old file held
        assert any("removed or replaced" in m for m in messages(caplog, logging.WARNING))
    finally:
        await log.close()


async def test_malformed_rows_are_skipped_and_the_rest_written(
    backend: Backend, caplog: pytest.LogCaptureFixture
) -> None:
    log = backend.log(flush_interval=60)
    await log.start()
    try:
        log.record(lookup(NOW, 1, NO_DEVICES, query="good one"))
        log.record(Lookup(NOW, None, "private", 1, "found", "no channel", 1.0))  # type: ignore[arg-type]
        log.record(lookup(NOW, 1, LookupEntry("gosms", "1", "1", None)))  # type: ignore[arg-type]
        log.record(lookup(NOW, "someone", NO_DEVICES))  # type: ignore[arg-type]
        log.record(object())  # type: ignore[arg-type]
        log.vote("someone", "gosms", "1004", True)  # type: ignore[arg-type]
        log.record(lookup(NOW, 2, NO_DEVICES, query="good two"))
        await log.flush()
        assert await backend.query("SELECT query FROM lookups ORDER BY id") == [
            ("good one",),
            ("good two",),
        ]
        assert await backend.query("SELECT count(*) FROM votes") == [(0,)]
        # Said once for the batch, with what was wrong: the next engineer finds the caller.
        (said,) = [m for m in messages(caplog, logging.ERROR) if "malformed" in m]
        assert said == (
            "lookup log: skipped 5 malformed rows (user_id 2, channel 1, entries 1, "
            "item (neither a Lookup nor a Vote) 1)"
        )
    finally:
        await log.close()


class FailsOnce(SqliteStore):
    """A store that says it writes elsewhere (the writer then makes the next rows ready while
    it writes, as with PostgreSQL), and whose second write fails once."""

    WRITES_ELSEWHERE = True

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.writes = 0

    async def write(self, rows: Sequence[Stored]) -> None:
        self.writes += 1
        if self.writes == 2:
            raise StorageUnavailable("the server went away")
        await super().write(rows)


async def test_a_write_failing_while_the_next_rows_are_made_ready_keeps_them_all_in_order(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    log = LookupLog(FailsOnce(path), secret=SECRET, batch_rows=5, flush_interval=60)
    await log.start()
    try:
        for n in range(450):  # parts of 100: the first written, the second fails, 250 behind
            log.record(lookup(NOW, n, NO_DEVICES, query=f"question {n}"))
        with pytest.raises(StorageUnavailable):
            await log.flush()
        assert (log.pending, count(path)) == (350, 100)
        await log.flush()
        assert log.pending == 0
        assert query_db(path, "SELECT query FROM lookups ORDER BY id") == [
            (f"question {n}",) for n in range(450)
        ]
    finally:
        await log.close()


async def test_a_spill_in_the_working_folder_is_read_by_its_own_database_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two databases of one name, both of whose folders cannot be written to (a file where the
    # folder should be), run from one working folder: each stop spills there, and each start
    # writes in its own spill and leaves the other's alone.
    monkeypatch.chdir(tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        folder.write_text("not a folder")
    for number, folder in enumerate((first, second, second)):
        log = LookupLog(folder / "bot.sqlite3", secret=SECRET, flush_interval=60)
        await log.start()
        log.record(lookup(NOW, number, NO_DEVICES))
        await log.close()
    spilled = sorted(tmp_path.glob("bot.sqlite3-*.pending"))
    assert [len(path.read_text().splitlines()) for path in spilled] in ([1, 2], [2, 1])

    first.unlink()
    first.mkdir()
    log = LookupLog(first / "bot.sqlite3", secret=SECRET, flush_interval=60)
    await log.start()
    await log.close()
    assert count(first / "bot.sqlite3") == 1  # its own lookup, not the other database's two
    (left,) = tmp_path.glob("bot.sqlite3-*.pending")
    assert len(left.read_text().splitlines()) == 2


async def test_a_start_cancelled_midway_ends_first_and_writes_a_spill_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A stop during a webhook's start cancels it where it waits: cut while the database
    # committed the spill's rows, the start kept them held, and the stop's close() wrote them
    # again (found by the change that lets a stop cut the start short).
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "db"
    folder.write_text("not a folder")  # the first run's stop spills
    log = LookupLog(folder / "bot.sqlite3", secret=SECRET, flush_interval=60)
    await log.start()
    for number in range(3):
        log.record(lookup(NOW, number, NO_DEVICES))
    await log.close()
    folder.unlink()
    folder.mkdir()

    log = LookupLog(folder / "bot.sqlite3", secret=SECRET, flush_interval=60)
    starting = asyncio.create_task(log.start())
    await asyncio.sleep(0)  # the start under way, waiting on the database
    starting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await starting
    assert not list(tmp_path.glob("bot.sqlite3-*.pending"))  # the spill written in, whole
    await log.close()
    assert count(folder / "bot.sqlite3") == 3


async def test_a_write_of_any_kind_that_failed_makes_the_log_unhealthy_until_one_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # /healthz said "writable" while another connection held SQLite's write lock: the writer
    # had nothing to write, and the handoff's writes that failed were not its own.
    monkeypatch.setattr(sqlite_schema, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "bot.sqlite3"
    log = LookupLog(SqliteStore(path), secret=SECRET, flush_interval=60)
    await log.start()
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        assert log.healthy
        locker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageUnavailable):
            await log.store.claim_relay(1, NOW)
        assert not log.healthy and "locked" in (log.store.write_failure or "")
        with pytest.raises(StorageUnavailable):  # nothing queued: a write is tried all the same
            await log.flush()
        assert not log.healthy
        locker.execute("ROLLBACK")
        await log.flush()
        assert log.healthy and log.store.write_failure is None
    finally:
        locker.close()
        await log.close()


async def test_a_stop_with_nothing_to_write_does_not_say_a_failing_database_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "db"
    folder.write_text("not a folder")  # the database cannot be opened
    log = LookupLog(folder / "bot.sqlite3", secret=SECRET, flush_interval=60)
    with caplog.at_level(logging.WARNING, logger="bot.analytics.writer"):
        await log.start()
        assert await log.close() is True
    assert "cannot write to the database" in caplog.text
    assert "again" not in caplog.text  # nothing was written: it is not said to be back


async def test_a_stop_with_nothing_to_write_spills_no_file_while_writes_fail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_schema, "BUSY_TIMEOUT_MS", 50)
    path = tmp_path / "bot.sqlite3"
    store = SqliteStore(path)
    log = LookupLog(store, secret=SECRET, flush_interval=60)
    await log.start()
    locker = sqlite3.connect(path, isolation_level=None)
    try:
        locker.execute("BEGIN EXCLUSIVE")
        with pytest.raises(StorageUnavailable):
            await store.claim_relay(1, NOW)
        assert await log.close() is True
        assert not store.spill_path.exists()
    finally:
        locker.close()


async def test_a_spill_path_that_is_a_fifo_is_said_and_does_not_hold_the_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A FIFO where the spill file goes held the start for good, read as a file (an attack)."""
    path = tmp_path / "bot.sqlite3"
    os.mkfifo(path.with_name("bot.sqlite3.pending"))
    log = LookupLog(path, secret=SECRET)
    await asyncio.wait_for(log.start(), 30)  # (the bound only decides a failure)
    await log.close()
    assert "cannot read the spill file" in caplog.text and "not a regular file" in caplog.text
