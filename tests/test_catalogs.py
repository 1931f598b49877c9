"""The shipped catalogs hold every code of every provider page, in the provider's own words."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.answer import Outcome
from bot.core.catalog import Catalog
from bot.core.resolve import Resolver
from tests.support import seed_pages


def test_each_provider_has_exactly_the_codes_of_its_pages(catalog: Catalog, shared: Path) -> None:
    expected: dict[str, set[str]] = {}
    for slug, code in seed_pages.every_code(shared):
        expected.setdefault(slug, set()).add(code)
    for slug, codes in expected.items():
        have = {e.code for e in catalog.providers[slug].entries if e.code is not None}
        assert have == codes, slug


def test_each_catalog_holds_an_entry_for_each_error_of_its_pages(
    catalog: Catalog, shared: Path
) -> None:
    counts = seed_pages.entry_counts(shared)
    assert {pc.provider.slug: len(pc.entries) for pc in catalog} == counts
    uncoded = [e for e in catalog.providers["notificore"].entries if e.code is None]
    assert len(uncoded) == len(seed_pages.notificore(shared)[1])  # API 2.0: text, no code


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


def test_every_entry_has_text_in_three_languages_and_steps(catalog: Catalog) -> None:
    for pc in catalog:
        for entry in pc.entries:
            for text in (entry.title, entry.description, *entry.steps):
                assert re.search("[а-яё]", text.ru, re.IGNORECASE), (pc.provider.slug, text)
                assert text.en.isascii() or "«" not in text.en, (pc.provider.slug, text)
                # Ukrainian, not the Russian copied: its own letters or at least other words.
                assert re.search("[а-яієїґ]", text.uk, re.IGNORECASE), (pc.provider.slug, text)
            texts = (entry.title, entry.description, *entry.steps)
            assert any(text.uk != text.ru for text in texts), (pc.provider.slug, entry.key)
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


def _addresses_in_the_sources(shared: Path) -> set[str]:
    """Every absolute URL the providers' pages and notes give, and each page's relative links
    resolved against the site PROVIDERS.md names for that provider (fragments dropped)."""
    notes = (shared / "sources" / "PROVIDERS.md").read_text(encoding="utf-8")
    sites = dict(re.findall(r"\| `(\w+)` \| [^|]*?\b([a-z0-9-]+\.[a-z]{2,})\) \|", notes))
    found: set[str] = set()
    for page in [*(shared / "seeds").iterdir(), *(shared / "sources").iterdir()]:
        text = page.read_text(encoding="utf-8")
        found.update(re.findall(r"https?://[^\s)\"'<>\]|]+", text))
        slug = next((s for s, name in seed_pages.SEEDS.items() if name == page.name), None)
        if slug in sites:
            found.update(
                f"https://{sites[slug]}{path}" for path in re.findall(r"\]\((/[^)\s]*)\)", text)
            )
    return {url.split("#")[0].rstrip("/") for url in found}


def test_every_url_in_a_catalog_occurs_in_the_sources(catalog: Catalog, shared: Path) -> None:
    known = _addresses_in_the_sources(shared)
    assert "https://mobizon.ua/uk/help/api-docs/sms-api" in known  # a resolved relative link
    for pc in catalog:
        urls = [pc.provider.docs_url] + [link.url for e in pc.entries for link in e.links]
        for url in filter(None, urls):
            assert url.rstrip("/") in known, (pc.provider.slug, url)


# What a step may say of the provider's support without a source: contact it as a last resort.
# What support will grant (more integrations, a higher limit, a registration) needs the page.
_PROMISE = re.compile(
    r"if you need (more|a higher|a larger|another)\b"
    r"|support (to|for) (get|raise|increase|enable|register|unlock|extend|add)\b"
    r"|support (will|can) (raise|increase|enable|register|unlock|extend|add|give|grant)\b",
    re.IGNORECASE,
)


def test_no_step_promises_what_support_will_grant(catalog: Catalog) -> None:
    promising = [
        f"{pc.provider.slug} {entry.key}: {step.en}"
        for pc in catalog
        for entry in pc.entries
        for step in entry.steps
        if _PROMISE.search(step.en)
    ]
    assert promising == []
