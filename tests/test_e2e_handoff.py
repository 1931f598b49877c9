"""End to end, handoff to the support team: the real ``python -m bot`` long polling the fake Bot
API, with a real SQLite file and a forum supergroup as the support chat. A whole conversation,
what the database keeps of it, the figures it makes, and each fault of issue 18's item 7."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import AsyncIterator
from contextlib import closing
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.handoff import (
    NOTES_YAML,
    PHOTO_CAPTION,
    STAFF_REPLY,
    SUPPORT,
    Driver,
    support_settings,
    to,
    whole_conversation,
)
from tests.support.processes import (
    ROOT,
    STARTING,
    Running,
    bare_env,
    bot_command,
    free_port,
    no_bot_left,
    start_bot,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOTICE = (
    "Too many messages at once: what you send in the next minute will not reach the support team. "
    "Wait a minute and send it again."
)


async def start_desk(
    folder: Path, fake: FakeTelegram, port: int, support: int = SUPPORT
) -> Running:
    """The bot with handoff on (``support`` the support chat), its database in ``folder``,
    /healthz and /metrics on ``port``."""
    (folder / "notes.yaml").write_text(NOTES_YAML)
    database = folder / "data" / "bot.sqlite3"
    since = len(fake.requests)
    with (folder / "bot.log").open("ab") as out:
        process = await start_bot(
            folder, out, BOT_TOKEN=TOKEN, TELEGRAM_API_URL=fake.base_url,
            DATABASE_PATH=str(database), ANALYTICS_SECRET="e2e-secret-0123456789",
            METRICS_PORT=str(port), METRICS_HOST="127.0.0.1",
            **{**support_settings(str(folder / "notes.yaml")), "SUPPORT_CHAT_ID": str(support)},
        )  # fmt: skip
    await fake.wait_for("getUpdates", timeout=STARTING, since=since)
    return Running(fake, process, database, folder / "bot.log")


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def desk(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Running, int]]:
    """One bot with handoff on, shared by TestOneDeskLeftRunning (each test with people of its own),
    and the port of its /healthz and /metrics."""
    port = free_port()
    async with FakeTelegram() as fake:
        fake.forum(SUPPORT)
        running = await start_desk(tmp_path_factory.mktemp("handoff"), fake, port)
        async with no_bot_left(running):
            yield running, port


def driver_for(running: Running) -> Driver:
    async def push(update: dict[str, Any]) -> None:
        running.fake.push(update)

    return Driver(running.fake, push)


async def health(port: int) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
            assert response.status == 200  # a support chat that fails is said, not a 503
            body: dict[str, Any] = await response.json()
        return body


async def metrics(port: int) -> str:
    url = f"http://127.0.0.1:{port}/metrics"
    async with aiohttp.ClientSession() as http, http.get(url) as response:
        return await response.text()


class TestOneDeskLeftRunning:
    """The tests that share one bot with handoff on (starting one takes seconds): the suite
    hands a class's tests to one worker (conftest.py), so that it starts once. Each asks as
    people of its own, and leaves the support chat as it found it."""

    async def test_a_whole_conversation_keeps_ids_times_and_the_verdict_never_text(
        self, desk: tuple[Running, int]
    ) -> None:
        running, port = desk
        driver = driver_for(running)
        topic = await whole_conversation(driver, person=2001)

        with closing(sqlite3.connect(running.database)) as db:
            rows = db.execute(
                "SELECT person_key, user_id, topic_id, state, provider, entry_key, lang, opened_at,"
                " posted_at, first_reply_at, closed_at, verdict FROM conversations"
            ).fetchall()
        ((person, user, kept_topic, state, provider, key, lang, opened, posted, replied, closed,
          verdict),) = rows  # fmt: skip
        assert person is not None and user is None  # the raw id went at the close
        assert (kept_topic, state, provider, key, lang, verdict) == (
            topic,
            "closed",
            "gosms",
            "1004",
            "en",
            "solved",
        )
        assert opened <= posted <= replied <= closed
        stored = b"".join(p.read_bytes() for p in running.database.parent.glob("bot.sqlite3*"))
        for text in (STAFF_REPLY, PHOTO_CAPTION, "Olga"):
            assert text.encode() not in stored

        # Asked for again, the person's topic is reopened rather than a new one made (and the
        # lookups held are written first: the card lists them).
        made = len(running.fake.calls("createForumTopic"))
        await driver.ask_for_a_person(2001)
        reopened = await running.fake.wait_for("reopenForumTopic")
        assert reopened.params["message_thread_id"] == topic
        assert len(running.fake.calls("createForumTopic")) == made

        report = await stats_json(running.database)
        keys = list(report)
        assert keys[: keys.index("last_day") + 1] == [
            "period_days", "total", "found", "not_found", "unique_users", "top", "gaps", "feedback",
            "several", "not_an_error", "per_provider", "per_day", "first_day", "last_day",
        ]  # fmt: skip
        assert (report["handoffs"], report["closed_solved"], report["conversations_open"]) == (
            2,
            1,
            1,
        )
        assert report["first_reply_median"] is not None
        (entry,) = report["handoff_entries"]
        assert (entry["provider"], entry["code"], entry["handoffs"], entry["lookups"]) == (
            "gosms", "1004", 2, 3
        )  # fmt: skip
        assert (
            entry["deflection"] == 0.333
        )  # three lookups of GoSMS 1004, two followed by a handoff

        shown = await metrics(port)
        assert 'codebook_handoffs_total{result="posted"} 2.0' in shown
        assert 'codebook_relayed_messages_total{direction="to_team"} 1.0' in shown
        assert "codebook_support_reachable 1.0" in shown
        await driver.send(driver.staff("/close", topic), "closeForumTopic")

    async def test_a_password_the_person_sends_reaches_the_topic_masked(
        self, desk: tuple[Running, int]
    ) -> None:
        running, _ = desk
        fake, driver = running.fake, driver_for(running)
        topic, _ = await driver.ask_for_a_person(2051)
        since = len(fake.requests)
        fake.push(fake.message("my password is Hunter2Secret, card 4111 1111 1111 1111",
                               user_id=2051))  # fmt: skip
        masked = await fake.wait_for("sendMessage", to(SUPPORT), since=since)
        told = await fake.wait_for("sendMessage", to(2051), since=since)
        assert masked.params["message_thread_id"] == topic
        assert masked.params["text"].startswith("my password is &lt;secret&gt;, card &lt;card&gt;")
        assert told.params["text"].startswith("Part of your message looked like a password")
        in_topic = json.dumps(fake.in_topic(SUPPORT, topic), ensure_ascii=False)
        assert "Hunter2Secret" not in in_topic and "4111" not in in_topic
        await close(driver, topic)

    async def test_without_the_right_to_manage_topics_the_request_is_kept_and_posted_later(
        self, desk: tuple[Running, int]
    ) -> None:
        running, port = desk
        fake, driver = running.fake, driver_for(running)
        fake.set_bot_rights(SUPPORT, can_manage_topics=False)
        try:
            answered = await driver.send(fake.message("gosms 1005", user_id=2101), "sendMessage")
            since = len(fake.requests)
            await driver.press(2101, answered, "🙋 Talk to a person")
            told = await fake.wait_for("sendMessage", to(2101), since=since)
            assert told.params["text"].startswith("The support team cannot be reached right now.")
            assert "not enough rights" in (await health(port))["support"]["problem"]
            # Meanwhile a message of the person's is not lost without a word.
            said = await driver.send(fake.message("still broken", user_id=2101), "sendMessage")
            assert said.params["text"].startswith(
                "The support team cannot be reached right now, so"
            )
        finally:
            rights = fake.set_bot_rights(SUPPORT, can_manage_topics=True)
        since = len(fake.requests)
        fake.push(rights)  # Telegram tells the bot its rights changed: kept requests go now
        created = await fake.wait_for("createForumTopic", since=since)
        assert created.params["name"] == "Anna · GoSMS 1005"
        card = await fake.wait_for("sendMessage", to(SUPPORT), since=since)
        assert card.params["message_thread_id"] == created.result["message_thread_id"]
        reached = await fake.wait_for("sendMessage", to(2101), since=since)
        assert reached.params["text"].startswith("The support team has your request now")
        support = (await health(port))["support"]
        assert support["reachable"] is True and support["problem"] is None
        await close(driver, created.result["message_thread_id"])

    async def test_a_bot_removed_from_the_support_chat_keeps_the_request(
        self, desk: tuple[Running, int]
    ) -> None:
        running, port = desk
        fake, driver = running.fake, driver_for(running)
        fake.set_bot_rights(SUPPORT, bot_status="kicked")
        try:
            await driver.send(fake.message("/human", user_id=2201), "sendMessage", to(2201))
            told = fake.calls("sendMessage")[-1]
            assert told.params["text"].startswith("The support team cannot be reached right now.")
            assert (await health(port))["support"]["reachable"] is False
            assert "codebook_support_reachable 0.0" in await metrics(port)
        finally:
            rights = fake.set_bot_rights(SUPPORT, bot_status="administrator")
        since = len(fake.requests)
        fake.push(rights)
        created = await fake.wait_for("createForumTopic", since=since)
        await fake.wait_for("sendMessage", to(2201), since=since)
        await close(driver, created.result["message_thread_id"])

    async def test_a_topic_deleted_by_staff_is_opened_anew_on_the_next_message(
        self, desk: tuple[Running, int]
    ) -> None:
        running, _ = desk
        fake, driver = running.fake, driver_for(running)
        topic, _ = await driver.ask_for_a_person(2301, "notificore 35")
        fake.delete_topic(SUPPORT, topic)
        since = len(fake.requests)
        fake.push(fake.message("are you there?", user_id=2301))
        created = await fake.wait_for("createForumTopic", since=since)
        fresh = created.result["message_thread_id"]
        card = await fake.wait_for("sendMessage", to(SUPPORT), since=since)
        assert (
            card.params["message_thread_id"] == fresh and "asks for a person" in card.params["text"]
        )
        tried = [c for c in fake.requests[since:] if c.method == "copyMessage"]
        assert tried[0].params["message_thread_id"] == topic and tried[0].result is None  # refused
        copied = await fake.wait_for(
            "copyMessage", lambda c: c.params["message_thread_id"] == fresh, since=since
        )
        assert copied.result is not None
        await close(driver, fresh)

    async def test_staff_are_told_in_the_topic_when_the_person_blocked_the_bot(
        self, desk: tuple[Running, int]
    ) -> None:
        running, _ = desk
        fake, driver = running.fake, driver_for(running)
        topic, _ = await driver.ask_for_a_person(2401, "gosms 1004")
        fake.block(2401)
        told = await driver.send(
            driver.staff("Anna, can you check?", topic), "sendMessage", to(SUPPORT)
        )
        assert told.params["message_thread_id"] == topic
        assert told.params["text"] == "⚠️ The person has blocked the bot: this was not delivered."
        await close(driver, topic)

    async def test_the_persons_relayed_messages_spend_their_budget_staff_are_never_limited(
        self, desk: tuple[Running, int]
    ) -> None:
        running, _ = desk
        fake, driver = running.fake, driver_for(running)
        topic, _ = await driver.ask_for_a_person(2501, "gosms 1004")
        since = len(fake.requests)
        for n in range(25):
            fake.push(fake.message(f"detail {n}", user_id=2501))
        await fake.wait_for("sendMessage", lambda c: c.params["text"] == NOTICE, since=since)
        for n in range(25):
            fake.push(driver.staff(f"answer {n}", topic))

        def copies(chat: int) -> int:
            return len(
                [c for c in fake.requests[since:] if c.method == "copyMessage" and to(chat)(c)]
            )

        relayed = since
        for _ in range(25):  # every one of staff's, however many
            copied = await fake.wait_for("copyMessage", to(2501), since=relayed)
            relayed = fake.requests.index(copied) + 1
        # The question and the press before spent two of the 20: the rest relayed, then one notice,
        # then silence. (A token comes back every 3 s: one or two more may have refilled on a busy
        # machine; never all 25.)
        assert 18 <= copies(SUPPORT) < 25
        assert len([c for c in fake.requests[since:] if c.params.get("text") == NOTICE]) == 1
        await close(driver, topic)


async def test_a_restart_keeps_every_open_conversation(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        fake.forum(SUPPORT)
        async with no_bot_left(await start_desk(tmp_path, fake, free_port())) as first:
            topic, _ = await driver_for(first).ask_for_a_person(2601, "gosms 1004")
            assert await first.stop() == 0
        async with no_bot_left(await start_desk(tmp_path, fake, free_port())) as second:
            driver = driver_for(second)
            copied = await driver.send(fake.message("still there?", user_id=2601), "copyMessage")
            assert copied.params["message_thread_id"] == topic
            reply = await driver.send(driver.staff("yes", topic), "copyMessage", to(2601))
            assert reply.params["from_chat_id"] == SUPPORT
            await close(driver, topic)


async def test_a_team_moved_to_another_support_chat_gets_the_conversation_there(
    tmp_path: Path,
) -> None:
    moved = SUPPORT - 1
    async with FakeTelegram() as fake:
        fake.forum(SUPPORT, "Old support")
        fake.forum(moved, "New support")
        async with no_bot_left(await start_desk(tmp_path, fake, free_port())) as first:
            old, _ = await driver_for(first).ask_for_a_person(2701, "gosms 1004")
            assert await first.stop() == 0
        again = await start_desk(tmp_path, fake, free_port(), support=moved)
        async with no_bot_left(again) as second:
            chatter = fake.topic(moved, "Team chatter")  # the new chat's own topic of that number
            assert chatter == old
            since = len(fake.requests)
            fake.push(fake.message("still there?", user_id=2701))
            created = await fake.wait_for("createForumTopic", since=since)
            assert created.params["chat_id"] == moved
            fresh = created.result["message_thread_id"]
            card = await fake.wait_for("sendMessage", to(moved), since=since)
            assert card.params["message_thread_id"] == fresh
            assert "asks for a person" in card.params["text"]
            copied = await fake.wait_for("copyMessage", since=since)
            assert (copied.params["chat_id"], copied.params["message_thread_id"]) == (moved, fresh)
            assert not [c for c in fake.requests[since:] if c.params.get("chat_id") == SUPPORT]
            assert fresh != chatter and not fake.in_topic(moved, chatter)[1:]
            driver = driver_for(second)
            reply = await driver.send(
                fake.message("yes", chat_type="supergroup", chat_id=moved, user_id=3001,
                             first_name="Olga", thread=fresh),
                "copyMessage", to(2701),
            )  # fmt: skip
            assert reply.params["from_chat_id"] == moved


async def close(driver: Driver, topic: int) -> None:
    await driver.send(driver.staff("/close", topic), "closeForumTopic")


async def stats_json(database: Path) -> dict[str, Any]:
    env = bare_env(DATABASE_PATH=str(database))
    stats = await bot_command("stats", "--format", "json", cwd=ROOT, env=env)
    report: dict[str, Any] = json.loads(stats.stdout)
    return report
