"""The bot's handlers through ``Dispatcher.feed_update``: the exact requests it makes."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SetMyCommands,
)

from bot.analytics.reading import Reports
from bot.analytics.writer import LookupLog
from bot.core.i18n import t
from bot.core.library import Library
from bot.core.markup import HTML
from bot.telegram.app import create_dispatcher, on_startup
from bot.telegram.keyboards import Vote
from bot.telegram.taught import TaughtPhrases
from bot.telegram.top import TopEntries
from tests.support.app import (
    ADMIN,
    GROUP,
    USERNAME,
    App,
    buttons,
    running_app,
    settings_for,
    still,
)
from tests.support.fake_session import bot_for, make_bot
from tests.support.fake_telegram import FakeTelegram

# --- private chat ---------------------------------------------------------------------------


async def test_a_private_question_gets_the_rendered_entry_with_buttons(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("gosms 1004"))
    assert isinstance(sent, SendMessage)
    assert sent.chat_id == 1001
    assert sent.text == app.answer_text("gosms 1004")[0]
    assert sent.reply_parameters is None
    (_, up, _), (_, down, _) = buttons(sent)  # GoSMS's pages give no docs address
    assert Vote.unpack(up).up and not Vote.unpack(down).up
    (sent,) = await app.feed(app.fake.message("mobizon 1"))
    *_, docs = buttons(sent)
    assert docs == ("📖 Docs", None, "https://mobizon.ua/uk/help/api-docs/sms-api")


@pytest.mark.parametrize("code", ["ru", "be", "kk", "ru-RU", "ru_RU"])  # (a locale's form too)
async def test_russian_for_russian_readers(app: App, code: str) -> None:
    (sent,) = await app.feed(app.fake.message("mobizon 1", language_code=code))
    assert sent.text == app.answer_text("mobizon 1", "ru")[0]
    assert buttons(sent)[-1][0] == "📖 Документация"


@pytest.mark.parametrize("code", ["uk", "uk-UA", "uk_UA"])
async def test_ukrainian_for_ukrainian_readers(app: App, code: str) -> None:
    (sent,) = await app.feed(app.fake.message("mobizon 1", language_code=code))
    assert sent.text == app.answer_text("mobizon 1", "uk")[0]
    assert sent.text.startswith("<b>Mobizon · 1 — Помилка валідації")
    assert "Що робити" in sent.text
    assert buttons(sent)[-1][0] == "📖 Документація"
    (start,) = await app.feed(app.fake.message("/start", language_code=code))
    assert start.text.startswith("Вітаю!")


async def test_english_for_everyone_else(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("gosms 1004", language_code="de"))
    assert sent.text.startswith("<b>GoSMS · 1004 — No devices registered</b>")


async def test_thanks_get_a_word_back_and_are_no_gap(app: App) -> None:
    """ "спасибо, помогло" was searched ("Best matches ... Mobizon 999") and "thanks!" was
    "Nothing in the catalogs matches" and a gap for the lead (found by an attack)."""
    thanks = [("спасибо, помогло", "ru"), ("Thanks!", "en"), ("дякую", "uk")]
    # ...and as a third attack found them still searched:
    thanks += [("спасибо за помощь", "ru"), ("thanks for the help", "en"), ("щиро дякую", "uk")]
    for text, lang in thanks:
        (sent,) = await app.feed(app.fake.message(text, language_code=lang))
        assert sent.text == t("thanks_back", lang), text
    update = app.fake.message("thanks!", chat_type="supergroup", reply_to_bot=True)
    (said,) = await app.feed(update)
    assert said.text == t("thanks_back", "en")
    assert said.reply_parameters.message_id == update["message"]["message_id"]
    # Thanks with a complaint is none, nor a question (a third attack: "работает?"), nor help
    # asked for (a fourth: "help", "помощь" were thanked).
    for text in ("спасибо, но не работает", "thanks but still an error", "работает?", "help"):
        (sent,) = await app.feed(app.fake.message(text))
        assert sent.text != t("thanks_back", "en"), text
    report = await Reports(app.lookups).report(days=1)
    assert report.total == 4  # the two complaints, the question and the call for help alone


def edited(update: dict[str, Any], text: str) -> dict[str, Any]:
    """The update of ``update``'s message edited to read ``text``."""
    message = {**update["message"], "text": text, "edit_date": int(time.time())}
    message.pop("entities", None)
    return {"update_id": update["update_id"] + 10_000, "edited_message": message}


async def test_a_private_question_corrected_is_answered_as_it_reads_now(app: App) -> None:
    """A person who fixed a typo by editing their message got silence (found by an attack)."""
    update = app.fake.message("gosms 9999")
    await app.feed(update)
    (sent,) = await app.feed(edited(update, "gosms 1004"))
    assert sent.text == app.answer_text("gosms 1004")[0]
    # Edits cost from the same budget as messages (they went around it).
    sent = []
    for n in range(25):
        sent += await app.feed(edited(update, f"gosms 100{n % 9 + 1}") | {"update_id": 50_000 + n})
    assert len([s for s in sent if s.text.startswith("Too many")]) == 1
    # In a group, an edit is not answered again.
    group = app.fake.message("gosms 9999", chat_type="supergroup", user_id=1002)
    await app.feed(group)
    assert await app.feed(edited(group, "gosms 1004")) == []


async def test_a_caption_is_a_question(app: App) -> None:
    (sent,) = await app.feed(app.fake.message(caption="notificore 35"))
    assert sent.text == app.answer_text("notificore 35")[0]


async def test_a_sticker_gets_a_hint(app: App) -> None:
    (sent,) = await app.feed(app.fake.message(sticker=True))
    assert sent.text.startswith("I only read text. Send me, for example: <code>gosms 1004</code>")


async def test_start_greets_with_three_examples(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("/start"))
    assert sent.text.splitlines()[1:] == [
        "• <code>gosms 1004</code>",
        "• <code>notificore 35</code>",
        "• <code>radist TELEGRAM_FLOOD_ERROR</code>",
    ]


async def test_a_deep_link_opens_the_answer(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("/start gosms_1004"))
    assert sent.text == app.answer_text("gosms 1004")[0]
    (sent,) = await app.feed(app.fake.message("/start radist_TELEGRAM_FLOOD_ERROR"))
    assert sent.text.startswith("<b>Radist.Online · 17002 — ")


async def test_help_explains_every_form(app: App) -> None:
    sent = await app.feed(app.fake.message("/help"))
    text = "".join(s.text for s in sent)
    for example in (
        "gosms 1004",
        "radist REQUEST_VALIDATION_ERROR",
        "number in the stop list",
        "notificore 21 41",
        "@codebook_bot",
    ):
        assert example in text


async def test_providers_lists_each_with_count_and_docs(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("/providers"))
    for pc in app.library.resolver.catalog:
        name, count = pc.provider.name, len(pc.entries)
        assert f"<b>{name}</b> (<code>{pc.provider.slug}</code>) — {count} errors" in sent.text
    docs = '<a href="https://mobizon.ua/uk/help/api-docs/sms-api">Mobizon docs</a>'
    assert f"{docs}\n• <b>Notificore</b>" in sent.text


async def test_a_command_with_a_capital_is_the_command(app: App) -> None:
    """A phone writes "/Help" with a capital: it was "There is no such command" (in a group,
    "/Help@codebook_bot" silence: found by an attack)."""
    (lower,) = await app.feed(app.fake.message("/help"))
    (capital,) = await app.feed(app.fake.message("/Help"))
    assert capital.text == lower.text
    (in_group,) = await app.feed(app.fake.message("/Help@codebook_bot", chat_type="supergroup"))
    assert in_group.text.startswith(lower.text.split("\n")[0][:20])


async def test_an_unknown_command_points_to_help(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("/gosms 1004"))
    assert (
        sent.text == "There is no such command. Send an error code, e.g. gosms 1004, or see /help"
    )
    # In a group, addressed to the bot by name (silence answered it: found by an attack); not
    # one addressed to another bot, nor one addressed to nobody.
    update = app.fake.message("/foo@codebook_bot", chat_type="supergroup")
    (said,) = await app.feed(update)
    assert said.text == sent.text
    assert said.reply_parameters.message_id == update["message"]["message_id"]
    # Nor one it has that does nothing here (a third attack: "no such command" for /human).
    for other in ("/foo@other_bot", "/foo", "/human@codebook_bot", "/close@codebook_bot"):
        assert await app.feed(app.fake.message(other, chat_type="supergroup")) == [], other


async def test_code_command_without_a_query_says_how(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("/code"))
    assert sent.text == "Tell me what to look up: /code gosms 1004"


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "/code gosms 1004",
        "/code@codebook_bot gosms 1004",
        "@codebook_bot gosms 1004",
        "у клиента gosms 1004, что делать?",
        "gosms 1004",
    ],
)
async def test_a_group_gets_an_answer_as_a_reply(app: App, text: str) -> None:
    update = app.fake.message(text, chat_type="supergroup")
    (sent,) = await app.feed(update)
    assert sent.chat_id == update["message"]["chat"]["id"]
    assert sent.reply_parameters.message_id == update["message"]["message_id"]
    assert sent.text == app.answer_text("gosms 1004")[0]


async def test_a_question_deleted_before_its_answer_still_gets_the_answer(app: App) -> None:
    """Deleted in the group (by whoever asked, or a moderator) before the answer goes: the
    answer still goes, without the reply, where it failed with "message to be replied not
    found" and an apology went instead."""
    update = app.fake.message("gosms 1004", chat_type="supergroup")
    app.fake.delete(update)
    (sent,) = await app.feed(update)
    assert sent.text == app.answer_text("gosms 1004")[0]
    (message,) = app.fake.sent(update["message"]["chat"]["id"])
    assert message["text"] and "reply_to_message" not in message


async def test_a_mention_after_emoji_is_found_by_its_utf16_offset(app: App) -> None:
    # A bare code alone would be chatter: only the mention makes it a question.
    (sent,) = await app.feed(app.fake.message("🙂🙂 @codebook_bot 1004", chat_type="group"))
    assert sent.text == app.answer_text("1004")[0]


async def test_a_reply_to_the_bot_is_a_question(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("1004", chat_type="group", reply_to_bot=True))
    assert sent.text.startswith("Code 1004 exists at several providers")
    assert [b[0] for b in buttons(sent)] == ["GoSMS 1004", "Gupshup 1004"]


@pytest.mark.parametrize(
    "text",
    [
        "всем привет",
        "встреча в 1004 кабинете",
        "1004",
        "gosms 9999",
        "gosms",
        "/code@other_bot gosms 1004",
        "twilio 21211",
        # A provider and a number in a story, or a guess from a misspelt name, were answered
        # (found by an attack): only a message that is a lookup and nothing else is.
        "radish 1",
        "мобизон 3 дня не работает",
        "I'll call mobizon at 10",
        "radist 400 people joined",
        "ping me in 5 min re notificore",
        "mobizon 0 issues today",
        # A handle, a link or a site with a provider's name and a number in it (a second attack).
        "@mobizon3",
        "t.me/radist24",
        "see radist24.ru",
    ],
)
async def test_group_chatter_gets_silence(app: App, text: str) -> None:
    assert await app.feed(app.fake.message(text, chat_type="supergroup")) == []


async def test_the_bots_name_alone_in_reply_asks_about_the_message_replied_to(app: App) -> None:
    """ "@codebook_bot" under a colleague's message got the help (found by an attack)."""
    update = app.fake.message("@codebook_bot", chat_type="supergroup")
    update["message"]["reply_to_message"] = app.fake.message(
        "our gateway returned notificore 35", chat_type="supergroup", user_id=1002
    )["message"]
    (sent,) = await app.feed(update)
    assert sent.text == app.answer_text("notificore 35")[0]
    # Asking nothing more than "what is it" too (a second attack: the help)...
    for text in ("@codebook_bot ?", "@codebook_bot что это", "@codebook_bot поясни"):
        update["message"]["text"] = text
        update["message"]["entities"] = [{"type": "mention", "offset": 0, "length": 13}]
        update["update_id"] += 1
        (sent,) = await app.feed(update)
        assert sent.text == app.answer_text("notificore 35")[0], text
    # ...but not the bot's own message, whose answer is no question ("codebook_bot" searched).
    (help_,) = await app.feed(
        app.fake.message("@codebook_bot", chat_type="supergroup", reply_to_bot=True)
    )
    assert "codebook" not in help_.text.split("\n")[0].lower()


async def test_the_bot_quotes_no_secret_back(app: App) -> None:
    """ "Nothing in the catalogs matches “...”" and the search's head quoted a card, a phone, a
    password as written, in a group a colleague's too (found by a third attack)."""
    for text, secret in (
        ("абракадабра 4111 1111 1111 1111", "4111"),
        ("zzzqqq +79161234567", "9161234567"),
        ("gosms не доходят смс, пароль Qwerty123abc", "Qwerty123abc"),
        # A password's digits were "no code 482913" (a fourth attack).
        ("клиент: пароль Qwerty!482913 не подходит", "482913"),
        ("логин anna.petrova пароль Qwerty!2024 не пускает", "2024"),
    ):
        sent = await app.feed(app.fake.message(text))
        assert sent and all(secret not in s.text for s in sent), text
    (said,) = await app.feed(app.fake.message("gosms 9999"))
    assert "9999" in said.text  # a code asked is still said to be none
    update = app.fake.message("@codebook_bot что это?", chat_type="supergroup")
    update["message"]["reply_to_message"] = app.fake.message(
        "логин ivanov пароль Zx9kLmQ2wv, zzzqqq не работает", chat_type="supergroup", user_id=7
    )["message"]
    (said,) = await app.feed(update)
    assert "Zx9kLmQ2wv" not in said.text


async def test_chatter_addressed_to_the_bot_is_answered(app: App) -> None:
    update = app.fake.message("@codebook_bot radist 400 people joined", chat_type="supergroup")
    (sent,) = await app.feed(update)
    assert sent.reply_parameters.message_id == update["message"]["message_id"]


async def test_a_pasted_response_in_a_group_is_answered(app: App) -> None:
    text = '{"error":"40","errorDescription":"Message not found"}'
    (sent,) = await app.feed(app.fake.message(text, chat_type="group"))
    assert sent.text.startswith("<i>Recognised a Notificore API response: error = 40.</i>")


async def test_an_addressed_miss_in_a_group_is_answered(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("@codebook_bot gosms 9999", chat_type="group"))
    assert sent.text.startswith("GoSMS has no code 9999.")


# --- inline mode ----------------------------------------------------------------------------


async def test_inline_query_offers_the_answer(app: App) -> None:
    (sent,) = await app.feed(app.fake.inline("gosms 1004"))
    assert isinstance(sent, AnswerInlineQuery)
    (result,) = sent.results
    assert result.title == "GoSMS 1004 — No devices registered"
    assert result.description.startswith("GoSMS sends SMS through your own Android phones")
    assert result.input_message_content.message_text == app.answer_text("gosms 1004")[0]
    # Written in the asker's language: Telegram keeps them for the asker alone (shared, a
    # Russian asker's were shown to the next English one: found by an attack).
    assert sent.cache_time == 60 and sent.is_personal is True


async def test_inline_offers_the_nearest_codes_of_one_the_provider_lacks(app: App) -> None:
    """ "gosms 9999" offered nothing but "Nothing found", where a private chat gives the nearest
    codes (found by an attack)."""
    (sent,) = await app.feed(app.fake.inline("gosms 1019"))
    assert sent.results and all(r.title.startswith("GoSMS ") for r in sent.results)
    nearest = app.library.resolver.catalog.providers["gosms"].nearest("1019")
    assert sent.results[0].title.startswith(f"GoSMS {nearest[0]} ")
    # ...under a word that the one asked is none, which opens the private chat's answer (a
    # fourth attack: a tap sent another entry as if it were the answer).
    assert sent.button.text == "GoSMS has no code 1019: the nearest below"
    assert sent.button.start_parameter == "gosms_1019"


async def test_inline_bare_code_offers_each_provider(app: App) -> None:
    (sent,) = await app.feed(app.fake.inline("1004", language_code="ru"))
    assert [r.title.split(" — ")[0] for r in sent.results] == ["GoSMS 1004", "Gupshup 1004"]


async def test_an_empty_inline_query_offers_the_most_looked_up(app: App) -> None:
    (sent,) = await app.feed(app.fake.inline(""))
    assert sent.results[0].title.startswith("GoSMS 1004")  # a fresh install: examples
    for _ in range(3):
        await app.feed(app.fake.message("radist 17002"))
    app.dp["services"].top = TopEntries(Reports(app.lookups), ttl=0)  # the bot's holds five minutes
    (sent,) = await app.feed(app.fake.inline(""))
    assert sent.results[0].title.startswith("Radist.Online 17002")


async def test_nothing_found_inline_offers_help(app: App) -> None:
    (sent,) = await app.feed(app.fake.inline("zzqx"))
    assert sent.results == [] and sent.button.start_parameter == "help"


# --- buttons --------------------------------------------------------------------------------


async def test_picking_a_candidate_turns_the_list_into_the_answer(app: App) -> None:
    (listing,) = await app.feed(app.fake.message("1004"))
    gosms = buttons(listing)[0]
    assert gosms[0] == "GoSMS 1004"
    edit, ack = await app.feed(app.fake.callback(gosms[1], message_id=555, chat_id=1001))
    assert isinstance(edit, EditMessageText) and isinstance(ack, AnswerCallbackQuery)
    assert (edit.chat_id, edit.message_id) == (1001, 555)
    assert edit.text == app.answer_text("gosms 1004")[0]
    assert [b[0] for b in buttons(edit)] == ["👍", "👎"]  # GoSMS has no docs address


async def test_a_missing_code_offers_the_nearest_as_buttons(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("gosms 1018"))
    assert [b[0] for b in buttons(sent)][:3] == ["GoSMS 1017", "GoSMS 1016", "GoSMS 1015"]


async def test_a_vote_is_recorded_once_per_person_and_changeable(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("gosms 1004"))
    up, down = buttons(sent)[0][1], buttons(sent)[1][1]
    (ack,) = await app.feed(app.fake.callback(up, message_id=1, chat_id=1001))
    assert ack.text == "Thanks! Glad it helped."
    await app.feed(app.fake.callback(down, message_id=1, chat_id=1001))
    await app.feed(app.fake.callback(up, message_id=1, chat_id=1001, user_id=1002))
    report = await Reports(app.lookups).report(days=1)
    (row,) = report.feedback
    assert (row.provider, row.code, row.helpful, row.not_helpful) == (
        "gosms",
        "1004",
        1,
        1,
    )


@pytest.mark.parametrize("data", ["p1:0000000000", "v1:ffffffffff:1", "garbage", "p9:x", "v1:"])
async def test_a_stale_or_forged_button_gets_a_polite_notice(app: App, data: str) -> None:
    (sent,) = await app.feed(app.fake.callback(data, message_id=1, chat_id=1001))
    assert isinstance(sent, AnswerCallbackQuery)
    assert (
        sent.text == "This button is out of date. Please send the query again." and sent.show_alert
    )


async def test_a_second_press_on_the_same_pick_is_fine(app: App) -> None:
    (listing,) = await app.feed(app.fake.message("1004"))
    pick = buttons(listing)[0][1]
    (message,) = app.fake.sent(1001)
    await app.feed(app.fake.callback(pick, message_id=message["message_id"], chat_id=1001))
    again = await app.feed(app.fake.callback(pick, message_id=message["message_id"], chat_id=1001))
    assert [type(r) for r in again] == [EditMessageText, AnswerCallbackQuery]
    assert "message is not modified" in app.fake.calls("editMessageText")[-1].refused
    assert again[1].text is None


# --- staying up -----------------------------------------------------------------------------


async def test_flood_control_one_notice_then_silence(tmp_path: Path) -> None:
    async with running_app(tmp_path, clock=still) as app:
        for _ in range(20):
            (sent,) = await app.feed(app.fake.message("gosms 1004"))
            assert sent.text.startswith("<b>GoSMS")
        (notice,) = await app.feed(app.fake.message("gosms 1004"))
        assert notice.text == "Too many messages. Wait a minute and I will answer again."
        assert await app.feed(app.fake.message("gosms 1004")) == []
        (other,) = await app.feed(app.fake.message("gosms 1004", user_id=2002))
        assert other.text.startswith("<b>GoSMS")


async def test_a_failing_handler_is_logged_and_apologised_for(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(text: str) -> None:
        raise RuntimeError("catalog on fire")

    monkeypatch.setattr(app.library.resolver, "answer", explode)
    with caplog.at_level(logging.ERROR):
        (sent,) = await app.feed(app.fake.message("gosms 1004"))
    assert sent.text == "Something went wrong. Please try again."
    (record,) = [r for r in caplog.records if r.name == "bot.telegram.handlers.errors"]
    assert "catalog on fire" in record.getMessage() and record.exc_info is not None
    monkeypatch.undo()
    (after,) = await app.feed(app.fake.message("gosms 1004"))  # and the bot goes on
    assert after.text.startswith("<b>GoSMS")


async def test_retry_after_is_honoured(
    app: App, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []

    async def no_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("bot.telegram.middlewares.asyncio.sleep", no_sleep)
    app.fake.fail_next("sendMessage", 429, retry_after=3)
    sent = await app.bot.send_message(1, "hi")
    assert sent.text == "hi" and waits == [3] and len(app.fake.calls("sendMessage")) == 2
    # An answer (sent unread: bot/telegram/session.py) is retried alike, and logged by the
    # method's Bot API name, whatever aiogram's class for it.
    app.fake.fail_next("sendMessage", 429, retry_after=2)
    with caplog.at_level(logging.WARNING):
        answers = await app.feed(app.fake.message("gosms 1004"))
    assert answers[-1].text.startswith("<b>GoSMS") and waits == [3, 2]
    assert caplog.text.count("before sendMessage (attempt 1)") == 2  # the message, the answer


async def stop(background: set[asyncio.Task[None]], lookups: LookupLog) -> None:
    """What on_shutdown does with what on_startup started."""
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    await lookups.close()


async def test_failing_decoration_only_warns(
    app: App, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app.fake.fail_next("setMyCommands", 400, "Bad Request: commands are broken")
    lookups = LookupLog(tmp_path / "other.sqlite3", secret=b"k" * 32)
    background: set[asyncio.Task[None]] = set()
    taught = TaughtPhrases(lookups.store, app.library)
    services = replace(app.dp["services"], taught=taught, holder="test", background=background)
    with caplog.at_level(logging.WARNING):
        await on_startup(app.bot, lookups, app.library, settings_for(tmp_path), services)
    await stop(background, lookups)
    assert "could not register the commands and description" in caplog.text


async def test_decoration_that_gets_no_answer_is_given_up_and_only_warns(
    app: App, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In long polling the commands' requests kept aiogram's 60 s each before the first update
    was taken (an attack: a server that answers getMe, then stalls); each gets the start's."""
    import bot.telegram.session as session_module

    monkeypatch.setattr(session_module, "START_TIMEOUT", 0.2)
    lookups = LookupLog(tmp_path / "other.sqlite3", secret=b"k" * 32)
    background: set[asyncio.Task[None]] = set()
    taught = TaughtPhrases(lookups.store, app.library)
    services = replace(app.dp["services"], taught=taught, holder="test", background=background)
    async with FakeTelegram() as fake:
        bot = make_bot(fake, "http")
        release = fake.hold("setMyCommands")
        try:
            with caplog.at_level(logging.WARNING):
                await on_startup(bot, lookups, app.library, settings_for(tmp_path), services)
            await stop(background, lookups)
        finally:
            release.set()
            await bot.session.close()
    assert "could not register the commands and description: " in caplog.text
    assert "no answer within 0.2 s" in caplog.text


async def test_startup_registers_commands_in_three_languages(app: App, tmp_path: Path) -> None:
    lookups = LookupLog(tmp_path / "other.sqlite3", secret=b"k" * 32)
    background: set[asyncio.Task[None]] = set()
    taught = TaughtPhrases(lookups.store, app.library)
    services = replace(app.dp["services"], taught=taught, holder="test", background=background)
    await on_startup(app.bot, lookups, app.library, settings_for(tmp_path), services)
    await stop(background, lookups)
    calls = app.sent(SetMyCommands)
    public = {
        (c.language_code, tuple(b.command for b in c.commands))
        for c in calls
        if c.scope.type == "default"
    }
    assert public == {
        (None, ("start", "help", "providers", "code")),
        ("ru", ("start", "help", "providers", "code")),
        ("uk", ("start", "help", "providers", "code")),
    }
    (ukrainian,) = [c for c in calls if c.scope.type == "default" and c.language_code == "uk"]
    assert ukrainian.commands[0].description == "Почати: приклади запитів"

    admin = [c for c in calls if c.scope.type == "chat"]
    assert {c.scope.chat_id for c in admin} == {ADMIN}
    assert "stats" in [b.command for b in admin[0].commands]


# --- the support lead -----------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/stats", "/gaps", "/export", "/reload"])
async def test_admin_commands_are_refused_to_others(app: App, command: str) -> None:
    (sent,) = await app.feed(app.fake.message(command, user_id=1001))
    assert sent.text == "This command is for admins only."


async def test_stats_counts_what_was_just_looked_up(app: App) -> None:
    for text in ("gosms 1004", "gosms 1004", "twilio 21211", "1004"):
        await app.feed(app.fake.message(text))
    summary, chart = await app.feed(app.fake.message("/stats", user_id=ADMIN))
    assert isinstance(summary, SendMessage) and isinstance(chart, SendPhoto)
    assert (
        "4 in all: 2 found, 1 to pick from, 1 not found, 0 not errors. People: 1." in summary.text
    )
    assert (
        "1. <code>gosms 1004</code> No devices registered — 2 times, 1 person, +2" in summary.text
    )
    assert chart.photo.data.startswith(b"\x89PNG")


async def test_stats_titles_are_in_the_readers_language(app: App) -> None:
    await app.feed(app.fake.message("gosms 1004"))
    summary, _ = await app.feed(app.fake.message("/stats", user_id=ADMIN, language_code="ru"))
    assert "1. <code>gosms 1004</code> Нет ни одного зарегистрированного устройства — 1 раз" in (
        summary.text
    )


async def test_stats_with_a_bad_period_says_how(app: App) -> None:
    (sent,) = await app.feed(app.fake.message("/stats soon", user_id=ADMIN))
    assert sent.text == HTML.esc(t("days_usage", "en"))


async def test_gaps_lists_unanswered_questions(app: App) -> None:
    for text in ("twilio 21211", "Twilio 21211 ", "zzqx"):
        await app.feed(app.fake.message(text))
    (sent,) = await app.feed(app.fake.message("/gaps 30", user_id=ADMIN))
    assert sent.text.splitlines() == [
        "<b>Unanswered, last 30 days (what the catalogs lack)</b>",
        "2 × <code>twilio 21211</code>",
        "1 × <code>zzqx</code>",
    ]


@pytest.mark.parametrize("command", ["/gaps", "/export", "/stats"])
async def test_reports_asked_in_a_group_go_to_the_admin_in_private(app: App, command: str) -> None:
    for text in ("twilio 21211", "gosms 1004"):
        await app.feed(app.fake.message(text, user_id=4242))
    asked = app.fake.message(command, chat_type="supergroup", chat_id=GROUP, user_id=ADMIN)
    sent = await app.feed(asked)
    in_group = [r for r in sent if getattr(r, "chat_id", None) == GROUP]
    assert [type(r) for r in in_group] == [SendMessage]
    assert in_group[0].text == "Reports about other people's questions go to you in private: sent."
    assert in_group[0].reply_parameters.message_id == asked["message"]["message_id"]
    private = [r for r in sent if getattr(r, "chat_id", None) == ADMIN]
    assert private and type(private[-1]) in (SendMessage, SendDocument, SendPhoto)
    assert "twilio" not in str(in_group[0])  # nobody's question in the group


async def test_a_group_is_told_how_to_ask_when_the_bot_cannot_write_first(app: App) -> None:
    await app.feed(app.fake.message("twilio 21211", user_id=4242))
    app.fake.forbid(ADMIN)
    asked = app.fake.message("/gaps", chat_type="supergroup", chat_id=GROUP, user_id=ADMIN)
    sent = await app.feed(asked)
    (told,) = [r for r in sent if isinstance(r, SendMessage)]
    assert told.chat_id == GROUP and "open a chat with @codebook_bot, press Start" in told.text
    assert "twilio" not in told.text


async def test_export_sends_the_csv(app: App) -> None:
    await app.feed(app.fake.message("gosms 1004"))
    (sent,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    assert isinstance(sent, SendDocument)
    lines = app.uploaded(sent).decode().splitlines()
    assert len(lines) == 2 and "gosms" in lines[1] and "1001" not in lines[1]


async def test_an_export_too_big_for_telegram_goes_zipped_or_is_said_so(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past Telegram's 50 MB, /export was refused ("Request Entity Too Large") and the admin
    got "Something went wrong" (found by an attack). Zipped when that fits; else told why and
    how to export on the server."""
    import io
    import zipfile

    from bot.telegram.handlers import admin

    for n in range(30):
        await app.feed(app.fake.message("gosms 1004", user_id=1001 + n))
    (plain,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    csv = app.uploaded(plain)
    monkeypatch.setattr(admin, "UPLOAD_LIMIT", len(csv) - 1)
    (zipped,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    assert isinstance(zipped, SendDocument) and zipped.document.filename == "lookups-7d.zip"
    with zipfile.ZipFile(io.BytesIO(app.uploaded(zipped))) as archive:
        assert archive.read("lookups-7d.csv") == csv
    monkeypatch.setattr(admin, "UPLOAD_LIMIT", 100)
    (told,) = await app.feed(app.fake.message("/export 7", user_id=ADMIN))
    assert isinstance(told, SendMessage)
    assert told.text.startswith("The lookups of the last 7 days come to 0.1 MB even zipped")
    assert told.text.endswith("python -m bot export --days 7 &gt; lookups.csv")


async def test_an_export_is_sent_from_a_file_on_disk_removed_whatever_happens(
    app: App, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """/export held its CSV whole in memory, encoded and zipped there too (a busy month took
    the bot near 1 GB): now the CSV is written to a temporary file, zipped to a second one only
    when too big, sent from disk, and both removed: sent or not, told "too big", a send failed."""
    import tempfile

    from aiogram.types import FSInputFile

    from bot.telegram.handlers import admin

    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    for n in range(30):
        await app.feed(app.fake.message("gosms 1004", user_id=1001 + n))
    (plain,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    assert isinstance(plain, SendDocument) and isinstance(plain.document, FSInputFile)
    assert Path(plain.document.path).is_relative_to(folder)
    assert plain.document.filename == "lookups-7d.csv"
    assert list(folder.iterdir()) == []
    monkeypatch.setattr(admin, "UPLOAD_LIMIT", len(app.uploaded(plain)) - 1)
    (zipped,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    assert isinstance(zipped, SendDocument) and isinstance(zipped.document, FSInputFile)
    assert zipped.document.filename == "lookups-7d.zip"
    assert list(folder.iterdir()) == []
    app.fake.fail_next("sendDocument", 400, "Bad Request: file is too big")
    (failed, *said) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    assert isinstance(failed, SendDocument) and all(isinstance(r, SendMessage) for r in said)
    assert list(folder.iterdir()) == []
    monkeypatch.setattr(admin, "UPLOAD_LIMIT", 100)
    (told,) = await app.feed(app.fake.message("/export", user_id=ADMIN))
    assert isinstance(told, SendMessage) and "even zipped" in told.text
    assert list(folder.iterdir()) == []


async def test_reload_swaps_valid_catalogs_and_keeps_old_on_problems(app: App) -> None:
    folder = app.library.folder
    text = (folder / "gosms.yaml").read_text()
    (folder / "gosms.yaml").write_text(
        text.replace("Нет ни одного зарегистрированного устройства", "Нет устройств")
    )
    catalog = app.library.resolver.catalog
    (sent,) = await app.feed(app.fake.message("/reload", user_id=ADMIN))
    assert sent.text == f"Catalogs reloaded: 5 providers, {catalog.entry_count()} errors."
    (answer,) = await app.feed(app.fake.message("gosms 1004", language_code="ru"))
    assert answer.text.startswith("<b>GoSMS · 1004 — Нет устройств</b>")
    (folder / "gosms.yaml").write_text(text.replace('code: "1004"', "code: 1004"))
    (sent,) = await app.feed(app.fake.message("/reload", user_id=ADMIN))
    assert sent.text.splitlines()[0] == (
        "Catalogs not replaced: the old ones stay in use. Problems:"
    )
    assert f"{folder / 'gosms.yaml'}:" in sent.text and "write the code as a quoted" in sent.text
    (answer,) = await app.feed(app.fake.message("gosms 1004", language_code="ru"))
    assert answer.text.startswith("<b>GoSMS · 1004 — Нет устройств</b>")


async def test_a_reload_says_what_changed(app: App, caplog: pytest.LogCaptureFixture) -> None:
    folder = app.library.folder
    catalog = app.library.resolver.catalog
    total, gosms = catalog.entry_count(), len(catalog.providers["gosms"].entries)
    mobizon_count = len(catalog.providers["mobizon"].entries)
    (folder / "gosms.yaml").unlink()
    mobizon = (folder / "mobizon.yaml").read_text()
    first = mobizon.index("  - code:")
    second = mobizon.index("  - code:", first + 1)
    (folder / "mobizon.yaml").write_text(mobizon[:first] + mobizon[second:])  # one entry less
    with caplog.at_level(logging.INFO):
        (sent,) = await app.feed(app.fake.message("/reload", user_id=ADMIN))
    assert sent.text.splitlines() == [
        f"Catalogs reloaded: 4 providers, {total - gosms - 1} errors.",
        f"Before: 5 providers, {total} errors.",
        f"Removed: GoSMS ({gosms}).",
        f"Changed: Mobizon {mobizon_count} → {mobizon_count - 1}.",
    ]
    (record,) = [r for r in caplog.records if r.name == "bot.core.library"]
    assert record.levelno == logging.WARNING
    assert f"removed GoSMS ({gosms})" in record.getMessage()


async def test_lookups_are_recorded_with_channel(app: App) -> None:
    await app.feed(app.fake.message("gosms 1004"))
    await app.feed(app.fake.message("/code notificore 35", chat_type="group"))
    await app.feed(app.fake.message("/start gosms_1004"))
    out = io.StringIO()
    await Reports(app.lookups).export_csv(out, days=1)
    csv_text = out.getvalue()
    assert [line.split(",")[1] for line in csv_text.splitlines()[1:]] == [
        "private",
        "command",
        "deep_link",
    ]


async def test_a_broken_analytics_database_never_stops_answers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # where the stop spills, since the database's folder cannot be
    # A database path under a regular file can never be opened (chmod would not stop root).
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings = settings_for(tmp_path, database_path=blocker / "bot.sqlite3")
    library = Library(settings.catalogs_dir)
    lookups = LookupLog(settings.database_path, secret=b"k" * 32, retry_initial=0.01)
    fake = FakeTelegram(username=USERNAME)
    dp = create_dispatcher(library, lookups, settings)
    app = App(bot_for(fake, settings), fake, dp, lookups, library)
    await lookups.start()
    try:
        (sent,) = await app.feed(app.fake.message("gosms 1004"))
        assert sent.text == app.answer_text("gosms 1004")[0]
        (inline,) = await app.feed(app.fake.inline(""))
        assert inline.results[0].title.startswith("GoSMS 1004")
        (explained,) = await app.feed(app.fake.message("/stats", user_id=ADMIN))
        assert explained.text.startswith("The analytics database is unavailable right now (")
        assert lookups.pending == 1  # the lookup waits for the database
    finally:
        await lookups.close()
