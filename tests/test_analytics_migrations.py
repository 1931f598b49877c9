"""Migrations: from nothing, from every earlier version keeping every row, and never backwards."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.analytics.writer import LookupLog
from bot.data import packaged
from bot.store import open_store
from bot.store import sqlite_schema as store
from bot.store.schema import DatabaseTooNew, MigrationsMissing, migrations
from tests.support.lookups import NOW, SECRET, at, entry, lookup, query_db

ROLLUPS = {
    "daily_outcomes": "day, outcome, count",
    "daily_providers": "day, provider, count",
    "daily_entries": "day, provider, entry_key, count",
    "daily_users": "day, user_key",
    "daily_entry_users": "day, provider, entry_key, user_key",
    "daily_gaps": "day, gap, count",
}


async def migrate_to(path: Path, version: int) -> None:
    """Bring the database at ``path`` to ``version``, as the code of that version would."""
    db = await store.connect(path)
    try:
        await store.apply_migrations(db, path, migrations()[:version])
    finally:
        await db.close()


async def migrate(path: Path) -> list[str]:
    """Apply the pending migrations as `python -m bot migrate` does; their names."""
    return await open_store(path).migrate()


def rollup(path: Path, table: str) -> list[tuple[object, ...]]:
    """The table's rows, days shown as 'YYYY-MM-DD' (stored as day numbers)."""
    columns = ROLLUPS[table]
    shown = columns.replace("day,", "date(day * 86400, 'unixepoch'),", 1)
    return query_db(path, f"SELECT {shown} FROM {table} ORDER BY {columns}")


async def test_an_empty_database_gets_every_migration_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "bot.sqlite3"
    names = [m.name for m in migrations()]
    assert names[:2] == ["0001_lookups", "0002_daily_rollups"]
    assert await migrate(path) == names
    assert await migrate(path) == []
    assert query_db(path, "SELECT version, name FROM schema_migrations ORDER BY version") == [
        (number, name) for number, name in enumerate(names, 1)
    ]
    tables = {name for (name,) in query_db(path, "SELECT name FROM sqlite_master")}
    assert {"lookups", "votes", "catalog_entries", *ROLLUPS} <= tables
    assert query_db(path, "PRAGMA journal_mode") == [("wal",)]


# What version 1 of the writer logged: three days of lookups, raw rows only.
V1_LOOKUPS = [
    # at, channel, chat_type, user_key, provider, entry_key, code, outcome, query, took_ms,
    # entry_count, other_entries
    (at("2024-05-09", 10), "private", "private", 1111, "gosms", "1004", "1004", "found",
     "gosms 1004", 10.0, 1, None),
    (at("2024-05-09", 11), "private", "private", 1111, "gosms", "1004", "1004", "found",
     "gosms 1004", 11.0, 1, None),
    (at("2024-05-09", 12), "group", "group", 2222, "gosms", "1004", "1004", "several",
     "gosms 1004 1005", 12.0, 2, '[["gosms", "1005"]]'),
    (at("2024-05-10", 9), "inline", "sender", 2222, "notificore", "35", "35", "found",
     "notificore 35", 9.0, 1, None),
    # A bare code: no provider named, two providers' entries shown, Telegram named no sender.
    (at("2024-05-10", 9), "private", "private", None, None, None, None, "several",
     "35", 8.0, 2, '[["notificore", "35"], ["gosms", "35"]]'),
    (at("2024-05-10", 10), "private", "private", 3333, "gosms", None, None, "not_found",
     "Gosms 9999?", 5.0, 0, None),
    (at("2024-05-10", 11), "private", "private", 1111, "gosms", None, None, "not_found",
     "  gosms   9999 ", 5.0, 0, None),
    (at("2024-05-10", 11), "private", "private", 1111, None, None, None, "not_found",
     "«ЁЖИК»", 5.0, 0, None),
    (at("2024-05-10", 12), "private", "private", 3333, "mobizon", "0", "0", "not_an_error",
     "mobizon 0", 5.0, 1, None),
]  # fmt: skip
V1_ENTRIES = [
    ("gosms", "1004", "1004", "No devices registered"),
    ("gosms", "1005", "1005", "Device offline"),
    ("gosms", "35", "35", "Not enough money"),
    ("notificore", "35", "35", "Invalid sender"),
    ("mobizon", "0", "0", "Accepted"),
]
V1_VOTES = [(1111, "gosms", "1004", 1, at("2024-05-09")), (2222, "gosms", "1004", 0, NOW)]


def write_v1_rows(path: Path) -> None:
    connection = sqlite3.connect(path)
    with connection:
        connection.executemany(
            "INSERT INTO lookups (at, channel, chat_type, user_key, provider, entry_key, code,"
            " outcome, query, took_ms, entry_count, other_entries)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            V1_LOOKUPS,
        )
        connection.executemany("INSERT INTO catalog_entries VALUES (?, ?, ?, ?)", V1_ENTRIES)
        connection.executemany("INSERT INTO votes VALUES (?, ?, ?, ?, ?)", V1_VOTES)
    connection.close()


async def test_migrating_a_version_1_database_keeps_every_row_and_fills_the_rollups(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bot.sqlite3"
    await migrate_to(path, 1)
    write_v1_rows(path)
    before = query_db(path, "SELECT * FROM lookups ORDER BY id")

    assert await migrate(path) == [m.name for m in migrations()][1:]

    assert query_db(path, "SELECT * FROM lookups ORDER BY id") == before
    assert len(before) == len(V1_LOOKUPS)
    assert query_db(path, "SELECT count(*) FROM votes") == [(2,)]
    assert query_db(path, "SELECT count(*) FROM catalog_entries") == [(5,)]
    assert rollup(path, "daily_outcomes") == [
        ("2024-05-09", "found", 2),
        ("2024-05-09", "several", 1),
        ("2024-05-10", "found", 1),
        ("2024-05-10", "not_an_error", 1),
        ("2024-05-10", "not_found", 3),
        ("2024-05-10", "several", 1),
    ]
    assert rollup(path, "daily_providers") == [
        ("2024-05-09", "gosms", 3),
        ("2024-05-10", "gosms", 2),
        ("2024-05-10", "mobizon", 1),
        ("2024-05-10", "notificore", 1),
    ]
    assert rollup(path, "daily_entries") == [
        ("2024-05-09", "gosms", "1004", 3),
        ("2024-05-09", "gosms", "1005", 1),
        ("2024-05-10", "gosms", "35", 1),
        ("2024-05-10", "mobizon", "0", 1),
        ("2024-05-10", "notificore", "35", 2),
    ]
    assert rollup(path, "daily_users") == [
        ("2024-05-09", 1111),
        ("2024-05-09", 2222),
        ("2024-05-10", 1111),
        ("2024-05-10", 2222),
        ("2024-05-10", 3333),
    ]
    assert rollup(path, "daily_entry_users") == [
        ("2024-05-09", "gosms", "1004", 1111),
        ("2024-05-09", "gosms", "1004", 2222),
        ("2024-05-09", "gosms", "1005", 2222),
        ("2024-05-10", "mobizon", "0", 3333),
        ("2024-05-10", "notificore", "35", 2222),
    ]
    assert rollup(path, "daily_gaps") == [
        ("2024-05-10", "gosms 9999", 2),
        ("2024-05-10", "ежик", 1),
    ]


async def test_the_writers_rollups_are_what_the_backfill_makes_of_its_raw_rows(
    tmp_path: Path,
) -> None:
    # The writer adds each batch to the rollups as it goes; migration 0002 rebuilds them from
    # the raw rows. Both must say the same, or a migrated database would report differently.
    written = tmp_path / "written.sqlite3"
    rng = random.Random(7)
    entries = [entry(p, str(c)) for p in ("gosms", "notificore") for c in range(1, 6)]
    gaps = ["gosms 9999", "Gosms 9999!", "радист ёлка", "Радист Елка", "?"]
    log = LookupLog(written, secret=SECRET, batch_rows=7)
    await log.start()
    for n in range(400):
        when = NOW - rng.randrange(0, 4 * 86400)
        user = rng.choice([None, 1, 2, 3, 4, 5])
        if n % 5 == 0:
            log.record(lookup(when, user, outcome="not_found", query=rng.choice(gaps)))
        else:
            shown = rng.sample(entries, rng.choice([1, 1, 2, 3]))
            log.record(lookup(when, user, *shown, provider=rng.choice([None, shown[0].provider])))
        if n % 50 == 0:
            await log.flush()  # batches of every size, so the writer's memory of a day is used
    await log.close()

    rebuilt = tmp_path / "rebuilt.sqlite3"
    await migrate_to(rebuilt, 1)
    connection = sqlite3.connect(rebuilt)
    with connection:
        connection.execute("ATTACH DATABASE ? AS written", (str(written),))
        for table in ("lookups", "catalog_entries", "votes"):
            connection.execute(f"INSERT INTO {table} SELECT * FROM written.{table}")
    connection.execute("DETACH DATABASE written")
    connection.close()
    await migrate(rebuilt)

    for table in ROLLUPS:
        assert rollup(written, table) == rollup(rebuilt, table), table
    assert sum(n for *_, n in rollup(written, "daily_outcomes")) == 400


async def test_a_database_from_newer_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    await migrate(path)
    connection = sqlite3.connect(path)
    future = len(migrations()) + 1
    with connection:
        connection.execute(
            "INSERT INTO schema_migrations VALUES (?, 'from_the_future', 0)", (future,)
        )
    connection.close()

    with pytest.raises(
        DatabaseTooNew, match=f"schema version {future}, written by a newer Codebook"
    ):
        await migrate(path)
    log = LookupLog(path, secret=SECRET)
    with pytest.raises(DatabaseTooNew):
        await log.start()
    await log.close()
    assert query_db(path, "SELECT max(version) FROM schema_migrations") == [(future,)]


async def test_a_postgresql_database_from_newer_code_names_the_setting_it_is_read_by(
    postgres_url: str, tmp_path: Path
) -> None:
    """It said "set DATABASE_PATH to another file" of a database DATABASE_URL names (an
    attack)."""
    import asyncpg

    from bot.store.postgres import PostgresStore

    store = PostgresStore(postgres_url, tmp_path / "lookups.pending")
    await store.open()
    await store.close()
    future = len(migrations()) + 1
    db = await asyncpg.connect(postgres_url)
    try:
        await db.execute("INSERT INTO schema_migrations VALUES ($1, 'from_the_future', 0)", future)
    finally:
        await db.close()
    with pytest.raises(DatabaseTooNew) as refused:
        await store.open()
    await store.close()
    said = str(refused.value)
    assert said.endswith("Update the code, or set DATABASE_URL to another database.")
    assert said.count("written by a newer Codebook") == 1


async def test_a_failing_migration_leaves_neither_its_tables_nor_its_record(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    shutil.copy(packaged("bot.migrations") / "0001_lookups.sql", folder)
    (folder / "0002_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nINSERT INTO no_such_table VALUES (1);\n"
    )
    path = tmp_path / "bot.sqlite3"
    db = await store.connect(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no_such_table"):
            await store.apply_migrations(db, path, migrations(folder))
    finally:
        await db.close()

    assert query_db(path, "SELECT version FROM schema_migrations") == [(1,)]
    assert query_db(path, "SELECT name FROM sqlite_master WHERE name = 'half_done'") == []


def test_no_migration_files_at_all_is_an_error_not_schema_0(tmp_path: Path) -> None:
    with pytest.raises(MigrationsMissing, match=r"no migrations .* reinstall"):
        migrations(tmp_path)


async def test_conversations_open_before_0008_are_not_idle_at_the_upgrade(tmp_path: Path) -> None:
    # Their last message was never kept: it is taken to be the upgrade's time, not the card's
    # (a card a month old would have every such conversation closed as idle at the first round).
    path = tmp_path / "bot.sqlite3"
    await migrate_to(path, 7)
    with sqlite3.connect(path) as connection:
        connection.executemany(
            "INSERT INTO conversations (person_key, user_id, topic_id, state, lang, opened_at, "
            "posted_at, closed_at, retry_at) VALUES (1, ?, 77, ?, 'en', 1.0, 2.0, ?, 3.0)",
            [(1001, "open", None), (None, "closed", 5.0)],
        )
    await migrate(path)
    (open_, closed) = query_db(path, "SELECT last_at FROM conversations ORDER BY id")
    assert open_[0] is not None and open_[0] > NOW and closed == (None,)
