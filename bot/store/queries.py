"""Named SQL statements from queries.sql (and, for PostgreSQL, queries.postgres.sql where its
form differs), read once."""

from __future__ import annotations

import re
from functools import cache
from typing import TYPE_CHECKING

from bot.data import read_text

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

_MARK = "-- name: "
_NAMED = re.compile(r"(?<![:\w]):([a-z_]+)\b")


def _parse(text: str) -> dict[str, str]:
    statements: dict[str, list[str]] = {}
    current: list[str] = []
    for line in text.splitlines():
        if line.startswith(_MARK):
            current = statements.setdefault(line.removeprefix(_MARK).strip(), [])
        else:
            current.append(line)
    return {name: _without_trailing_comments(lines) for name, lines in statements.items()}


@cache
def _statements(dialect: str) -> dict[str, str]:
    found = _parse(read_text("bot.store", "queries.sql"))
    if dialect != "sqlite":
        found.update(_parse(read_text("bot.store", f"queries.{dialect}.sql")))
    return found


def _without_trailing_comments(lines: list[str]) -> str:
    # A section heading after a statement belongs to the next one.
    while lines and (not lines[-1].strip() or lines[-1].startswith("--")):
        lines.pop()
    return "\n".join(lines).strip()


def sql(name: str, dialect: str = "sqlite") -> str:
    """The statement called ``name``, in ``dialect``'s form ("sqlite" or "postgres")."""
    return _statements(dialect)[name]


def numbered(
    statement: str, params: Mapping[str, Any] | Sequence[Any] = ()
) -> tuple[str, list[Any]]:
    """A statement with ``?`` or ``:name`` placeholders written as PostgreSQL's ``$1, $2, ...``,
    and its arguments in that order."""
    if not isinstance(params, (list, tuple)):  # a mapping: :name placeholders
        order: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match[1] not in order:
                order.append(match[1])
            return f"${order.index(match[1]) + 1}"

        named = _NAMED.sub(number, statement)
        return named, [params[name] for name in order]  # type: ignore[call-overload]
    count = iter(range(1, statement.count("?") + 1))
    return re.sub(r"\?", lambda _: f"${next(count)}", statement), list(params)
