"""A number and its noun agree: "1 ошибка", "92 помилки", "5 errors", wherever the bot counts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.analytics.chart import chart_heading
from bot.analytics.reports import Report
from bot.core.answer import Answer, Dropped, Outcome
from bot.core.catalog import Catalog
from bot.core.i18n import LANGUAGES, Lang, counted, plural, strings, t
from bot.core.library import Reload
from bot.core.markup import TEXT
from bot.core.query import MAX_CODES, Query
from bot.core.render import providers_paragraphs, render
from bot.telegram.handlers.admin import reload_lines

NUMBERS = (0, 1, 2, 5, 11, 21, 22, 25, 92, 101)
# The category each number asks for: CLDR's integer rule for ru and uk, one/other for en.
SLAVIC = {0: "many", 1: "one", 2: "few", 5: "many", 11: "many", 21: "one", 22: "few"}
SLAVIC |= {25: "many", 92: "few", 101: "one", 12: "many", 14: "many", 111: "many", 1004: "few"}
CATEGORIES = {"ru": ("one", "few", "many"), "uk": ("one", "few", "many"), "en": ("one", "other")}


@pytest.mark.parametrize(("n", "category"), sorted(SLAVIC.items()))
def test_russian_and_ukrainian_share_one_rule(n: int, category: str) -> None:
    assert plural(n, "ru") == plural(n, "uk") == category


@pytest.mark.parametrize("n", NUMBERS)
def test_english_has_one_and_other(n: int) -> None:
    assert plural(n, "en") == ("one" if n == 1 else "other")


def counted_keys() -> list[str]:
    """Every string that gives forms by number in some language."""
    return [
        key
        for key, value in strings().items()
        if isinstance(value, dict) and any(isinstance(value.get(lang), dict) for lang in LANGUAGES)
    ]


def test_the_counted_strings_are_found() -> None:
    assert {"n_errors", "n_people", "n_days", "note_dropped"} <= set(counted_keys())


@pytest.mark.parametrize("key", counted_keys())
def test_every_counted_string_has_each_form_its_language_needs(key: str) -> None:
    for lang in LANGUAGES:
        value = strings()[key][lang]
        if isinstance(value, dict):
            assert tuple(value) == CATEGORIES[lang], (key, lang)
        forms = value.values() if isinstance(value, dict) else [value]
        assert all("{n}" in form for form in forms), (key, lang)


@pytest.mark.parametrize("key", counted_keys())
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("n", NUMBERS)
def test_each_counted_string_takes_the_form_of_its_number(key: str, lang: Lang, n: int) -> None:
    value = strings()[key][lang]
    form = value[plural(n, lang)] if isinstance(value, dict) else value
    text = counted(key, lang, n, limit="LIMIT")
    assert text == form.format(n=n, limit="LIMIT") and str(n) in text


@pytest.mark.parametrize(
    ("lang", "n", "said"),
    [
        ("ru", 1, "1 ошибка"), ("ru", 2, "2 ошибки"), ("ru", 5, "5 ошибок"),
        ("ru", 11, "11 ошибок"), ("ru", 21, "21 ошибка"), ("ru", 22, "22 ошибки"),
        ("ru", 25, "25 ошибок"), ("ru", 92, "92 ошибки"), ("ru", 101, "101 ошибка"),
        ("uk", 1, "1 помилка"), ("uk", 2, "2 помилки"), ("uk", 5, "5 помилок"),
        ("uk", 11, "11 помилок"), ("uk", 21, "21 помилка"), ("uk", 22, "22 помилки"),
        ("uk", 25, "25 помилок"), ("uk", 92, "92 помилки"), ("uk", 101, "101 помилка"),
        ("en", 1, "1 error"), ("en", 0, "0 errors"), ("en", 92, "92 errors"),
        ("ru", 2, "2 раза"), ("uk", 22, "22 рази"), ("uk", 5, "5 разів"), ("en", 1, "1 time"),
    ],
)  # fmt: skip
def test_the_nouns_agree(lang: Lang, n: int, said: str) -> None:
    noun = "n_times" if said.split()[1] in ("раза", "рази", "разів", "time") else "n_errors"
    assert counted(noun, lang, n) == said


def test_providers_list_says_92_errors_in_each_language(catalog: Catalog) -> None:
    # Notificore's catalog holds 92 entries; "92 ошибок" was the fault.
    assert len(catalog.providers["notificore"].entries) == 92
    said = {lang: providers_paragraphs(catalog, lang, TEXT)[0] for lang in LANGUAGES}
    assert "— 92 ошибки —" in said["ru"] and "— 92 помилки —" in said["uk"]
    assert "— 92 errors —" in said["en"]


def test_the_chart_heading_agrees() -> None:
    report = replace(Report.empty(1), total=22, not_found=3)
    assert chart_heading(report, "ru") == "Codebook за 1 дн.: 22 запроса, не найдено 3"
    assert chart_heading(report, "uk") == "Codebook за 1 дн.: 22 запити, не знайдено 3"
    assert chart_heading(report, "en") == "Codebook, 1 day: 22 lookups, 3 not found"
    report = replace(Report.empty(30), total=21, not_found=0)
    assert chart_heading(report, "uk") == "Codebook за 30 дн.: 21 запит, не знайдено 0"


def test_dropped_codes_are_counted_with_their_noun() -> None:
    def said(count: int, lang: Lang) -> str:
        answer = Answer(query=Query(text="x"), outcome=Outcome.NOT_FOUND, notes=(Dropped(count),))
        return render(answer, lang, TEXT)[0].splitlines()[0]

    assert MAX_CODES == 5
    assert said(1, "ru").startswith(
        "Отвечаю на первые 5 кодов; ещё 1 код пропущен — спросите о нём"
    )
    assert "ещё 3 кода пропущены" in said(3, "ru")
    assert "ще 1 код пропущено — запитайте про нього" in said(1, "uk")
    assert "ще 22 коди пропущено" in said(22, "uk")
    assert said(1, "en").startswith("Answering the first 5 codes; 1 more left out: ask about it")


def test_a_reload_counts_providers_and_errors() -> None:
    result = Reload(before={"gosms": 28}, after={"gosms": 28, "acme": 1}, problems=[])
    assert reload_lines(result, "ru")[:2] == [
        "Каталоги перечитаны: 2 провайдера, 29 ошибок.",
        "Было: 1 провайдер, 28 ошибок.",
    ]
    assert reload_lines(result, "uk")[0] == "Каталоги перечитано: 2 провайдери, 29 помилок."
    assert reload_lines(result, "en")[1] == "Before: 1 provider, 28 errors."


def test_the_top_line_counts_times_and_people() -> None:
    line = t("stats_top_line", "ru")
    assert "{times}" in line and "{people}" in line
    assert counted("n_people", "en", 1) == "1 person"
    assert counted("n_people", "ru", 21) == "21 чел."
