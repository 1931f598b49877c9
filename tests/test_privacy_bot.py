"""A pasted response with a password goes through the real bot: the password is in neither the
database nor anything the team is shown (the radar's alert, /gaps, /stats, /export, the digest);
what is shown is the masked question."""

from __future__ import annotations

import html
import time
from pathlib import Path

from aiogram.methods import EditMessageText, SendDocument, SendMessage

from bot.analytics.rollup import LookupEntry
from bot.telegram.digest import send_digest
from tests.support.app import ADMIN, running_app
from tests.support.history import week_before
from tests.support.lookups import query_db

ALERTS, DIGEST = -100777, -100888
INTERVAL = 300.0
PASSWORD = "hunter2xyz"
FOUND = '{"login":"anna","password":"hunter2xyz"} gosms 1004'
UNANSWERED = "twilio 21211 {'api_key': 'hunter2xyz'} why?"
MASKED_FOUND = '{"login":"<secret>","password":"<secret>"} gosms 1004'
MASKED_UNANSWERED = "twilio 21211 {'api_key': '<secret>'} why?"
# The forms the second round masks: XML, curl's -u, a YAML block, a passphrase, fullwidth.
PASTED = (
    "twilio 21211 <password>hunter2xyz</password> curl -u anna:hunter2xyz\n"
    "token: |\n  hunter2xyz\nпароль від кабінету Hunter2xyz ＰＳＷ＝hunter2xyz"
)
MASKED_PASTED = (
    "twilio 21211 <password><secret></password> curl -u <secret> token: <secret> "
    "пароль від кабінету <secret> PSW=<secret>"
)


def shown(text: str) -> str:
    """``text`` as a Telegram HTML message shows it."""
    return html.escape(text, quote=False)


def files_of(folder: Path) -> bytes:
    """Every byte of the database's files (the WAL and the spill too)."""
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file())


async def test_a_pasted_password_is_stored_and_shown_masked(tmp_path: Path) -> None:
    now = (time.time() // INTERVAL + 1) * INTERVAL  # the radar's next pass on the clock's grid
    settings = {"alert_chat_ids": str(ALERTS), "digest_chat_ids": str(DIGEST)}
    database = tmp_path / "data" / "bot.sqlite3"
    async with running_app(tmp_path, **settings) as app:
        entry = app.library.resolver.catalog.providers["gosms"].find("1004")
        assert entry is not None
        gosms = LookupEntry("gosms", entry.key, entry.code, entry.title.en)
        for row in week_before(app.library.resolver.catalog, now, gosms):
            app.lookups.record(row)
        # Twelve people paste the same response: a wave on GoSMS 1004. One asks of a code that
        # no catalog has: a gap.
        for person in range(12):
            (answer,) = await app.feed(app.fake.message(FOUND, user_id=700_000 + person))
            assert answer.text.startswith("<b>GoSMS · 1004 — ")
        await app.feed(app.fake.message(UNANSWERED, user_id=800_000))
        await app.feed(app.fake.message(PASTED, user_id=800_001))
        await app.lookups.flush()

        stored = query_db(database, "SELECT DISTINCT query FROM lookups")
        assert {MASKED_FOUND, MASKED_UNANSWERED, MASKED_PASTED} <= {query for (query,) in stored}

        assert await app.dp["services"].radar.tick(app.bot, now) == 1
        (alert,) = [r for r in app.sent(SendMessage) if r.chat_id == ALERTS]
        assert f"<code>{shown(MASKED_FOUND.casefold())}</code> — 12" in alert.text

        (gaps,) = await app.feed(app.fake.message("/gaps", user_id=ADMIN))
        assert f"1 × <code>{shown(MASKED_UNANSWERED[:-1])}</code>" in gaps.text  # "?" trimmed
        stats = await app.feed(app.fake.message("/stats", user_id=ADMIN))
        (export,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
        assert isinstance(export, SendDocument)
        assert MASKED_UNANSWERED in app.uploaded(export).decode()
        tomorrow = now + 86_400  # the digest counts the whole days before the day it is sent
        settings = app.dp["settings"]
        assert await send_digest(app.bot, app.lookups, app.library, settings, "t", tomorrow)
        digest = [r for r in app.sent(SendMessage) if r.chat_id == DIGEST]
        assert shown(MASKED_UNANSWERED[:-1]) in "\n".join(r.text for r in digest)

        to_team = [alert, *app.sent(EditMessageText), gaps, *stats, export, *digest]
        assert all(PASSWORD not in str(request) for request in to_team)
        assert PASSWORD.encode() not in app.uploaded(export)
    assert PASSWORD.encode() not in files_of(tmp_path / "data")
