"""Handoff through ``Dispatcher.feed_update``: what the person sends while talking with the
team that holds a secret reaches the topic masked (the house rule: a customer's password never
reaches a team chat), and they are told so once; staff's /close is written before the person
is asked, once."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, CopyMessage, CreateForumTopic, SendMessage

import bot.telegram.desk as desk_module
from bot.core.catalog import entry_ref
from bot.handoff.conversation import State
from bot.telegram.desk import SupportDesk
from bot.telegram.keyboards import Human
from tests.support.app import USERNAME, App, buttons, running_app, settings_for
from tests.support.fake_telegram import FakeTelegram
from tests.test_handoff_bot import (
    SUPPORT,
    database_down,
    desk_app,
    open_conversation,
    said_in_topic,
    staff,
)

__all__ = ["desk_app"]  # the fixture, shared

SECRET = "my password is Hunter2Secret and card 4111 1111 1111 1111"
TOLD = (
    "Part of your message looked like a password, key or card number: I hid it from the team. "
    "Never send passwords, keys or card numbers here."
)


async def test_a_message_with_a_secret_reaches_the_topic_masked_and_the_person_is_told_once(
    desk_app: App,
) -> None:
    topic = await open_conversation(desk_app)
    masked, told = await desk_app.feed(desk_app.fake.message(SECRET, user_id=1001))
    assert isinstance(masked, SendMessage)
    assert (masked.chat_id, masked.message_thread_id) == (SUPPORT, topic)
    assert masked.text == (
        "my password is &lt;secret&gt; and card &lt;card&gt;\n\n"
        "<i>🔒 The bot hid what looked like a secret in this message.</i>"
    )
    assert isinstance(told, SendMessage) and (told.chat_id, told.text) == (1001, TOLD)
    in_topic = str(desk_app.fake.in_topic(SUPPORT, topic))
    assert "Hunter2Secret" not in in_topic and "4111" not in in_topic
    (again,) = await desk_app.feed(
        desk_app.fake.message("token: abcdefghijklmnopqrstu", user_id=1001)
    )
    assert isinstance(again, SendMessage) and again.chat_id == SUPPORT  # told once
    (plain,) = await desk_app.feed(desk_app.fake.message("phone is online\nstill failing"))
    assert isinstance(plain, CopyMessage) and plain.message_thread_id == topic  # as sent


async def test_the_contacts_a_person_gives_support_reach_the_topic_as_sent(desk_app: App) -> None:
    # A phone (the very number an SMS does not reach), an e-mail address and a @username are how
    # a person is reached and what support works on: copied as sent; the password beside them
    # is not.
    topic = await open_conversation(desk_app)
    contacts = "SMS to +7 999 123-45-67 never arrive; mail anna@example.com or @anna_support"
    (copied,) = await desk_app.feed(desk_app.fake.message(contacts, user_id=1001))
    assert isinstance(copied, CopyMessage) and copied.message_thread_id == topic
    masked, _ = await desk_app.feed(
        desk_app.fake.message("call 89991234567, my password is Hunter2Secret", user_id=1001)
    )
    assert isinstance(masked, SendMessage) and masked.text.startswith(
        "call 89991234567, my password is &lt;secret&gt;\n"
    )


async def test_a_caption_with_a_secret_is_copied_with_the_caption_masked(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    copied, told = await desk_app.feed(
        desk_app.fake.message(caption="login anna pass: Hunter2Secret", user_id=1001)
    )
    assert isinstance(copied, CopyMessage) and copied.message_thread_id == topic
    assert copied.caption is not None and "Hunter2Secret" not in copied.caption
    assert "&lt;secret&gt;" in copied.caption
    assert isinstance(told, SendMessage) and told.text == TOLD
    (photo,) = [m for m in desk_app.fake.in_topic(SUPPORT, topic) if "photo" in m]
    assert "Hunter2Secret" not in photo["caption"]


async def test_the_person_is_asked_not_to_send_passwords_when_handed_over(desk_app: App) -> None:
    *_, told = await desk_app.feed(desk_app.fake.message("/human", user_id=1001))
    assert isinstance(told, SendMessage) and told.text.startswith("Your question is with")
    assert "Never send passwords or keys." in told.text


async def test_close_is_written_before_the_person_is_asked_and_a_failed_write_asks_nobody(
    desk_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = await open_conversation(desk_app)
    database_down(desk_app, monkeypatch, "close_conversation", reason="database is locked")
    (said,) = await desk_app.feed(staff(desk_app, topic, text="/close"))
    assert said_in_topic(said, topic) == (
        "⚠️ The bot's database cannot be reached: the conversation is not closed and the person "
        "was not asked. Send /close again in a few minutes."
    )
    assert not desk_app.fake.sent(1001)  # the person is told nothing
    monkeypatch.undo()
    asked, done, _ = await desk_app.feed(staff(desk_app, topic, text="/close"))
    assert isinstance(asked, SendMessage) and asked.chat_id == 1001
    assert isinstance(done, SendMessage) and done.text.startswith("Closed. The person was asked")


async def test_two_close_at_once_ask_the_person_once(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    await asyncio.gather(
        desk_app.feed(staff(desk_app, topic, text="/close")),
        desk_app.feed(staff(desk_app, topic, text="/close")),
    )
    asked = [m for m in desk_app.fake.sent(1001) if "Did we solve" in m.get("text", "")]
    assert len(asked) == 1


async def test_close_for_a_person_who_blocked_the_bot_says_one_thing(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    desk_app.fake.block(1001)
    said = [c for c in await desk_app.feed(staff(desk_app, topic, text="/close"))
            if isinstance(c, SendMessage) and c.chat_id == SUPPORT]  # fmt: skip
    assert [s.text for s in said] == ["Closed (the person has blocked the bot and was not asked)."]


async def test_a_tap_by_someone_the_bot_cannot_write_to_makes_no_topic_and_says_why(
    desk_app: App,
) -> None:
    desk_app.fake.forbid(4022)  # never pressed Start
    data = Human(ref=entry_ref("gosms", "1004")).pack()
    tap = desk_app.fake.callback(data, message_id=7, chat_id=-100777, user_id=4022)
    sent = await desk_app.feed(tap)
    assert not desk_app.sent(CreateForumTopic) and not desk_app.fake.forums[SUPPORT].topics
    (answered,) = [c for c in sent if isinstance(c, AnswerCallbackQuery)]
    assert answered.show_alert and answered.text == (
        "I cannot write to you yet: open a private chat with me (send me /start), then ask again."
    )
    assert await desk_app.lookups.store.live_conversation(4022) is None


async def test_a_person_the_bot_cannot_tell_after_the_card_is_not_left_open(
    desk_app: App,
) -> None:
    desk_app.fake.block(1001)  # blocked the bot just after sending /human
    sent = await desk_app.feed(desk_app.fake.message("/human", user_id=1001))
    said = [c.text for c in sent if isinstance(c, SendMessage) and c.chat_id == SUPPORT]
    assert said[-1] == (
        "⚠️ The bot cannot write to the person (they blocked it, or never opened a private chat "
        "with it): the conversation is closed."
    )
    assert await desk_app.lookups.store.live_conversation(1001) is None  # no raw id kept


async def test_a_person_not_told_for_a_moment_is_not_asked_to_try_again(desk_app: App) -> None:
    (answered,) = await desk_app.feed(desk_app.fake.message("gosms 1004", user_id=1001))
    data = buttons(answered)[-1][1]
    assert data is not None
    desk_app.fake.fail_next("sendMessage", 502, "Bad Gateway", chat_id=1001)
    shown = desk_app.fake.calls("sendMessage")[-1].result["message_id"]
    sent = await desk_app.feed(
        desk_app.fake.callback(data, message_id=shown, chat_id=1001, user_id=1001)
    )
    (answered_tap,) = [c for c in sent if isinstance(c, AnswerCallbackQuery)]
    assert (answered_tap.text or "").startswith("Your question is with the support team now")
    assert not [c for c in sent if isinstance(c, SendMessage) and "went wrong" in c.text]
    assert len(desk_app.fake.forums[SUPPORT].topics) == 1


async def test_a_channel_as_the_support_chat_is_said_to_be_no_support_chat(tmp_path: Path) -> None:
    fake = FakeTelegram(username=USERNAME)
    fake.forum(SUPPORT, is_forum=False, kind="channel")
    async with running_app(tmp_path, fake=fake, support_chat_id=SUPPORT) as app:
        desk = app.dp["desk"]
        said = "a channel cannot be a support chat: use a supergroup with Topics on"
        assert await desk.probe(app.bot) == said
        _, health = await app.dp["services"].health.check()
        assert health["support"]["problem"] == said


async def test_staff_whose_reply_the_database_cannot_take_are_told_in_the_topic_without_its_path(
    desk_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reads work, writes do not (SQLite's write lock held by a backup, a PostgreSQL standby):
    # the team's reply is not relayed, and the topic says so in the team's words, not with the
    # admins' message naming the database's file or host.
    topic = await open_conversation(desk_app)
    locked = "/srv/codebook/data/bot.sqlite3: database is locked"
    database_down(desk_app, monkeypatch, "claim_relay", reason=locked)
    (said,) = await desk_app.feed(staff(desk_app, topic, text="try turning it off and on"))
    assert said_in_topic(said, topic) == (
        "⚠️ The bot's database cannot be reached: this was not delivered to the person. "
        "Send it again in a few minutes."
    )
    assert not desk_app.fake.sent(1001)


async def test_a_secret_in_a_hidden_link_reaches_the_topic_masked(desk_app: App) -> None:
    # Ctrl+K in Telegram Desktop, or a rich paste from a dashboard: the text reads "this", the
    # link behind it holds the key. Copied as sent, the topic would get the link.
    topic = await open_conversation(desk_app)
    url = "https://api.gosms.com/v1/send?api_key=k1x2y3z4&to=1"
    update = desk_app.fake.message("open this link please", user_id=1001)
    update["message"]["entities"] = [{"type": "text_link", "offset": 5, "length": 4, "url": url}]
    masked, told = await desk_app.feed(update)
    assert isinstance(masked, SendMessage) and masked.message_thread_id == topic
    assert masked.text == (
        "open this link please\n🔗 this: https://api.gosms.com/v1/send?api_key=&lt;secret&gt;&amp;to=1"
        "\n\n<i>🔒 The bot hid what looked like a secret in this message.</i>"
    )
    assert isinstance(told, SendMessage) and told.text == TOLD
    assert "k1x2y3z4" not in str(desk_app.fake.in_topic(SUPPORT, topic))
    photo = desk_app.fake.message(caption="see this and password: Hunter2Secret", user_id=1001)
    link = {"type": "text_link", "offset": 0, "length": 3, "url": "https://example.com/help"}
    photo["message"]["caption_entities"] = [link]
    (copied,) = await desk_app.feed(photo)
    assert isinstance(copied, CopyMessage) and copied.caption is not None
    assert copied.caption.startswith(
        "see this and password: &lt;secret&gt;\n🔗 see: https://example.com/help\n"
    )
    docs = desk_app.fake.message("read the docs", user_id=1001)
    link = {"type": "text_link", "offset": 9, "length": 4, "url": "https://example.com/docs"}
    docs["message"]["entities"] = [link]
    (plain,) = await desk_app.feed(docs)
    assert isinstance(plain, CopyMessage)  # a link holding no secret: copied as sent


def poll(desk_app: App, question: str, *options: str, **extra: object) -> dict[str, object]:
    """An update with a person's poll (the fake makes stickers; a poll stands in its place)."""
    update = desk_app.fake.message(sticker=True, user_id=1001)
    del update["message"]["sticker"]
    update["message"]["poll"] = {
        "id": "1", "question": question, "total_voter_count": 0, "is_closed": False,
        "is_anonymous": True, "type": "regular", "allows_multiple_answers": False,
        "allows_revoting": False, "members_only": False,
        "options": [{"text": o, "voter_count": 0, "persistent_id": o} for o in options],
        **extra,
    }  # fmt: skip
    return update


@pytest.mark.parametrize(
    ("question", "options", "secret"),
    [
        (
            "which works, my password: Hunter2Secret?",
            ("the old one", "pin 8842-1190-77"),
            "Hunter2",
        ),
        ("my password is", ("Hunter2Secret", "other"), "Hunter2Secret"),  # the next line's
        ("пароль от кабинета", ("Qw3rty!2024", "не помню"), "Qw3rty!2024"),
        ("which login works", ("login anna password qwerty", "anna"), "qwerty"),
    ],
)
async def test_a_poll_whose_question_or_options_hold_a_secret_reaches_the_topic_masked(
    desk_app: App, question: str, options: tuple[str, ...], secret: str
) -> None:
    topic = await open_conversation(desk_app)
    masked, told = await desk_app.feed(poll(desk_app, question, *options))
    assert isinstance(masked, SendMessage) and masked.message_thread_id == topic
    assert masked.text.startswith("📊 ") and "&lt;secret&gt;" in masked.text
    assert secret not in str(desk_app.fake.in_topic(SUPPORT, topic))
    assert isinstance(told, SendMessage) and told.text == TOLD
    (copied,) = await desk_app.feed(poll(desk_app, "which name reads better?", "old", "new"))
    assert isinstance(copied, CopyMessage) and copied.message_thread_id == topic  # as sent


async def test_a_quizs_explanation_is_masked_too(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    quiz = poll(desk_app, "quiz", "a", "b", type="quiz", correct_option_id=0,
                explanation="my password is Hunter2Secret")  # fmt: skip
    masked, _ = await desk_app.feed(quiz)
    assert isinstance(masked, SendMessage) and "&lt;secret&gt;" in masked.text
    assert "Hunter2Secret" not in str(desk_app.fake.in_topic(SUPPORT, topic))


async def test_a_story_in_a_conversation_is_said_not_to_reach_the_team(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    update = desk_app.fake.message(sticker=True, user_id=1001)
    del update["message"]["sticker"]
    update["message"]["story"] = {"chat": update["message"]["chat"], "id": 7}
    (told,) = await desk_app.feed(update)
    assert isinstance(told, SendMessage) and told.chat_id == 1001
    assert told.text.startswith("I cannot pass this kind of message (a story")
    assert desk_app.fake.in_topic(SUPPORT, topic)[-1].get("story") is None


def sent_as(desk_app: App, **content: object) -> dict[str, object]:
    """An update with a person's message of another kind (the fake makes stickers; ``content``
    stands in its place)."""
    update = desk_app.fake.message(sticker=True, user_id=1001)
    del update["message"]["sticker"]
    update["message"].update(content)  # type: ignore[union-attr]
    return update


DOCUMENT = {"file_id": "d1", "file_unique_id": "u1", "file_size": 10}


@pytest.mark.parametrize(
    "content",
    [
        {"document": {**DOCUMENT, "file_name": "gosms_password_Hunter2Secret.txt"}},
        {
            "venue": {
                "location": {"latitude": 1.0, "longitude": 2.0},
                "title": "password: Hunter2Secret",
                "address": "Main St 1",
            }
        },
        {
            "contact": {
                "phone_number": "+79991234567",
                "first_name": "Anna",
                "vcard": "BEGIN:VCARD\nNOTE:password Hunter2Secret\nEND:VCARD",
            }
        },
    ],
    ids=["file name", "venue", "contact card"],
)
async def test_a_secret_beside_the_text_reaches_the_topic_masked(
    desk_app: App, content: dict[str, object]
) -> None:
    """A document's file name, a venue's title and a contact's card are copied as they are: an
    attack (2026-12-07) found a password in each reach the topic. The team gets them masked,
    as words (no copy can carry another file name)."""
    topic = await open_conversation(desk_app)
    masked, told = await desk_app.feed(sent_as(desk_app, **content))
    assert isinstance(masked, SendMessage) and masked.message_thread_id == topic
    assert masked.text.startswith(("📎 ", "📍 ", "👤 "))
    assert "&lt;secret&gt;" in masked.text or "&lt;token&gt;" in masked.text
    assert "Hunter2Secret" not in str(desk_app.fake.in_topic(SUPPORT, topic))
    assert isinstance(told, SendMessage) and told.text == TOLD
    clean = sent_as(desk_app, document={**DOCUMENT, "file_name": "error 1004.pdf"})
    (copied,) = await desk_app.feed(clean)
    assert isinstance(copied, CopyMessage) and copied.message_thread_id == topic  # as sent


async def test_a_message_telegram_will_not_copy_is_said_and_leaves_the_chat_reachable(
    desk_app: App,
) -> None:
    """A person's message deleted before it was copied ("message to copy not found") was taken
    for the support chat down (found by an attack, 2026-12-07): /healthz said so, the
    conversation went back to waiting and the person was told the team could not be reached.
    Only that message is said not to have reached the team."""
    topic = await open_conversation(desk_app)
    gone = desk_app.fake.message("look at this", user_id=1001)
    desk_app.fake.delete(gone)
    refused, told = await desk_app.feed(gone)
    assert isinstance(refused, CopyMessage) and refused.message_thread_id == topic
    assert isinstance(told, SendMessage) and told.chat_id == 1001
    assert told.text.startswith("Telegram would not let me pass this message on")
    desk = desk_app.dp["desk"]
    assert desk.reachable
    _, health = await desk_app.dp["services"].health.check()
    assert health["support"]["reachable"] is True
    (copied,) = await desk_app.feed(desk_app.fake.message("and this", user_id=1001))
    assert isinstance(copied, CopyMessage) and copied.message_thread_id == topic


async def test_staff_words_that_start_with_a_slash_reach_the_person_and_close_any_case(
    desk_app: App,
) -> None:
    """Staff's "/etc/hosts looks wrong on your side" was dropped without a word, and "/CLOSE"
    ignored (found by an attack, 2026-12-07): only the bot's own commands are commands."""
    topic = await open_conversation(desk_app)
    for text in ("/etc/hosts looks wrong on your side", "/foo", "/home/anna@corp is full"):
        (copied,) = await desk_app.feed(staff(desk_app, topic, text=text))
        assert isinstance(copied, CopyMessage) and copied.chat_id == 1001
    # A command of the bot's that takes no words, with words after it, is words too ("/start
    # the app again" was answered to staff as a lookup: found by an attack); alone, or
    # addressed to the bot, it stays the bot's.
    for text in ("/start the app again", "/Help me out here, the app is down"):
        (copied,) = await desk_app.feed(staff(desk_app, topic, text=text))
        assert isinstance(copied, CopyMessage) and copied.chat_id == 1001, text
    for text in ("/help", "/help@codebook_bot now"):
        (said,) = await desk_app.feed(staff(desk_app, topic, text=text))
        assert isinstance(said, SendMessage) and said.chat_id != 1001, text
    asked, done, _ = await desk_app.feed(staff(desk_app, topic, text="/CLOSE"))
    assert isinstance(asked, SendMessage) and asked.chat_id == 1001
    assert isinstance(done, SendMessage) and done.text.startswith("Closed. The person was asked")


async def test_a_reply_staff_edit_reaches_the_person_again_as_it_reads_now(desk_app: App) -> None:
    topic = await open_conversation(desk_app)
    update = staff(desk_app, topic, text="restart the gateway")
    await desk_app.feed(update)
    update["edited_message"] = {
        **update.pop("message"), "text": "restart the router", "edit_date": int(time.time())
    }  # fmt: skip
    update["update_id"] += 10_000
    said, copied = await desk_app.feed(update)
    assert isinstance(said, SendMessage) and said.chat_id == 1001
    assert said.text == "✏️ The support team edited their reply; it now reads:"
    assert isinstance(copied, CopyMessage) and copied.chat_id == 1001


async def test_a_password_sent_in_the_message_after_its_name_reaches_the_topic_masked(
    desk_app: App,
) -> None:
    """ "мой пароль:" and then the password in a message of its own: each was masked alone, so
    the second was copied as sent (found by an attack, 2026-12-07)."""
    topic = await open_conversation(desk_app)
    (named,) = await desk_app.feed(desk_app.fake.message("мой пароль:", user_id=1001))
    assert isinstance(named, CopyMessage)  # nothing to hide in it yet
    masked, told = await desk_app.feed(desk_app.fake.message("S3cretPwE", user_id=1001))
    assert isinstance(masked, SendMessage) and masked.message_thread_id == topic
    assert masked.text.startswith("&lt;secret&gt;")
    assert "S3cretPwE" not in str(desk_app.fake.in_topic(SUPPORT, topic))
    assert isinstance(told, SendMessage) and told.text == TOLD
    (after,) = await desk_app.feed(desk_app.fake.message("thanks", user_id=1001))
    assert isinstance(after, CopyMessage)  # only the one message after the name
    # A question or a sentence over is no name left open; an error's code is no value (the
    # first form of the rule took both: found by a last check).
    for first, then in (
        ("не подходит пароль", "что делать?"),
        ("How do I reset my password?", "error 1004"),
        ("мой пароль:", "код 1004"),
    ):
        (said,) = await desk_app.feed(desk_app.fake.message(first, user_id=1001))
        (after,) = await desk_app.feed(desk_app.fake.message(then, user_id=1001))
        assert isinstance(said, CopyMessage) and isinstance(after, CopyMessage), (first, then)


async def test_a_card_posted_as_the_database_fails_is_said_posted_and_never_posted_again(
    desk_app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The database failed right after the card was posted: the person was told the team could
    not be reached, and three minutes later the retry posted a second card and told them the
    team had it (found by an attack, 2026-12-07)."""
    desk = desk_app.dp["desk"]
    database_down(desk_app, monkeypatch, "conversation_posted", reason="database is locked")
    *_, told = await desk_app.feed(desk_app.fake.message("/human", user_id=1001))
    assert isinstance(told, SendMessage) and told.text.startswith("Your question is with")
    live = await desk_app.lookups.store.live_conversation(1001)
    assert live is not None and live.state is State.WAITING  # not written yet
    # Another replica, a few minutes on (past a try's hold), does not post it again.
    other = SupportDesk(
        desk_app.lookups, desk_app.library, settings_for(tmp_path, support_chat_id=SUPPORT)
    )
    later = time.time() + 600
    monkeypatch.setattr(desk_module.time, "time", lambda: later)
    assert await other.tick(desk_app.bot) == 0
    monkeypatch.undo()
    await desk.tick(desk_app.bot, woken=True)  # the next round: written, not retried
    live = await desk_app.lookups.store.live_conversation(1001)
    assert live is not None and live.state is State.OPEN
    assert len(desk_app.sent(CreateForumTopic)) == 1
    cards = [c for c in desk_app.sent(SendMessage) if c.chat_id == SUPPORT]
    assert len(cards) == 1
    assert [m for m in desk_app.fake.sent(1001) if "has your request" in m.get("text", "")] == []


async def test_a_reply_delivered_as_the_database_fails_is_not_said_undelivered(
    desk_app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    topic = await open_conversation(desk_app)
    database_down(desk_app, monkeypatch, "conversation_replied", reason="database is locked")
    (copied,) = await desk_app.feed(staff(desk_app, topic, text="restart the gateway"))
    assert isinstance(copied, CopyMessage) and copied.chat_id == 1001  # and nothing to staff


async def test_a_chat_level_refusal_telegram_words_otherwise_still_marks_the_chat_down(
    desk_app: App,
) -> None:
    """Only a refusal of the one message is that message's matter: "Have no write access to the
    chat" (a refusal the first fix's list of the chat's did not name) was taken for one
    message's, the person told to send it again for ever (found by a second attack)."""
    desk = desk_app.dp["desk"]
    await open_conversation(desk_app)
    desk_app.fake.fail_next(
        "copyMessage", 400, "Bad Request: have no write access to the chat", chat_id=SUPPORT
    )
    *_, told = await desk_app.feed(desk_app.fake.message("it is still broken", user_id=1001))
    assert isinstance(told, SendMessage) and told.text.startswith(
        "The support team cannot be reached right now, so this message was not passed on"
    )
    assert not desk.reachable


async def test_a_staff_edit_of_what_never_reached_the_person_stays_with_the_team(
    desk_app: App,
) -> None:
    """Staff asking the bot "gosms 1004" and editing it, or editing a word into /close, or a
    live location moving: none is a reply to copy (found by a second attack)."""
    topic = await open_conversation(desk_app)
    for first, then in (("gosms 1004", "gosms 1005"), ("hello", "/close"), ("hi", "/close@x_bot")):
        update = staff(desk_app, topic, text=first)
        await desk_app.feed(update)
        update["edited_message"] = {
            **update.pop("message"), "text": then, "edit_date": int(time.time())
        }  # fmt: skip
        update["update_id"] += 10_000
        sent = await desk_app.feed(update)
        assert not [m for m in sent if getattr(m, "chat_id", None) == 1001], (first, then)
