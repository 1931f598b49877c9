"""End to end, handoff on two replicas: two bot processes in webhook mode behind a (test-made)
load balancer, sharing PostgreSQL and no Redis. A whole conversation with each update going to
the next replica in turn; an update delivered to both is relayed once (the database holds it,
not Redis); a replica stopped mid-conversation leaves it to the other, which carries it on."""

from __future__ import annotations

import asyncio
import signal
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import asyncpg

from tests.support.fake_telegram import FakeTelegram
from tests.support.handoff import (
    NOTES_YAML,
    SUPPORT,
    Driver,
    support_settings,
    to,
    whole_conversation,
)
from tests.support.processes import STOPPING
from tests.support.replicas import replicas
from tests.support.services import fresh_postgres


async def test_two_replicas_carry_one_conversation_and_relay_each_message_once(
    tmp_path: Path,
) -> None:
    async with AsyncExitStack() as stack:
        database = await stack.enter_async_context(fresh_postgres())
        fake = await stack.enter_async_context(FakeTelegram())
        fake.forum(SUPPORT)
        (tmp_path / "notes.yaml").write_text(NOTES_YAML)
        settings = support_settings(str(tmp_path / "notes.yaml"))
        (first, _), balancer = await stack.enter_async_context(
            replicas(tmp_path, fake, DATABASE_URL=database, **settings)
        )

        async def deliver(update: dict[str, Any]) -> int:
            return await balancer.deliver(update)

        driver = Driver(fake, deliver)
        await whole_conversation(driver, person=4001)
        assert balancer.delivered == [4, 4]  # each step on the other replica than the last

        # A person's message delivered to both replicas (a load balancer's retry) is relayed
        # once: the replicas share no Redis, the database holds the relayed update ids.
        topic, _ = await driver.ask_for_a_person(4002, "notificore 35")
        twice = fake.message("one message, delivered twice", user_id=4002)
        since = len(fake.requests)
        assert await balancer.post(twice, 0) and await balancer.post(twice, 1)
        copied = [c for c in fake.requests[since:] if c.method == "copyMessage"]
        assert [c.params["message_id"] for c in copied] == [twice["message"]["message_id"]]

        # One replica stops mid-conversation: the other carries it on, from the database.
        first.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(first.wait(), STOPPING) == 0
        reply = await driver.send(driver.staff("still here", topic), "copyMessage", to(4002))
        assert reply.params["from_chat_id"] == SUPPORT
        relayed = await driver.send(fake.message("thanks", user_id=4002), "copyMessage")
        assert relayed.params["message_thread_id"] == topic
        await driver.send(driver.staff("/close", topic), "closeForumTopic")

        db = await asyncpg.connect(database)
        try:
            rows = await db.fetch("SELECT state, user_id, verdict FROM conversations ORDER BY id")
        finally:
            await db.close()
        assert [tuple(row) for row in rows] == [
            ("closed", None, "solved"),
            ("closed", None, None),
        ]
