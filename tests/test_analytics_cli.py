"""`python -m bot stats`, `export` and `migrate` as a support lead runs them."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.analytics.privacy import user_key
from bot.analytics.writer import LookupLog
from bot.store import open_store
from bot.store.schema import migrations
from tests.support.lookups import SECRET, STABLE_KEYS, Backend, entry, lookup, query_db, shown
from tests.support.processes import bot_command_now

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """DATABASE_PATH for the commands, in a fresh folder (the file is not made here)."""
    path = tmp_path / "data" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(path))
    return path


def log_today(path: Path) -> None:
    """Three lookups and a vote, logged just now."""

    async def write() -> None:
        log = LookupLog(path, secret=SECRET)
        await log.start()
        now = time.time()
        log.record(lookup(now, 1, entry("gosms", "1004", "No devices registered")))
        log.record(lookup(now, 2, entry("gosms", "1004", "No devices registered")))
        log.record(lookup(now, 2, query="gosms 9999", provider="gosms"))
        log.vote(1, "gosms", "1004", False)
        await log.close()

    asyncio.run(write())


def test_stats_of_a_database_not_made_yet_is_empty_and_makes_nothing(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--format", "json"]) == 0
    out, err = capsys.readouterr()
    report = json.loads(out)
    assert list(report)[:8] == STABLE_KEYS
    assert (report["total"], report["top"], report["gaps"]) == (0, [], [])
    assert not database.parent.exists()
    # Said, in one line: an operator with a wrong DATABASE_PATH sees which file was read.
    assert err == f"codebook: no database at {database} (DATABASE_PATH): an empty history\n"


def test_stats_json_keeps_every_key_in_its_order(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_today(database)
    assert main(["stats", "--format", "json", "--days", "1"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out)
    assert list(report) == [
        *STABLE_KEYS, "several", "not_an_error", "per_provider", "per_day", "first_day",
        "last_day",
        # Handoff's (issue 18), after every key of before.
        "handoffs", "conversations_open", "first_reply_median", "first_reply_p90",
        "closed_solved", "closed_not_solved", "closed_no_verdict", "handoff_entries",
    ]  # fmt: skip
    assert list(report["top"][0]) == [
        "provider", "code", "title", "count", "users", "previous", "change", "key"
    ]  # fmt: skip
    assert list(report["gaps"][0]) == ["query", "count"]
    assert list(report["feedback"][0]) == ["provider", "code", "title", "helpful", "not_helpful"]
    assert list(report["per_provider"][0]) == ["provider", "count"]
    assert list(report["per_day"][0]) == ["day", "count"]
    assert out == json.dumps(report, ensure_ascii=False, indent=2) + "\n"


def test_stats_prints_the_report_as_json_table_or_csv(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_today(database)
    assert main(["stats", "--format", "json", "--days", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["period_days"], report["total"], report["found"]) == (1, 3, 2)
    assert (report["not_found"], report["unique_users"]) == (1, 2)
    assert report["top"][0] == {
        "provider": "gosms",
        "code": "1004",
        "title": "No devices registered",
        "count": 2,
        "users": 2,
        "previous": 0,
        "change": 2,
        "key": "1004",
    }
    assert report["gaps"] == [{"query": "gosms 9999", "count": 1}]
    assert report["feedback"][0]["not_helpful"] == 1

    assert main(["stats"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("Lookups, 7 days: ")
    assert "total 3  ·  found 2" in table

    assert main(["stats", "--format", "csv", "--top", "1"]) == 0
    assert capsys.readouterr().out == (
        "provider,code,title,count,users,previous,change\n"
        "gosms,1004,No devices registered,2,2,0,2\n"
    )


def test_stats_refuses_a_database_from_newer_code(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(open_store(database).migrate())
    with sqlite3.connect(database) as connection:
        connection.execute("INSERT INTO schema_migrations VALUES (9, '0009_future', 0)")
    connection.close()
    assert main(["stats"]) == 1
    assert "written by a newer Codebook" in capsys.readouterr().err


def test_stats_asks_for_migrate_on_a_database_from_older_code(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database.parent.mkdir()
    with sqlite3.connect(database) as connection:  # a file no migration has touched
        connection.execute("CREATE TABLE something_else (x)")
    connection.close()
    assert main(["stats"]) == 1
    assert "run 'python -m bot migrate'" in capsys.readouterr().err


def test_migrate_applies_what_is_pending_and_says_so(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    names = [m.name for m in migrations()]
    assert main(["migrate"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        *(f"applied {name}" for name in names),
        f"{database}: migrated, at schema version {len(names)}",
    ]
    assert main(["migrate"]) == 0
    out = capsys.readouterr().out
    assert out == f"{database}: nothing to apply, at schema version {len(names)}\n"
    assert query_db(database, "SELECT count(*) FROM schema_migrations") == [(len(names),)]


def test_export_prints_the_lookups_as_csv_with_keys_not_ids(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log_today(database)
    assert main(["export", "--days", "1"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["query"] for row in rows] == ["gosms 1004", "gosms 1004", "gosms 9999"]
    assert [row["user_key"] for row in rows] == [shown(user_key(SECRET, n)) for n in (1, 2, 2)]
    assert all(row["time"].endswith("Z") and row["time"][10] == "T" for row in rows)


def test_export_of_a_database_not_made_yet_is_the_header_alone(
    database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("time,channel,chat_type,user_key,")
    assert err == f"codebook: no database at {database} (DATABASE_PATH): an empty history\n"
    assert not database.parent.exists()


def test_stats_as_a_real_process_prints_json_without_loading_the_bot(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    log_today(path)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "bot", "stats", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DATABASE_PATH": str(path)},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert list(report)[:8] == STABLE_KEYS
    assert report["total"] == 3
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()}
    assert "bot.store.sqlite" in imported  # the one store, read-only
    # The bot's own libraries stay out (the settings model and the store are shared with it).
    for heavy in ("aiogram", "aiohttp", "asyncpg", "matplotlib", "redis", "prometheus_client"):
        assert heavy not in imported, heavy


# --- failing in one line ----------------------------------------------------------------------


def bot_command(*args: str, database: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return bot_command_now(*args, cwd=cwd, env={**os.environ, "DATABASE_PATH": str(database)})


def test_migrate_on_a_folder_fails_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    for _ in range(3):  # the thread traceback came now and then: try it more than once
        result = bot_command("migrate", database=tmp_path / "folder", cwd=tmp_path)
        assert result.returncode == 1
        assert result.stderr == f"{tmp_path / 'folder'}: a folder, not a database file\n"
        assert result.stdout == ""


@pytest.mark.parametrize("command", [["stats"], ["stats", "--format", "json"], ["export"]])
def test_stats_and_export_on_an_unusable_path_fail_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "garbage.sqlite3").write_text("not a database either" * 100)
    for database, reason in (
        (tmp_path / "a-file" / "bot.sqlite3", f"{tmp_path / 'a-file'} is a file, not a folder"),
        (tmp_path, "a folder, not a database file"),
        (tmp_path / "garbage.sqlite3", "file is not a database"),
    ):
        result = bot_command(*command, database=database, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (1, ""), result.stdout  # no header, no 0
        assert result.stderr == f"{database}: {reason}\n"


@pytest.mark.parametrize("failing_at", [1, 3])
def test_an_export_the_database_fails_on_is_said_in_one_line_after_what_it_read(
    database: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    failing_at: int,
) -> None:
    """The export writes each batch as it is read: a database failing at the first batch
    leaves stdout empty (no header before an error), one failing later leaves the batches read
    before it; either way one line on stderr, and 1."""
    from bot.store import reading

    log_today(database)
    monkeypatch.setattr(reading, "EXPORT_BATCH", 2)
    rows = 0
    as_row = reading.export_row

    def export_row(row: Sequence[Any]) -> list[Any]:  # the database failing at that row
        nonlocal rows
        rows += 1
        if rows == failing_at:
            raise sqlite3.OperationalError("disk I/O error")
        return as_row(row)

    monkeypatch.setattr(reading, "export_row", export_row)
    assert main(["export", "--days", "1"]) == 1
    out, err = capsys.readouterr()
    assert err == f"{database}: disk I/O error\n"
    if failing_at == 1:
        assert out == ""
    else:
        read = list(csv.DictReader(io.StringIO(out)))
        assert [row["query"] for row in read] == ["gosms 1004"] * 2


def test_an_export_that_cannot_be_written_is_not_said_as_the_databases_failure(
    database: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A write failing as the export goes (a full disk) happens inside the database's snapshot,
    which takes an OSError for its own: it is said as the output's."""
    from bot.store import reading

    log_today(database)
    monkeypatch.setattr(reading, "EXPORT_BATCH", 2)
    with open("/dev/full", "w", buffering=1) as full:  # each line written at once
        monkeypatch.setattr("sys.stdout", full)
        assert main(["export", "--days", "1"]) == 1
    assert capsys.readouterr().err == "codebook: cannot write the output: No space left on device\n"


def test_a_closed_pipe_ends_stats_and_export_quietly(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    log_today(path)
    for command in ("stats", "export"):
        shell = f"{sys.executable} -m bot {command} | head -1"
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", shell],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "DATABASE_PATH": str(path)},
            check=False,
        )
        assert result.returncode == 0 and result.stderr == "", result.stderr
        assert len(result.stdout.splitlines()) == 1


async def test_stats_export_and_migrate_read_the_same_from_either_database(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if backend.url is None:
        monkeypatch.setenv("DATABASE_PATH", str(backend.folder / "bot.sqlite3"))
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_URL", backend.url)
    log = backend.log()
    await log.start()
    now = time.time()
    log.record(lookup(now, 1, entry("gosms", "1004", "No devices registered")))
    log.record(lookup(now, 2, entry("gosms", "1004", "No devices registered")))
    log.record(lookup(now, 2, query="gosms 9999", provider="gosms"))
    log.vote(1, "gosms", "1004", False)
    await log.close()

    async def command(*args: str) -> tuple[int, str]:
        status = await asyncio.to_thread(main, list(args))  # the commands run their own loop
        return status, capsys.readouterr().out

    status, out = await command("stats", "--format", "json", "--days", "1")
    report = json.loads(out)
    assert status == 0 and (report["total"], report["found"], report["unique_users"]) == (3, 2, 2)
    assert report["top"][0]["count"] == 2 and report["top"][0]["users"] == 2
    assert report["gaps"] == [{"query": "gosms 9999", "count": 1}]
    assert report["feedback"][0]["not_helpful"] == 1
    status, out = await command("export", "--days", "1")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert status == 0 and [row["query"] for row in rows] == ["gosms 1004"] * 2 + ["gosms 9999"]
    assert [row["user_key"] for row in rows] == [shown(user_key(SECRET, n)) for n in (1, 2, 2)]
    status, out = await command("migrate")
    assert status == 0 and "nothing to apply" in out


@pytest.mark.parametrize(
    "command", [["stats"], ["export"], ["digest"], ["radar", "--replay"]], ids=" ".join
)
def test_every_period_is_at_most_ten_years(
    database: Path, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # A period of 99999999999 days was a MemoryError traceback (stats, digest) or a replay
    # that never ended.
    assert main(["migrate"]) == 0  # an empty database
    capsys.readouterr()
    for days in ("99999999999", "3651", "0"):
        with pytest.raises(SystemExit) as refused:
            main([*command, "--days", days])
        assert refused.value.code == 2
        err = capsys.readouterr().err
        assert err.endswith("argument --days: must be 1 to 3650\n") and "Traceback" not in err
    assert main([*command, "--days", "3650"]) == 0


def test_top_is_at_most_a_thousand_rows(database: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # 9223372036854775808 rows was an OverflowError traceback, and exit 0.
    assert main(["migrate"]) == 0
    capsys.readouterr()
    for top in ("9223372036854775808", "1001", "0"):
        with pytest.raises(SystemExit) as refused:
            main(["stats", "--top", top])
        assert refused.value.code == 2
        err = capsys.readouterr().err
        assert err.endswith("argument --top: must be 1 to 1000\n") and "Traceback" not in err
    assert main(["stats", "--top", "1000", "--format", "json"]) == 0
