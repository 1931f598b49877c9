"""The store, either database: one caller at a time on its connection, read-only opening that
makes nothing, and its own failure for whatever the database raises."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import asyncpg
import pytest

from bot.analytics.paragraphs import in_language
from bot.analytics.reports import Feedback, Report
from bot.analytics.rollup import stored
from bot.core.catalog import Catalog
from bot.radar.alerts import Alert
from bot.radar.windows import Key
from bot.store import DatabaseTooOld, StorageUnavailable, open_store
from tests.support.lookups import NOW, SECRET, Backend, entry, lookup

NO_DEVICES = entry("gosms", "1004", "No devices registered")


async def test_callers_at_once_share_the_one_connection_in_turn(backend: Backend) -> None:
    # Teaching, the radar's passes, a digest's lease and the writer all use one connection:
    # each operation (a transaction on SQLite) must run alone on it.
    store = backend.store()
    await store.open()
    try:
        rows = [stored(lookup(NOW - n, n, NO_DEVICES), SECRET) for n in range(20)]
        alert = Alert("entry", "gosms", "1004", NOW, 7, 1.0, 7, NOW)
        await asyncio.gather(
            *(store.teach(f"phrase {n}", "gosms", "1004", NOW + n) for n in range(20)),
            *(store.write([row]) for row in rows),
            *(store.radar_rows(NOW - 3600, NOW) for _ in range(10)),
            *(store.take_lease("radar", f"holder {n}", 60, NOW) for n in range(10)),
            store.save_alerts([alert]),
            store.taught_version(),
        )
        assert len(await store.taught()) == 20
        assert len(await store.radar_rows(NOW - 3600, NOW)) == 20
        assert list(await store.open_alerts(NOW)) == [Key("entry", "gosms", "1004")]
    finally:
        await store.close()


async def test_a_read_only_store_never_makes_or_migrates_a_database(backend: Backend) -> None:
    if backend.url is None:
        path = backend.folder / "data" / "bot.sqlite3"
        reader = open_store(path, read_only=True)
        assert await reader.report(7, 10, NOW) == Report.empty(7, NOW)
        assert await reader.radar_rows(0, NOW) == []
        assert reader.missing
        with pytest.raises(StorageUnavailable, match="opened read-only"):
            await reader.teach("a phrase", "gosms", "1004", NOW)
        await reader.close()
        assert not path.parent.exists()
        return
    reader = open_store(backend.folder / "bot.sqlite3", backend.url, read_only=True)
    with pytest.raises(DatabaseTooOld, match="run 'python -m bot migrate'"):
        await reader.report(7, 10, NOW)
    with pytest.raises(DatabaseTooOld):
        await reader.radar_rows(0, NOW)
    await reader.close()
    assert await backend.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
    ) == [(0,)]


async def test_what_the_database_raises_is_the_stores_own_failure(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_text("not a database" * 100)
    for store in (open_store(garbage), open_store(garbage, read_only=True)):
        with pytest.raises(StorageUnavailable, match=f"^{garbage}: file is not a database$"):
            await store.report(7, 10, NOW)
        with pytest.raises(StorageUnavailable) as caught:
            await store.taught()
        assert isinstance(caught.value.__cause__, sqlite3.DatabaseError)
        await store.close()


async def test_a_sqlite_file_replaced_under_the_store_is_opened_anew(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    store = open_store(path)
    await store.teach("a phrase", "gosms", "1004", NOW)
    path.unlink()
    assert await store.taught() == []  # the new file, migrated, not the removed one
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] > 0
    await store.close()


async def test_doctor_says_a_server_older_than_the_code_needs_is_too_old(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = await asyncpg.connect(postgres_url)
    major = db.get_server_version().major
    await db.close()
    monkeypatch.setattr("bot.store.postgres_schema.OLDEST_SERVER", major + 1)
    checked = await open_store(tmp_path / "x", postgres_url, read_only=True).examine()
    assert not checked.ok and f"is PostgreSQL {major}." in checked.found
    assert f"Codebook needs PostgreSQL {major + 1} or later" in checked.fix


def test_feedback_on_an_entry_without_a_code_is_retitled_by_its_key(catalog: Catalog) -> None:
    key = "api-2-0-contacts-and-lists-errors/invalid-phone-number-format"
    rated = Feedback("notificore", None, "Invalid phone number format (contacts)", 0, 3, key)
    report = replace(Report.empty(7, NOW), feedback=[rated])
    (row,) = in_language(report, catalog, "ru").feedback
    assert row.title == "Неверный формат номера телефона (контакты)"
