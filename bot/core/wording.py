"""The words of every text a person reads (catalogs, strings.yaml, chart.yaml), held to two house
rules: Ukrainian writes its apostrophe as ʼ (U+02BC), and each language calls one thing by the
one term bot/glossary.yaml gives it. An entry's ``asked`` is people's words, not ours: exempt."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from bot.core.i18n import LANGUAGES
from bot.core.text import slug
from bot.data import packaged, read_text

APOSTROPHE = "\u02bc"  # MODIFIER LETTER APOSTROPHE: a letter, so a word stays one word
# What keyboards and other texts put in its place, between two letters of a word: ' ’ ‘ ` ´
_STAND_INS = "'\u2019\u2018`\u00b4"
_STAND_IN = re.compile(f"(?<=[^\\W\\d_])[{_STAND_INS}](?=[^\\W\\d_])")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Term:
    """One term of the glossary: what ``lang`` calls a thing, the variants it refuses, and the
    places (``radist 10008``, ``strings teach_usage``) that keep a variant on purpose."""

    lang: str
    use: str
    variants: re.Pattern[str]
    exceptions: frozenset[str]


@dataclass(frozen=True)
class Said:
    """A text in a file: its line, its place (what a glossary exception names), its language."""

    line: int
    place: str
    lang: str
    text: str


@cache
def glossary() -> tuple[Term, ...]:
    """Every term of bot/glossary.yaml."""
    return parse_glossary(read_text("bot.core", "glossary.yaml"))


def parse_glossary(text: str) -> tuple[Term, ...]:
    """The terms of a glossary's YAML (each needs ``use``, ``refuse`` and ``why``)."""
    data = yaml.load(text, Loader=_Loader)
    terms = []
    for lang, items in data.items():
        if lang not in LANGUAGES:
            raise ValueError(f"glossary: {lang!r} is not one of {', '.join(LANGUAGES)}")
        for item in items:
            if not (item.get("use") and item.get("refuse") and item.get("why")):
                raise ValueError(f"glossary: {lang}: {item!r} needs use, refuse and why")
            exceptions = frozenset(item.get("except") or {})
            terms.append(Term(lang, item["use"], _pattern(item["refuse"]), exceptions))
    return tuple(terms)


def _pattern(variants: list[str]) -> re.Pattern[str]:
    """Any of ``variants`` as whole words, in any case; a ``*`` ends a word any way
    (``інстанс*``: інстанс, інстансу, інстанси; ``друкарськ* помилк*``)."""
    alternatives = [re.escape(v).replace(r"\*", r"\w*") for v in variants]
    letter = f"\\w{_STAND_INS}{APOSTROPHE}"
    return re.compile(f"(?<![{letter}-])(?:{'|'.join(alternatives)})(?![{letter}])", re.IGNORECASE)


def texts(node: Any, place: str) -> Iterator[Said]:
    """Every text under a YAML node: the value of each ``ru``, ``en`` or ``uk`` key (each form of a
    counted string), an entry's ``asked`` aside."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if key.value == "asked":
                continue  # how people describe a situation, in their spelling and their terms
            if key.value in LANGUAGES:
                for scalar in _scalars(value):
                    yield Said(scalar.start_mark.line + 1, place, key.value, scalar.value)
            else:
                yield from texts(value, place)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from texts(item, place)


def _scalars(node: Any) -> Iterator[Any]:
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.MappingNode):
        for _, value in node.value:
            yield from _scalars(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _scalars(item)


def file_texts(text: str, stem: str) -> Iterator[Said]:
    """The texts of a catalog or an interface file. Each top-level key is a place (``strings
    teach_usage``, ``radist provider``), each entry of a catalog another (``radist 10008``)."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return  # named by the catalog check
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if key.value == "errors" and isinstance(value, yaml.SequenceNode):
            for index, entry in enumerate(value.value):
                yield from texts(entry, f"{stem} {_entry_key(entry) or index}")
        else:
            yield from texts(value, f"{stem} {key.value}")


def _entry_key(entry: Any) -> str | None:
    """A catalog entry's key as ``Entry.key`` makes it: its code, else its name, else its
    section's English and its original wording, slugged."""
    if not isinstance(entry, yaml.MappingNode):
        return None
    fields = {key.value: value for key, value in entry.value}
    for name in ("code", "name"):
        node = fields.get(name)
        if isinstance(node, yaml.ScalarNode) and node.value not in ("", "null", "~"):
            return str(node.value)
    section = next(
        (v.value for k, v in getattr(fields.get("section"), "value", []) if k.value == "en"), ""
    )
    original = getattr(fields.get("original"), "value", "")
    return f"{slug(str(section))}/{slug(str(original))}"


def findings(
    text: str, stem: str, terms: tuple[Term, ...] | None = None
) -> Iterator[tuple[int, str]]:
    """``(line, what is wrong)`` for each word of a file's texts that breaks a rule (the terms of
    bot/glossary.yaml unless ``terms``)."""
    terms = glossary() if terms is None else terms
    for said in file_texts(text, stem):
        if said.lang == "uk":
            for match in _STAND_IN.finditer(said.text):
                char = match.group()
                yield (
                    said.line,
                    (
                        f'uk: "{_word_at(said.text, match.start())}": the apostrophe is '
                        f"{APOSTROPHE} (U+02BC), not {char} (U+{ord(char):04X})"
                    ),
                )
        for term in terms:
            if term.lang == said.lang and said.place not in term.exceptions:
                for match in term.variants.finditer(said.text):
                    yield (
                        said.line,
                        f'{said.lang}: "{match.group()}": the glossary says "{term.use}"',
                    )


def _word_at(text: str, at: int) -> str:
    """The whole word around position ``at`` (an apostrophe inside it)."""
    start = at
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] in _STAND_INS + APOSTROPHE):
        start -= 1
    end = at + 1
    while end < len(text) and (text[end].isalpha() or text[end] in _STAND_INS + APOSTROPHE):
        end += 1
    return text[start:end]


def interface_files() -> tuple[Path, ...]:
    """The interface's own words: strings.yaml and the chart's chart.yaml."""
    return packaged("bot.core") / "strings.yaml", packaged("bot.analytics") / "chart.yaml"
