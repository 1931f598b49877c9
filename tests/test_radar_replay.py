"""`python -m bot radar --replay`: the alerts the radar would have sent, from the database (SQLite
or PostgreSQL) and from the CSV `python -m bot export` writes, as a lead runs it.

The lookups are generated traffic (tests/support/timelines.py) with two incidents laid over it,
recorded through the real lookup log and exported by the real command; the replays are checked
against each other, against the radar run on the generated rows directly, and against the
incidents.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import bot.radar.replay
import bot.store.named
from bot.__main__ import main
from bot.analytics.rollup import Lookup, LookupEntry
from bot.radar.alerts import Send
from bot.radar.history import csv_rows, history_from, passes
from bot.radar.replay import radar_pass, replay
from bot.radar.windows import UNANSWERED, Seen, Timeline, entry_key
from bot.settings import load_settings
from tests.support.lookups import Backend
from tests.support.processes import bot_command_now
from tests.support.timelines import DAY, HOUR, MONDAY, SPIKE_PEOPLE_FROM, SteadyTraffic, spike_rows

ROOT = Path(__file__).resolve().parents[1]
DAYS = 2  # days replayed
BASELINE_DAYS = 3  # RADAR_BASELINE_DAYS: fewer than the default, to keep the test quick
INTERVAL = 300.0
# The data: steady traffic up to Thursday 2024-01-18 12:00 UTC, enough days before it for the
# first pass's baselines, an entry's wave and a wave of unanswered questions on the last days.
END = MONDAY + 17 * DAY + 12 * HOUR
FIRST = END - (DAYS + BASELINE_DAYS + 1) * DAY
CODE = entry_key("gosms", "1004")  # in the shipped catalog: the alerts name it
CODE_WAVE = END - DAY - 2 * HOUR  # Wednesday 10:00
UNANSWERED_WAVE = END - 5 * HOUR  # Thursday 07:00
WAVE_PEOPLE = 14
FIELDS = {"at", "kind", "provider", "code", "people", "usual"}
# Today's export header, written out: the replay reads files exported by this version.
HEADER = "time,channel,chat_type,user_key,provider,entry_key,code,outcome,query,took_ms,entries\n"


def _read_csv(path: Path) -> list[Seen]:
    """Every lookup of an export, read whole (the replay reads them a batch at a time)."""
    return list(csv_rows(path))


def generated() -> list[Seen]:
    """The generated lookups, at half seconds: the export writes milliseconds, and a time that
    survives it exactly keeps a lookup on the same side of a window's edge in both."""
    rng = random.Random(5)
    rows = SteadyTraffic(seed=11).rows(FIRST, END - HOUR)
    rows += spike_rows(rng, CODE, CODE_WAVE, WAVE_PEOPLE, 20 * 60, SPIKE_PEOPLE_FROM)
    rows += spike_rows(
        rng, UNANSWERED, UNANSWERED_WAVE, WAVE_PEOPLE, 20 * 60, 2 * SPIKE_PEOPLE_FROM
    )
    return [row._replace(at=math.floor(row.at) + 0.5) for row in rows if row.at < END - HOUR]


ROWS = generated()
# The clock of the replays from the database: the pass just after the last lookup, where the
# replay of the CSV ends too (the file's own time range).
NOW = math.ceil(max(row.at for row in ROWS) / INTERVAL) * INTERVAL


def as_lookup(row: Seen) -> Lookup:
    """A generated row as the bot hands it to the lookup log."""
    shown = ()
    if row.entry is not None and row.provider is not None:
        shown = (LookupEntry(row.provider, row.entry, row.entry, f"Error {row.entry}"),)
    assert row.person is not None
    return Lookup(
        at=row.at,
        channel="private",
        chat_type="private",
        user_id=row.person + 1,
        outcome=row.outcome,
        query=" ".join(filter(None, (row.provider, row.entry))) or "what is this",
        took_ms=3.0,
        entries=shown,
        provider=row.provider,
    )


@contextmanager
def clock(now: float) -> Iterator[None]:
    """time.time() says ``now`` (the commands read the clock; the generated days are past)."""
    real = time.time
    time.time = lambda: now
    try:
        yield
    finally:
        time.time = real


@pytest.fixture
async def recorded(
    backend: Backend, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[Backend, Path]:
    """The generated lookups in the backend's database through the real lookup log, and the
    CSV `python -m bot export` writes of them; the commands set to read that database."""
    if backend.url is None:
        monkeypatch.setenv("DATABASE_PATH", str(backend.folder / "bot.sqlite3"))
        monkeypatch.delenv("DATABASE_URL", raising=False)
    else:
        monkeypatch.setenv("DATABASE_PATH", str(backend.folder / "unused.sqlite3"))
        monkeypatch.setenv("DATABASE_URL", backend.url)
    settings = {"INTERVAL": "5m", "WINDOW": "30m", "BASELINE_DAYS": str(BASELINE_DAYS)}
    for name, value in {**settings, "MIN_PEOPLE": "5"}.items():
        monkeypatch.setenv(f"RADAR_{name}", value)
    log = backend.log(retention_days=100_000)  # the generated days are long past
    await log.start()
    for row in ROWS:
        log.record(as_lookup(row))
    await log.close()
    assert log.dropped == 0
    status, out, _ = await command(
        NOW, "export", "--days", str(DAYS + BASELINE_DAYS + 2), capsys=capsys
    )
    assert status == 0
    exported = backend.folder / "lookups.csv"
    exported.write_text(out, encoding="utf-8")
    return backend, exported


async def command(
    now: float, *args: str, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run a command at ``now`` in a thread (the commands run their own event loop): its
    status, stdout and stderr."""

    def run() -> int:
        with clock(now):
            return main(list(args))

    status = await asyncio.to_thread(run)
    out, err = capsys.readouterr()
    return status, out, err


def replay_args(*more: str) -> list[str]:
    return ["radar", "--replay", "--days", str(DAYS), *more]


async def test_the_database_and_its_export_replay_to_the_same_alerts(
    recorded: tuple[Backend, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    _, exported = recorded
    status, from_db, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    assert status == 0
    status, from_csv, _ = await command(
        NOW + 7 * DAY, *replay_args("--format", "json", "--csv", str(exported)), capsys=capsys
    )
    assert status == 0
    alerts = json.loads(from_db)
    assert alerts == json.loads(from_csv)
    # The incidents, each alerted once, within two passes of the wave taking shape.
    waves = {(alert["kind"], alert["provider"], alert["code"]): alert for alert in alerts}
    code, unanswered = waves[("entry", "gosms", "1004")], waves[("unanswered", None, None)]
    for alert, wave in ((code, CODE_WAVE), (unanswered, UNANSWERED_WAVE)):
        at = datetime.fromisoformat(alert["at"]).timestamp()
        assert wave < at <= wave + 20 * 60 + 2 * INTERVAL
        assert alert["people"] >= 5 and alert["people"] > 3 * alert["usual"]
    # The text says the same alerts, one line each, and the summary.
    status, text_db, _ = await command(NOW, *replay_args(), capsys=capsys)
    status_csv, text_csv, _ = await command(
        NOW, *replay_args("--csv", str(exported)), capsys=capsys
    )
    assert (status, status_csv) == (0, 0) and text_db == text_csv
    lines = text_db.splitlines()
    assert len(lines) == len(alerts) + 1
    assert lines[-1].startswith(f"{len(alerts)} alerts in {DAYS} days replayed")
    assert f"RADAR_BASELINE_DAYS {BASELINE_DAYS}" in lines[-1]
    said = next(line for line in lines if "GoSMS 1004 — " in line)
    assert said.startswith(time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(_at(code))))
    assert f": {code['people']} people, usually {code['usual']:.1f}" in said
    assert any("Unanswered questions: " in line for line in lines)


def _at(alert: dict[str, Any]) -> float:
    return datetime.fromisoformat(alert["at"]).timestamp()


async def test_the_json_is_the_radars_own_replay_of_the_rows(
    recorded: tuple[Backend, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    alerts = json.loads(out)
    assert status == 0 and isinstance(alerts, list) and alerts
    for alert in alerts:
        assert set(alert) == FIELDS
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", alert["at"])
        assert _at(alert) % INTERVAL == 0  # on the bot's clock grid
        assert NOW - DAYS * DAY < _at(alert) <= NOW
        assert alert["kind"] in ("entry", "provider", "unanswered")
        assert (alert["provider"] is None) == (alert["kind"] == "unanswered")
        assert (alert["code"] is not None) == (alert["kind"] == "entry")
        assert isinstance(alert["people"], int) and alert["usual"] == round(alert["usual"], 1)
    # The same as the radar's replay over the generated rows themselves, settings and all.
    settings = load_settings(require_token=False).radar
    start, end = passes(NOW, DAYS, settings)
    expected = replay(ROWS, start, end, INTERVAL, settings)
    assert [(a["at"], a["kind"], a["provider"], a["people"]) for a in alerts] == [
        (_iso(r.at), r.kind, r.provider or None, r.people) for r in expected
    ]
    assert [a["usual"] for a in alerts] == [round(r.usual, 1) for r in expected]
    assert history_from(start, settings) > FIRST  # the first pass had its whole history


def _iso(at: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(at))


async def test_the_settings_are_the_bots(
    recorded: tuple[Backend, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("RADAR_MIN_PEOPLE", str(WAVE_PEOPLE + 20))  # more than either wave
    status, out, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    assert status == 0 and json.loads(out) == []
    monkeypatch.setenv("RADAR_WINDOW", "half an hour")
    status, out, err = await command(NOW, *replay_args(), capsys=capsys)
    assert (status, out) == (1, "") and err.startswith("codebook: RADAR_WINDOW: ")
    assert err.count("\n") == 1


def export_lines(exported: Path) -> list[str]:
    return exported.read_text(encoding="utf-8").splitlines(keepends=True)


@pytest.mark.parametrize(
    ("line", "change", "problem"),
    [
        (1, lambda text: text.replace("outcome", "result"), "no column outcome"),
        (4, lambda text: text.replace("Z,", ",", 1).replace("T", " at ", 1), "time "),
        (6, lambda text: ",".join(text.split(",")[:-2]) + "\n", "9 fields, the header has 11"),
        (9, lambda text: text.replace(",found,", ",lost,"), "outcome 'lost'"),
        (
            9,
            lambda text: ",".join(["2024-01-15T00:00:00Z", "x", "x", "0x-1", *"abcdefg"]) + "\n",
            "user_key",
        ),
    ],
)
def test_a_broken_csv_is_one_line_naming_file_and_line(
    tmp_path: Path, line: int, change: Any, problem: str
) -> None:
    rows = [Seen(MONDAY + n * 60.5, n, "gosms", "1004", "found") for n in range(12)]
    lines = [HEADER] + [
        f"{_iso(row.at)},private,private,{row.person:016x},gosms,1004,1004,found,gosms 1004,"
        "3.00,1\n"
        for row in rows
    ]
    assert len(_read_csv(_write(tmp_path / "good.csv", lines))) == len(rows)
    lines[line - 1] = change(lines[line - 1])
    broken = _write(tmp_path / "broken.csv", lines)
    args = ("radar", "--replay", "--csv", str(broken))
    result = bot_command_now(*args, cwd=ROOT, env=dict(os.environ))
    assert (result.returncode, result.stdout) == (1, "")
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith(f"{broken}:{line}: {problem}"), result.stderr


def test_a_byte_that_is_not_utf8_deep_in_a_csv_is_named_at_its_line(tmp_path: Path) -> None:
    # Decoded a chunk ahead of the reader, it was named 34 lines early in an export of 321,000
    # (an attack): the line is found in the file itself.
    line = f"2024-01-15T10:00:00Z,private,private,{1:016x},gosms,1004,1004,found,q,3.00,1\n"
    lines = [HEADER] + [line] * 3000
    path = _write(tmp_path / "bad.csv", lines)
    data = path.read_bytes().split(b"\n")
    data[2000] = data[2000].replace(b",q,", b",\xff,")  # line 2,001
    path.write_bytes(b"\n".join(data))
    with pytest.raises(Exception, match=rf"^{re.escape(str(path))}:2001: not UTF-8 text"):
        _read_csv(path)


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_a_question_over_several_lines_keeps_the_line_numbers_right(
    tmp_path: Path,
) -> None:
    good = (
        "2024-01-15T10:00:00.250Z,private,private,00000000000000ff,gosms,1004,1004,found,"
        '"two\nlines",3.00,1\n'
    )
    bad = "2024-01-15T10:00:01.000Z,private,private,,gosms,,,unknown,q,3.00,0\n"
    path = _write(tmp_path / "multi.csv", [HEADER, good, bad])
    with pytest.raises(Exception, match=rf"^{re.escape(str(path))}:4: outcome 'unknown'"):
        _read_csv(path)
    rows = _read_csv(_write(tmp_path / "ok.csv", [HEADER, good]))
    assert rows == [Seen(1705312800.25, 0xFF, "gosms", "1004", "found")]


async def test_a_database_without_the_radars_migration_replays_the_same(
    backend: Backend,
    recorded: tuple[Backend, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = backend.folder / "bot.sqlite3"
    _, current, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    undo = (
        "DROP INDEX lookups_at; DROP TABLE radar_alerts; DROP TABLE leases;"
        "DELETE FROM schema_migrations WHERE version = 5;"
    )
    if backend.url is None:
        with closing(sqlite3.connect(path)) as db:
            db.executescript(undo)
    else:
        for statement in undo.split(";")[:-1]:
            await backend.query(statement)
    before = path.stat().st_mtime_ns if backend.url is None else None
    status, older, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    assert status == 0 and older == current and json.loads(older)
    if backend.url is not None:
        return  # what follows is SQLite's file
    assert path.stat().st_mtime_ns == before  # read only: nothing migrated
    # A file that is not there is an empty history, as for stats: said, and not made.
    monkeypatch.setenv("DATABASE_PATH", str(backend.folder / "none" / "bot.sqlite3"))
    status, out, err = await command(NOW, *replay_args(), capsys=capsys)
    assert status == 0 and out.startswith("0 alerts in ")
    assert err == f"codebook: no database at {backend.folder / 'none' / 'bot.sqlite3'} " + (
        "(DATABASE_PATH): an empty history\n"
    )
    assert not (backend.folder / "none").exists()


async def test_a_database_read_a_batch_at_a_time_replays_the_same(
    recorded: tuple[Backend, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, whole, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    assert status == 0
    monkeypatch.setattr(bot.store.named, "RADAR_BATCH", 97)  # dozens of batches, not one
    batches = 0
    real = Timeline.add

    def add(timeline: Timeline, rows: Any) -> None:
        nonlocal batches
        batches += 1
        real(timeline, rows)

    monkeypatch.setattr(Timeline, "add", add)
    status, batched, _ = await command(NOW, *replay_args("--format", "json"), capsys=capsys)
    assert status == 0 and batched == whole and json.loads(batched)
    assert batches > len(ROWS) // 97 // 2


def test_a_timeline_added_to_in_any_order_counts_the_same() -> None:
    settings = load_settings(require_token=False).radar
    span = passes(NOW, DAYS, settings)
    expected = replay(ROWS, *span, INTERVAL, settings)
    shuffled = random.Random(3).sample(ROWS, len(ROWS))
    in_order = sorted(ROWS, key=lambda row: row.at)
    for rows, compact in ((shuffled, False), (shuffled, True), (in_order, True)):
        timeline = Timeline(compact=compact)
        for first in range(0, len(rows), 1000):
            timeline.add(rows[first : first + 1000])
        assert replay(timeline, *span, INTERVAL, settings) == expected
    # A window counted before more rows came is counted again after.
    middle = in_order[len(in_order) // 2].at
    timeline, whole = Timeline(in_order[: len(in_order) // 2]), Timeline(ROWS)
    before = timeline.window(middle - DAY, middle + DAY)
    timeline.add(in_order[len(in_order) // 2 :])
    assert timeline.window(middle - DAY, middle + DAY) == whole.window(middle - DAY, middle + DAY)
    assert before.total < whole.window(middle - DAY, middle + DAY).total


def test_batches_reaching_back_are_sorted_once_when_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # Sorted again at each batch, a CSV in reverse time order took quadratic time (an attack:
    # 1.28M rows, 30 s against 11 s).
    sorts: list[int] = []
    real = Timeline._sort

    def counted(timeline: Timeline) -> None:
        sorts.append(len(timeline._times))
        real(timeline)

    monkeypatch.setattr(Timeline, "_sort", counted)
    newest_first = sorted(ROWS, key=lambda row: row.at, reverse=True)
    timeline = Timeline(compact=True)
    for first in range(0, len(newest_first), 500):
        timeline.add(newest_first[first : first + 500])
    assert sorts == []
    at = newest_first[0].at
    assert timeline.window(at - DAY, at) == Timeline(ROWS).window(at - DAY, at)
    assert sorts == [len(timeline._times)]


def test_a_quiet_period_costs_no_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every pass of ten empty years took over 60 s: a pass with nobody in its window and no
    # alert open finds nothing, so none is run.
    run: list[float] = []

    def counted(timeline: Any, alerts: Any, now: float, settings: Any) -> Any:
        run.append(now)
        return radar_pass(timeline, alerts, now, settings)

    monkeypatch.setattr(bot.radar.replay, "radar_pass", counted)
    settings = load_settings(require_token=False).radar
    for days in (30, 3650):
        assert replay([], *passes(NOW, days, settings), INTERVAL, settings) == []
    assert run == []
    # Lookups at the end of ten years: the passes run are those of the week they fall in.
    alerts = replay(ROWS, *passes(NOW, 3650, settings), INTERVAL, settings)
    ten_years, run[:] = run[:], []
    assert alerts == replay(ROWS, *passes(NOW, 7, settings), INTERVAL, settings) and alerts
    first = min(row.at for row in ROWS)
    assert ten_years == run and first <= run[0] < first + INTERVAL


def test_skipping_quiet_passes_changes_no_alert(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(require_token=False).radar
    # Days with a quiet night (no lookup from 22:00 to 06:00) and a wave after one.
    rows = [row for row in ROWS if 6 <= (row.at % DAY) / HOUR < 22]
    start, end = passes(NOW, DAYS + 1, settings)
    timeline, alerts, every_pass = Timeline(rows), {}, []
    for step in range(int((end - start) // INTERVAL) + 1):
        now = start + step * INTERVAL
        alerts, actions = radar_pass(timeline, alerts, now, settings)
        every_pass += [(now, a.key) for a in actions if isinstance(a, Send)]
    skipped = replay(rows, start, end, INTERVAL, settings)
    assert [(alert.at, (alert.kind, alert.provider, alert.entry)) for alert in skipped] == [
        (now, tuple(key)) for now, key in every_pass
    ]
    assert every_pass


def test_a_csv_is_read_only_up_to_the_size_of_an_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.radar import history

    # A line with no end (a file of NUL bytes, of one letter) is refused at the line's bound,
    # not read whole.
    endless = tmp_path / "endless.csv"
    endless.write_bytes(HEADER.encode() + b"a" * 65_536)
    with pytest.raises(history.BadCsv) as refused:
        _read_csv(endless)
    assert str(refused.value) == (
        f"{endless}:2: a line longer than 16,384 characters: not an export (a year of a busy "
        "bot's is about 1.1 GB)"
    )
    row = "2024-01-15T10:00:00.250Z,private,private,00000000000000ff,gosms,1004,1004,found,q,3,1\n"
    assert history.MAX_CSV_BYTES == 2_000_000_000  # a year of a busy bot's is about 1.1 GB
    monkeypatch.setattr(history, "MAX_CSV_BYTES", 20_000)  # here, a few hundred rows
    fits = _write(tmp_path / "fits.csv", [HEADER, *[row] * 200])
    assert len(_read_csv(fits)) == 200
    beyond = _write(tmp_path / "beyond.csv", [HEADER, *[row] * 300])
    with pytest.raises(history.BadCsv, match=rf"^{re.escape(str(beyond))}:\d+: more than 20,000 "):
        _read_csv(beyond)
