"""The fake Telegram Bot API, exercised by real aiogram over real HTTP and in process (through
FakeSession): every test runs over both, so the handler tests see what the processes see."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.filters import CommandStart
from aiogram.types import (
    BotCommand,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
    Update,
)

from tests.support.fake_session import TRANSPORTS, make_bot
from tests.support.fake_telegram import FakeTelegram, parse_html


@pytest.fixture(params=TRANSPORTS)
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def bot(fake: FakeTelegram, transport: str) -> AsyncIterator[Bot]:
    bot = make_bot(fake, transport)
    yield bot
    await bot.session.close()


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=item.title(), callback_data=item)] for item in data
        ]
    )


def buttons(markup: object) -> list[list[str | None]]:
    """The callback data of an inline keyboard (aiogram's models compare their bound bot too)."""
    assert isinstance(markup, InlineKeyboardMarkup)
    return [[button.callback_data for button in row] for row in markup.inline_keyboard]


async def test_get_me(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.first_name) == (123456789, "codebook_test_bot", "Codebook")
    assert me.is_bot and me.supports_inline_queries and not me.can_read_all_group_messages
    assert fake.base_url.startswith("http://127.0.0.1:")
    assert [call.method for call in fake.requests] == ["getMe"]


async def test_send_message_with_a_keyboard(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(
        1001, "<b>Gosms</b> 1004 😀 &lt;ok&gt;", reply_markup=keyboard("more")
    )

    call = fake.calls("sendMessage")[0]
    assert call.params["chat_id"] == 1001  # integer fields are decoded
    assert call.params["text"] == "<b>Gosms</b> 1004 😀 &lt;ok&gt;"  # as the bot sent it
    assert call.params["parse_mode"] == "HTML"  # the bot's default
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "More", "callback_data": "more"}]]
    }
    # What Telegram answers: the text parsed, entities, the keyboard echoed, from the bot.
    assert sent.text == "Gosms 1004 😀 <ok>"
    assert [(e.type, e.offset, e.length) for e in sent.entities or []] == [("bold", 0, 5)]
    assert buttons(sent.reply_markup) == [["more"]]
    assert sent.chat.id == 1001 and sent.chat.type == "private"
    assert sent.from_user is not None and sent.from_user.username == "codebook_test_bot"
    again = await bot.send_message(1001, "again")
    assert again.message_id == sent.message_id + 1
    assert [m["text"] for m in fake.sent(1001)] == ["Gosms 1004 😀 <ok>", "again"]
    # A person's reply to the bot quotes the bot's last message there.
    reply = fake.message("thanks", reply_to_bot=True)["message"]
    assert reply["reply_to_message"]["text"] == "again"
    assert reply["message_id"] == again.message_id + 1


async def test_edit_message_text_and_answer_callback_query(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(1001, "first", reply_markup=keyboard("a", "b"))
    edited = await bot.edit_message_text(
        "<i>second</i>", chat_id=1001, message_id=sent.message_id, reply_markup=keyboard("c")
    )
    assert isinstance(edited, Message)
    assert edited.message_id == sent.message_id
    assert edited.text == "second" and edited.edit_date is not None
    assert buttons(edited.reply_markup) == [["c"]]
    params = fake.calls("editMessageText")[0].params
    assert params["message_id"] == sent.message_id
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "c"
    assert await bot.edit_message_text("inline", inline_message_id="AgAAAB") is True

    assert await bot.answer_callback_query("4300000001", text="Done", show_alert=True) is True
    params = fake.calls("answerCallbackQuery")[0].params
    assert params == {"callback_query_id": "4300000001", "text": "Done", "show_alert": True}


async def test_send_document_records_the_upload(fake: FakeTelegram, bot: Bot) -> None:
    content = "code;meaning\n1004;Недостаточно средств\n".encode()
    message = await bot.send_document(
        1001, BufferedInputFile(content, filename="codes.csv"), caption="<b>Export</b>"
    )
    upload = fake.calls("sendDocument")[0].params["document"]
    assert upload["filename"] == "codes.csv"
    assert upload["content"] == content
    assert message.document is not None
    assert (message.document.file_name, message.document.file_size) == ("codes.csv", len(content))
    assert message.document.mime_type == "text/csv"
    assert message.caption == "Export"

    photo = await bot.send_photo(1001, BufferedInputFile(b"\x89PNG...", filename="chart.png"))
    assert photo.photo and photo.photo[-1].file_size == len(b"\x89PNG...")
    assert fake.calls("sendPhoto")[0].params["photo"]["content"] == b"\x89PNG..."


async def test_polling_dispatcher_answers_a_pushed_message(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message) -> None:
        name = message.from_user.first_name if message.from_user else "?"
        await message.answer(f"Hello, {name}", reply_markup=keyboard("help"))

    @dp.callback_query(F.data == "help")
    async def help_pressed(query: CallbackQuery) -> None:
        assert isinstance(query.message, Message)
        # The callback carries the message the bot sent, keyboard and all.
        assert query.message.text == "Hello, Anna"
        assert buttons(query.message.reply_markup) == [["help"]]
        await query.message.edit_text("Send me a code")
        await query.answer()

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        first_poll = await fake.wait_for("getUpdates")
        # aiogram asks only for the update types it has handlers for.
        assert sorted(first_poll.params["allowed_updates"]) == ["callback_query", "message"]
        assert first_poll.params["timeout"] == 10

        update_id = fake.push(fake.message("/start"))
        reply = await fake.wait_for("sendMessage")
        assert reply.params["chat_id"] == 1001
        assert reply.params["text"] == "Hello, Anna"

        fake.push(fake.callback("help", message_id=fake.sent(1001)[-1]["message_id"], chat_id=1001))
        edit = await fake.wait_for("editMessageText")
        assert edit.params["text"] == "Send me a code"
        await fake.wait_for("answerCallbackQuery")
        # Updates are confirmed by the next getUpdates' offset.
        await fake.wait_for("getUpdates", lambda call: call.params.get("offset", 0) > update_id + 1)
        assert fake.pending_updates == []
    finally:
        await dp.stop_polling()
        await polling
    assert fake.errors == []


ECHO_BOT = """
import asyncio, os
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

dp = Dispatcher()

@dp.message()
async def echo(message):
    await message.reply(f"echo: {message.text}")

api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
asyncio.run(dp.start_polling(Bot(os.environ["BOT_TOKEN"], session=AiohttpSession(api=api))))
"""


async def test_inline_query_through_polling(fake: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.inline_query()
    async def inline(query: InlineQuery) -> None:
        article = InlineQueryResultArticle(
            id="gosms-1004",
            title="Gosms 1004",
            input_message_content=InputTextMessageContent(message_text="<b>1004</b>"),
        )
        await query.answer([article], cache_time=1)

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    try:
        fake.push(fake.inline("gosms 1004", language_code="ru"))
        answer = await fake.wait_for("answerInlineQuery")
    finally:
        await dp.stop_polling()
        await polling
    assert answer.params["cache_time"] == 1
    [result] = answer.params["results"]
    assert result["id"] == "gosms-1004"
    assert result["input_message_content"] == {"message_text": "<b>1004</b>", "parse_mode": "HTML"}


async def test_flood_control_is_a_retry_after(fake: FakeTelegram, bot: Bot) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(1001, "hi")
    assert raised.value.retry_after == 1
    assert "retry after 1" in raised.value.message
    await bot.send_message(1001, "hi")  # only the next call fails
    assert len(fake.calls("sendMessage")) == 2

    fake.fail_next("sendMessage", 403)
    with pytest.raises(TelegramForbiddenError, match="blocked"):
        await bot.send_message(1001, "hi")


async def test_a_wrong_token_is_unauthorized(fake: FakeTelegram, transport: str) -> None:
    stranger = make_bot(fake, transport, token="42:not-the-fakes-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()
    assert fake.requests == []


async def test_telegram_rejections(fake: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "" at byte offset 6'):
        await bot.send_message(1001, "delay < 5 s")
    with pytest.raises(TelegramBadRequest, match='Unsupported start tag "br"'):
        await bot.send_message(1001, "one<br>two")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag"):
        await bot.send_message(1001, "<b>bold")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="text is empty"):
        await bot.send_message(1001, "<b> </b>")
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(1001, "hi", reply_markup=keyboard("x" * 65))
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Start", description="Start")])
    await bot.send_message(1001, "x" * 4000 + "<b>" + "y" * 96 + "</b>")  # 4096 after parsing
    await bot.send_message(1001, "R&D &copy; 5 > 4")  # a stray & or > is fine

    sent = await bot.send_message(1001, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=1001, message_id=sent.message_id)

    relaxed = FakeTelegram(strict=False)
    async with relaxed:
        lenient = make_bot(relaxed, "http")
        try:
            await lenient.send_message(1001, "one<br>two")
        finally:
            await lenient.session.close()


async def test_lengths_are_counted_in_utf16_code_units(fake: FakeTelegram, bot: Bot) -> None:
    # Telegram counts a text's 4096 and a caption's 1024 as its entities' offsets: in UTF-16
    # code units, two for an emoji outside the BMP.
    await bot.send_message(1001, "😶" * 2048)
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "😶" * 2049)  # 2049 characters, 4098 units
    photo = BufferedInputFile(b"\x89PNG...", filename="chart.png")
    await bot.send_photo(1001, photo, caption="😶" * 512)
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(1001, photo, caption="😶" * 513)


async def test_a_chat_the_bot_may_not_write_to_is_refused(fake: FakeTelegram, bot: Bot) -> None:
    fake.forbid(1001)
    fake.forbid(-100500)
    with pytest.raises(TelegramForbiddenError, match="bot can't initiate conversation"):
        await bot.send_message(1001, "hi")
    with pytest.raises(TelegramForbiddenError, match="bot was kicked from the group chat"):
        await bot.send_message(-100500, "hi")
    await bot.send_message(1002, "hi")  # others are written to as before
    assert [call.refused is not None for call in fake.calls("sendMessage")] == [True, True, False]


async def test_a_held_call_is_answered_once_released(fake: FakeTelegram, bot: Bot) -> None:
    release = fake.hold("sendMessage", lambda params: params["chat_id"] == 1001)
    held = asyncio.create_task(bot.send_message(1001, "slow"))
    call = await fake.wait_for("sendMessage")
    assert (await bot.send_message(1002, "fast")).text == "fast"  # others are not held
    assert not held.done() and call.result is None
    release.set()
    assert (await held).text == "slow"


async def test_long_polling(fake: FakeTelegram, bot: Bot) -> None:
    assert await bot.get_updates(timeout=1) == []  # nothing came within the timeout
    # With nothing to give, getUpdates waits: the fake has not answered it...
    polling = asyncio.create_task(bot.get_updates(timeout=60))
    call = await fake.wait_for("getUpdates", since=len(fake.requests))
    assert call.result is None and not polling.done()
    # ...until an update comes, which ends the wait at once (not at the 60 s timeout).
    fake.push(fake.message("hello"))
    async with asyncio.timeout(30):
        [update] = await polling
    assert update.message is not None and update.message.text == "hello"

    second = fake.push(fake.message("second"))
    third = fake.push(fake.message("third"))
    assert [u.update_id for u in await bot.get_updates(limit=1)] == [update.update_id]
    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second, third]
    assert [u.update_id for u in await bot.get_updates(offset=-1)] == [third]
    assert await bot.get_updates(offset=third + 1) == []

    # Only the update types asked for come, and the choice is remembered.
    fake.push(fake.inline("x"))
    fake.push(fake.message("kept"))
    [kept] = await bot.get_updates(allowed_updates=["message"])
    assert kept.message is not None and kept.message.text == "kept"
    await bot.delete_webhook(drop_pending_updates=True)
    assert fake.pending_updates == []


async def test_a_second_poller_conflicts(fake: FakeTelegram, bot: Bot) -> None:
    first = asyncio.create_task(bot.get_updates(timeout=60))
    await fake.wait_for("getUpdates")
    second = asyncio.create_task(bot.get_updates())  # a short poll ends a long one too
    with pytest.raises(TelegramConflictError, match="terminated by other getUpdates"):
        await first
    assert await second == []


async def test_wait_for_reports_what_happened(fake: FakeTelegram, bot: Bot) -> None:
    await bot.get_me()
    await bot.send_message(1001, "hi")
    await bot.send_message(1001, "hi")
    with pytest.raises(AssertionError, match=r"getMe, sendMessage×2") as raised:
        await fake.wait_for("sendMessage", lambda call: call.params["text"] == "bye", timeout=0.2)
    assert "'text': 'hi'" in str(raised.value)
    mark = len(fake.requests)
    with pytest.raises(AssertionError, match="nothing"):
        await fake.wait_for("sendMessage", timeout=0.1, since=mark)


async def test_builders_make_updates_aiogram_accepts(fake: FakeTelegram, bot: Bot) -> None:
    def parse(update: dict[str, object]) -> Update:
        return Update.model_validate(update, context={"bot": bot})

    command = parse(fake.message("/start@codebook_test_bot 😀 ask @gosms_support")).message
    assert command is not None and command.entities is not None
    assert [(e.type, e.offset, e.length) for e in command.entities] == [
        ("bot_command", 0, 24),
        ("mention", 32, 14),  # UTF-16 offsets: the emoji counts twice
    ]
    group = parse(fake.message("hi", chat_type="supergroup", reply_to_bot=True)).message
    assert group is not None and group.reply_to_message is not None
    assert group.reply_to_message.message_id < group.message_id
    assert group is not None and group.chat.id < 0 and group.chat.type == "supergroup"
    assert group.reply_to_message is not None and group.reply_to_message.from_user is not None
    assert group.reply_to_message.from_user.username == "codebook_test_bot"
    assert group.reply_to_message.from_user.is_bot
    photo = parse(fake.message(caption="/start 1004")).message
    assert photo is not None and photo.photo and photo.caption == "/start 1004"
    assert photo.caption_entities and photo.caption_entities[0].type == "bot_command"
    sticker = parse(fake.message(sticker=True, language_code="ru")).message
    assert sticker is not None and sticker.sticker is not None and sticker.text is None
    assert sticker.from_user is not None and sticker.from_user.language_code == "ru"
    callback = parse(fake.callback("more", message_id=7, chat_id=1001)).callback_query
    assert callback is not None and isinstance(callback.message, Message)
    assert callback.message.text == "..."
    assert callback.message.from_user is not None and callback.message.from_user.is_bot
    # A callback is always on a bot's message, even when the id is one of the person's.
    own = fake.message("gosms 1004", chat_id=2002, user_id=2002)["message"]["message_id"]
    callback = parse(fake.callback("x", message_id=own, chat_id=2002)).callback_query
    assert callback is not None and isinstance(callback.message, Message)
    assert callback.message.from_user is not None and callback.message.from_user.is_bot
    inline = parse(fake.inline("gosms")).inline_query
    assert inline is not None and inline.chat_type == "sender"
    first, second = fake.message("a"), fake.message("b")
    assert second["message"]["message_id"] == first["message"]["message_id"] + 1
    with pytest.raises(ValueError, match="exactly one"):
        fake.message()


async def test_push_keeps_update_ids_growing(fake: FakeTelegram) -> None:
    early, late = fake.message("early"), fake.message("late")
    assert late["update_id"] == early["update_id"] + 1
    assert fake.push(late) == late["update_id"]
    pushed_early = fake.push(early)  # built first, pushed second: renumbered
    assert pushed_early > late["update_id"]
    assert fake.push({"message": early["message"]}) == pushed_early + 1
    assert [u["message"]["text"] for u in fake.pending_updates] == ["late", "early", "early"]


def test_parse_html() -> None:
    text, entities = parse_html(
        '😀 <b>bold <i>both</i></b> <a href="https://x.test/?a=1&amp;b=2">link</a> '
        '<pre><code class="language-python">x = 1</code></pre> &#128512;&lt;'
    )
    assert text == "😀 bold both link x = 1 😀<"
    assert entities == [
        {"offset": 3, "length": 9, "type": "bold"},
        {"offset": 8, "length": 4, "type": "italic"},
        {"offset": 13, "length": 4, "type": "text_link", "url": "https://x.test/?a=1&b=2"},
        {"offset": 18, "length": 5, "type": "pre", "language": "python"},
    ]
