"""Flood control: everything a person can make the bot send is budgeted, one notice a window,
and its cost and memory do not grow with the number of people."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, AnswerInlineQuery, SendMessage

from bot.telegram.flood import Budget, Verdict
from tests.support.app import ADMIN, GROUP, App, buttons, running_app, still

NOTICE = "Too many messages. Wait a minute and I will answer again."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_gets_the_limit_then_one_notice_then_silence() -> None:
    clock = Clock()
    budget = Budget(20, clock=clock)
    verdicts = [await budget.take(7) for _ in range(25)]
    assert verdicts == [Verdict.ANSWER] * 20 + [Verdict.NOTICE] + [Verdict.SILENCE] * 4
    assert await budget.take(8) is Verdict.ANSWER  # someone else has a budget of their own


async def test_the_budget_refills_evenly_and_the_notice_comes_once_a_window() -> None:
    clock = Clock()
    budget = Budget(20, clock=clock)
    for _ in range(21):
        await budget.take(7)
    clock.now += 3.0  # one update's worth (60 s / 20)
    assert await budget.take(7) is Verdict.ANSWER
    assert await budget.take(7) is Verdict.SILENCE  # told a moment ago
    clock.now += 60.0
    assert [await budget.take(7) for _ in range(20)] == [Verdict.ANSWER] * 20
    assert await budget.take(7) is Verdict.NOTICE  # a new window, a new notice


async def test_idle_people_are_forgotten_so_memory_follows_the_last_window() -> None:
    clock = Clock()
    budget = Budget(20, clock=clock)
    for person in range(200_000):  # 200,000 people over an hour, one every 18 ms
        clock.now += 3600 / 200_000
        await budget.take(person)
    assert len(budget) <= 60 / (3600 / 200_000) + 1  # only those of the last minute


async def test_at_most_the_tracked_number_of_people_are_kept() -> None:
    clock = Clock()
    budget = Budget(20, tracked=1000, clock=clock)
    for person in range(5000):  # all within one second
        await budget.take(person)
    assert len(budget) == 1000


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    """The bot as in production, its budgets on a clock that stands still."""
    async with running_app(tmp_path, clock=still) as running:
        yield running


async def spam(app: App, make_update: object, count: int = 30) -> list[object]:
    sent: list[object] = []
    for _ in range(count):
        sent += await app.feed(make_update())  # type: ignore[operator]
    return sent


async def test_commands_count_too(app: App) -> None:
    sent = await spam(app, lambda: app.fake.message("/start", user_id=3001))
    texts = [r.text for r in sent if isinstance(r, SendMessage)]
    assert len(texts) == 21 and texts[-1] == NOTICE
    sent = await spam(app, lambda: app.fake.message("/help", user_id=3002))
    assert [r.text for r in sent if isinstance(r, SendMessage)].count(NOTICE) == 1
    assert len(sent) <= 20 * 2 + 1  # /help may take two messages, still within the budget


async def test_a_refused_admin_command_counts_too(app: App) -> None:
    sent = await spam(app, lambda: app.fake.message("/gaps", user_id=3003))
    assert len(sent) == 21 and sent[-1].text == NOTICE


async def test_button_presses_and_votes_count_too(app: App) -> None:
    (answer,) = await app.feed(app.fake.message("gosms 1004", user_id=3004))
    up = buttons(answer)[0][1]
    sent = await spam(app, lambda: app.fake.callback(up, message_id=1, chat_id=3004, user_id=3004))
    answered = [r for r in sent if isinstance(r, AnswerCallbackQuery)]
    assert len(answered) == 20  # 19 votes after the question, then the notice as an alert
    assert answered[-1].show_alert and answered[-1].text == NOTICE


async def test_inline_queries_have_a_larger_budget_of_their_own(app: App) -> None:
    sent = await spam(app, lambda: app.fake.inline("gosms 1004", user_id=3005), count=70)
    answers = [r for r in sent if isinstance(r, AnswerInlineQuery)]
    assert len(answers) == 61  # 3 x 20, then the notice
    notice = answers[-1]
    assert notice.results == [] and notice.button is not None and notice.button.text == NOTICE
    (reply,) = await app.feed(app.fake.message("gosms 1004", user_id=3005))  # messages: own
    assert reply.text.startswith("<b>GoSMS")


async def test_chatter_in_a_group_costs_nothing(app: App) -> None:
    for _ in range(30):
        assert (
            await app.feed(
                app.fake.message("всем привет", chat_type="group", chat_id=GROUP, user_id=3006)
            )
            == []
        )
    (reply,) = await app.feed(
        app.fake.message("/code gosms 1004", chat_type="group", chat_id=GROUP, user_id=3006)
    )
    assert reply.text.startswith("<b>GoSMS")


async def test_admins_have_a_budget_too(app: App) -> None:
    sent = await spam(app, lambda: app.fake.message("/gaps", user_id=ADMIN), count=25)
    assert [r.text for r in sent if isinstance(r, SendMessage)][-1] == NOTICE


async def test_who_writes_as_a_chat_spends_that_chats_budget_not_telegrams_shared_account(
    app: App,
) -> None:
    """Anonymous admins all come from one account of Telegram's (GroupAnonymousBot): one who
    asked 21 times silenced every anonymous admin of every other group (found by an attack).
    Each chat written as has a budget of its own."""
    anonymous = 1087968824

    def as_group(group: int, text: str) -> dict[str, object]:
        update = app.fake.message(text, chat_type="supergroup", chat_id=group, user_id=anonymous)
        update["message"]["sender_chat"] = update["message"]["chat"]
        return update

    sent = await spam(app, lambda: as_group(GROUP, "/code gosms 1004"), count=25)
    notice = [r for r in sent if isinstance(r, SendMessage)][-1]
    assert notice.text == NOTICE
    assert notice.reply_parameters is not None  # in a group, said to the one it is about
    (reply,) = await app.feed(as_group(GROUP - 1, "/code gosms 1004"))
    assert reply.text.startswith("<b>GoSMS")
