"""The bot's Bot API session (bot/telegram/session.py): a request without a file goes as JSON
carrying the very fields aiogram's form would carry; one with a file goes as aiogram sends it;
an answer sent unread is the request aiogram's shortcut makes, its reply read for its id."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest
from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    DeleteWebhook,
    EditMessageText,
    GetUpdates,
    SendDocument,
    SendMessage,
    SetMyCommands,
    TelegramMethod,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)

from bot.telegram.middlewares import RetryAfter
from bot.telegram.session import Delivered, JsonFields, SendAnswer, Session, send_unread
from tests.support.fake_session import make_bot
from tests.support.fake_telegram import FakeTelegram

KEYBOARD = InlineKeyboardMarkup(
    inline_keyboard=[
        [
            InlineKeyboardButton(text="👍 Помогло", callback_data="v:1:gosms:1004"),
            InlineKeyboardButton(text="Поговорити з людиною", callback_data="h:1"),
        ]
    ]
)
# Cyrillic, an emoji outside the BMP, escaped HTML, quotes, a plus and an ampersand: what a form
# percent-encodes and JSON escapes differently, and must arrive the same.
TEXT = '<b>GoSMS 1004</b> — Невірний пароль 😀 &lt;b&gt; "a+b" &amp; ok\nкрок 2'


def methods() -> list[TelegramMethod[Any]]:
    """Requests of every shape the bot sends without a file."""
    return [
        SendMessage(chat_id=1001, text=TEXT, reply_markup=KEYBOARD),
        SendMessage(chat_id=-1002, text="x", message_thread_id=7, disable_notification=True),
        EditMessageText(chat_id=1001, message_id=1, text=TEXT, reply_markup=KEYBOARD),
        AnswerCallbackQuery(callback_query_id="42", text="Дякуємо!", show_alert=True),
        SetMyCommands(
            commands=[BotCommand(command="help", description="Довідка & приклади")],
            scope=BotCommandScopeAllPrivateChats(),
            language_code="uk",
        ),
        GetUpdates(offset=7, timeout=0, allowed_updates=["message", "callback_query"]),
        DeleteWebhook(drop_pending_updates=False),
    ]


def html_bot(session: AiohttpSession) -> Bot:
    default = DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True)
    return Bot("123456789:" + "A" * 35, session=session, default=default)


@pytest.mark.parametrize("method", methods(), ids=lambda m: m.__api_method__)
def test_json_carries_the_fields_of_aiograms_form(method: TelegramMethod[Any]) -> None:
    ours, theirs = Session(), AiohttpSession()
    body = ours.build_form_data(html_bot(ours), method)
    assert isinstance(body, JsonFields)
    payload = body()
    assert payload.content_type == "application/json"
    sent = json.loads(payload._value)
    form = AiohttpSession.build_form_data(theirs, html_bot(theirs), method)()
    assert form.content_type == "application/x-www-form-urlencoded"
    assert sent == dict(parse_qsl(form._value.decode(), keep_blank_values=True))
    assert all(isinstance(value, str) for value in sent.values())  # as a form's fields are
    if isinstance(method, SendMessage) and method.text == TEXT:
        assert sent["text"] == TEXT and sent["parse_mode"] == "HTML"  # the bot's default
        assert json.loads(sent["reply_markup"]) == KEYBOARD.model_dump(exclude_none=True)


def test_a_file_goes_as_aiograms_multipart_form() -> None:
    session = Session()
    document = SendDocument(
        chat_id=1001,
        document=BufferedInputFile(b"a,b\n1,2\n", filename="lookups-7d.csv"),
        caption="Пошуки за тиждень",
    )
    body = session.build_form_data(html_bot(session), document)
    assert not isinstance(body, JsonFields)
    assert body.is_multipart


def test_a_text_no_utf8_can_carry_fails_before_it_is_sent_as_it_did_in_a_form() -> None:
    method = SendMessage(chat_id=1001, text="a\ud800b")  # a lone surrogate
    ours, theirs = Session(), AiohttpSession()
    with pytest.raises(UnicodeEncodeError):
        AiohttpSession.build_form_data(theirs, html_bot(theirs), method)()
    with pytest.raises(UnicodeEncodeError):
        ours.build_form_data(html_bot(ours), method)()


async def test_over_http_the_bot_api_reads_both_bodies_alike(fake: FakeTelegram) -> None:
    """The same requests through aiogram's session (a form) and the bot's (JSON), against the
    fake Bot API over real HTTP: the same parameters arrive, and only the bot's are JSON."""
    recorded: dict[str, list[tuple[str, str, dict[str, Any]]]] = {}
    for name, session in (
        ("form", AiohttpSession(api=TelegramAPIServer.from_base(fake.base_url))),
        ("json", Session(api=TelegramAPIServer.from_base(fake.base_url))),
    ):
        bot = Bot(fake.token, session=session, default=DefaultBotProperties(parse_mode="HTML"))
        sent = await bot.send_message(1001, TEXT, reply_markup=KEYBOARD)
        assert sent.text is not None and "Невірний пароль 😀 <b>" in sent.text
        await bot.edit_message_text(TEXT + " ✓", chat_id=1001, message_id=sent.message_id)
        await bot.send_message(1001, "[1004, 1005]")  # a text, however it starts
        await bot.set_my_commands([BotCommand(command="help", description="Довідка & приклади")])
        csv = BufferedInputFile("Код;Пошуки\n1004;3\n".encode(), filename="lookups-7d.csv")
        await bot.send_document(1001, csv, caption="Пошуки за тиждень")
        await session.close()
        recorded[name] = [(call.method, call.content_type, call.params) for call in fake.requests]
        fake.requests.clear()
    kinds = {
        name: [(method, kind) for method, kind, _ in calls] for name, calls in recorded.items()
    }
    assert kinds["json"] == [
        ("sendMessage", "application/json"),
        ("editMessageText", "application/json"),
        ("sendMessage", "application/json"),
        ("setMyCommands", "application/json"),
        ("sendDocument", "multipart/form-data"),
    ]
    assert [kind for _, kind in kinds["form"]][:4] == ["application/x-www-form-urlencoded"] * 4

    def params(name: str) -> list[dict[str, Any]]:  # message ids count on between the rounds
        return [{k: v for k, v in p.items() if k != "message_id"} for _, _, p in recorded[name]]

    assert params("json") == params("form")
    assert params("json")[0]["reply_markup"] == KEYBOARD.model_dump(exclude_none=True)
    assert params("json")[2]["text"] == "[1004, 1005]"
    assert params("json")[4]["document"]["content"] == "Код;Пошуки\n1004;3\n".encode()


def test_an_answer_sent_unread_keeps_every_field_of_sendmessage() -> None:
    """send_unread sends aiogram's SendMessage under SendAnswer's class: that is the same
    request only while SendAnswer has no field, default or serialiser of its own."""

    def fields(model: type[SendMessage]) -> dict[str, str]:
        return {name: repr(field) for name, field in model.model_fields.items()}

    assert fields(SendAnswer) == fields(SendMessage)
    assert SendAnswer.__api_method__ == SendMessage.__api_method__
    method = SendMessage(chat_id=1, text=TEXT, reply_markup=KEYBOARD)
    dumped = method.model_dump(warnings=False)
    method.__class__ = SendAnswer
    assert method.model_dump(warnings=False) == dumped


@pytest.mark.parametrize(
    ("chat_type", "thread", "shortcut"),
    [("private", None, "answer"), ("supergroup", None, "reply"), ("supergroup", 7, "reply")],
)
async def test_an_answer_sent_unread_is_the_shortcuts_request_its_reply_read_for_its_id(
    fake: FakeTelegram, chat_type: str, thread: int | None, shortcut: str
) -> None:
    """send_unread sends what aiogram's shortcut (``message.answer``, ``message.reply``) sends,
    in a topic too; it reads back only the message's id, and a refusal raises as before."""
    bot = make_bot(fake, "http")  # the bot's own session, over real HTTP
    try:
        update = fake.message("gosms 1004", chat_type=chat_type, thread=thread)["message"]
        message = Message.model_validate(update, context={"bot": bot})
        send = getattr(message, shortcut)
        read = await send(TEXT, reply_markup=KEYBOARD)  # aiogram's, read into a Message
        unread = await send_unread(send(TEXT, reply_markup=KEYBOARD))
        assert isinstance(read, Message) and read.entities  # the copy aiogram reads in full
        assert isinstance(unread, Delivered) and unread.message_id == read.message_id + 1
        first, second = fake.calls("sendMessage")[-2:]
        assert first.params == second.params
        assert first.params["text"] == TEXT and first.params["reply_markup"]["inline_keyboard"]
        assert first.params.get("message_thread_id") == thread
        assert ("reply_parameters" in first.params) == (shortcut == "reply")
        fake.fail_next("sendMessage", 400, "Bad Request: chat not found")
        with pytest.raises(TelegramBadRequest, match="chat not found"):
            await send_unread(send(TEXT))
    finally:
        await bot.session.close()


async def test_a_bot_api_that_never_answers_at_start_is_given_up_and_said(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A network that drops what goes to Telegram held the start for aiogram's 60 s a request,
    in silence (an attack); each request of the start is bounded, and said. A wait Telegram
    asks for is no part of it: bounded whole, a 429 at a restart stopped the start, said as an
    unreachable server (the next attack). Who the bot is, once known, is kept."""
    import bot.telegram.session as session_module

    monkeypatch.setattr(session_module, "START_TIMEOUT", 0.2)
    async with FakeTelegram() as fake:
        bot = make_bot(fake, "http")
        bot.session.middleware(RetryAfter())
        try:
            release = fake.hold("getMe")
            with pytest.raises(TelegramNetworkError, match=r"no answer within 0\.2 s"):
                async with session_module.starting(bot):
                    await bot.me()
            assert bot.session.timeout == 60  # aiogram's own again, once started
            release.set()
            fake.fail_next("getMe", 429, retry_after=1)  # longer than the bound: waited out
            async with session_module.starting(bot):
                await bot.me()
                await bot.me()
            assert (await bot.me()).id == bot.id
        finally:
            await bot.session.close()
        assert len(fake.calls("getMe")) == 3  # the one given up, the 429, then one for good
