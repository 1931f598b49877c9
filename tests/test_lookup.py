"""What people type, and what the core makes of it (parse + resolve over the real catalogs)."""

from __future__ import annotations

from dataclasses import astuple

import pytest

from bot.core.answer import Answer, Assumed, Outcome
from bot.core.numbers import luhn
from bot.core.render import render
from bot.core.resolve import Resolver


def found(answer: Answer) -> list[tuple[str, str]]:
    return [(m.slug, m.entry.key) for m in answer.matches]


def offered(answer: Answer) -> list[tuple[str, str]]:
    return [(m.slug, m.entry.key) for m in answer.candidates]


def notes(answer: Answer) -> list[tuple[str, tuple[str, ...]]]:
    return [(n.kind, tuple(map(str, astuple(n)))) for n in answer.notes]


@pytest.mark.parametrize(
    "text",
    [
        "gosms 1004",
        "GoSMS:1004",
        "1004 gosms",
        "ошибка госмс #1004",
        "GOSMS 1004",
        "go-sms 1004",
        "gosms.ru №1004",
        "Го СМС 1004",
        "у клиента gosms 1004, что делать?",
        "gosms 01004",
        # A dash joining name and number separates them; digits of any script are digits.
        "gosms-1004",
        "GoSMS–1004",
        "gosms １００４",
        "GoSMS: ١٠٠٤",
        # Glued to the name (found nothing: an attack), and then a full stop without its space
        # or a dash (lost by the second attack's mending: a third attack); the provider's site.
        "gosms1004",
        "GoSMS1004 опять",
        "gosms1004.Что делать?",
        "gosms1004-ошибка",
        "gosms1004.what now?",  # (lost, as was "-error": a fourth attack)
        "gosms1004-error",
        "https://gosms.ru/api ошибка 1004",
        "email support@gosms.ru ошибка 1004",
    ],
)
def test_provider_and_code_in_any_order_case_and_script(resolver: Resolver, text: str) -> None:
    answer = resolver.answer(text)
    assert answer.outcome is Outcome.FOUND
    assert found(answer) == [("gosms", "1004")]
    assert answer.confident


def test_filler_words_around_the_code(resolver: Resolver) -> None:
    assert found(resolver.answer("error code 35 notificore")) == [("notificore", "35")]
    assert found(resolver.answer("что значит код 35 у bsg?")) == [("notificore", "35")]


def test_several_codes_for_one_provider_are_answered_once_each(resolver: Resolver) -> None:
    assert found(resolver.answer("notificore 21 41 21")) == [
        ("notificore", "21"),
        ("notificore", "41"),
    ]


def test_at_most_five_codes_and_the_rest_is_said(resolver: Resolver) -> None:
    answer = resolver.answer("notificore 1 2 3 4 5 6 7")
    assert found(answer) == [("notificore", c) for c in "12345"]
    assert notes(answer) == [("dropped", ("2",))]


def test_codes_pair_with_the_provider_named_next_to_them(resolver: Resolver) -> None:
    answer = resolver.answer("gosms 1004 and gupshup 1002")
    assert found(answer) == [("gosms", "1004"), ("gupshup", "1002")]


GOSMS_NOTIFICORE = [("gosms", "1004"), ("notificore", "35")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Measured from where each name starts, Notificore stood nearer to 1004 (found by an
        # attack): "Notificore has no code 1004", and GoSMS 1004 never answered.
        ("gosms 1004 notificore 35", GOSMS_NOTIFICORE),
        ("gosms 1004\nnotificore 35", GOSMS_NOTIFICORE),
        ("notificore 35 gosms 1004", GOSMS_NOTIFICORE[::-1]),
        ("1004 gosms 35 notificore", GOSMS_NOTIFICORE),
        ("gosms 1004, notificore 35", GOSMS_NOTIFICORE),
        # Codes listed after their provider (a second attack: Gupshup's 1005, Notificore's 1005).
        (
            "gosms 1004 1005 gupshup 1002",
            [("gosms", "1004"), ("gosms", "1005"), ("gupshup", "1002")],
        ),
        (
            "gosms errors 1004 1005, notificore errors 35",
            [("gosms", "1004"), ("gosms", "1005"), ("notificore", "35")],
        ),
        # A verb before each code and a joining word after it (GoSMS was given Gupshup's 1002:
        # a third attack).
        ("gupshup ответил 1002, а gosms ответил 1004", [("gupshup", "1002"), ("gosms", "1004")]),
        ("в gupshup падает 1002, в gosms падает 1004", [("gupshup", "1002"), ("gosms", "1004")]),
        (
            "gupshup responded 1002 and gosms responded 1004",
            [("gupshup", "1002"), ("gosms", "1004")],
        ),
        ("mobizon шлёт 3, а notificore шлёт 35", [("mobizon", "3"), ("notificore", "35")]),
        ("на gosms ловим 1004, на notificore ловим 35", GOSMS_NOTIFICORE),
        # A provider said to be fine, and the code of another after it (a fourth attack: GoSMS).
        ("gosms ок, 1004 от gupshup", [("gupshup", "1004")]),
        ("gosms is fine but 1004 from gupshup", [("gupshup", "1004")]),
        ("Через gosms всё ок. Ошибка 1004 у gupshup", [("gupshup", "1004")]),
        ("gosms выдает 1004, gupshup нормально", [("gosms", "1004")]),
        ("notificore 35 and 1004 gosms", GOSMS_NOTIFICORE[::-1]),
        # A provider named again (GoSMS was given Notificore's 36).
        ("notificore 35 gosms 1004 notificore 36", [*GOSMS_NOTIFICORE[::-1], ("notificore", "36")]),
        ("gosms 1004 notificore 35 mobizon 1", [*GOSMS_NOTIFICORE, ("mobizon", "1")]),
        # One code asked of two providers was asked once (found by the same attack).
        ("gosms 1004 and gupshup 1004", [("gosms", "1004"), ("gupshup", "1004")]),
        ("gupshup 1004 or gosms 1004", [("gupshup", "1004"), ("gosms", "1004")]),
    ],
)
def test_several_providers_each_get_their_own_codes(
    resolver: Resolver, text: str, expected: list[tuple[str, str]]
) -> None:
    answer = resolver.answer(text)
    assert found(answer) == expected
    assert not answer.missing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Two providers named together, one code: Notificore alone was asked (an attack).
        ("gosms/notificore 1004", [("gosms", "1004")]),
        ("gosms and notificore: 1004", [("gosms", "1004")]),
        ("notificore или gosms 1004", [("gosms", "1004")]),
        ("gosms/gupshup 1004", [("gosms", "1004"), ("gupshup", "1004")]),
        (
            "gupshup, gosms: 1004 и 1002",
            [("gupshup", "1004"), ("gosms", "1004"), ("gupshup", "1002"), ("gosms", "1002")],
        ),
    ],
)
def test_providers_named_together_are_each_asked_the_code(
    resolver: Resolver, text: str, expected: list[tuple[str, str]]
) -> None:
    answer = resolver.answer(text)
    assert found(answer) == expected
    assert not answer.missing  # one that has the code answers for the one that lacks it


@pytest.mark.parametrize(
    "text", ["notifcore/gosms 35", "gosms/notifcore 35", "notifcore or gosms 35"]
)
def test_a_misspelt_provider_named_with_another_is_guessed_and_said(
    resolver: Resolver, text: str
) -> None:
    """GoSMS alone was asked ("GoSMS has no code 35"): the guess was made only where no provider
    is named (an attack)."""
    answer = resolver.answer(text)
    assert found(answer) == [("notificore", "35")]
    assert [(n.typed, n.provider) for n in answer.notes if isinstance(n, Assumed)] == [
        ("notifcore", "Notificore")
    ]


def test_providers_named_together_that_lack_a_code_are_each_said(resolver: Resolver) -> None:
    answer = resolver.answer("gosms или notificore 9999")
    assert [(m.code, m.catalog and m.catalog.provider.slug) for m in answer.missing] == [
        ("9999", "gosms"),
        ("9999", "notificore"),
    ]
    # Named apart, by a word between, they are not together.
    assert found(resolver.answer("с gupshup ушли на gosms, 1004")) == [("gosms", "1004")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A code before each provider's name, the names side by side: each its own (GoSMS was
        # asked Notificore's 1004 too: a second attack on the rule above).
        ("1004 notificore, gosms 2001", [("gosms", "2001")]),
        ("1002 gupshup, radist 500", [("gupshup", "1002"), ("radist", "500")]),
        ("1002 gosms, gupshup 1003", [("gosms", "1002"), ("gupshup", "1003")]),
        ("ошибка 1002 в gosms и gupshup 1003", [("gosms", "1002"), ("gupshup", "1003")]),
        # A comma and a joining word: two clauses, not two names asked as one.
        ("использовали gosms, и gupshup выдал 1002", [("gupshup", "1002")]),
    ],
)
def test_providers_side_by_side_with_codes_of_their_own_are_not_together(
    resolver: Resolver, text: str, expected: list[tuple[str, str]]
) -> None:
    assert found(resolver.answer(text)) == expected


def test_a_code_two_providers_lack_is_said_once_for_each(resolver: Resolver) -> None:
    answer = resolver.answer("gosms 9999 notificore 9999 gosms 9999")
    assert [(m.code, m.catalog and m.catalog.provider.slug) for m in answer.missing] == [
        ("9999", "gosms"),
        ("9999", "notificore"),
    ]


def test_a_minus_apart_from_the_name_is_kept(resolver: Resolver) -> None:
    answer = resolver.answer("gosms -1004")
    assert [m.code for m in answer.missing] == ["-1004"]
    assert [m.code for m in resolver.answer("gosms —１００４").missing] == []  # joined: a dash


def test_a_bare_code_lists_every_provider_that_has_it(resolver: Resolver) -> None:
    answer = resolver.answer("1004")
    assert answer.outcome is Outcome.SEVERAL
    assert offered(answer) == [("gosms", "1004"), ("gupshup", "1004")]
    assert not answer.confident
    assert offered(resolver.answer("код 3000")) == [("gosms", "3000"), ("radist", "3000")]
    assert offered(resolver.answer("500")) == [("gupshup", "500"), ("radist", "500")]
    assert offered(resolver.answer("30")) == [("mobizon", "30"), ("notificore", "30")]


def test_a_bare_code_only_one_provider_has_is_answered_and_said(resolver: Resolver) -> None:
    answer = resolver.answer("17002")
    assert found(answer) == [("radist", "17002")]
    assert notes(answer) == [("only_provider", ("17002", "Radist.Online"))]


def test_a_provider_alone_opens_its_card(resolver: Resolver) -> None:
    for text in ("gosms", "нотификор", "Radist.Online", "ошибки mobizon"):
        answer = resolver.answer(text)
        assert answer.outcome is Outcome.PROVIDER, text
    assert resolver.answer("gupshup").provider.provider.slug == "gupshup"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("radist REQUEST_VALIDATION_ERROR", [("radist", "1")]),
        ("TELEGRAM_FLOOD_ERROR", [("radist", "17002")]),
        ("telegram_flood_error", [("radist", "17002")]),
        ("telegram flood error", [("radist", "17002")]),
        ("Request Validation Error", [("radist", "1")]),
        ("MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPTS", [("radist", "30005")]),
        ("MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS", [("radist", "30005")]),
    ],
)
def test_symbolic_names_in_any_form(resolver: Resolver, text: str, expected: list) -> None:
    answer = resolver.answer(text)
    assert answer.outcome is Outcome.FOUND
    assert found(answer) == expected


def test_words_find_the_entry_in_either_language(resolver: Resolver) -> None:
    stop_list = ("notificore", "api-2-0-sms-errors/all-numbers-are-in-the-stop-list")
    assert found(resolver.answer("notificore all numbers are in the stop list")) == [stop_list]
    assert found(resolver.answer("номер в стоп-листе")) == [stop_list]
    assert found(resolver.answer("все номера в стоп листе")) == [stop_list]


def test_a_word_shared_by_several_entries_offers_them_best_first(resolver: Resolver) -> None:
    answer = resolver.answer("amocrm")
    assert answer.outcome is Outcome.SEVERAL
    assert {slug for slug, _ in offered(answer)} == {"radist"}
    assert ("radist", "10005") in offered(answer)


def test_a_repeated_message_offers_each_section(resolver: Resolver) -> None:
    answer = resolver.answer("invalid phone number")
    keys = offered(answer)
    assert answer.outcome is Outcome.SEVERAL
    assert {("notificore", "21"), ("notificore", "41"), ("notificore", "61")} <= set(keys)


def test_a_word_search_within_one_provider(resolver: Resolver) -> None:
    answer = resolver.answer("gosms device_id")
    assert {slug for slug, _ in found(answer) + offered(answer)} == {"gosms"}


@pytest.mark.parametrize(
    ("text", "expected", "path", "value"),
    [
        (
            '{"error":"40","errorDescription":"Message not found"}',
            ("notificore", "40"),
            "error",
            "40",
        ),
        ('{"error": 40}', ("notificore", "40"), "error", "40"),
        (
            '{"error_code": 10005, "error_name": "CONNECTION_AMOCRM_UNKNOWN_ERROR", "detail": {}}',
            ("radist", "10005"),
            "error_code",
            "10005",
        ),
        (
            '{"errors": {"code": 2001, "message": "bad phone", "hash": "x"}}',
            ("gosms", "2001"),
            "errors.code",
            "2001",
        ),
        (
            '{"code": 1, "data": {"phone": "bad"}, "message": "validation"}',
            ("mobizon", "1"),
            "code",
            "1",
        ),
        (
            '{"app":"Demo","type":"message-event","payload":{"type":"failed",'
            '"payload":{"code":1002,"reason":"Number Does Not Exists On WhatsApp"}}}',
            ("gupshup", "1002"),
            "payload.code",
            "1002",
        ),
        (
            '2024-05-01 12:30:01 ERROR send failed: response={"errors":{"code":1004}} took 12ms',
            ("gosms", "1004"),
            "errors.code",
            "1004",
        ),
        ('{"error":"40","errorDescription":"Message not fou', ("notificore", "40"), "error", "40"),
        (
            "radist error_code=10005 error_name=CONNECTION_AMOCRM_UNKNOWN_ERROR",
            ("radist", "10005"),
            "error_code",
            "10005",
        ),
    ],
)
def test_a_pasted_response_or_log_line_is_recognised_and_said_so(
    resolver: Resolver, text: str, expected: tuple[str, str], path: str, value: str
) -> None:
    answer = resolver.answer(text)
    assert found(answer) == [expected]
    name = resolver.catalog.providers[expected[0]].provider.name
    assert notes(answer) == [("payload", (name, path, value))]
    assert answer.confident


def test_a_response_with_a_not_error_code(resolver: Resolver) -> None:
    answer = resolver.answer('{"code": 0, "data": {"campaignId": "1"}, "message": ""}')
    assert answer.outcome is Outcome.NOT_AN_ERROR
    assert found(answer) == [("mobizon", "0")]


@pytest.mark.parametrize(
    ("text", "provider", "typed"),
    [
        ("gosm 1004", "gosms", "gosm"),
        ("notifcore 35", "notificore", "notifcore"),
        ("гупшап 1002", "gupshup", "гупшап"),
        ("гупшуп 1002", "gupshup", None),
        ("радиста 17002", "radist", "радиста"),
        ("mobizone 1", "mobizon", "mobizone"),
    ],
)
def test_a_misspelt_provider_is_assumed_and_said(
    resolver: Resolver, text: str, provider: str, typed: str | None
) -> None:
    answer = resolver.answer(text)
    assert [slug for slug, _ in found(answer)] == [provider]
    name = resolver.catalog.providers[provider].provider.name
    assert notes(answer) == ([("assumed", (typed, name))] if typed else [])


@pytest.mark.parametrize("text", ["asdfghjkl", "qwerty uiop", "zzzz", "ывапролд", "xyzzy 1004"])
def test_nonsense_matches_nothing(resolver: Resolver, text: str) -> None:
    answer = resolver.answer(text)
    assert answer.outcome is Outcome.NOT_FOUND
    assert not answer.matches and not answer.candidates and not answer.query.providers


def test_a_word_like_a_provider_is_not_taken_for_one(resolver: Resolver) -> None:
    for text in ("notification 35", "mobile 12", "radio 1"):
        assert not resolver.answer(text).query.providers, text


def test_a_code_inside_a_range(resolver: Resolver) -> None:
    answer = resolver.answer("notificore 89")
    assert found(answer) == [("notificore", "88-89")]
    assert notes(answer) == [("range", ("89", "88-89"))]
    assert found(resolver.answer("notificore 88-89")) == [("notificore", "88-89")]


def test_a_code_the_provider_lacks_gets_nearest_codes(resolver: Resolver) -> None:
    answer = resolver.answer("gosms 1018")
    assert answer.outcome is Outcome.NOT_FOUND
    (missing,) = answer.missing
    assert missing.code == "1018" and missing.catalog.provider.slug == "gosms"
    assert missing.nearest == ("1017", "1016", "1015", "1014", "1013")
    assert resolver.answer("mobizon 7").missing[0].nearest[:2] == ("6", "8")
    assert resolver.answer("gupshup 1009").missing[0].nearest[:2] == ("1008", "1010")


def test_codes_the_sources_say_do_not_exist(resolver: Resolver) -> None:
    for text in ("radist 10003", "radist 22000", "mobizon 16", "gupshup 1009"):
        assert resolver.answer(text).outcome is Outcome.NOT_FOUND, text


def test_an_unknown_provider_is_said_with_the_known_ones(resolver: Resolver) -> None:
    for text, typed in (
        ("twilio 21211", "twilio"),
        ("gosms.cz 1004", "gosms.cz"),
        ("go sms pro 1004", "go sms pro"),
    ):
        answer = resolver.answer(text)
        assert answer.outcome is Outcome.NOT_FOUND
        assert notes(answer) == [("unknown_provider", (typed,))]
        assert answer.known == ("GoSMS", "Gupshup", "Mobizon", "Notificore", "Radist.Online")


def test_a_code_no_provider_has(resolver: Resolver) -> None:
    answer = resolver.answer("77777")
    assert answer.outcome is Outcome.NOT_FOUND
    assert [(m.code, m.catalog) for m in answer.missing] == [("77777", None)]


def test_codes_that_are_not_errors(resolver: Resolver) -> None:
    for text, key in (
        ("mobizon 0", ("mobizon", "0")),
        ("mobizon 100", ("mobizon", "100")),
        ("notificore 0", ("notificore", "0")),
    ):
        answer = resolver.answer(text)
        assert answer.outcome is Outcome.NOT_AN_ERROR, text
        assert found(answer) == [key]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "\n\t",
        "😀",
        "🔥🔥🔥",
        "<b>hi</b>",
        "<script>alert(1)</script>",
        "-5",
        "99999999999999999999999999",
        "9" * 5000,
        "{",
        '{"error": ',
        "{}" * 3000,
        "\x00\x01\x1b[31m",
        "gosms " + "1" * 4096,
        "[" * 3000,
        '{"a":' * 1000,
        "🙂" * 4096,
        "gosms -1004",
    ],
)
def test_bad_input_never_raises_and_gets_an_answer(resolver: Resolver, text: str) -> None:
    answer = resolver.answer(text)
    # None of these names a provider's code: the person gets help, a "not found" that says
    # what to try, or (a bare "1" in "alert(1)") the providers to pick from; in messages
    # Telegram takes.
    assert answer.outcome in (Outcome.HELP, Outcome.NOT_FOUND, Outcome.SEVERAL)
    messages = render(answer, "en")
    assert messages and all(0 < len(m.encode("utf-16-le")) // 2 <= 4096 for m in messages)


@pytest.mark.parametrize(
    "text",
    [
        "go\u200bsms 10\u200d04",  # zero-width space and joiner, as pasted from web pages
        "\ufeffgosms 1004",  # a byte order mark
        "gosms 10\u00ad04",  # a soft hyphen
        "\u202egosms 1004\u202c",  # a right-to-left override and its end
        "\u2066gosms\u2069 \u200e1004\u200f",  # isolates and direction marks
    ],
)
def test_invisible_characters_do_not_break_a_code(resolver: Resolver, text: str) -> None:
    assert found(resolver.answer(text)) == [("gosms", "1004")]


def test_empty_text_gets_help(resolver: Resolver) -> None:
    for text in ("", "  ", "😀", "?!", "hello there", "привет"):
        assert resolver.answer(text).outcome is Outcome.HELP


def test_negative_numbers_are_not_codes(resolver: Resolver) -> None:
    answer = resolver.answer("gosms -1004")
    assert answer.outcome is Outcome.NOT_FOUND and answer.missing[0].code == "-1004"


def test_dates_times_and_decimals_are_not_codes(resolver: Resolver) -> None:
    assert resolver.answer("2024-05-01 12:30 gosms 1004 v2 3.14").query.codes == (("1004", 23),)


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1111 gosms 1004",
        "карта 4111111111111111, gosms 1004",
        "gosms 1004, paid by 5500-0000-0000-0004",
        # A code right before the card was taken into it (found by a second attack).
        "gosms 1004 4111 1111 1111 1111",
        "gosms 1004 5500 0000 0000 0004",
        # Cards starting 8 or 9 (ПРОСТІР, Uzcard) were read back as codes (a third attack).
        "gosms ошибка 1004, карта 9804 1234 5678 9014",
        "gosms 1004 карта 9804123456789014",
    ],
)
def test_a_card_number_beside_a_code_is_no_code(resolver: Resolver, text: str) -> None:
    """A card's groups were read as codes: "GoSMS has no code 4111 ... 1111", its digits said
    back in a group (found by an attack)."""
    answer = resolver.answer(text)
    assert found(answer) == [("gosms", "1004")] and not answer.missing


@pytest.mark.parametrize(
    "text", ["radist24.ru", "https://radist24.com/help", "@mobizon3", "radist24.рф"]
)
def test_a_site_a_link_or_a_handle_holds_no_glued_code(resolver: Resolver, text: str) -> None:
    """ "radist24.ru" was "Radist.Online has no code 24" (found by a second attack)."""
    answer = resolver.answer(text)
    assert not answer.query.codes and not answer.missing and not answer.confident


def test_a_card_of_19_digits_leaves_no_group_for_a_code(resolver: Resolver) -> None:
    """Written 4-4-4-4-3, its first 16 digits passing the check too, its last 3 were a code
    ("no code -869": a fourth attack)."""
    answer = resolver.answer("gupshup 4001 9860 8057 2971 2150 951")
    assert found(answer) == [("gupshup", "4001")] and not answer.missing


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("notificore 21 2240 2067 9701 6879", ("notificore", "21")),
        ("mobizon 2 3452-7749-3257-3832", ("mobizon", "2")),
        ("gosms 2001 4786-5797-5432-3199", ("gosms", "2001")),
    ],
)
def test_a_code_before_a_card_is_never_taken_into_it(
    resolver: Resolver, text: str, code: tuple[str, str]
) -> None:
    """One card in ten makes a Luhn-valid number with the code before it: the code was lost
    and the card's last group said back as one (found by a third attack)."""
    answer = resolver.answer(text)
    assert found(answer) == [code] and not answer.missing


@pytest.mark.parametrize("text", ["gosms 4111111111111111", "gosms: 4111 1111 1111 1111"])
def test_a_card_alone_beside_a_provider_is_no_code_either(resolver: Resolver, text: str) -> None:
    """Read again as codes when nothing but the provider was left (found by a second attack):
    "GoSMS has no code 4111111111111111"."""
    answer = resolver.answer(text)
    assert not answer.query.codes and not answer.missing


def test_four_codes_in_a_row_are_not_taken_for_a_card(resolver: Resolver) -> None:
    codes = ["1001", "1002", "1003", "1006"]
    assert luhn([int(c) for c in "".join(codes)])  # they read as a card's number would
    for text in ("gosms " + " ".join(codes), f"gosms {' '.join(codes)} не проходят"):
        assert [code for code, _ in resolver.answer(text).query.codes] == codes, text


def test_a_group_chat_sentence_without_a_provider_is_not_confident(resolver: Resolver) -> None:
    for text in ("всем привет", "встреча в 1004 кабинете", "1004", "gosms 9999", "gosms"):
        assert not resolver.answer(text).confident, text


def test_the_same_question_gets_the_same_answer(resolver: Resolver) -> None:
    first = resolver.answer("gosms 1004")
    assert resolver.answer("gosms 1004") == first
    assert found(resolver.answer("GoSMS 1004")) == found(first)


def test_the_answers_remembered_are_bounded_and_the_same_once_forgotten(
    resolver: Resolver,
) -> None:
    # A bot running for weeks meets many different texts: it holds a bounded number of answers
    # (resolve.py says why 1,024), and an answer worked out again is the same answer.
    first = resolver.answer("gosms 1004")
    for number in range(1, 1300):
        resolver.answer(f"gosms {number}")
        assert len(resolver._answers) <= 1024
    assert resolver.answer("gosms 1004") is not first  # forgotten, and worked out again
    assert resolver.answer("gosms 1004") == first


# --- A number the provider lacks, in a question with words besides ---------------------------


def test_a_number_told_in_a_story_is_not_taken_for_a_missing_code(resolver: Resolver) -> None:
    for text in (
        "mobizon: imported 50 contacts and not a single one was added",
        "mobizon: sent 50 sms at once and none went out",
    ):
        answer = resolver.answer(text)
        assert [*found(answer), *offered(answer)][:1] == [("mobizon", "99")], text
        assert answer.missing == () and answer.searched
        assert not answer.confident  # a group's chatter with a number is not answered unasked


def test_a_number_standing_as_a_code_keeps_its_line_beside_the_entry_the_words_find(
    resolver: Resolver,
) -> None:
    answer = resolver.answer("gosms error #1018: no devices registered")
    assert found(answer) == [("gosms", "1004")]
    assert [(m.code, m.nearest[0]) for m in answer.missing] == [("1018", "1017")]
    assert not answer.confident


@pytest.mark.parametrize(
    "text",
    [
        "mobizon 50 messages",  # one word that finds no one entry: the code was meant
        "mobizon 50 blorfs zzqx",  # words no entry has
        "gosms 1018 asdfgh qwerty",
    ],
)
def test_a_missing_code_stays_when_the_words_find_nothing_of_their_own(
    resolver: Resolver, text: str
) -> None:
    answer = resolver.answer(text)
    assert answer.outcome is Outcome.NOT_FOUND
    assert found(answer) == [] and offered(answer) == []
    (missing,) = answer.missing
    assert missing.catalog is not None and missing.nearest


@pytest.mark.parametrize(
    ("text", "as_code"),
    [
        ("gosms 1018", True),
        ("1018 gosms", True),
        ("gosms error #1018: device", True),
        ("ошибка госмс код 1018", True),
        ("mobizon bulk delete of 50 messages", False),
        ("sent 50 messages through mobizon", False),
    ],
)
def test_a_number_stands_as_a_code_beside_the_provider_with_only_filler_between(
    resolver: Resolver, text: str, as_code: bool
) -> None:
    query = resolver.parser.parse(text)
    ((_, at),) = query.codes
    assert query.as_code(at) is as_code


# --- Phone numbers, dates, sums and field names told in a story --------------------------------

_TOLD = [
    ("gosms не принимает номер {}, пишет что номер неверный", "+38 (067) 123-45-67"),
    ("gosms не принимает номер {}, пишет что номер неверный", "067 123 45 67"),
    ("gosms won't take the number {} and says the phone number is invalid", "0671234567"),
    ("notificore не принимает номер {}, пишет что номер неверный", "+7 999 123 45 67"),
    ("mobizon rejects the number {} as invalid", "+1 (415) 555-26-71"),
    ("номер {} не проходить, notificore каже що номер невірний", "+380 67 123 45 67"),
    ("не принимает номер {}, пишет неверный номер получателя", "8 (912) 345-67-89"),
    ("mobizon не принимает номер {}, пишет что номер неверный", "8 912 345 67 89"),
    ("radist: номер {} не проходит, пишет неверный номер", "380671234567"),
    ("с {} не уходят смс, пишет что баланс закончился", "1 мая"),
    ("since {} mobizon says not enough money on balance", "March 5"),
    ("з {} gosms не надсилає, пристрій не зареєстровано", "12 січня 2024"),
    ("пополнили на {}, а mobizon всё равно пишет недостаточно средств", "500 рублей"),
    ("topped up {} but mobizon still says insufficient balance", "$50"),
    ("mobizon: поповнили на {}, а пише недостатньо коштів", "1 000 грн"),
]


@pytest.mark.parametrize(("story", "number"), _TOLD)
def test_a_phone_number_date_or_sum_in_a_story_gets_the_word_search_answer(
    resolver: Resolver, story: str, number: str
) -> None:
    # What the words find without the number: the number must change nothing of it.
    without = resolver.answer(story.format(""))
    answer = resolver.answer(story.format(number))
    assert answer.searched and answer.missing == ()
    assert (found(answer), offered(answer)) == (found(without), offered(without))
    assert [*found(answer), *offered(answer)], story  # the words do find something


def test_a_field_name_and_a_phone_number_in_a_story_get_the_entry_the_words_find(
    resolver: Resolver,
) -> None:
    text = "gosms не принимает номер +38 (067) 123-45-67, пишет что phone_number неверный"
    answer = resolver.answer(text)
    assert found(answer) == [("gosms", "2001")]
    assert answer.missing == () and "phone number" in answer.searched.lower()


def test_a_code_the_provider_lacks_beside_an_unknown_field_name_gets_the_words_answer(
    resolver: Resolver,
) -> None:
    answer = resolver.answer("gosms 1018: phone_number is invalid")
    assert found(answer) == [("gosms", "2001")]
    assert [m.code for m in answer.missing] == ["1018"]


@pytest.mark.parametrize(
    "text",
    [
        "radist error name OTHER",
        "Radist API returned error name OTHER on a message send, nothing in detail. What now?",
    ],
)
def test_a_one_word_name_in_capitals_is_the_name(resolver: Resolver, text: str) -> None:
    assert found(resolver.answer(text)) == [("radist", "99999")]


@pytest.mark.parametrize(
    "text",
    [
        "gupshup returns 401 UNAUTHORIZED on every request",  # HTTP's reason phrase
        "notificore says UNAUTHORIZED",
        "mobizon UNAUTHORIZED error",
        "нотификор пишет UNAUTHORIZED",
        "gosms shows OTHER error when sending, what to do?",
    ],
)
def test_a_word_in_capitals_is_a_name_only_beside_its_provider(
    resolver: Resolver, text: str
) -> None:
    assert resolver.parser.parse(text).names == ()
    assert all(slug != "radist" for slug, _ in found(resolver.answer(text))), text
    assert resolver.parser.parse("got OTHER in the report").names == ()  # no provider named


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("gosms 1004, 2001 2007", ["1004", "2001", "2007"]),
        ("mobizon 5 may mean what", ["5"]),
        ("gosms (1004) again", ["1004"]),
        ("mobizon 12 since May 5", ["12"]),
        ("gosms 2001 at 500 rub", ["2001"]),
        ("OTHER ERROR 1004 GOSMS", ["1004"]),  # shouted: capitals are no name
        # A month before the provider's name is no date with the code after it, nor is a day
        # past 31; a month before its day is English only.
        ("с марта нотификор 35 сыпется", ["35"]),
        ("в мае нотификор 35 сыпется", ["35"]),
        ("since may notificore 35 keeps coming", ["35"]),
        ("з березня notificore 35 постійно", ["35"]),
        ("у травні нотифікор 35", ["35"]),
        ("since june mobizon 12 shows up", ["12"]),
        ("notificore: may 35 be caused by a blocked number?", ["35"]),
        ("нотификор с марта 12 и 35", ["12", "35"]),
        # Codes listed, spaced as a phone's last digits are: a phone has seven with dashes only.
        ("mobizon 100 12 13", ["100", "12", "13"]),
        ("radist 400 10 11", ["400", "10", "11"]),
        # A month's own forms only: червоним is red, not June.
        ("notificore 35 червоним колом", ["35"]),
        ("notificore code 35 since 12 may 2024", ["35"]),  # an English date, day first
        # A provider and such a number alone, nothing else asked: the number is the code.
        ("gosms 2004 year", ["2004"]),
        ("gosms ошибка 2004 года", ["2004"]),
        ("notificore $35", ["35"]),
        ("mobizon 12 %", ["12"]),
        ("notificore error 35 eur", ["35"]),
        # A sum whose sign comes first, and counts of days, times, people, numbers: no codes
        # ("gosms 1004 $20" read "1004 $" as the sum and 20 as the code; "notificore 35 for 2
        # days" answered Notificore 2: an attack).
        ("gosms 1004 $20", ["1004"]),
        ("gosms 1004 €5 списали", ["1004"]),
        ("notificore 35 for 2 days", ["35"]),
        ("notificore 35 на 3 номера", ["35"]),
        ("mobizon ошибка 3 уже 3 раза", ["3"]),
        ("gosms 1004 третий день у 5 клиентов", ["1004"]),
        ("gosms 1004 3 дня подряд", ["1004"]),
        ("gosms 1004 2 hours ago", ["1004"]),
        ("gosms 2 days", ["2"]),  # a provider and the number alone: the code, as above
        # A ticket's, an order's, an account's number after its name (an attack); an error's
        # word glued to its code ("gosms ошибка1004" found nothing).
        ("gosms 1004 тикет 5512", ["1004"]),
        ("заказ №123456 gosms 1004", ["1004"]),
        ("gosms 1004, order #778812", ["1004"]),
        ("account #12345 gosms 1004", ["1004"]),
        # ...but a code before a count's word, or after a label's, with nothing that makes it
        # a count or a label's number, stays a code (a second attack: lost, or answered wrong).
        ("notificore 35 times in a row, then 1004", ["35", "1004"]),
        ("radist 400 номера не доходят", ["400"]),
        ("mobizon 2 раза подряд", ["2"]),
        ("radist 400 mins ago", ["400"]),
        ("radist 400 clients affected", ["400"]),
        ("gosms account 1004 blocked", ["1004"]),
        ("radist order 400 failed", ["400"]),
        ("gosms при отправке заказа 1004", ["1004"]),
        ("gosms счет 1004 не пополняется", ["1004"]),
        ("notificore заказ 35 не ушел", ["35"]),
        # A count with no word that makes it one, beside the code nearest the provider, and a
        # colon after a label's name (a fourth attack: Notificore 2 answered; 1004 lost).
        ("notificore 35 2 дня", ["35"]),
        ("mobizon 5 2 дня", ["5"]),
        ("notificore 35 already 3 times", ["35"]),
        ("notificore 35 за последние 2 дня", ["35"]),
        ("3 клиента жалуются, notificore 35", ["35"]),
        ("gosms при отправке заказа: 1004", ["1004"]),
        ("gosms account: 1004 and 1005", ["1004", "1005"]),
        ("gosms ошибка1004", ["1004"]),
        ("notificore error35", ["35"]),
        # Codes with slashes between (the provider's card was the answer: an attack); a date's
        # slashes stay no codes.
        ("gosms 1004/1005", ["1004", "1005"]),
        ("radist 400/500/503", ["400", "500", "503"]),
        ("gosms 1004 с 2024/05/10", ["1004"]),
        # ...but not numbers of two digits: a ratio of messages as often as two codes, and
        # Notificore's codes are dense enough for a ratio to read as two ("notificore 30/35
        # сообщений не доставлено": its cards for 30 and 35, in a fifth attack's mending).
        ("notificore 30/35 сообщений не доставлено", []),
        ("notificore 35 звонил 345/67/89", ["35"]),
        ("gosms 1004 с 10/04", ["1004"]),
    ],
)
def test_codes_beside_dates_and_sums_are_still_read(
    resolver: Resolver, text: str, codes: list[str]
) -> None:
    query = resolver.parser.parse(text)
    assert [code for code, _ in query.codes] == codes and query.names == ()
