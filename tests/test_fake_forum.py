"""The fake Bot API's forums, exercised by real aiogram over real HTTP and in process (through
FakeSession): what it answers is what aiogram reads from Telegram (ForumTopic, ChatFullInfo,
ChatMember, MessageId), and it refuses what Telegram refuses, in Telegram's words."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramForbiddenError
from aiogram.types import ChatMemberAdministrator, ChatMemberLeft, Update

from tests.support.fake_session import TRANSPORTS, make_bot
from tests.support.fake_telegram import FakeTelegram

SUPPORT = -1001555000111


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        server.forum(SUPPORT)
        yield server


@pytest.fixture(params=TRANSPORTS)
async def bot(fake: FakeTelegram, request: pytest.FixtureRequest) -> AsyncIterator[Bot]:
    bot = make_bot(fake, str(request.param))
    yield bot
    await bot.session.close()


async def test_a_topic_is_made_and_messages_go_into_it(fake: FakeTelegram, bot: Bot) -> None:
    topic = await bot.create_forum_topic(SUPPORT, "Anna · GoSMS 1004")
    assert topic.name == "Anna · GoSMS 1004"
    sent = await bot.send_message(SUPPORT, "<b>card</b>", message_thread_id=topic.message_thread_id)
    assert sent.message_thread_id == topic.message_thread_id
    assert sent.is_topic_message
    # The topic opens with Telegram's service message, whose id is the topic's.
    made, card = fake.in_topic(SUPPORT, topic.message_thread_id)
    assert made["forum_topic_created"]["name"] == "Anna · GoSMS 1004"
    assert made["message_id"] == topic.message_thread_id
    assert card["text"] == "card"


async def test_a_deleted_topic_is_not_found(fake: FakeTelegram, bot: Bot) -> None:
    topic = await bot.create_forum_topic(SUPPORT, "Anna · GoSMS 1004")
    fake.delete_topic(SUPPORT, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="message thread not found"):
        await bot.send_message(SUPPORT, "hello", message_thread_id=topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_ID_INVALID"):
        await bot.reopen_forum_topic(SUPPORT, topic.message_thread_id)


async def test_a_topic_closes_and_reopens_once(bot: Bot) -> None:
    topic = await bot.create_forum_topic(SUPPORT, "Anna · GoSMS 1004")
    assert await bot.close_forum_topic(SUPPORT, topic.message_thread_id)
    with pytest.raises(TelegramBadRequest, match="TOPIC_NOT_MODIFIED"):
        await bot.close_forum_topic(SUPPORT, topic.message_thread_id)
    assert await bot.reopen_forum_topic(SUPPORT, topic.message_thread_id)


async def test_without_the_right_or_in_the_chat_topics_are_refused(
    fake: FakeTelegram, bot: Bot
) -> None:
    fake.set_bot_rights(SUPPORT, can_manage_topics=False)
    with pytest.raises(TelegramBadRequest, match="not enough rights to create a topic"):
        await bot.create_forum_topic(SUPPORT, "Anna")
    fake.set_bot_rights(SUPPORT, bot_status="kicked")
    with pytest.raises(TelegramForbiddenError, match="kicked"):
        await bot.create_forum_topic(SUPPORT, "Anna")
    with pytest.raises(TelegramForbiddenError, match="kicked"):
        await bot.send_message(SUPPORT, "hello")


async def test_get_chat_and_get_chat_member_say_what_doctor_needs(
    fake: FakeTelegram, bot: Bot
) -> None:
    chat = await bot.get_chat(SUPPORT)
    assert chat.is_forum and chat.type == "supergroup"
    member = await bot.get_chat_member(SUPPORT, bot.id)
    assert isinstance(member, ChatMemberAdministrator) and member.can_manage_topics
    fake.set_bot_rights(SUPPORT, bot_status="left")
    assert isinstance(await bot.get_chat_member(SUPPORT, bot.id), ChatMemberLeft)


async def test_a_photo_is_copied_with_its_caption_into_a_topic(
    fake: FakeTelegram, bot: Bot
) -> None:
    topic = await bot.create_forum_topic(SUPPORT, "Anna")
    photo = fake.message(caption="the error screen", user_id=1001)["message"]
    copied = await bot.copy_message(
        SUPPORT, 1001, photo["message_id"], message_thread_id=topic.message_thread_id
    )
    (shown,) = [m for m in fake.in_topic(SUPPORT, topic.message_thread_id) if "photo" in m]
    assert shown["message_id"] == copied.message_id
    assert shown["caption"] == "the error screen"


async def test_a_person_who_blocked_the_bot_gets_nothing(fake: FakeTelegram, bot: Bot) -> None:
    fake.block(1001)
    with pytest.raises(TelegramForbiddenError, match="blocked by the user"):
        await bot.send_message(1001, "hello")


async def test_the_bots_rights_changing_is_an_update_aiogram_reads(
    fake: FakeTelegram, bot: Bot
) -> None:
    update = Update.model_validate(fake.set_bot_rights(SUPPORT, can_manage_topics=True))
    assert update.my_chat_member is not None
    assert update.my_chat_member.chat.id == SUPPORT
    assert isinstance(update.my_chat_member.new_chat_member, ChatMemberAdministrator)


async def test_a_staff_message_in_a_topic_carries_its_thread(fake: FakeTelegram, bot: Bot) -> None:
    topic = await bot.create_forum_topic(SUPPORT, "Anna")
    update = Update.model_validate(
        fake.message("hi", chat_type="supergroup", chat_id=SUPPORT, thread=topic.message_thread_id)
    )
    assert update.message is not None
    assert update.message.is_topic_message
    assert update.message.message_thread_id == topic.message_thread_id
