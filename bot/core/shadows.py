"""What a taught phrase would hide: the catalogs' exact answer to any text that compares as
the phrase does (its ``phrase_key``), e.g. ``TELEGRAM_FLOOD_ERROR`` for "telegram flood error"."""

from __future__ import annotations

from bot.core.answer import Answer, Outcome
from bot.core.resolve import Resolver
from bot.core.text import phrase_key

# The catalogs' own answers a taught phrase must not hide unasked: an entry, several, a card.
EXACT = (Outcome.FOUND, Outcome.NOT_AN_ERROR, Outcome.SEVERAL, Outcome.PROVIDER)


def shadowed(resolver: Resolver, phrase: str) -> Answer | None:
    """The catalogs' answer by code, symbolic name, provider (its card) or pasted response to
    a text that compares as ``phrase`` does; None when there is none, and teaching it hides
    only a word search or nothing."""
    for text in spellings(resolver, phrase):
        answer = resolver.exact(resolver.parser.parse(text))
        if answer is not None and answer.outcome in EXACT:
            return answer
    return None


def spellings(resolver: Resolver, phrase: str) -> list[str]:
    """The phrase as typed, its key, and its key with each run of words that is a symbolic
    name's or a provider's key written as the name is (phrase_key drops ``_`` and ``.``)."""
    key = phrase_key(phrase)
    spelled = f" {key} "
    providers = (
        alias
        for pc in resolver.catalog
        for alias in (pc.provider.slug, pc.provider.name, *pc.provider.aliases)
    )
    # The longest first, so that a name holding another is written whole.
    for name in sorted((*resolver.catalog.by_name, *providers), key=len, reverse=True):
        words = f" {phrase_key(name)} "
        if words.strip() and words in spelled:
            spelled = spelled.replace(words, f" {name} ")
    return list(dict.fromkeys((phrase, key, spelled.strip())))
