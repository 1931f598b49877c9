"""Named SQL statements from queries.sql, read once."""

from __future__ import annotations

from functools import cache

from bot.data import read_text

_MARK = "-- name: "


@cache
def _statements() -> dict[str, str]:
    statements: dict[str, list[str]] = {}
    current: list[str] = []
    for line in read_text("bot.analytics", "queries.sql").splitlines():
        if line.startswith(_MARK):
            current = statements.setdefault(line.removeprefix(_MARK).strip(), [])
        else:
            current.append(line)
    return {name: _without_trailing_comments(lines) for name, lines in statements.items()}


def _without_trailing_comments(lines: list[str]) -> str:
    # A section heading after a statement belongs to the next one.
    while lines and (not lines[-1].strip() or lines[-1].startswith("--")):
        lines.pop()
    return "\n".join(lines).strip()


def sql(name: str) -> str:
    """The statement called ``name`` in queries.sql."""
    return _statements()[name]
