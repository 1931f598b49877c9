"""The word search: Ukrainian, synonyms, phrases the keepers taught, and what it must not find."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.core.answer import Answer, Outcome
from bot.core.catalog import Catalog, ProviderCatalog
from bot.core.catalog_files import parse_catalog
from bot.core.resolve import Resolver
from bot.core.search import Searcher
from bot.core.text import phrase_key
from bot.core.words import stem_uk, stems, synonym_groups, words

ROOT = Path(__file__).resolve().parents[1]
STOP_LIST = ("notificore", "api-2-0-sms-errors/all-numbers-are-in-the-stop-list")
CAMPAIGN_STATUS = ("notificore", "api-2-0-sms-errors/invalid-campaign-status")


def ranked(answer: Answer) -> list[tuple[str, str]]:
    return [(m.slug, m.entry.key) for m in (*answer.matches, *answer.candidates)]


@pytest.fixture(scope="session")
def searcher(resolver: Resolver) -> Searcher:
    return resolver.searcher


# --- Ukrainian ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "forms",
    [
        ["ліміт", "ліміту", "ліміти", "лімітів", "лімітом"],
        ["повідомлення", "повідомлень", "повідомленням", "повідомленнями"],
        ["пристрій", "пристрою", "пристрої", "пристроїв", "пристроях"],
        ["відправник", "відправника", "відправником", "відправники"],
        ["зареєстровано", "зареєстрований", "зареєстрованого"],
        ["кошти", "коштів", "коштами"],
        # A verb's persons and its past (he, they): what people say happened.
        ["надіслав", "надіслала", "надіслали"],
        ["відписався", "відписалася", "відписалися"],
        ["блокуємо", "блокуєте", "блокує"],
        ["отримуємо", "отримуєте", "отримує"],
        # Its infinitive and the past in -ули: what people say they tried, and what was done.
        ["надіслати", "надіслав", "надіслали"],
        ["видалити", "видалено", "видалили"],
        ["вимкнути", "вимкнули", "вимкнула", "вимкнено"],
        ["підключити", "підключитися", "підключив"],
        # A noun's genitive that looks like an infinitive stays the noun's.
        ["оплати", "оплата", "оплату"],
    ],
)
def test_the_forms_of_a_ukrainian_word_meet(forms: list[str]) -> None:
    assert len({stem_uk(form) for form in forms}) == 1, [stem_uk(form) for form in forms]


def test_a_ukrainian_stem_keeps_three_letters_and_short_words_stay() -> None:
    for word in ("коди", "ключ", "збій", "апі", "та", "ліміти", "ями", "юю"):
        stemmed = stem_uk(word)
        assert word.startswith(stemmed)
        assert len(stemmed) >= min(3, len(word)), (word, stemmed)


def test_each_language_goes_to_its_stemmer() -> None:
    assert stems("limits") == ("limit",)
    assert stems("лімітів") == ("ліміт",)  # і: Ukrainian only
    assert stems("лимиты") == ("лимит",)  # ы: Russian only
    assert len(stems("вичерпано")) == 2  # either language's: both stems, the Russian first
    assert stems("номера") == ("номер",)  # where both agree, once


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ліміт повідомлень вичерпано", ("gosms", "1006")),
        ("немає зареєстрованих пристроїв", ("gosms", "1004")),
        ("забагато запитів на секунду", ("radist", "429")),
        ("номер одержувача не зареєстровано у вотсапі", ("gupshup", "1002")),
        ("нотифікор: недостатньо коштів", ("notificore", "8")),
    ],
)
def test_ukrainian_questions_find_ukrainian_worded_entries(
    resolver: Resolver, text: str, expected: tuple[str, str]
) -> None:
    assert ranked(resolver.answer(text))[:1] == [expected]


def test_ukrainian_texts_are_indexed_as_said(searcher: Searcher, catalog: Catalog) -> None:
    entry = catalog.providers["radist"].find("22011")
    assert entry is not None
    hits = searcher.search(entry.title.uk)
    assert hits[0].entry is entry and hits[0].exact


# --- Synonyms -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my sms quota is used up", ("gosms", "1006")),  # the catalog says limit
        ("viber sender not approved", ("notificore", "45")),  # ... registered
        ("имя отправителя для вайбера не одобрили", ("notificore", "45")),
        ("вайбер відправник не схвалений", ("notificore", "45")),
        ("ran out of money on notificore", ("notificore", "8")),  # ... funds, balance
        ("bitrix24 crashed", ("radist", "19000")),  # ... unknown error
        ("битрикс24 упал", ("radist", "19000")),
        ("бітрікс24 зламався", ("radist", "19000")),
        # A situation described rather than the catalog's words.
        ("gosms: the API is switched off", ("gosms", "1002")),  # ... not active
        ("госмс: апи выключено", ("gosms", "1002")),  # ... неактивен
        ("gosms: апі вимкнули", ("gosms", "1002")),
        ("every recipient is blocked", STOP_LIST),  # all numbers are in the stop list
        ("все получатели заблокированы", STOP_LIST),
        ("усі отримувачі заблоковані", STOP_LIST),
        ("notificore: на счету закончились деньги", ("notificore", "8")),  # ran out: not enough
        ("мобізон: шлемо забагато запитів", ("mobizon", "30")),  # ... too often: a rate limit
        ("gupshup: the video is too big", ("gupshup", "1011")),  # media size
        ("гупшап: текст сообщения не совпадает с шаблоном", ("gupshup", "4003")),  # соответствует
        # (with "текст" too, 1007 comes first: its people say "і текст не за шаблоном")
        ("гупшап: повідомлення не збігається з шаблоном", ("gupshup", "4003")),
        ("нотификор: имя отправителя для вайбера еще не согласовали", ("notificore", "45")),
        ("нотификор: кампания уже завершена, изменить нельзя", CAMPAIGN_STATUS),  # рассылка
        ("notificore: cannot change a mailing that is over", CAMPAIGN_STATUS),  # campaign
        ("телеграм блокирует номер", ("radist", "17011")),  # ... banned, blocks and blocked
        ("телеграм блокує наш номер", ("radist", "17011")),
        ("gupshup: відео завелике", ("gupshup", "1011")),
    ],
)
def test_a_synonym_finds_what_the_catalog_says_with_another_word(
    resolver: Resolver, text: str, expected: tuple[str, str]
) -> None:
    assert ranked(resolver.answer(text))[:1] == [expected]


def test_a_phrase_is_found_when_one_of_its_words_was_typed_before(resolver: Resolver) -> None:
    # "out" comes twice: counted once, but "ran out" still stands in the question.
    answer = resolver.answer("notificore: sms went out fine until we ran out of money")
    assert answer.outcome is Outcome.FOUND
    assert ranked(answer) == [("notificore", "8")]


def test_a_synonym_counts_less_than_the_word_itself(searcher: Searcher) -> None:
    said = searcher.search("gosms sms limit", "gosms")[0]
    synonym = searcher.search("gosms sms quota", "gosms")[0]
    assert said.entry is synonym.entry
    assert said.entry.code == "1006"
    assert synonym.score < said.score


def test_a_word_the_synonyms_know_is_not_taken_for_a_misspelling(searcher: Searcher) -> None:
    # выключено (switched off) is one letter from включено (switched on), which the index has.
    found = {hit.entry.code for hit in searcher.search("выключено", "gosms")}
    assert "1002" in found  # неактивен, through the synonyms
    assert "1005" not in found  # экземпляру API не включено право отправлять SMS


def catalog_terms(catalog: Catalog) -> set[str]:
    """Every stem of every word the search reads in the catalog: the entries' names, aliases,
    titles, original wording, sections, descriptions and steps, and the providers' own."""
    texts: list[str] = []
    for pc in catalog:
        texts += [pc.provider.about.ru, pc.provider.about.en, pc.provider.about.uk]
        for entry in pc.entries:
            texts += [" ".join((n or "").split("_")) for n in (entry.name, *entry.aliases)]
            texts += [entry.original, *(step for s in entry.steps for step in (s.ru, s.en, s.uk))]
            for said in (entry.title, entry.section, entry.description):
                texts += [said.ru, said.en, said.uk] if said else []
    return {term for text in texts for word in words(text) for term in stems(word)}


def test_every_synonym_is_a_meaningful_word_and_every_group_reaches_the_catalog(
    catalog: Catalog,
) -> None:
    data = yaml.safe_load((ROOT / "bot" / "core" / "synonyms.yaml").read_text(encoding="utf-8"))
    for name, members in data["groups"].items():
        assert len(members) >= 2, name
        for member in members:
            # A filler word inside a member (in, no, the) would be dropped and the rest
            # would trigger on its own.
            assert len(words(member)) == len(str(member).replace("-", " ").split()), member
    assert len(synonym_groups()) == len(data["groups"])
    said = catalog_terms(catalog)
    for group in synonym_groups():
        assert any(
            all(alternatives[0] in said for alternatives in member)
            or (len(member) == 1 and any(term in said for term in member[0]))
            for member in group
        ), group


# --- How people ask (an entry's asked) ---------------------------------------------------------

ASKED = """\
provider:
  slug: acme
  name: Acme
  about: {ru: Шлюз, en: Gateway, uk: Шлюз}
errors:
  - code: "1"
    title: {ru: Квота исчерпана, en: Quota exhausted, uk: Квоту вичерпано}
    description: {ru: Квота исчерпана., en: The quota is used., uk: Квоту вичерпано.}
    steps: [{ru: Подождите, en: Wait, uk: Зачекайте}]
    original: "quota exhausted"
  - code: "2"
    title: {ru: Устройство не отвечает, en: Device not responding, uk: Пристрій не відповідає}
    description: {ru: Устройство не на связи., en: The device is offline., uk: Пристрій офлайн.}
    steps: [{ru: Проверьте устройство, en: Check the device, uk: Перевірте пристрій}]
    original: "device timeout"
    asked:
      ru: ["телефон разрядился, и смски встали"]
      en: ["the phone's battery died and texts stopped", "hit some quota on the phone?"]
      uk: ["телефон розрядився, смс не йдуть"]
"""


@pytest.fixture(scope="module")
def asked_searcher() -> Searcher:
    data, problems = parse_catalog(ASKED, "acme.yaml")
    assert data is not None, problems
    return Searcher(Catalog([ProviderCatalog.build(data)]))


@pytest.mark.parametrize(
    "text",
    [
        "battery died",  # words only the phrasings say
        "батарея разрядилась",  # another form of the word
        "уже розрядився",
        "battary died",  # a misspelling meets the phrasings' spelling
    ],
)
def test_how_people_ask_finds_an_entry_its_texts_do_not_word_so(
    asked_searcher: Searcher, text: str
) -> None:
    assert [hit.entry.code for hit in asked_searcher.search(text)][:1] == ["2"]


def test_a_word_people_use_counts_less_than_the_catalogs_own(asked_searcher: Searcher) -> None:
    # quota: the title of 1, one of the phrasings of 2.
    hits = asked_searcher.search("quota")
    assert [hit.entry.code for hit in hits] == ["1", "2"]
    assert hits[1].score < hits[0].score / 2


# --- Phrases the keepers taught -----------------------------------------------------------------


def test_phrase_key_is_the_folded_words() -> None:
    assert phrase_key("  Не приходят СМС с телефона!!! ") == "не приходят смс с телефона"
    assert phrase_key("gosms: device_id?") == "gosms device id"
    assert phrase_key("зв’язок\u200b втрачено") == "звязок втрачено"
    assert phrase_key("Ёлка, 1004.") == "елка 1004"
    assert phrase_key("?!") == ""
    key = phrase_key("Bitrix24 — integration crashed")
    assert phrase_key(key) == key == "bitrix24 integration crashed"


def test_a_taught_phrase_wins_over_the_search(resolver: Resolver) -> None:
    text = "invalid phone number"
    untaught = resolver.answer(text)
    assert untaught.outcome is Outcome.SEVERAL
    assert ranked(untaught)[0] != ("gosms", "2001")

    taught = resolver.with_taught({phrase_key(text): [("gosms", "2001")]})
    answer = taught.answer("Invalid phone number!")
    assert answer.outcome is Outcome.FOUND
    assert ranked(answer) == [("gosms", "2001")]
    # Other questions are answered as before.
    assert ranked(taught.answer("gosms 1004")) == [("gosms", "1004")]
    searched = resolver.answer("invalid phone")
    assert ranked(taught.answer("invalid phone")) == ranked(searched)


def test_a_phrase_taught_several_entries_offers_them_in_order(resolver: Resolver) -> None:
    refs = [("radist", "17001"), ("radist", "17005")]
    taught = resolver.with_taught({"телеграм код протух": refs})
    answer = taught.answer("Телеграм: код протух")
    assert answer.outcome is Outcome.SEVERAL
    assert ranked(answer) == refs


def test_a_taught_phrase_whose_entries_are_gone_falls_back_to_the_search(
    resolver: Resolver,
) -> None:
    text = "все номера в стоп листе"
    searched = ranked(resolver.answer(text))
    taught = resolver.with_taught({text: [("gosms", "99999"), ("nobody", "1")]})
    assert ranked(taught.answer(text)) == searched
    assert searched


# --- What must not be found ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["asdfghjkl", "qwerty uiop", "ывапролд", "щзщзщз шщгн", "їїїї ґґґ", "blorptastic frobnicator"],
)
def test_nonsense_still_finds_nothing(resolver: Resolver, searcher: Searcher, text: str) -> None:
    assert searcher.search(text) == []
    answer = resolver.answer(text)
    assert answer.outcome is Outcome.NOT_FOUND
    assert not answer.matches and not answer.candidates


def test_pronouns_and_the_words_that_frame_a_situation_are_filler(resolver: Resolver) -> None:
    assert words("хотим через свой кабинет") == ["кабинет"]
    assert words("намагаюся через свій кабінет") == ["кабінет"]
    assert words("I think they want it") == []
    # Otherwise they count as words the entry fails to say.
    text = "I think they blocked our mobizon account because of something we sent"
    assert ranked(resolver.answer(text))[:1] == [("mobizon", "14")]


def test_the_provider_named_counts_as_a_word_its_entries_say(searcher: Searcher) -> None:
    # Only "картинку" (a picture) of the four words is in Gupshup's entries: too little among
    # all providers, enough to be offered among Gupshup's.
    text = "передали картинку з підписом у запиті"
    offered = searcher.search(text, "gupshup")
    assert "1010" in {hit.entry.code for hit in offered}  # the media could not be fetched
    assert all(hit.coverage < 0.34 for hit in offered)
    assert all(hit.catalog.provider.slug != "gupshup" for hit in searcher.search(text))


def test_filler_alone_finds_nothing(searcher: Searcher) -> None:
    for text in ("what does it mean", "что это значит", "що це означає", "no on"):
        assert searcher.search(text) == [], text


# --- The benchmark's questions ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "bench").glob("symptoms*.yaml")))
def test_the_benchmark_asks_without_codes_about_entries_that_exist(
    resolver: Resolver, catalog: Catalog, name: str
) -> None:
    path = ROOT / "bench" / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    asked = [(lang, *item) for lang, items in data.items() for item in items]
    assert len(asked) >= 30
    assert {lang for lang, *_ in asked} == {"ru", "en", "uk"}
    for _, text, slug, key in asked:
        entries = {entry.key: entry for entry in catalog.providers[slug].entries}
        assert str(key) in entries, (text, slug, key)
        entry = entries[str(key)]
        # A question may hold a number ("50 messages"), but never the answer's code or name.
        query = resolver.parser.parse(text)
        assert entry.code not in {code for code, _ in query.codes}, text
        assert not set(query.names) & {entry.name, *entry.aliases} - {None}, text


def test_words_asked_side_by_side_lift_the_entry_saying_them_side_by_side() -> None:
    from array import array

    from bot.core.pairs import Pairs
    from bot.core.scoring import BIGRAM, WEIGHTS

    rows = array(
        "Q", [Pairs.row("templat", "switch", 0, "asked"), Pairs.row("switch", "off", 1, "title")]
    )
    pairs = Pairs(rows)
    scores = {0: 1.0, 1: 1.0, 2: 1.0}
    typed = [("templat",), ("switch",), ("off",)]
    pairs.add_to(scores, typed, {"templat": 2.0, "switch": 3.0, "off": 4.0})
    assert scores[0] == pytest.approx(1.0 + BIGRAM * 2.0 * WEIGHTS["asked"])
    assert scores[1] == pytest.approx(1.0 + BIGRAM * 3.0 * WEIGHTS["title"])
    assert scores[2] == 1.0  # says neither pair
    unscored: dict[int, float] = {}
    pairs.add_to(unscored, typed, {})
    assert unscored == {}  # an entry the words did not find is not found by a pair alone


@pytest.mark.parametrize(
    ("text", "slug", "key"),
    [
        ("telegram asks for a 2fa password to connect the account", "radist", "17003"),
        (
            "Looking up tariff prices per mobile operator via notificore API 2.0, one operator id "
            "comes back as not found",
            "notificore",
            "api-2-0-tariff-errors/operator-not-found",
        ),
    ],
)
def test_words_said_side_by_side_decide_between_entries_that_share_them(
    resolver: Resolver, text: str, slug: str, key: str
) -> None:
    # The words find several entries; the intended one says two of them side by side, as asked
    # ("2fa password", "not found"): without the pairs' bonus (BIGRAM = 0) another comes first.
    answer = resolver.answer(text)
    first = (answer.matches or answer.candidates)[0]
    assert (first.slug, first.entry.key) == (slug, key)
