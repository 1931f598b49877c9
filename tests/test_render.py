"""Answers shown as Telegram HTML and as plain text."""

from __future__ import annotations

import pytest

from bot.core.markup import TEXT, one_line, split_messages
from bot.core.render import entry_heading, render
from bot.core.resolve import Resolver
from tests.support.markup import check_html


def test_an_entry_in_html_has_every_part(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("gosms 1004"), "en")
    seen = check_html(message)
    assert message.startswith("<b>GoSMS · 1004 — No devices registered</b>\n<i>System errors</i>")
    assert "What to do\n1. Install the GoSMS mobile app" in seen
    assert "<blockquote>У Вас не зарегистрировано ни одного устройства." in message
    assert '📖 <a href="https://cms.gosms.ru/devices">Мои устройства</a>' in message
    assert "docs" not in message  # GoSMS's pages give no documentation address


def test_the_same_answer_in_russian(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("gosms 1004"), "ru")
    seen = check_html(message)
    assert seen.startswith("GoSMS · 1004 — Нет ни одного зарегистрированного устройства")
    assert "Что делать\n1. Установите мобильное приложение GoSMS" in seen
    assert "Формулировка GoSMS" in seen


def test_plain_text_for_the_command_line(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("gosms 1004"), "en", TEXT, buttons=False)
    assert "<" not in message.replace("<query>", "")
    assert message.splitlines()[:2] == [
        "GoSMS · 1004 — No devices registered",
        "Section: System errors",
    ]
    assert message.endswith("Мои устройства: https://cms.gosms.ru/devices")
    assert "> У Вас не зарегистрировано" in message


def test_catalog_text_is_escaped(resolver: Resolver) -> None:
    # GoSMS 2002 lists the allowed characters, "<>" and "&" among them.
    (message,) = render(resolver.answer("gosms 2002"), "en")
    seen = check_html(message)
    assert "&lt;&gt;" in message and "<>" in seen


def test_users_text_is_escaped(resolver: Resolver) -> None:
    # Words no entry has, so that the reply quotes them back ("script" and "alert" are words
    # people use: "posting from my script").
    for text in ("<svg onload=zzqx('x')> zzqx", 'notificore "<b>" &amp; <i>'):
        for message in render(resolver.answer(text), "en"):
            seen = check_html(message)
            assert "<svg" not in message
            if "zzqx" in text:
                assert "<svg onload=zzqx('x')>" in seen


@pytest.mark.parametrize(
    ("text", "lang", "head"),
    [
        (
            "повідомлення не доставлено",
            "uk",
            "Найкращі збіги за запитом «повідомлення не доставлено»:",
        ),
        ("смс не доходят", "ru", "Лучшие совпадения по запросу «смс не доходят»:"),
        # Its words alone: quoting the whole text said a card and a phone back (an attack).
        (
            "gosms sms не доставлено +7 916 123-45-67 карта 4111 1111 1111 1111",
            "ru",
            "Лучшие совпадения по запросу «sms не доставлено карта»:",
        ),
    ],
)
def test_a_search_quotes_the_question_as_asked(
    resolver: Resolver, text: str, lang: str, head: str
) -> None:
    """The quote was the words searched, "не" left out: "повідомлення доставлено", the
    question turned into its opposite (found by an attack)."""
    first = render(resolver.answer(text), lang)[0]
    assert first.startswith(head)


def test_a_name_and_a_note_are_shown(resolver: Resolver) -> None:
    (message,) = render(resolver.answer('{"error_code": 17002}'), "en")
    assert message.startswith(
        "<i>Recognised a Radist.Online API response: error_code = 17002.</i>\n\n"
        "<b>Radist.Online · 17002 — "
    )
    assert "<code>TELEGRAM_FLOOD_ERROR</code>" in message


def test_a_not_error_is_marked(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("mobizon 0"), "ru")
    assert message.startswith("<b>ℹ️ Mobizon · 0 — ") and "<i>Это не ошибка</i>" in message


def test_candidates_list_and_ask_to_pick(resolver: Resolver) -> None:
    answer = resolver.answer("1004")
    (with_buttons,) = render(answer, "en")
    assert check_html(with_buttons).splitlines() == [
        "Code 1004 exists at several providers: which one did you get it from?",
        "• GoSMS 1004 — No devices registered",
        f"• {entry_heading(answer.candidates[1], 'en')}",
        "",
        "Pick one below.",
    ]
    (for_cli,) = render(answer, "en", TEXT, buttons=False)
    assert for_cli.endswith("Ask for one, for example: gosms 1004")


def test_missing_code_shows_nearest_and_docs(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("gosms 1018"), "en", TEXT, buttons=False)
    assert message == "GoSMS has no code 1018.\nNearest GoSMS codes: 1017, 1016, 1015, 1014, 1013."
    (message,) = render(resolver.answer("mobizon 7"), "en", TEXT, buttons=False)
    assert message.endswith("\nMobizon docs: https://mobizon.ua/uk/help/api-docs/sms-api")


def test_unknown_provider_lists_the_known(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("twilio 21211"), "en", TEXT, buttons=False)
    assert message.startswith(
        "I have no catalog for “twilio”. I know: GoSMS, Gupshup, Mobizon, Notificore, "
        "Radist.Online."
    )


def test_nothing_found_quotes_the_question_briefly(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("zzqx " * 100), "en", TEXT, buttons=False)
    first = message.splitlines()[0]
    assert first.startswith("Nothing in the catalogs matches “zzqx zzqx") and first.endswith("…”.")
    assert len(first) < 160


def test_provider_card(resolver: Resolver) -> None:
    (message,) = render(resolver.answer("gosms"), "en", TEXT, buttons=False)
    assert message.splitlines()[:5] == [
        "GoSMS — SMS sent through the customer's own Android phones (gosms.ru)",
        "",
        "Errors in the catalog: 28",
        "• System errors: 18",
        "• Data errors: 9",
    ]
    assert "Examples: gosms 1000, gosms 2001, gosms 3000" in message


def test_help_lists_every_form(resolver: Resolver) -> None:
    messages = render(resolver.answer(""), "en")
    seen = check_html("".join(messages))
    for example in (
        "gosms 1004",
        "radist REQUEST_VALIDATION_ERROR",
        "number in the stop list",
        '{"error":"40","errorDescription":"Message not found"}',
    ):
        assert example in seen


def test_words_in_examples_are_in_the_readers_language(resolver: Resolver) -> None:
    help_uk = "".join(render(resolver.answer(""), "uk", TEXT))
    nothing_uk = "".join(render(resolver.answer("абракадабра"), "uk", TEXT))
    assert "номер у стоп-листі" in help_uk and "номер в стоп-листе" not in help_uk
    assert "Спробуйте так: gosms 1004, 1004, номер у стоп-листі або /help" in nothing_uk
    assert "номер в стоп-листе" in "".join(render(resolver.answer(""), "ru", TEXT))


def test_long_answers_split_between_paragraphs() -> None:
    paragraphs = [f"<b>{n}</b> " + "x" * 1500 for n in range(7)]
    messages = split_messages(paragraphs)
    assert [len(m) for m in messages] == [3020, 3020, 3020, 1509]
    assert "\n\n".join(messages) == "\n\n".join(paragraphs)
    for message in messages:
        check_html(message)


def test_a_paragraph_longer_than_a_message_is_cut_anyway() -> None:
    messages = split_messages(["a" * 5000, "b"])
    assert [len(m) for m in messages] == [4096, 904 + 2 + 1]


def test_length_counts_as_telegram_does() -> None:
    # An emoji is two UTF-16 units: 2100 of them do not fit one message.
    messages = split_messages(["🙂" * 2100])
    assert len(messages) == 2


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_five_long_entries_fit_in_messages(resolver: Resolver, lang: str) -> None:
    answer = resolver.answer("mobizon 8 12 13 98 99")
    messages = render(answer, lang)
    assert all(len(m.encode("utf-16-le")) // 2 <= 4096 for m in messages)
    assert sum(m.count("<b>Mobizon · ") for m in messages) == 5


@pytest.mark.parametrize(
    ("text", "limit", "shown"),
    [
        ("my password is <secret> and more", 20, "my password is…"),  # not "<secre…"
        ("a  b\nc", 80, "a b c"),
        ("x < y and z > w", 8, "x < y a…"),  # a "<" that starts no mask is text
        ("token <secret>", 14, "token <secret>"),
    ],
)
def test_a_quote_is_cut_on_one_line_and_never_inside_a_mask(
    text: str, limit: int, shown: str
) -> None:
    assert one_line(text, limit) == shown
