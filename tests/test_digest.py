"""The weekly digest: what it says about a week written through the real lookup log, when it is
due (daylight saving, the week's turn), that one sender of several sends it once, and the
command line that prints it."""

from __future__ import annotations

import asyncio
import html
import os
import re
from calendar import timegm
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiogram.methods import SendMessage, SendPhoto

from bot.__main__ import main
from bot.analytics.days import DAY_SECONDS, day_number, iso_day
from bot.analytics.reading import Reports
from bot.analytics.writer import LookupLog
from bot.core.catalog import Catalog
from bot.core.i18n import t
from bot.core.library import Library
from bot.digest.schedule import digest_days, last_digest, lease_name, next_digest
from bot.digest.text import digest_paragraphs, digest_text
from bot.digest.week import Week, gather, read_week
from bot.radar.alerts import Alert
from bot.store import open_store
from bot.telegram import digest as sending
from bot.telegram.digest import digest_loop, send_digest
from tests.support.app import settings_for
from tests.support.clock import DrivenClock
from tests.support.fake_session import bot_for
from tests.support.fake_telegram import FakeTelegram
from tests.support.lookups import NOW, SECRET, Backend, at, entry, lookup
from tests.support.processes import bot_command

ROOT = Path(__file__).resolve().parents[1]
KYIV = ZoneInfo("Europe/Kyiv")
MONDAY_9 = (0, 9, 0)
NO_DEVICES = entry("gosms", "1004", "No devices registered")
TWO_WAY = entry("notificore", "35", "2way not active")
# A wave of GoSMS 1004 on 2024-05-09 at 14:00 UTC (17:00 in Kyiv), a wave of unanswered
# questions on 2024-05-07, and one from the week before: not this week's.
WAVE = Alert("entry", "gosms", "1004", at("2024-05-09", 14), 12, 1.5, 15, at("2024-05-09", 15))
UNANSWERED = Alert("unanswered", "", "", at("2024-05-07", 3), 6, 0.4, 6, at("2024-05-07", 3))
OLD_WAVE = Alert("entry", "gosms", "1004", at("2024-05-01", 8), 9, 2.0, 9, at("2024-05-01", 8))


async def write_weeks(log: LookupLog) -> None:
    """This week (2024-05-04 .. 05-10): 7 lookups by 6 people, 2 unanswered. The week before:
    5 lookups by 3 people, 1 unanswered. Votes and the radar's alerts."""
    for row in [
        lookup(at("2024-05-04"), 1, NO_DEVICES),
        lookup(at("2024-05-05"), 1, NO_DEVICES),
        lookup(at("2024-05-10", 1), 2, NO_DEVICES),
        lookup(at("2024-05-10", 2), 3, NO_DEVICES),
        lookup(at("2024-05-08"), 4, TWO_WAY),
        lookup(at("2024-05-09"), 5, query="gosms 9999", provider="gosms"),
        lookup(at("2024-05-10", 3), 6, query="  GOSMS 9999 ", provider="gosms"),
        # The week before.
        lookup(at("2024-04-28"), 1, TWO_WAY),
        lookup(at("2024-04-30"), 1, TWO_WAY),
        lookup(at("2024-05-03"), 2, TWO_WAY),
        lookup(at("2024-05-01"), 9, NO_DEVICES),
        lookup(at("2024-05-02"), 9, query="an old gap"),
    ]:
        log.record(row)
    log.vote(1, "gosms", "1004", True, at=at("2024-05-05"))
    log.vote(4, "notificore", "35", False, at=at("2024-05-08"))
    await log.store.save_alerts([WAVE, UNANSWERED, OLD_WAVE])
    await log.flush()  # in the database for every reader, not only for this log's own


@pytest.fixture
async def week(backend: Backend) -> AsyncIterator[Week]:
    """The weeks above, read back as the bot reads them."""
    log = backend.log()
    await log.start()
    await write_weeks(log)
    # Sent the day after the week (a Saturday noon): the 7 whole days before it.
    yield await gather(Reports(log).report, log.store, 7, NOW + DAY_SECONDS)
    await log.close()


def paragraph(paragraphs: list[str], heading: str) -> str:
    """The paragraph that starts with ``heading``."""
    found = [p for p in paragraphs if p.startswith(heading)]
    assert len(found) == 1, (heading, paragraphs)
    return found[0]


def test_the_digest_says_the_totals_and_their_change(week: Week, catalog: Catalog) -> None:
    head, *_ = digest_paragraphs(week, catalog, "en", KYIV)
    title = "Digest of the last 7 days: 2024-05-04 to 2024-05-10"
    totals = t("digest_totals", "en").format(
        days="7 days", total=7, total_change="+2", people=6, people_change="+3", not_found=2,
        not_found_change="+1",
    )  # fmt: skip
    assert head == f"<b>{title}</b>\n{totals}"


def test_the_top_errors_have_people_and_trend_titled_in_the_language(
    week: Week, catalog: Catalog
) -> None:
    lines = {
        "en": ("4 times, 3 people, +3", "1 time, 1 person, -2"),
        "ru": ("4 раза, 3 чел., +3", "1 раз, 1 чел., -2"),
        "uk": ("4 рази, 3 ос., +3", "1 раз, 1 ос., -2"),
    }
    for lang in ("en", "ru", "uk"):
        top = paragraph(digest_paragraphs(week, catalog, lang, KYIV), f"<b>{t('stats_top', lang)}")
        first, second = top.splitlines()[1:]
        title = catalog.providers["gosms"].find("1004").title.get(lang)
        assert first.startswith(f"1. <code>gosms 1004</code> {html.escape(title, quote=False)}")
        assert first.endswith(f" — {lines[lang][0]}")
        assert second.startswith("2. <code>notificore 35</code>")
        assert second.endswith(f" — {lines[lang][1]}")


def test_the_gaps_and_the_least_helpful_answers(week: Week, catalog: Catalog) -> None:
    paragraphs = digest_paragraphs(week, catalog, "en", KYIV)
    gaps = paragraph(paragraphs, f"<b>{t('digest_gaps', 'en')}")
    assert gaps.splitlines()[1:] == ["2 × <code>gosms 9999</code>"]  # "an old gap" is older
    worst = paragraph(paragraphs, f"<b>{t('digest_feedback', 'en')}")
    # gosms 1004 was found helpful: it is no "least helpful" answer.
    (line,) = worst.splitlines()[1:]
    assert line.startswith("<code>notificore 35</code> 2way not active for the account")
    assert line.endswith("👍 0 👎 1")


def test_the_alerts_of_the_week_with_their_time_in_tz(week: Week, catalog: Catalog) -> None:
    alerts = paragraph(digest_paragraphs(week, catalog, "en", KYIV), "<b>The radar")
    lines = alerts.splitlines()[1:]
    assert len(lines) == 2  # the week before's alert is not this week's
    unanswered, wave = lines  # oldest first
    assert unanswered.startswith(f"<code>{t('radar_unanswered', 'en')}</code> — 2024-05-07 06:00")
    assert "usually 0.4" in unanswered
    assert wave.startswith("<code>GoSMS 1004</code> No devices registered — 2024-05-09 17:00")
    assert "up to 15 people, usually 1.5" in wave
    assert "2024-05-01" not in alerts


def test_the_terminal_text_says_what_the_chat_says(week: Week, catalog: Catalog) -> None:
    for lang in ("en", "ru", "uk"):
        chat = "\n\n".join(digest_paragraphs(week, catalog, lang, KYIV))
        text = digest_text(week, catalog, lang, KYIV)
        assert "<" not in text
        assert html.unescape(re.sub(r"<[^>]+>", "", chat)) == text


async def test_an_empty_database_makes_a_short_digest(tmp_path: Path, catalog: Catalog) -> None:
    empty = await read_week(open_store(tmp_path / "none.sqlite3", read_only=True), 7, NOW)
    assert empty.alerts == [] and empty.report.total == 0
    lines = digest_text(empty, catalog, "en", KYIV).splitlines()
    assert lines == [lines[0], t("stats_none", "en")]
    assert not (tmp_path / "none.sqlite3").exists()


# --- when it is due ---------------------------------------------------------------------------


def kyiv(*when: int) -> float:
    """Epoch seconds of a wall-clock time in Kyiv."""
    return datetime(*when, tzinfo=KYIV).timestamp()


def utc(*when: int) -> float:
    return float(timegm((*when, 0)))


@pytest.mark.parametrize(
    ("now", "due"),
    [
        # Spring forward on Sunday 2024-03-31: 09:00 is 07:00 UTC before, 06:00 UTC after.
        (kyiv(2024, 3, 25, 9, 30), utc(2024, 4, 1, 6, 0)),
        (kyiv(2024, 3, 25, 8, 59), utc(2024, 3, 25, 7, 0)),
        # Fall back on Sunday 2024-10-27.
        (kyiv(2024, 10, 21, 10, 0), utc(2024, 10, 28, 7, 0)),
        (kyiv(2024, 10, 27, 3, 30), utc(2024, 10, 28, 7, 0)),
        # The week's turn: Sunday night, Monday at 09:00 itself, and the year's end.
        (kyiv(2024, 5, 12, 23, 59), kyiv(2024, 5, 13, 9, 0)),
        (kyiv(2024, 5, 13, 9, 0), kyiv(2024, 5, 20, 9, 0)),
        (kyiv(2024, 12, 31, 12, 0), kyiv(2025, 1, 6, 9, 0)),
    ],
)
def test_next_digest_is_nine_on_monday_in_kyiv(now: float, due: float) -> None:
    found = next_digest(now, MONDAY_9, KYIV)
    assert found == due
    local = datetime.fromtimestamp(found, KYIV)
    assert (local.weekday(), local.hour, local.minute) == MONDAY_9


def test_a_time_the_clocks_skip_is_sent_once_an_hour_later() -> None:
    # 03:30 does not exist in Kyiv on 2024-03-31: the clocks go from 03:00 to 04:00.
    due = next_digest(kyiv(2024, 3, 30, 12, 0), (6, 3, 30), KYIV)
    assert due == utc(2024, 3, 31, 1, 30)  # 04:30 local
    assert next_digest(due, (6, 3, 30), KYIV) == kyiv(2024, 4, 7, 3, 30)


def test_the_last_digest_due_and_its_lease() -> None:
    now = kyiv(2024, 4, 1, 9, 5)
    assert last_digest(now, MONDAY_9, KYIV) == kyiv(2024, 4, 1, 9, 0)
    assert last_digest(kyiv(2024, 4, 1, 8, 0), MONDAY_9, KYIV) == kyiv(2024, 3, 25, 9, 0)
    # 09:00 in Kyiv on 2024-04-01 is still 2024-04-01 in UTC; a late zone names its own day.
    assert lease_name(kyiv(2024, 4, 1, 9, 0), KYIV) == "digest 2024-04-01"
    assert lease_name(utc(2024, 4, 1, 2, 0), ZoneInfo("America/New_York")) == "digest 2024-03-31"


# --- sending once -----------------------------------------------------------------------------


async def test_two_senders_on_one_database_send_the_week_once(
    backend: Backend, tmp_path: Path, catalog: Catalog
) -> None:
    # Due on a Saturday at 15:00 in Kyiv (12:00 UTC), a week after the one before.
    settings = settings_for(
        tmp_path, digest_chat_ids="-100,200", tz="Europe/Kyiv", digest_at="sat 15:00"
    )
    library = Library(ROOT / "catalogs")
    logs = [backend.log(), backend.log()]  # two processes: a connection each
    for log in logs:
        await log.start()
    await write_weeks(logs[0])
    fake = FakeTelegram()
    bot = bot_for(fake, settings)
    due = NOW + DAY_SECONDS  # a Saturday noon: the period is the week above
    try:
        claimed = await asyncio.gather(
            *(send_digest(bot, log, library, settings, f"replica {n}", due) for n, log in
              enumerate(logs))
        )  # fmt: skip
        assert sorted(claimed) == [False, True]
        # A restart (a new holder) does not send the same week again.
        assert not await send_digest(bot, logs[1], library, settings, "replica 1 again", due)
    finally:
        for log in logs:
            await log.close()
    texts = fake.requests_of(SendMessage)
    assert [int(m.chat_id) for m in texts] == [-100, 200]
    assert texts[0].text == texts[1].text
    title = "Digest of the last 7 days: 2024-05-04 to 2024-05-10"
    assert texts[0].text.startswith(f"<b>{title}</b>")
    assert "<code>GoSMS 1004</code>" in texts[0].text
    photos = fake.requests_of(SendPhoto)
    assert [int(p.chat_id) for p in photos] == [-100, 200]


async def test_a_chat_that_fails_does_not_keep_the_others_from_it(
    tmp_path: Path, catalog: Catalog
) -> None:
    settings = settings_for(tmp_path, digest_chat_ids="-100,-200,300")
    log = LookupLog(settings.database_path, secret=SECRET)
    await log.start()
    await write_weeks(log)
    fake = FakeTelegram()
    fake.forbid(-200)  # the bot was removed from that group
    bot, library = bot_for(fake, settings), Library(ROOT / "catalogs")
    try:
        assert await send_digest(bot, log, library, settings, "me", NOW)
    finally:
        await log.close()
    assert [int(p.chat_id) for p in fake.requests_of(SendPhoto)] == [-100, 300]


async def test_the_loops_of_two_processes_send_a_due_digest_once(
    tmp_path: Path, catalog: Catalog
) -> None:
    settings = settings_for(tmp_path, digest_chat_ids="-100", digest_at="fri 11:00")
    library = Library(ROOT / "catalogs")
    logs = [LookupLog(settings.database_path, secret=SECRET) for _ in range(2)]
    for log in logs:
        await log.start()
    await write_weeks(logs[0])
    fake = FakeTelegram()
    bot = bot_for(fake, settings)
    # Both started at 12:00 on Friday 2024-05-10, an hour after the digest was due (they
    # restarted, say): the later of them finds the week claimed.
    clock = DrivenClock(NOW)
    loops = [
        asyncio.create_task(
            digest_loop(bot, log, library, settings, "same", clock=clock.time, sleep=clock.sleep)
        )
        for log in logs
    ]
    try:
        await clock.asleep(2)  # each has tried this week's digest and sleeps again
        assert not any(loop.done() for loop in loops)
    finally:
        for loop in loops:
            loop.cancel()
        await asyncio.gather(*loops, return_exceptions=True)
        for log in logs:
            await log.close()
    assert len(fake.requests_of(SendMessage)) == 1
    assert len(fake.requests_of(SendPhoto)) == 1
    assert clock.slept == [sending.NAP] * 2  # towards next Friday, looking at the clock hourly


async def test_a_database_down_is_logged_once_and_never_stops_the_loop(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a folder")
    settings = settings_for(
        tmp_path, digest_chat_ids="-100", digest_at="fri 12:00", database_path=blocked / "db"
    )
    log = LookupLog(settings.database_path, secret=SECRET)
    fake = FakeTelegram()
    bot = bot_for(fake, settings)
    clock = DrivenClock(NOW)  # 12:00 on a Friday: the digest is due now
    loop = asyncio.create_task(
        digest_loop(
            bot, log, Library(ROOT / "catalogs"), settings, "me", clock=clock.time,
            sleep=clock.sleep,
        )
    )  # fmt: skip
    try:
        # Tried every RETRY seconds until LATE, then given up until next week.
        while clock.at + sending.RETRY < NOW + sending.LATE:
            await clock.asleep()
            clock.advance(sending.RETRY)
        await clock.asleep()
        assert not loop.done()
    finally:
        loop.cancel()
        await asyncio.gather(loop, return_exceptions=True)
    tries = round(sending.LATE / sending.RETRY)
    assert clock.slept == [sending.RETRY] * (tries - 1) + [sending.NAP]
    said = [r.getMessage() for r in caplog.records if r.name == sending.__name__]
    assert len([m for m in said if "database is unavailable" in m]) == 1
    assert [m for m in said if "stayed unavailable" in m] == [
        "digest 2024-05-10 not sent: the database stayed unavailable"
    ]
    assert fake.requests == []


# --- the command line -------------------------------------------------------------------------


async def test_the_command_prints_the_digest(tmp_path: Path, catalog: Catalog) -> None:
    database = tmp_path / "bot.sqlite3"
    log = LookupLog(database, secret=SECRET)
    await log.start()
    now = datetime.now().timestamp()
    then = now - DAY_SECONDS  # yesterday: the digest's days end with it
    log.record(lookup(then, 1, NO_DEVICES))
    log.record(lookup(then, 2, NO_DEVICES))
    log.record(lookup(then, 3, query="gosms 9999", provider="gosms"))
    log.record(lookup(now, 4, NO_DEVICES))  # today's: in the next one
    await log.store.save_alerts([Alert("entry", "gosms", "1004", then, 7, 1.0, 8, then)])
    await log.close()
    env = {**os.environ, "DATABASE_PATH": str(database), "TEAM_LANG": "ru", "TZ": "UTC"}
    done = await bot_command("digest", "--days", "2", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    today = day_number(now)
    first, last = iso_day(today - 2), iso_day(today - 1)
    title = t("digest_title", "ru").format(days="2 дн.", first=first, last=last)
    assert out.startswith(f"{title}\n")
    totals = t("digest_totals", "ru").format(
        days="2 дн.", total=3, total_change="+3", people=3, people_change="+3", not_found=1,
        not_found_change="+1",
    )  # fmt: skip
    assert totals in out
    title_ru = catalog.providers["gosms"].find("1004").title.get("ru")
    assert f"1. gosms 1004 {title_ru}" in out
    assert "1 × gosms 9999" in out
    assert "GoSMS 1004" in out and "до 8 чел." in out
    # The same text as the digest read in-process.
    reader = open_store(database, read_only=True)
    week = await read_week(reader, 2, now)
    await reader.close()
    assert out == digest_text(week, catalog, "ru", ZoneInfo("UTC")) + "\n"


def test_the_command_on_a_database_not_made_yet_makes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    assert main(["digest", "--lang", "en"]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[1] == t("stats_none", "en")
    assert err == f"codebook: no database at {database} (DATABASE_PATH): an empty history\n"
    assert not database.parent.exists()


@pytest.mark.parametrize(
    ("zone", "at"),
    [
        ("Europe/London", (0, 0, 30)),  # Monday 00:30, near midnight UTC
        ("America/New_York", (0, 19, 30)),
        ("Asia/Tokyo", (0, 8, 0)),  # Sunday 23:00 UTC
        ("Europe/Kyiv", (0, 9, 0)),
    ],
)
def test_consecutive_digests_cover_every_day_once_across_clock_changes(
    zone: str, at: tuple[int, int, int]
) -> None:
    """Seven days each, a week the clocks changed put a day in two digests, or in none (found
    by an attack): each digest covers the days since the one before it."""
    tz = ZoneInfo(zone)
    due = next_digest(float(timegm((2027, 1, 1, 0, 0, 0))), at, tz)
    covered: list[int] = []
    for _ in range(60):  # every clock change of 2027
        days = digest_days(due, at, tz)
        last = day_number(due) - 1
        covered += range(last - days + 1, last + 1)
        due = next_digest(due, at, tz)
    assert covered == list(range(covered[0], covered[-1] + 1))  # each day once, in order
