"""`check` holds the words to the house rules: Ukrainian's apostrophe is ʼ, and one thing has
one term in each language (bot/glossary.yaml), in the catalogs and the interface's strings."""

from __future__ import annotations

from pathlib import Path

import pytest

import bot.core.catalog_files
from bot.core.catalog import Catalog
from bot.core.catalog_files import check_catalogs
from bot.core.resolve import Resolver
from bot.core.wording import file_texts, findings, glossary, interface_files, parse_glossary

ROOT = Path(__file__).resolve().parents[1]

ENTRY = """\
provider:
  slug: acme
  name: Acme
  about: {{ru: Шлюз, en: Gateway, uk: Шлюз}}
errors:
  - code: "7"
    title: {{ru: Ошибка, en: "Doesn't work", uk: "{title}"}}
    description: {{ru: Описание, en: Description, uk: Опис}}
    steps:
      - {{ru: "Проверьте {step_ru}", en: Check it, uk: "{step}"}}
    original: "Original"
"""


def catalog_text(title: str = "Помилка", step: str = "Перевірте", step_ru: str = "это") -> str:
    return ENTRY.format(title=title, step=step, step_ru=step_ru)


def said(text: str, stem: str = "acme") -> list[str]:
    return [f"{line}: {what}" for line, what in findings(text, stem)]


@pytest.mark.parametrize(
    ("char", "code"),
    [("'", "0027"), ("’", "2019"), ("`", "0060"), ("´", "00B4"), ("‘", "2018")],
)
def test_a_ukrainian_word_with_another_apostrophe_is_named(char: str, code: str) -> None:
    text = catalog_text(title=f"Немає зв{char}язку", step=f"Прив{char}яжіть обліковий запис")
    assert said(text) == [
        f'7: uk: "зв{char}язку": the apostrophe is ʼ (U+02BC), not {char} (U+{code})',
        f'10: uk: "прив{char}яжіть": the apostrophe is ʼ (U+02BC), not {char} (U+{code})'.replace(
            "прив", "Прив"
        ),
    ]


def test_the_ukrainian_apostrophe_and_other_languages_pass() -> None:
    # ʼ in Ukrainian; "Doesn't" in English; a quote that is no apostrophe ('ok') in Ukrainian.
    assert said(catalog_text(title="Немає звʼязку", step="Натисніть 'ok'")) == []


def test_a_variant_the_glossary_refuses_is_named_with_the_term_to_use() -> None:
    text = catalog_text(title="Інстанс не оплачено", step="Оплатіть інстансу API-ключ")
    assert said(text) == [
        '7: uk: "Інстанс": the glossary says "екземпляр"',
        '10: uk: "інстансу": the glossary says "екземпляр"',
        '10: uk: "API-ключ": the glossary says "ключ API"',
    ]
    assert said(catalog_text(step_ru="инстанс")) == [
        '10: ru: "инстанс": the glossary says "экземпляр"'
    ]


def test_a_variant_is_a_whole_word() -> None:
    # "запитання" holds "питання"; "вибір" (a choice) is not "виберіть".
    assert said(catalog_text(title="Запитання без відповіді", step="Зробіть вибір")) == []


def test_an_exception_keeps_a_variant_in_its_place_only() -> None:
    terms = parse_glossary(
        "uk:\n  - use: екземпляр\n    refuse: [інстанс*]\n    why: one term\n"
        "    except: {acme 7: the provider's own word}\n"
    )
    text = catalog_text(title="Інстанс")
    assert list(findings(text, "acme", terms)) == []
    assert list(findings(text, "other", terms)) == [
        (7, 'uk: "Інстанс": the glossary says "екземпляр"')
    ]


def test_a_glossary_term_needs_its_reason() -> None:
    with pytest.raises(ValueError, match="needs use, refuse and why"):
        parse_glossary("uk:\n  - use: екземпляр\n    refuse: [інстанс*]\n")
    with pytest.raises(ValueError, match="'de' is not one of"):
        parse_glossary("de:\n  - {use: Instanz, refuse: [Instance], why: x}\n")


def test_check_names_file_and_line_in_catalogs_and_interface_strings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogs = tmp_path / "catalogs"
    catalogs.mkdir()
    (catalogs / "acme.yaml").write_text(catalog_text(title="Оберіть інстанс"), encoding="utf-8")
    strings = tmp_path / "strings.yaml"
    strings.write_text('teach_usage:\n  ru: "вопрос"\n  uk: "<питання> з\'явилося"\n')
    monkeypatch.setattr(bot.core.catalog_files, "interface_files", lambda: (strings,))
    catalog, problems = check_catalogs(catalogs)
    assert catalog is None
    assert [str(p) for p in problems] == [
        f'{catalogs / "acme.yaml"}:7: uk: "інстанс": the glossary says "екземпляр"',
        f"{strings}:3: uk: \"з'явилося\": the apostrophe is ʼ (U+02BC), not ' (U+0027)",
        f'{strings}:3: uk: "питання": the glossary says "запитання"',
    ]


def test_every_counted_form_is_a_text_of_its_language() -> None:
    text = 'n_errors:\n  ru: {one: "{n} ошибка", many: "{n} ошибок"}\n  uk: {one: "{n} інстанс"}\n'
    places = [(s.line, s.place, s.lang, s.text) for s in file_texts(text, "strings")]
    assert places == [
        (2, "strings n_errors", "ru", "{n} ошибка"),
        (2, "strings n_errors", "ru", "{n} ошибок"),
        (3, "strings n_errors", "uk", "{n} інстанс"),
    ]


def test_each_exception_names_a_place_that_still_needs_it() -> None:
    files = [*sorted((ROOT / "catalogs").glob("*.yaml")), *interface_files()]
    texts = [said for path in files for said in file_texts(path.read_text(), path.stem)]
    for term in glossary():
        for place in term.exceptions:
            here = [s for s in texts if s.place == place and s.lang == term.lang]
            assert any(term.variants.search(s.text) for s in here), (term.use, place)


def test_each_term_in_use_is_not_a_variant_it_refuses() -> None:
    for term in glossary():
        assert not term.variants.search(term.use), term.use


# --- What people type: ' ’ ‘ ` ´ for ʼ --------------------------------------------------------


@pytest.mark.parametrize("char", ["'", "’", "‘", "`", "´"])
def test_a_ukrainian_question_finds_the_entry_whatever_apostrophe_is_typed(
    resolver: Resolver, char: str
) -> None:
    def ranked(text: str) -> list[tuple[str, str]]:
        answer = resolver.answer(text)
        return [(m.slug, m.entry.key) for m in (*answer.matches, *answer.candidates)]

    entry = resolver.catalog.providers["radist"].find("13005")
    assert entry is not None and "привʼязано" in entry.title.uk
    asked = "інтеграцію привʼязано до іншої компанії"
    assert ranked(asked) == [("radist", "13005")]
    assert ranked(asked.replace("ʼ", char)) == [("radist", "13005")]


def test_a_catalog_place_is_its_provider_and_entry_key(catalog: Catalog) -> None:
    # What an exception names: "radist 10008", and for an entry with no code or name (Notificore
    # API 2.0) the key the catalog gives it, never a position that a new entry would shift.
    for pc in catalog:
        text = (ROOT / "catalogs" / f"{pc.provider.slug}.yaml").read_text(encoding="utf-8")
        places = {said.place for said in file_texts(text, pc.provider.slug)}
        slug = pc.provider.slug
        assert places == {f"{slug} provider"} | {f"{slug} {e.key}" for e in pc.entries}


def test_a_star_inside_a_variant_ends_that_word_any_way() -> None:
    terms = parse_glossary(
        "uk:\n  - use: описка\n    refuse: [друкарськ* помилк*]\n    why: a typo is описка\n"
    )
    text = catalog_text(title="Друкарська помилка в назві", step="Це не помилка")
    assert list(findings(text, "acme", terms)) == [
        (7, 'uk: "Друкарська помилка": the glossary says "описка"')
    ]


def test_a_list_of_texts_is_held_to_the_rules_but_not_how_people_ask() -> None:
    listed = 'hint:\n  uk: ["Оберіть інстанс", "щось з\'явилося"]\n'
    assert said(listed, "strings") == [
        '2: uk: "інстанс": the glossary says "екземпляр"',
        "2: uk: \"з'явилося\": the apostrophe is ʼ (U+02BC), not ' (U+0027)",
    ]
    # People's own words: the apostrophe they type and the term they use.
    asked = '    asked:\n      uk: ["інстанс не з\'явився", "API-ключ не підходить"]\n'
    assert said(catalog_text() + asked) == []
