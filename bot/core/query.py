"""User text -> what was asked: providers, codes, symbolic names, words, a pasted API response."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import yaml

from bot.core.catalog import Catalog
from bot.core.numbers import counted, not_codes
from bot.core.payload import PayloadHit, read_payload
from bot.core.text import alias_key, clean, fold, normalise_code
from bot.data import read_text

MAX_TEXT = 4096  # Telegram's own limit for a message; longer CLI input is cut here
MAX_CODES = 5  # codes (and names) answered from one message

# A code: digits standing alone ("1004", "#1004", "GoSMS:1004", "21,41", "-5"), or a range
# ("88-89"), but not part of a date, a time, a decimal or a word ("2024-05-01", "12:30", "3.14",
# "v2").
_CODE = re.compile(r"(?<![\w#№])(?<!\d[.:/-])[#№]?(-?\d+(?:-\d+)?)(?![\w]|[.:/-]\d)")
_NAME = re.compile(r"(?<![\w])[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+(?![\w])")
_CAPITALS = re.compile(r"(?<![\w])[A-Z][A-Z0-9]+(?![\w])")  # a one-word name: OTHER
# A word may hold an apostrophe however it is typed (' ’ ‘ ` ´; ʼ is a letter already).
_WORD = re.compile(r"[^\W\d_][\w.'’‘`´-]*[^\W_]|[^\W\d_]", re.UNICODE)
_NAME_LIKE = re.compile(r"^[a-z][a-z0-9.]{2,}$")  # how an unknown provider's name looks
_MAY_HOLD_PAYLOAD = re.compile(r"[{\"=:]")
_BETWEEN = re.compile(r"[^\W_]+")  # the words and numbers between a provider and a code
_JOINED = re.compile(r"[-‐‑–—](?=\d)")  # a dash between a provider's name and a number
# What joins two providers' names asked about as one: "gosms/notificore 1004", "gosms или
# notificore: 1004" (Notificore alone was asked: an attack): one mark or one word, not both
# ("использовали gosms, и gupshup выдал 1002" is two clauses: a second attack).
_JOINED_NAMES = re.compile(r"\s*(?:[/,&+|]|and|or|и|или|і|та|або|чи|й)\s*")
# Where a clause ends between a code and a provider's name: a mark, or a word that joins two.
_CLAUSE_END = re.compile(r"[,.;!?]|(?<!\w)(?:а|но|и|і|але|and|but)(?!\w)")
# What joins a misspelt provider's name to one written right, asked as one ("notifcore/gosms
# 35"): a slash or "or" (a plain space or comma beside a provider is too common to guess on).
_OR = re.compile(r"\s*(?:/|\bor\b|\bили\b|\bабо\b|\bчи\b)\s*", re.IGNORECASE)
# An error's word with its code glued on: "gosms ошибка1004" found nothing (an attack).
_GLUED_TO_CODE = re.compile(r"(?<!\w)(?:error|err|ошибк[аи]|помилк[аи]|code|код)(?=\d)", re.I)
# Codes written with slashes between, each of three digits or more: not a date's 10/04 or
# 2024/05/10 ("gosms 1004/1005" answered the provider's card: an attack).
_SLASHED = re.compile(r"(?<![\d/])\d{3,5}(?:/\d{3,5})+(?![\d/])")
_HANDLE = "@#/"  # before a name with digits glued on: a handle's, a tag's, a link's (an attack)
_GLUED = re.compile(r"\d")
# Digits and a site's ending ("radist24.ru", "radist24.рф": a second and a fourth attack), where
# "gosms1004.what now?" or "gosms1004.Что делать?" is a code and a sentence (a third, a fourth).
_SITE = re.compile(
    r"\d+\.(?:ru|ua|kz|by|uz|su|com|net|org|io|me|co|info|biz|online|site|app|dev|pro|рф|укр|бел"
    r"|рус)(?![^\W\d_])",
    re.IGNORECASE,
)


@cache
def _lexicon() -> dict[str, dict[str, list[str]]]:
    text = read_text("bot.core", "lexicon.yaml")
    loaded: dict[str, dict[str, list[str]]] = yaml.load(
        text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    )
    return loaded


@cache
def ignored_words() -> frozenset[str]:
    """Filler and very common words, both languages (lexicon.yaml)."""
    return frozenset(word for words in _lexicon()["ignore"].values() for word in words)


@cache
def _thanks_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words that thank, and those with the words that may stand beside them."""
    thanks = frozenset(word for words in _lexicon()["thanks"].values() for word in words)
    beside = {word for words in _lexicon()["beside_thanks"].values() for word in words}
    return thanks, thanks | beside


@cache
def _about_words() -> frozenset[str]:
    return ignored_words() | {word for words in _lexicon()["about"].values() for word in words}


def asks_nothing(text: str) -> bool:
    """Whether ``text`` holds no number and no word beyond filler and asking about something
    ("", "?", "что это", "поясни", "explain": a third attack found these searched)."""
    if any(char.isdigit() for char in text):
        return False
    return all(fold(word) in _about_words() for word in _WORD.findall(text))


def only_thanks(text: str) -> bool:
    """Whether ``text`` does nothing but thank or acknowledge ("спасибо, помогло", "thanks!"):
    it was searched, and "Nothing matches “thanks”" answered it and filled the gaps (found by an
    attack)."""
    if text.rstrip().endswith("?"):  # "работает?", "all good?": a question (a third attack)
        return False
    words = [fold(word) for word in _WORD.findall(text[:200])]
    thanks, allowed = _thanks_words()
    return any(word in thanks for word in words) and all(word in allowed for word in words)


class Mention(NamedTuple):
    """A provider named in the text: what was typed and where."""

    slug: str
    said: str
    at: int
    assumed: bool = False  # a guess from a misspelt name


class Query(NamedTuple):
    """What a message asks, before any catalog lookup of codes."""

    text: str
    providers: tuple[Mention, ...] = ()
    codes: tuple[tuple[str, int], ...] = ()  # (code, position), in order, at most MAX_CODES
    dropped_codes: int = 0
    names: tuple[str, ...] = ()
    words: tuple[str, ...] = ()  # every word left once providers, codes and names are taken
    unknown_provider: str | None = None
    payload: tuple[PayloadHit, ...] | None = None  # None: no JSON-looking text at all
    mentions: tuple[Mention, ...] = ()  # every time a provider is named, in order

    @property
    def meaningful_words(self) -> tuple[str, ...]:
        """Words that ask something, filler left out."""
        ignored = ignored_words()
        return tuple(w for w in self.words if fold(w) not in ignored)

    @property
    def provider(self) -> Mention | None:
        """The first provider named, if any."""
        return self.providers[0] if self.providers else None

    def provider_near(self, at: int) -> Mention | None:
        """The provider named nearest to the code at position ``at``, by the words between
        that say something (not numbers, not filler: "gosms 1004 1005 gupshup 1002" lists two
        of GoSMS's), a clause's end between them counting a word more (a mark, "а", "but":
        "gupshup ответил 1002, а gosms ответил 1004", "gosms ок, 1004 от gupshup"); on a tie,
        the one on the side the text names its providers on: before their codes ("gosms 1004
        notificore 35"), unless it starts with a code ("1004 gosms 35 notificore"). (Measured
        from where each name starts, "gosms 1004 notificore 35" was Notificore's 1004; counting
        every word between, 1005 above was Gupshup's; a word more for a side, not for a clause,
        "gosms ок, 1004 от gupshup" was GoSMS's: found by attacks.)"""
        mentions = self.mentions or self.providers
        # The one named, or none: no words to count (counting them for the common "gosms 1004"
        # cost 1.4 µs of a question's 25, timeit, eight typical questions).
        if len(mentions) < 2:
            return mentions[0] if mentions else None
        leads = not self.codes or mentions[0].at < self.codes[0][1]

        def distance(mention: Mention) -> tuple[int, bool]:
            return self._apart(mention, at), (mention.at + len(mention.said) <= at) != leads

        return min(mentions, key=distance)

    def _apart(self, mention: Mention, at: int) -> int:
        """How far the code at ``at`` stands from ``mention``: the words between that say
        something, and one more for a clause's end between them."""
        end = mention.at + len(mention.said)
        between = self.text[end:at] if end <= at else self.text[at : mention.at]
        ignored = ignored_words()
        said = sum(fold(w) not in ignored for w in _WORD.findall(between))
        return said + (_CLAUSE_END.search(fold(between)) is not None)

    def providers_at(self, at: int) -> tuple[Mention, ...]:
        """The provider named nearest to the code at ``at`` (``provider_near``), with the ones
        named together with it ("gosms/notificore 1004", "gosms или notificore 1004"), in the
        order named."""
        near = self.provider_near(at)
        if near is None or not self.mentions:
            return (near,) if near else ()
        mentions = self.mentions
        first = last = mentions.index(near)
        while first and self._joined(mentions[first - 1], mentions[first]):
            first -= 1
        while last + 1 < len(mentions) and self._joined(mentions[last], mentions[last + 1]):
            last += 1
        # ...each with no code nearer to it than this one: "1004 notificore, gosms 2001" asks
        # GoSMS 2001 alone (GoSMS was asked 1004 too: a second attack).
        together = [
            m
            for m in mentions[first : last + 1]
            if m is near or self._apart(m, at) <= min(self._apart(m, c) for _, c in self.codes)
        ]
        return tuple({m.slug: m for m in reversed(together)}.values())[::-1]

    def _joined(self, before: Mention, after: Mention) -> bool:
        between = fold(self.text[before.at + len(before.said) : after.at])
        return _JOINED_NAMES.fullmatch(between) is not None

    def as_code(self, at: int) -> bool:
        """Whether the number at ``at`` stands as a code: nothing but filler and numbers between
        it and the provider named nearest ("gosms 1018", "gosms error #1018"), unlike a number
        in a story ("mobizon ... 50 messages")."""
        mention = self.provider_near(at)
        if mention is None:
            return False
        end = mention.at + len(mention.said)
        between = fold(self.text[end:at] if end <= at else self.text[at : mention.at])
        ignored = ignored_words()
        return all(w.isdigit() or w in ignored for w in _BETWEEN.findall(between))


@dataclass
class QueryParser:
    """Parses messages against the providers, aliases and names of a catalog."""

    catalog: Catalog
    _aliases: re.Pattern[str] = field(init=False, repr=False)
    _alias_owner: dict[str, str | None] = field(init=False, repr=False)
    _fuzzy_choices: dict[str, str] = field(init=False, repr=False)
    _paths: list[tuple[str, tuple[str, ...], bool]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        owner: dict[str, str | None] = {}
        for pc in self.catalog:
            p = pc.provider
            for alias in (p.slug, p.name, *p.aliases):
                owner[alias_key(alias)] = p.slug
            for other in p.not_aliases:
                owner[alias_key(other)] = None
        patterns = sorted(owner, key=len, reverse=True)
        body = "|".join(
            r"[\s_-]*".join(re.escape(part) for part in alias.split(" ")) for alias in patterns
        )
        # An alias stands alone: "gosms" but not "gosmsx" nor the "gosms" of "gosms.cz"; a
        # code may be glued on ("gosms1004" found nothing: an attack), but not one a name goes
        # on from ("radist24x": a second attack); one a site's ending does is looked at below.
        self._aliases = re.compile(rf"(?<![\w.])(?:{body})(?![^\W\d]|[.-][^\W\d_]|\d++[^\W\d])")
        self._alias_owner = owner
        self._fuzzy_choices = {
            alias: slug
            for alias, slug in owner.items()
            if slug and " " not in alias and "." not in alias and len(alias) >= 4
        }
        self._paths = [
            (pc.provider.slug, tuple(path.split(".")), is_name)
            for pc in self.catalog
            for paths, is_name in ((pc.provider.error_paths, False), (pc.provider.name_paths, True))
            for path in paths
        ]

    def parse(self, text: str) -> Query:
        """Read a message: never raises, whatever the text."""
        text = clean(text[:MAX_TEXT])
        payload = read_payload(text, self._paths) if _MAY_HOLD_PAYLOAD.search(text) else None
        folded = fold(text)
        providers: list[Mention] = []
        mentions: list[Mention] = []
        unknown = None
        spans: list[tuple[int, int]] = []
        for match in self._aliases.finditer(folded):
            if _GLUED.match(text, match.end()) and (
                (match.start() and text[match.start() - 1] in _HANDLE)
                or _SITE.match(text, match.end())
            ):
                continue  # a handle's, a tag's, a link's or a site's: "@mobizon3", "radist24.ru"
            slug = self._alias_owner.get(alias_key(match.group()))
            said = text[match.start() : match.end()]
            if slug is None:
                unknown = unknown or said
            else:
                mentions.append(Mention(slug, said, match.start()))
                if all(m.slug != slug for m in providers):
                    providers.append(mentions[-1])
            # A dash joining the name to a number separates them: "gosms-1004" is 1004, not -1004.
            joined = _JOINED.match(text, match.end()) is not None
            spans.append((match.start(), match.end() + (1 if joined else 0)))
        rest = _blank(text, spans)
        names = []
        name_spans = []
        for match in _NAME.finditer(rest) if "_" in rest else ():
            name = match.group().upper()
            if name not in names:
                names.append(name)
            name_spans.append(match.span())
        # A one-word name counts written in capitals ("radist: error name OTHER") in a text not
        # shouted, and only beside the provider it is a name of: UNAUTHORIZED is also HTTP's 401
        # ("gupshup returns 401 UNAUTHORIZED"), OTHER a word.
        named = {m.slug for m in providers}
        for match in _CAPITALS.finditer(rest) if named and rest != rest.upper() else ():
            owners = self.catalog.by_name.get(match.group(), ())
            if any(pc.provider.slug in named for pc, _ in owners) and match.group() not in names:
                names.append(match.group())
                name_spans.append(match.span())
        # Phone numbers, dates and sums hold no codes: "+38 (067)", "1 мая", "500 рублей"
        # (looked for in the text as written: a provider's name between a month and a code,
        # "с марта нотификор 35", keeps them apart). But a provider's name and such a number
        # alone, nothing else asked ("gosms 2004 year", "notificore $35"), is the code.
        as_said = _blank(rest, name_spans)

        def listed(groups: list[str]) -> bool:  # each a code of a provider named
            named = [self.catalog.providers[m.slug] for m in providers]
            return bool(named) and all(any(pc.find(g) for pc in named) for g in groups)

        apart, cards = not_codes(text, listed)
        rest = _blank(as_said, apart + cards)
        repeats = len(providers) > 1  # "gosms 1004 and gupshup 1004": one code, two entries
        codes, rest = _codes(rest, repeats)
        words = [(m.group(), m.start()) for m in _WORD.finditer(rest)]
        if providers and not codes and not names and rest != as_said:
            ignored = ignored_words()
            if all(fold(word) in ignored for word, _ in words):
                codes, rest = _codes(_blank(as_said, cards), repeats)  # never a card
                words = [(m.group(), m.start()) for m in _WORD.finditer(rest)]
        if len(codes) > 1:
            codes = _without_counts(text, codes, providers)
        if not providers and unknown is None:
            providers, unknown = self._guess_provider(words, codes)
        elif codes and words and _OR.search(text):
            for guess in self._guesses_joined(text, words, mentions):
                mentions = sorted([*mentions, guess], key=lambda m: m.at)
                if all(m.slug != guess.slug for m in providers):
                    providers.append(guess)
        taken = {m.at for m in providers if m.assumed}
        limit = max(0, MAX_CODES - len(names[:MAX_CODES]))
        return Query(
            text=text,
            providers=tuple(providers),
            codes=tuple(codes[:limit]),
            dropped_codes=max(0, len(codes) - limit) + max(0, len(names) - MAX_CODES),
            names=tuple(names[:MAX_CODES]),
            words=tuple(word for word, at in words if at not in taken),
            unknown_provider=unknown,
            payload=payload,
            mentions=tuple(mentions) if len(mentions) > 1 else (),
        )

    def _guesses_joined(
        self, text: str, words: list[tuple[str, int]], mentions: list[Mention]
    ) -> list[Mention]:
        """Misspelt providers named together with one written right ("notifcore/gosms 35":
        GoSMS alone was asked, the guess made only where no provider is named: an attack),
        joined by a slash or "or"."""
        found = []
        for word, at in words:
            joined = any(
                _OR.fullmatch(fold(text[at + len(word) : m.at]))
                or _OR.fullmatch(fold(text[m.at + len(m.said) : at]))
                for m in mentions
                if m.at >= at + len(word) or at >= m.at + len(m.said)
            )
            if joined:
                guessed, _ = self._guess_provider([(word, at)], [])
                found += guessed
        return found

    def _guess_provider(
        self, words: list[tuple[str, int]], codes: list[tuple[str, int]]
    ) -> tuple[list[Mention], str | None]:
        """A misspelt provider name ("gosm", "notifcore"), or a name no catalog has."""
        ignored = ignored_words()
        candidates = [(w, at) for w, at in words if fold(w) not in ignored]
        if candidates:
            from rapidfuzz import fuzz, process  # only misspellings need it: keep start-up quick
        for word, at in candidates:
            key = fold(word)
            if len(key) < 4 or "." in key:
                continue
            best = process.extractOne(
                key, self._fuzzy_choices.keys(), scorer=fuzz.ratio, score_cutoff=80
            )
            if best is not None:
                return [Mention(self._fuzzy_choices[best[0]], word, at, assumed=True)], None
        # "twilio 21211": a code and one unfamiliar Latin word name a provider we lack.
        if codes and len(candidates) == 1 and _NAME_LIKE.match(fold(candidates[0][0])):
            return [], candidates[0][0]
        return [], None


def _codes(text: str, repeats: bool = False) -> tuple[list[tuple[str, int]], str]:
    """The codes in ``text`` (each once, with where it stands first, or, ``repeats``, where
    it stands each time), and the text without them."""
    if _GLUED_TO_CODE.search(text):  # "ошибка1004": the word blanked, the code stands alone
        text = _GLUED_TO_CODE.sub(lambda word: " " * len(word.group()), text)
    if "/" in text:
        text = _SLASHED.sub(lambda codes: codes.group().replace("/", " "), text)
    codes: list[tuple[str, int]] = []
    seen: set[str] = set()
    spans = []
    for match in _CODE.finditer(text):
        code = normalise_code(match.group(1))
        spans.append(match.span())
        if repeats or code not in seen:
            seen.add(code)
            codes.append((code, match.start()))
    return codes, _blank(text, spans)


def _without_counts(
    text: str, codes: list[tuple[str, int]], providers: list[Mention]
) -> list[tuple[str, int]]:
    """The codes but a count's number ("notificore 35 2 дня", "mobizon 5 3 раза": Notificore 2
    and Mobizon 3 were answered, a fourth attack) where another number is the code: the one
    nearest each provider named (the first, with none named) stays, counted or not
    ("notificore 35 times, then 1004" asks 35; "radist 400 номера не доходят" asks 400)."""
    counts = {at for _, at in codes if counted(text, at)}
    if not counts or len(counts) == len(codes):
        return codes
    nearest = {min(codes, key=lambda code: abs(code[1] - m.at))[1] for m in providers}
    return [c for c in codes if c[1] not in counts or c[1] in (nearest or {codes[0][1]})]


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans replaced by spaces (positions kept)."""
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)
