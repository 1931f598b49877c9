"""The team's internal notes (TEAM_NOTES): what to check first, the escalation path to the
provider, known incidents, internal links, per catalog entry. Shown in the support chat's
context card and to admins, never to the person asking or in inline answers.

The file is YAML, a provider's slug, then a code (or a symbolic name), then the notes as one
text or a list of lines::

    gosms:
      "1004": |
        Check first: is the device online in the GoSMS dashboard?
        Escalate: support@gosms.example, with the account id.
      REQUEST_VALIDATION_ERROR:
        - Known incident 2026-11: their validator rejects + in numbers
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.core.catalog import Catalog, Entry, ProviderCatalog
from bot.core.catalog_files import Problem
from bot.core.yaml_nodes import fault_line
from bot.files import NotRegular, TooLarge, read_at_most

MAX_NOTES_BYTES = 1_000_000
MAX_NOTE = 2000  # characters of one entry's notes: the context card must stay one message
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class TeamNotes:
    """Notes per entry, ``(provider slug, entry key) -> text``; empty when there is no file."""

    notes: Mapping[tuple[str, str], str] = field(default_factory=dict)
    path: Path | None = None

    def about(self, provider: str | None, key: str | None) -> str | None:
        """The notes on that entry, if any."""
        if provider is None or key is None:
            return None
        return self.notes.get((provider, key))

    def __len__(self) -> int:
        return len(self.notes)


def load_notes(path: Path | None, catalog: Catalog) -> tuple[TeamNotes | None, list[Problem]]:
    """The notes in ``path`` checked against ``catalog``: ``(notes, [])``, or ``(None,
    problems)`` naming each as ``file:line``. No path: no notes, no problem."""
    if path is None:
        return TeamNotes(), []
    name = str(path)
    try:
        text = read_at_most(path, MAX_NOTES_BYTES).decode("utf-8")
    except TooLarge:
        return None, [Problem(name, 1, f"larger than {MAX_NOTES_BYTES:,} bytes")]
    except NotRegular:  # a folder, a device, a pipe
        return None, [Problem(name, 0, "cannot read: not a regular file")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(name, 0, f"cannot read: {exc}")]
    return parse_notes(text, name, catalog, path)


def parse_notes(
    text: str, name: str, catalog: Catalog, path: Path | None = None
) -> tuple[TeamNotes | None, list[Problem]]:
    """The notes in ``text`` (the file ``name``), checked against ``catalog``."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        line = fault_line(exc, text)
        return None, [Problem(name, line, f"broken YAML: {exc.problem or exc.context}")]
    except yaml.YAMLError as exc:
        return None, [Problem(name, 1, f"broken YAML: {exc}")]
    if root is None:
        return TeamNotes(path=path), []
    if not isinstance(root, yaml.MappingNode):
        return None, [Problem(name, _line(root), 'expected providers: gosms: {"1004": notes}')]
    notes: dict[tuple[str, str], str] = {}
    problems = list(_read(root, name, catalog, notes))
    if problems:
        return None, sorted(problems, key=lambda problem: problem.line)
    return TeamNotes(notes, path), []


def _read(
    root: yaml.MappingNode, name: str, catalog: Catalog, notes: dict[tuple[str, str], str]
) -> Iterator[Problem]:
    known = ", ".join(catalog.providers)
    for slug_node, entries in root.value:
        slug = str(slug_node.value)
        provider = catalog.providers.get(slug)
        if provider is None:
            yield Problem(name, _line(slug_node), f"no provider {slug!r} in the catalogs ({known})")
            continue
        if not isinstance(entries, yaml.MappingNode):
            yield Problem(name, _line(entries), f'{slug}: expected codes, e.g. "1004": notes')
            continue
        seen: dict[str, int] = {}
        for code_node, value in entries.value:
            said = str(code_node.value)
            entry = _entry(provider, said)
            if entry is None:
                yield Problem(name, _line(code_node), f"{slug} has no code or name {said!r}")
                continue
            if entry.key in seen:
                first = seen[entry.key]
                why = f"{slug} {said}: notes on this entry again (first at line {first})"
                yield Problem(name, _line(code_node), why)
                continue
            seen[entry.key] = _line(code_node)
            text, problem = _text(value)
            if problem:
                yield Problem(name, _line(value), f"{slug} {said}: {problem}")
            else:
                notes[(slug, entry.key)] = text


def _entry(provider: ProviderCatalog, said: str) -> Entry | None:
    if said.isdigit() or "-" in said:
        return provider.find(str(int(said)) if said.isdigit() else said)
    return provider.by_name.get(said)


def _text(node: Any) -> tuple[str, str | None]:
    """The notes as one text, or what is wrong with them."""
    if isinstance(node, yaml.ScalarNode) and node.tag.endswith(":str"):
        lines = [str(node.value)]
    elif isinstance(node, yaml.SequenceNode) and all(
        isinstance(item, yaml.ScalarNode) for item in node.value
    ):
        lines = [str(item.value) for item in node.value]
    else:
        return "", "notes are a text, or a list of lines"
    text = "\n".join(line.strip() for line in lines if line.strip())
    if not text:
        return "", "the notes are empty"
    if len(text) > MAX_NOTE:
        return "", f"longer than {MAX_NOTE} characters ({len(text)}): link to a page instead"
    return text, None


def _line(node: Any) -> int:
    return int(node.start_mark.line) + 1
