"""A whole handoff conversation driven through the real bot and the fake Bot API: a person asks,
is not helped, asks for a person, sends a photo; staff reply, /send an entry, /close; the person
says 👍. The same script runs against one bot long polling (SQLite) and two replicas behind a
load balancer (PostgreSQL): ``deliver`` is how an update reaches the bot."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from tests.support.fake_telegram import Call, FakeTelegram

SUPPORT = -1001555000111
STAFF = 3001
QUESTION = "gosms 1004 не приходят смс"
NOTE = "Check first: is the device online in the GoSMS dashboard?"
NOTES_YAML = f'gosms:\n  "1004": |\n    {NOTE}\n    Escalate: ops@gosms.example\n'
PHOTO_CAPTION = "here is the screen"
STAFF_REPLY = "Hi Anna, is the phone online right now?"

Deliver = Callable[[dict[str, Any]], Awaitable[object]]


def support_settings(notes: str) -> dict[str, str]:
    """The environment that turns handoff on (the notes file at ``notes``)."""
    return {"SUPPORT_CHAT_ID": str(SUPPORT), "TEAM_NOTES": notes}


@dataclass
class Driver:
    """Sends updates as people and staff would, and waits for what the bot does."""

    fake: FakeTelegram
    deliver: Deliver

    async def send(
        self, update: dict[str, Any], method: str, where: Callable[[Call], bool] | None = None
    ) -> Call:
        """Deliver ``update``; the first ``method`` call since (matching ``where``)."""
        since = len(self.fake.requests)
        await self.deliver(update)
        return await self.fake.wait_for(method, where, since=since)

    async def press(self, person: int, sent: Call, text: str) -> Call:
        """Press the button labelled ``text`` under the message ``sent`` to ``person``."""
        data = button(sent, text)
        update = self.fake.callback(
            data, message_id=sent.result["message_id"], chat_id=person, user_id=person
        )
        return await self.send(update, "answerCallbackQuery")

    def staff(self, text: str, topic: int, *, user_id: int = STAFF) -> dict[str, Any]:
        """A staff member's message in the topic."""
        return self.fake.message(
            text, chat_type="supergroup", chat_id=SUPPORT, user_id=user_id, first_name="Olga",
            thread=topic,
        )  # fmt: skip

    async def ask_for_a_person(self, person: int, question: str = QUESTION) -> tuple[int, Call]:
        """The person asks, is not helped, presses "Talk to a person": the topic it was posted
        in, and the card."""
        answered = await self.send(
            self.fake.message(question, user_id=person), "sendMessage", to(person)
        )
        since = len(self.fake.requests)
        await self.press(person, answered, "🙋 Talk to a person")
        card = await self.fake.wait_for("sendMessage", to(SUPPORT), since=since)
        told = await self.fake.wait_for("sendMessage", to(person), since=since)
        assert told.params["text"].startswith("Your question is with the support team now")
        return card.params["message_thread_id"], card


def to(chat: int) -> Callable[[Call], bool]:
    return lambda call: call.params.get("chat_id") == chat


def button(sent: Call, text: str) -> str:
    """The callback data of the button labelled ``text`` under a message the bot sent."""
    rows = sent.params["reply_markup"]["inline_keyboard"]
    (data,) = [b["callback_data"] for row in rows for b in row if b["text"] == text]
    return str(data)


async def whole_conversation(driver: Driver, person: int) -> int:
    """ask → not helped → a person → photo relayed → staff reply → /send → /close → 👍, each
    step checked on the way; the topic it took place in."""
    fake = driver.fake
    topic, card = await driver.ask_for_a_person(person)
    (created,) = [
        c for c in fake.calls("createForumTopic") if c.result["message_thread_id"] == topic
    ]
    assert created.params["name"] == "Anna · GoSMS 1004"
    text = card.params["text"]
    assert f'href="tg://user?id={person}"' in text and "Language: English" in text
    assert f"Asked: <code>{QUESTION}</code>" in text
    assert "The bot answered: GoSMS 1004 — No devices registered" in text
    assert NOTE in text and "🔒 Team notes" in text

    photo = fake.message(caption=PHOTO_CAPTION, user_id=person)
    copied = await driver.send(photo, "copyMessage", to(SUPPORT))
    assert copied.params["message_thread_id"] == topic
    assert copied.params["from_chat_id"] == person
    assert copied.params["message_id"] == photo["message"]["message_id"]

    reply = await driver.send(driver.staff(STAFF_REPLY, topic), "copyMessage", to(person))
    assert reply.params["from_chat_id"] == SUPPORT

    sent = await driver.send(driver.staff("/send gosms 1004", topic), "sendMessage", to(person))
    assert sent.params["text"].startswith("<b>GoSMS · 1004 — No devices registered</b>")
    confirmed = await fake.wait_for("sendMessage", to(SUPPORT), since=fake.requests.index(sent))
    assert confirmed.params["text"].startswith("Sent to the person: GoSMS 1004")

    asked = await driver.send(driver.staff("/close", topic), "sendMessage", to(person))
    assert (
        asked.params["text"]
        == "The support team has closed this conversation. Did we solve your problem?"
    )
    closed = await fake.wait_for("closeForumTopic", since=fake.requests.index(asked))
    assert closed.params["message_thread_id"] == topic

    since = len(fake.requests)
    thanks = await driver.press(person, asked, "👍 Yes")
    assert thanks.params["text"] == "Thank you! Glad we could help."
    said = await fake.wait_for("sendMessage", to(SUPPORT), since=since)
    assert said.params["message_thread_id"] == topic
    assert said.params["text"] == "👍 The person says it is solved."

    # Closed: the person's next message is a question again, not a message for the team.
    since = len(fake.requests)
    again = await driver.send(fake.message("gosms 1004", user_id=person), "sendMessage", to(person))
    assert again.params["text"].startswith("<b>GoSMS · 1004")
    assert not [c for c in fake.requests[since:] if c.method == "copyMessage"]
    return topic
