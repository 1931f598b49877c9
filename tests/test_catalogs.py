"""The shipped catalogs hold every code of every provider page, in the provider's own words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import seed_pages

from bot.catalog import Catalog
from bot.resolve import Outcome, Resolver


def test_each_provider_has_exactly_the_codes_of_its_pages(catalog: Catalog, shared: Path) -> None:
    expected: dict[str, set[str]] = {}
    for slug, code in seed_pages.every_code(shared):
        expected.setdefault(slug, set()).add(code)
    for slug, codes in expected.items():
        have = {e.code for e in catalog.providers[slug].entries if e.code is not None}
        assert have == codes, slug


@pytest.mark.parametrize(
    ("slug", "coded", "uncoded"),
    [
        ("gosms", 28, 0),
        ("notificore", 60, 32),
        ("radist", 138, 0),
        ("mobizon", 20, 0),
        ("gupshup", 17, 0),
    ],
)
def test_entry_counts(catalog: Catalog, slug: str, coded: int, uncoded: int) -> None:
    entries = catalog.providers[slug].entries
    assert sum(e.code is not None for e in entries) == coded
    assert sum(e.code is None for e in entries) == uncoded


def test_originals_are_the_providers_words(catalog: Catalog, shared: Path) -> None:
    pages = {
        "gosms": seed_pages.gosms(shared),
        "notificore": seed_pages.notificore(shared)[0],
        "radist": {code: message for code, (_, message) in seed_pages.radist(shared).items()},
        "mobizon": seed_pages.mobizon(shared),
        "gupshup": seed_pages.gupshup(shared),
    }
    for slug, rows in pages.items():
        for entry in catalog.providers[slug].entries:
            if entry.code is not None:
                assert seed_pages.squash(entry.original) == seed_pages.squash(rows[entry.code]), (
                    slug,
                    entry.code,
                )


def test_notificore_api2_errors_are_found_by_their_text(catalog: Catalog, shared: Path) -> None:
    uncoded = seed_pages.notificore(shared)[1]
    entries = [e for e in catalog.providers["notificore"].entries if e.code is None]
    assert sorted(e.original for e in entries) == sorted(uncoded)
    assert all(e.section is not None and e.section.en.startswith("API 2.0") for e in entries)


def test_radist_names_are_the_apis_names(catalog: Catalog, shared: Path) -> None:
    pc = catalog.providers["radist"]
    for code, (name, _) in seed_pages.radist(shared).items():
        entry = pc.find(code)
        assert entry is not None and entry.name == name


def test_every_code_on_every_page_gets_its_own_answer(resolver: Resolver, shared: Path) -> None:
    for slug, code in seed_pages.every_code(shared):
        answer = resolver.answer(f"{slug} {code}")
        assert answer.outcome in (Outcome.FOUND, Outcome.NOT_AN_ERROR), (slug, code)
        assert [(m.slug, m.entry.code) for m in answer.matches] == [(slug, code)]


def test_every_entry_has_text_in_both_languages_and_steps(catalog: Catalog) -> None:
    for pc in catalog:
        for entry in pc.entries:
            for text in (entry.title, entry.description, *entry.steps):
                assert re.search("[а-яё]", text.ru, re.IGNORECASE), (pc.provider.slug, text)
                assert text.en.isascii() or "«" not in text.en, (pc.provider.slug, text)
            assert "\n" not in entry.title.en, (pc.provider.slug, entry.key)


def test_mobizon_0_and_100_are_not_errors(catalog: Catalog) -> None:
    pc = catalog.providers["mobizon"]
    assert [e.code for e in pc.entries if not e.is_error] == ["0", "100"]


def test_newer_gosms_page_wins_for_2003_to_2005(catalog: Catalog) -> None:
    pc = catalog.providers["gosms"]
    assert "24" in " ".join(s.en for s in pc.find("2003").steps)
    for code, field in (("2004", "callback_id"), ("2005", "device_id")):
        text = " ".join([pc.find(code).description.en, *(s.en for s in pc.find(code).steps)])
        assert field in text and "UUID" in text


def test_radist_misspelt_name_is_kept_and_the_right_spelling_found(catalog: Catalog) -> None:
    entry = catalog.providers["radist"].find("30005")
    assert entry.name == "MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPS"
    assert catalog.by_name["MAX_PERSONAL_2FA_PASSWORD_TOO_MANY_ATTEMPTS"][0][1] is entry


def test_entry_references_are_unique(catalog: Catalog) -> None:
    assert len(catalog.by_ref) == catalog.entry_count()
