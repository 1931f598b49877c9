"""Reports over data built by hand, with the numbers worked out by hand."""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.analytics.privacy import user_key
from bot.analytics.reading import Reports
from bot.analytics.report_text import format_csv, format_table
from bot.analytics.reports import DayCount, Feedback, Gap, ProviderCount, Report
from bot.store import open_store
from tests.support.lookups import NOW, SECRET, STABLE_KEYS, Backend, at, entry, lookup, shown

NO_DEVICES = entry("gosms", "1004", "No devices registered")
OFFLINE = entry("gosms", "1005", "Device offline")
SENDER = entry("notificore", "35", "Invalid sender")
ACCEPTED = entry("mobizon", "0", "Accepted")


@pytest.fixture
async def reports(backend: Backend) -> AsyncIterator[Reports]:
    """A week of lookups ending 2024-05-10 12:00 UTC, the week before, and older ones."""
    log = backend.log(batch_rows=4)
    await log.start()
    for row in [
        # The period: 2024-05-04 .. 2024-05-10.
        lookup(at("2024-05-04"), 1, NO_DEVICES),
        lookup(at("2024-05-05"), 1, NO_DEVICES),
        lookup(at("2024-05-06"), 4, NO_DEVICES, OFFLINE),  # one lookup, two entries shown
        lookup(at("2024-05-07"), 5, OFFLINE),
        lookup(at("2024-05-07"), None, OFFLINE),  # Telegram named no sender
        lookup(at("2024-05-08"), 1, SENDER),
        lookup(at("2024-05-09"), 6, ACCEPTED, outcome="not_an_error"),
        lookup(at("2024-05-09"), 2, query="Gosms 9999?", provider="gosms"),
        lookup(at("2024-05-10", 1), 2, NO_DEVICES),
        lookup(at("2024-05-10", 2), 3, NO_DEVICES),
        lookup(at("2024-05-10", 3), 7, query="  GOSMS   9999 ", provider="gosms"),
        lookup(at("2024-05-10", 4), 7, query="«радист ёлка»", provider="radist"),
        lookup(at("2024-05-10", 5), 8, query="радист елка", provider="radist"),
        # The week before: 2024-04-27 .. 2024-05-03.
        lookup(at("2024-04-28", 9), 1, SENDER),
        lookup(at("2024-04-28", 10), 2, SENDER),
        lookup(at("2024-04-30"), 1, SENDER),
        lookup(at("2024-05-03"), 2, SENDER),
        lookup(at("2024-05-01"), 9, NO_DEVICES),
        lookup(at("2024-05-03"), 9, NO_DEVICES),
        lookup(at("2024-05-02"), 9, query="an old gap"),
        # Before both.
        lookup(at("2024-04-20"), 10, OFFLINE),
    ]:
        log.record(row)
    log.vote(1, "gosms", "1004", True, at=at("2024-05-05"))
    log.vote(1, "gosms", "1004", False, at=at("2024-05-06"))  # changed their mind
    log.vote(2, "gosms", "1004", True, at=at("2024-05-10"))
    log.vote(3, "notificore", "35", False, at=at("2024-05-08"))
    log.vote(4, "gosms", "1005", True, at=at("2024-04-30"))  # the week before
    yield Reports(log)
    await log.close()


async def test_a_week_counts_each_outcome_and_each_person_once(reports: Reports) -> None:
    report = await reports.report(days=7, now=NOW)
    assert list(report.as_json())[:8] == STABLE_KEYS
    assert report.period_days == 7
    assert (report.found, report.several, report.not_found) == (7, 1, 4)
    assert report.not_an_error == 1
    assert report.total == 13
    assert report.unique_users == 8  # people 1 to 8; the lookup without a sender is no one
    assert (report.first_day, report.last_day) == ("2024-05-04", "2024-05-10")


async def test_top_counts_every_entry_shown_and_compares_with_the_week_before(
    reports: Reports,
) -> None:
    report = await reports.report(days=7, now=NOW)
    top = [(t.provider, t.code, t.count, t.users, t.previous, t.change) for t in report.top]
    assert top == [
        ("gosms", "1004", 5, 4, 2, 3),
        ("gosms", "1005", 3, 2, 0, 3),
        ("mobizon", "0", 1, 1, 0, 1),
        ("notificore", "35", 1, 1, 4, -3),
    ]
    assert report.top[0].title == "No devices registered"
    assert report.top[0].key == "1004"


async def test_top_is_cut_to_the_number_asked(reports: Reports) -> None:
    report = await reports.report(days=7, top=2, now=NOW)
    assert [t.code for t in report.top] == ["1004", "1005"]


async def test_gaps_group_the_same_question_however_it_was_typed(reports: Reports) -> None:
    report = await reports.report(days=7, now=NOW)
    assert report.gaps == [Gap("gosms 9999", 2), Gap("радист елка", 2)]


async def test_each_person_has_one_vote_per_entry_and_the_latest_counts(
    reports: Reports, backend: Backend
) -> None:
    report = await reports.report(days=7, now=NOW)
    assert report.feedback == [
        Feedback("gosms", "1004", "No devices registered", helpful=1, not_helpful=1),
        Feedback("notificore", "35", "Invalid sender", helpful=0, not_helpful=1),
    ]
    mine = await backend.query(
        "SELECT helpful FROM votes WHERE user_key = ? AND provider = ? AND entry_key = ?",
        user_key(SECRET, 1),
        "gosms",
        "1004",
    )
    assert mine == [(0,)]


async def test_per_day_lists_every_day_of_the_period_zeros_included(reports: Reports) -> None:
    report = await reports.report(days=9, now=NOW)
    assert report.per_day == [
        DayCount("2024-05-02", 1),
        DayCount("2024-05-03", 2),
        DayCount("2024-05-04", 1),
        DayCount("2024-05-05", 1),
        DayCount("2024-05-06", 1),
        DayCount("2024-05-07", 2),
        DayCount("2024-05-08", 1),
        DayCount("2024-05-09", 2),
        DayCount("2024-05-10", 5),
    ]
    assert sum(day.count for day in report.per_day) == report.total
    quiet = await reports.report(days=3, now=at("2024-05-14"))
    assert [day.count for day in quiet.per_day] == [0, 0, 0]


async def test_per_provider_counts_lookups_by_the_provider_named_or_shown(reports: Reports) -> None:
    report = await reports.report(days=7, now=NOW)
    assert report.per_provider == [
        ProviderCount("gosms", 9),
        ProviderCount("radist", 2),
        ProviderCount("mobizon", 1),
        ProviderCount("notificore", 1),
    ]


async def test_one_day_is_today_only(reports: Reports) -> None:
    report = await reports.report(days=1, now=NOW)
    assert (report.total, report.found, report.not_found) == (5, 2, 3)
    assert report.unique_users == 4


async def test_a_report_right_after_record_counts_it(reports: Reports) -> None:
    before = (await reports.report(days=7, now=NOW)).total
    reports.log.record(lookup(NOW, 11, SENDER))
    assert reports.log.pending == 1
    assert (await reports.report(days=7, now=NOW)).total == before + 1
    assert reports.log.pending == 0


async def test_the_table_and_the_csv_show_the_top_list(reports: Reports) -> None:
    report = await reports.report(days=7, now=NOW)
    table = format_table(report).splitlines()
    assert table[0] == "Lookups, 7 days: 2024-05-04 to 2024-05-10 (UTC)"
    assert table[2].split("  ·  ") == [
        "total 13", "found 7", "several 1", "not found 4", "not an error 1", "people 8"
    ]  # fmt: skip
    first = table.index("Most looked up") + 2
    columns = [re.split(r"\s{2,}", line.strip()) for line in table[first - 1 : first + 4]]
    assert columns == [
        ["#", "provider", "code", "title", "count", "people", "before", "change"],
        ["1", "gosms", "1004", "No devices registered", "5", "4", "2", "+3"],
        ["2", "gosms", "1005", "Device offline", "3", "2", "0", "+3"],
        ["3", "mobizon", "0", "Accepted", "1", "1", "0", "+1"],
        ["4", "notificore", "35", "Invalid sender", "1", "1", "4", "-3"],
    ]
    rows = list(csv.reader(io.StringIO(format_csv(report))))
    assert rows[0] == ["provider", "code", "title", "count", "users", "previous", "change"]
    assert rows[1] == ["gosms", "1004", "No devices registered", "5", "4", "2", "3"]
    assert len(rows) == 5


async def test_export_lists_the_periods_lookups_with_keys_not_ids(reports: Reports) -> None:
    reports.log.record(lookup(NOW, 12345678, query='=HYPERLINK("http://x") +7 999 123-45-67'))
    out = io.StringIO()
    await reports.export_csv(out, days=7, now=NOW)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    header, body = rows[0], rows[1:]
    assert header == ["time", "channel", "chat_type", "user_key", "provider", "entry_key", "code",
                      "outcome", "query", "took_ms", "entries"]  # fmt: skip
    assert len(body) == 14
    assert body[0] == ["2024-05-04T12:00:00.000Z", "private", "private", shown(user_key(SECRET, 1)),
                       "gosms", "1004", "1004", "found", "gosms 1004", "12.50", "1"]  # fmt: skip
    last = dict(zip(header, body[-1], strict=True))
    assert last["user_key"] == shown(user_key(SECRET, 12345678))
    # Masked, and kept from running as a formula in a spreadsheet.
    assert last["query"] == '\'=HYPERLINK("http://x") <phone>'
    assert "12345678" not in "\n".join(",".join(row) for row in rows)


class Chunks(list[str]):
    """What an export writes, each write kept apart."""

    def write(self, text: str) -> None:
        self.append(text)


async def test_the_export_is_written_a_batch_at_a_time_as_the_whole_period_reads(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy month's export held every lookup at once (near 1 GB for 600,000): now it reads a
    batch at a time from one cursor, and the CSV is the same to the byte, lookups that share
    one time included, whatever the batch."""
    from bot.store import reading

    log = backend.log(batch_rows=7)
    await log.start()
    # Recorded newest first, so that the ids do not follow the times: 7 lookups at each time.
    times = [at("2024-05-10", 3), at("2024-05-09"), at("2024-05-04", 0), at("2024-05-03")]
    for n in range(28):
        log.record(lookup(times[n % 4], n, NO_DEVICES, query=f"gosms 1004 #{n}"))
    log.record(lookup(NOW + 86_400, 99, NO_DEVICES))  # tomorrow: past the period
    await log.close()
    store = backend.store()
    try:
        monkeypatch.setattr(reading, "EXPORT_BATCH", 1_000_000)  # the period in one batch
        whole = Chunks()
        await store.export_csv(7, whole, now=NOW)
        assert len(whole) == 1
        rows = list(csv.reader(io.StringIO(whole[0])))[1:]
        assert len(rows) == 21  # 2024-05-03 and tomorrow left out
        assert [row[0] for row in rows] == sorted(row[0] for row in rows)
        for batch, writes in ((1, 21), (2, 11), (5, 5), (7, 3), (20, 2), (21, 1), (22, 1)):
            monkeypatch.setattr(reading, "EXPORT_BATCH", batch)
            streamed = Chunks()
            await store.export_csv(7, streamed, now=NOW)
            assert "".join(streamed) == whole[0], batch
            assert len(streamed) == writes, batch
    finally:
        await store.close()


async def test_an_export_cut_off_by_a_lost_connection_says_the_loss(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's connection lost mid-export was said as "cannot call
    Transaction.__aexit__(): the underlying connection is closed" (an attack)."""
    import asyncpg

    from bot.analytics.writer import LookupLog
    from bot.store import StorageUnavailable, reading
    from bot.store.postgres import PostgresStore

    log = LookupLog(PostgresStore(postgres_url, tmp_path / "pending"), secret=SECRET)
    await log.start()
    for n in range(20):
        log.record(lookup(NOW - 60, n, NO_DEVICES))
    await log.close()
    monkeypatch.setattr(reading, "EXPORT_BATCH", 5)

    async def cut_off() -> None:  # every other connection to the database, as an admin would
        db = await asyncpg.connect(postgres_url)
        try:
            await db.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        finally:
            await db.close()

    class CutOffAfterTheFirstBatch(Chunks):
        def write(self, text: str) -> None:
            super().write(text)
            if len(self) == 1:  # (a write is no coroutine: the cut is made in a thread's loop)
                with concurrent.futures.ThreadPoolExecutor(1) as pool:
                    pool.submit(asyncio.run, cut_off()).result()

    store = PostgresStore(postgres_url, tmp_path / "pending", read_only=True)
    out = CutOffAfterTheFirstBatch()
    with pytest.raises(StorageUnavailable) as failed:
        await store.export_csv(7, out, now=NOW)
    await store.close()
    assert len(out) == 1
    assert "Transaction.__aexit__" not in str(failed.value)
    assert "terminating connection due to administrator command" in str(failed.value)


async def test_a_report_of_a_missing_database_is_empty_and_creates_nothing(
    tmp_path: Path,
) -> None:
    path = tmp_path / "nothing" / "bot.sqlite3"
    report = await open_store(path, read_only=True).report(days=3, top=10, now=NOW)
    assert report.as_json() == {
        "period_days": 3,
        "total": 0,
        "found": 0,
        "not_found": 0,
        "unique_users": 0,
        "top": [],
        "gaps": [],
        "feedback": [],
        "several": 0,
        "not_an_error": 0,
        "per_provider": [],
        "per_day": [
            {"day": "2024-05-08", "count": 0},
            {"day": "2024-05-09", "count": 0},
            {"day": "2024-05-10", "count": 0},
        ],
        "first_day": "2024-05-08",
        "last_day": "2024-05-10",
        # Handoff's, after the keys of before (issue 18).
        "handoffs": 0,
        "conversations_open": 0,
        "first_reply_median": None,
        "first_reply_p90": None,
        "closed_solved": 0,
        "closed_not_solved": 0,
        "closed_no_verdict": 0,
        "handoff_entries": [],
    }
    assert not path.parent.exists()
    assert report == Report.empty(days=3, now=NOW)
    json.dumps(report.as_json())  # the CLI prints it as is
