"""Teaching the search: a keeper answers a gap with the entry it should have found, and from
then on that question finds it; what was taught is kept, listed, and can be taken back."""

from __future__ import annotations

from aiogram.methods import AnswerCallbackQuery, EditMessageText, SendMessage
from telegram_app import ADMIN, App, buttons

from bot.library import Library

QUESTION = "смс с телефона так и не ушли"


def found(app: App, text: str) -> list[tuple[str, str]]:
    answer = app.library.resolver.answer(text)
    return [(m.slug, m.entry.key) for m in answer.matches]


async def test_teach_makes_a_question_find_its_entry_and_it_is_kept(app: App) -> None:
    assert found(app, QUESTION) != [("gosms", "1015")]
    (reply,) = await app.feed(app.make.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN))
    assert reply.text.startswith(f"Got it: “{QUESTION}” now finds GoSMS 1015 — ")
    (answer,) = await app.feed(app.make.message(QUESTION.upper() + "!", user_id=4100))
    assert answer.text.startswith("<b>GoSMS · 1015 — ")
    # A new start reads what was taught back from the database.
    fresh = Library(app.library.folder)
    fresh.use_taught(await app.lookups.taught())
    assert [(m.slug, m.entry.key) for m in fresh.resolver.answer(QUESTION).matches] == [
        ("gosms", "1015")
    ]


async def test_what_was_taught_is_listed_and_can_be_taken_back(app: App) -> None:
    await app.feed(app.make.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN))
    (listing,) = await app.feed(app.make.message("/teach", user_id=ADMIN))
    assert listing.text.splitlines()[1].startswith(f"1. <code>{QUESTION}</code> → GoSMS 1015")
    (label, forget, _) = buttons(listing)[0]
    assert label == "✕ 1"
    edit, ack = await app.feed(
        app.make.callback(forget, message_id=77, chat_id=ADMIN, user_id=ADMIN)
    )
    assert isinstance(edit, EditMessageText) and edit.text == "Nothing has been taught yet."
    assert isinstance(ack, AnswerCallbackQuery) and ack.text == "Forgotten."
    assert found(app, QUESTION) != [("gosms", "1015")]
    assert await app.lookups.taught() == []


async def test_a_gap_is_answered_with_a_button_and_a_reply(app: App) -> None:
    await app.feed(app.make.message("twilio 21211", user_id=4200))
    (gaps,) = await app.feed(app.make.message("/gaps", user_id=ADMIN))
    assert "1 × <code>twilio 21211</code>" in gaps.text
    (label, teach, _) = buttons(gaps)[0]
    assert label == "✎ 1"
    prompt, _ = await app.feed(app.make.callback(teach, message_id=5, chat_id=ADMIN, user_id=ADMIN))
    assert isinstance(prompt, SendMessage) and prompt.chat_id == ADMIN
    assert prompt.text.startswith("✎ «twilio 21211» — which error should this have found?")
    assert prompt.reply_markup.force_reply
    reply = app.make.message("notificore 35", user_id=ADMIN)
    reply["message"]["reply_to_message"] = {
        "message_id": 9,
        "date": reply["message"]["date"],
        "chat": reply["message"]["chat"],
        "from": {"id": app.bot.id, "is_bot": True, "first_name": "Codebook"},
        "text": prompt.text,
    }
    (done,) = await app.feed(reply)
    assert done.text.startswith("Got it: “twilio 21211” now finds Notificore 35 — ")
    assert found(app, "Twilio 21211") == [("notificore", "35")]


async def test_teaching_needs_a_real_entry_and_an_admin(app: App) -> None:
    (reply,) = await app.feed(app.make.message("/teach something odd gosms 9999", user_id=ADMIN))
    assert reply.text.startswith("“gosms 9999” is not one error of the catalogs.")
    (reply,) = await app.feed(app.make.message("/teach two words", user_id=ADMIN))
    assert reply.text.startswith("Like this: /teach &lt;question&gt; &lt;provider&gt;")
    (refused,) = await app.feed(app.make.message(f"/teach {QUESTION} gosms 1015", user_id=4300))
    assert refused.text == "This command is for admins only."
    assert found(app, QUESTION) != [("gosms", "1015")]  # the refused teach taught nothing
    assert await app.lookups.taught() == []
