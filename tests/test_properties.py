"""Whatever text arrives, the core answers: never an exception, never an oversized message."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.markup import HTML, TEXT
from bot.core.render import render
from bot.core.resolve import Resolver
from tests.support.markup import check_html

WORDS = [
    "gosms",
    "notificore",
    "radist",
    "mobizon",
    "gupshup",
    "гупшап",
    "ошибка",
    "code",
    "1004",
    "89",
    "0",
    "-1",
    "88-89",
    "REQUEST_VALIDATION_ERROR",
    '{"error":',
    '"40"',
    "}",
    "stop",
    "list",
    "номер",
    "<b>",
    "&",
    "#",
    ":",
    "😀",
    "\n",
]

relaxed = settings(
    max_examples=300,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def answer_everything(resolver: Resolver, text: str) -> None:
    answer = resolver.answer(text)
    for lang in ("ru", "en"):
        for message in render(answer, lang, HTML):
            assert 0 < len(message.encode("utf-16-le")) // 2 <= 4096
            check_html(message)
        assert render(answer, lang, TEXT, buttons=False)


@relaxed
@given(st.text(max_size=4200))
def test_any_text(resolver: Resolver, text: str) -> None:
    answer_everything(resolver, text)


@relaxed
@given(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join))
def test_any_mix_of_the_words_people_use(resolver: Resolver, text: str) -> None:
    answer_everything(resolver, text)


@relaxed
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=20),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "error",
                        "code",
                        "errors",
                        "error_code",
                        "payload",
                        "error_name",
                        "data",
                        "message",
                    ]
                ),
                children,
                max_size=4,
            )
        ),
        max_leaves=20,
    )
)
def test_any_json_response(resolver: Resolver, document: object) -> None:
    import json

    text = json.dumps(document, ensure_ascii=False)
    answer_everything(resolver, text)
    answer_everything(resolver, text[: len(text) // 2])
