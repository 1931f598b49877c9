"""Teaching the search: a keeper answers a gap with the entry it should have found, and from
then on that question finds it; what was taught is kept, listed, and can be taken back."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from aiogram.methods import AnswerCallbackQuery, AnswerInlineQuery, EditMessageText, SendMessage

from bot.core.catalog import entry_ref
from bot.core.library import Library
from bot.core.text import phrase_key
from bot.telegram.taught_list import Forget, short
from tests.support.app import ADMIN, GROUP, App, buttons, running_app
from tests.support.fake_telegram import parse_html, utf16_len

QUESTION = "смс с телефона так и не ушли"


def found(app: App, text: str) -> list[tuple[str, str]]:
    answer = app.library.resolver.answer(text)
    return [(m.slug, m.entry.key) for m in answer.matches]


async def test_teach_makes_a_question_find_its_entry_and_it_is_kept(app: App) -> None:
    assert found(app, QUESTION) != [("gosms", "1015")]
    (reply,) = await app.feed(app.fake.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN))
    assert reply.text.startswith(f"Got it: “{QUESTION}” now finds GoSMS 1015 — ")
    (answer,) = await app.feed(app.fake.message(QUESTION.upper() + "!", user_id=4100))
    assert answer.text.startswith("<b>GoSMS · 1015 — ")
    # A new start reads what was taught back from the database.
    fresh = Library(app.library.folder)
    fresh.use_taught(await app.lookups.store.taught())
    assert [(m.slug, m.entry.key) for m in fresh.resolver.answer(QUESTION).matches] == [
        ("gosms", "1015")
    ]


async def test_what_was_taught_is_listed_and_can_be_taken_back(app: App) -> None:
    await app.feed(app.fake.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN))
    (listing,) = await app.feed(app.fake.message("/teach", user_id=ADMIN))
    assert listing.text.splitlines()[1].startswith(f"1. <code>{QUESTION}</code> → GoSMS 1015")
    (label, forget, _) = buttons(listing)[0]
    assert label == "✕ 1"
    edit, ack = await app.feed(
        app.fake.callback(forget, message_id=77, chat_id=ADMIN, user_id=ADMIN)
    )
    assert isinstance(edit, EditMessageText) and edit.text == "Nothing has been taught yet."
    assert isinstance(ack, AnswerCallbackQuery) and ack.text == "Forgotten."
    assert found(app, QUESTION) != [("gosms", "1015")]
    assert await app.lookups.store.taught() == []


async def test_a_gap_is_answered_with_a_button_and_a_reply(app: App) -> None:
    await app.feed(app.fake.message("twilio 21211", user_id=4200))
    (gaps,) = await app.feed(app.fake.message("/gaps", user_id=ADMIN))
    assert "1 × <code>twilio 21211</code>" in gaps.text
    (label, teach, _) = buttons(gaps)[0]
    assert label == "✎ 1"
    prompt, _ = await app.feed(app.fake.callback(teach, message_id=5, chat_id=ADMIN, user_id=ADMIN))
    assert isinstance(prompt, SendMessage) and prompt.chat_id == ADMIN
    assert prompt.text.startswith("✎ «twilio 21211» — which error should this have found?")
    assert prompt.reply_markup.force_reply
    reply = app.fake.message("notificore 35", user_id=ADMIN)
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
    (reply,) = await app.feed(app.fake.message("/teach something odd gosms 9999", user_id=ADMIN))
    assert reply.text.startswith("“gosms 9999” is not one error of the catalogs.")
    (reply,) = await app.feed(app.fake.message("/teach two words", user_id=ADMIN))
    assert reply.text.startswith("Like this: /teach &lt;question&gt; &lt;provider&gt;")
    (refused,) = await app.feed(app.fake.message(f"/teach {QUESTION} gosms 1015", user_id=4300))
    assert refused.text == "This command is for admins only."
    assert found(app, QUESTION) != [("gosms", "1015")]  # the refused teach taught nothing
    assert await app.lookups.store.taught() == []


# --- what teaching must not hide (issue 15, item 4) -----------------------------------------


@pytest.mark.parametrize(
    ("phrase", "hidden"),
    [
        ("1004", "GoSMS 1004 — No devices registered; Gupshup 1004 — User inactive"),
        ("GoSMS 1004", "GoSMS 1004 — No devices registered."),
        ("MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPTS", "Radist.Online 30005 — MAX personal"),
        # What compares as a symbolic name (TELEGRAM_FLOOD_ERROR), a provider alone (its card).
        ("telegram flood error", "Radist.Online 17002 — Telegram: flood control triggered"),
        ("Request validation error", "Radist.Online 1 — Request data failed validation"),
        ("gosms", "the provider card of GoSMS."),
        ("radist online", "the provider card of Radist.Online."),
    ],
)
async def test_a_phrase_the_catalogs_answer_by_code_or_name_is_refused(
    app: App, phrase: str, hidden: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = app.answer_text(phrase)
    (reply,) = await app.feed(app.fake.message(f"/teach {phrase} notificore 35", user_id=ADMIN))
    key = phrase_key(phrase)
    assert reply.text.startswith(f"The catalogs already answer “{key}” with {hidden}")
    assert "it would give everyone Notificore 35 — " in reply.text
    forced = f"/teach! {phrase} notificore 35"
    assert reply.text.endswith(f"If that is what you mean: <code>{forced}</code>")
    assert await app.lookups.store.taught() == []
    assert app.answer_text(phrase) == before
    # The command offered teaches it, and says in the log what it hides.
    with caplog.at_level(logging.WARNING):
        (reply,) = await app.feed(app.fake.message(forced, user_id=ADMIN))
    assert reply.text.startswith("Got it: ")
    assert found(app, phrase) == [("notificore", "35")]
    assert [r.levelno for r in caplog.records if r.name.endswith("teach")] == [logging.WARNING]


@pytest.mark.parametrize(
    ("phrase", "asked"),
    [
        ("telegram flood error", "TELEGRAM_FLOOD_ERROR"),
        ("request validation error", "request_validation_error"),
        ("gosms", "GoSMS!"),
        ("radist online", "Radist.Online"),
    ],
)
async def test_what_a_refused_phrase_would_hide_still_answers(
    app: App, phrase: str, asked: str
) -> None:
    before = app.answer_text(asked)
    (reply,) = await app.feed(app.fake.message(f"/teach {phrase} gosms 1015", user_id=ADMIN))
    assert reply.text.startswith("The catalogs already answer ")
    assert app.answer_text(asked) == before
    assert "GoSMS · 1015" not in before


async def test_a_refusal_names_the_card_in_the_admins_language(app: App) -> None:
    asked = {"ru": "каталоги уже отвечают: карточкой провайдера GoSMS.", "uk": "карткою провайдера"}
    for lang, part in asked.items():
        message = app.fake.message("/teach gosms gosms 1015", user_id=ADMIN, language_code=lang)
        (reply,) = await app.feed(message)
        assert part in reply.text


async def test_teach_bang_hides_a_catalog_answer_and_says_so_in_the_log(
    app: App, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        (reply,) = await app.feed(
            app.fake.message("/teach! gosms 1004 notificore 35", user_id=ADMIN)
        )
    assert reply.text.startswith("Got it: “gosms 1004” now finds Notificore 35 — ")
    assert found(app, "GoSMS 1004!") == [("notificore", "35")]
    (warning,) = [r for r in caplog.records if r.name == "bot.telegram.handlers.teach"]
    assert warning.levelno == logging.WARNING
    assert warning.getMessage() == (
        "teach!: 'gosms 1004' finds notificore 35 for everyone, not gosms 1004"
    )
    (refused,) = await app.feed(app.fake.message("/teach! 1004 gosms 1015", user_id=4300))
    assert refused.text == "This command is for admins only."


async def test_a_refusal_is_in_the_admins_language(app: App) -> None:
    asked = {"ru": "На «1004» каталоги уже отвечают: GoSMS 1004", "uk": "На «1004» каталоги вже"}
    for lang, start in asked.items():
        message = app.fake.message("/teach 1004 notificore 35", user_id=ADMIN, language_code=lang)
        (reply,) = await app.feed(message)
        assert reply.text.startswith(start)


async def test_a_word_search_and_a_missing_code_can_be_taught(app: App) -> None:
    for phrase in ("invalid phone number", "gosms 99999"):
        (reply,) = await app.feed(app.fake.message(f"/teach {phrase} gosms 2001", user_id=ADMIN))
        assert reply.text.startswith(f"Got it: “{phrase}” now finds GoSMS 2001")
    assert found(app, "Invalid phone number") == [("gosms", "2001")]


# --- a long list, and a list asked in a group (items 5 and 6) --------------------------------


async def test_a_phrase_over_200_characters_is_refused(app: App) -> None:
    phrase = "очень " * 33 + "долго"  # 203 characters
    (reply,) = await app.feed(app.fake.message(f"/teach {phrase} gosms 1015", user_id=ADMIN))
    assert reply.text == (
        "A question to teach can be at most 200 characters long, and this one is 203. "
        "Keep its most telling part."
    )
    assert await app.lookups.store.taught() == []
    (reply,) = await app.feed(app.fake.message(f"/teach {phrase[4:]} gosms 1015", user_id=ADMIN))
    assert reply.text.startswith("Got it: ")


def long_phrase(number: int) -> str:
    """A taught phrase of 200 characters, two UTF-16 units each where an emoji stands."""
    return f"{number:03d} " + "😶 смс с телефона не ушли " * 7 + "x" * 21


async def test_a_long_list_comes_in_pages_telegram_takes(app: App) -> None:
    phrases = [long_phrase(n) for n in range(1, 46)]
    for phrase in phrases:
        assert len(phrase_key(phrase)) <= 200
        await app.lookups.store.teach(phrase_key(phrase), "gosms", "1015", time.time())
    (first,) = await app.feed(app.fake.message("/teach", user_id=ADMIN))
    pages, page = [first], first
    while (moves := [d for label, d, _ in buttons(page) if label == "›"]) != []:
        edit, ack = await app.feed(
            app.fake.callback(moves[0], message_id=5, chat_id=ADMIN, user_id=ADMIN)
        )
        assert isinstance(edit, EditMessageText) and isinstance(ack, AnswerCallbackQuery)
        pages.append(page := edit)
    assert len(pages) > 1
    listed = []
    for number, page in enumerate(pages, 1):
        text, _ = parse_html(page.text)
        assert utf16_len(text) <= 4096
        assert text.splitlines()[0] == f"What the search was taught · page {number} of {len(pages)}"
        lines = text.splitlines()[1:]
        listed += [line.split(". ", 1)[1].split(" → ")[0] for line in lines]
        crosses = [label for label, _, _ in buttons(page) if label.startswith("✕")]
        assert crosses == [f"✕ {line.split('.')[0]}" for line in lines]
        moves = [label for label, _, _ in buttons(page) if label in "‹›"]
        assert moves == (["‹"] if number > 1 else []) + (["›"] if number < len(pages) else [])
    assert listed == [phrase_key(p) for p in phrases]

    # ✕ on the second page takes its phrase back and shows that page again.
    second = pages[1]
    label, forget, _ = buttons(second)[0]
    edit, ack = await app.feed(
        app.fake.callback(forget, message_id=5, chat_id=ADMIN, user_id=ADMIN)
    )
    assert ack.text == "Forgotten."
    number = int(label.split()[1])
    assert phrase_key(phrases[number - 1]) not in edit.text
    assert edit.text.splitlines()[1].startswith(f"{number}. ")  # the next phrase moved up
    assert len(await app.lookups.store.taught()) == 44


async def test_a_stale_page_button_gets_a_polite_notice(app: App) -> None:
    for n in range(1, 46):
        await app.lookups.store.teach(phrase_key(long_phrase(n)), "gosms", "1015", time.time())
    (listing,) = await app.feed(app.fake.message("/teach", user_id=ADMIN))
    (onwards,) = [data for label, data, _ in buttons(listing) if label == "›"]
    for n in range(1, 46):
        await app.lookups.store.forget(phrase_key(long_phrase(n)))
    (notice,) = await app.feed(
        app.fake.callback(onwards, message_id=5, chat_id=ADMIN, user_id=ADMIN)
    )
    assert isinstance(notice, AnswerCallbackQuery) and notice.show_alert
    assert notice.text == "This button is out of date. Please send the query again."


async def test_the_list_asked_in_a_group_goes_to_the_admin_in_private(app: App) -> None:
    await app.feed(app.fake.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN))
    asked = app.fake.message("/teach", chat_type="supergroup", chat_id=GROUP, user_id=ADMIN)
    sent = await app.feed(asked)
    in_group = [r for r in sent if getattr(r, "chat_id", None) == GROUP]
    assert [r.text for r in in_group] == [
        "Reports about other people's questions go to you in private: sent."
    ]
    (listing,) = [r for r in sent if isinstance(r, SendMessage) and r.chat_id == ADMIN]
    assert QUESTION in listing.text


# --- inline queries and /reload read the same taught list (item 15) --------------------------


async def test_inline_queries_and_a_reload_answer_what_was_taught(app: App) -> None:
    await app.feed(app.fake.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN))
    (offered,) = await app.feed(app.fake.inline(QUESTION))
    assert isinstance(offered, AnswerInlineQuery)
    assert [r.id for r in offered.results] == [entry_ref("gosms", "1015")]
    (reloaded,) = await app.feed(app.fake.message("/reload", user_id=ADMIN))
    assert reloaded.text.startswith("Catalogs reloaded: ")
    assert found(app, QUESTION) == [("gosms", "1015")]
    (offered,) = await app.feed(app.fake.inline(QUESTION))
    assert [r.id for r in offered.results] == [entry_ref("gosms", "1015")]
    (answer,) = await app.feed(app.fake.message(QUESTION))
    assert answer.text.startswith("<b>GoSMS · 1015 — ")


async def test_a_teach_the_database_cannot_keep_says_it_was_not_taught(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"  # a database under a file can never be opened
    blocker.write_text("")
    async with running_app(tmp_path, database_path=blocker / "bot.sqlite3") as app:
        message = app.fake.message(f"/teach {QUESTION} gosms 1015", user_id=ADMIN)
        (reply,) = await app.feed(message)
        assert reply.text.startswith("Not taught: the database is unavailable right now (")
        assert reply.text.endswith("). Try again once it is back.")
        assert "held in memory" not in reply.text
        assert found(app, QUESTION) != [("gosms", "1015")]
        forget = Forget(phrase=short(QUESTION), page=0).pack()
        (ack,) = await app.feed(
            app.fake.callback(forget, message_id=7, chat_id=ADMIN, user_id=ADMIN)
        )
        assert isinstance(ack, AnswerCallbackQuery) and ack.show_alert
        assert (
            ack.text
            == "Not taken back: the database is unavailable right now. Try again once it is back."
        )
