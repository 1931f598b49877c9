"""The kinds of value the commands take: whole numbers with bounds."""

from __future__ import annotations

import argparse

MAX_ROWS = 1000  # rows in a report's list: more than anyone reads, and each costs a query's work


def at_least_one(text: str, most: int | None = None) -> int:
    """A whole number, 1 or more (rows), or 1 to ``most``."""
    value = int(text)
    if value < 1 or (most is not None and value > most):
        raise argparse.ArgumentTypeError(f"must be 1 to {most}" if most else "must be 1 or more")
    return value


def days(text: str) -> int:
    """A period: 1 to MAX_DAYS days (a longer one only costs time and memory)."""
    from bot.analytics.days import MAX_DAYS

    return at_least_one(text, MAX_DAYS)


def rows(text: str) -> int:
    """Rows in each of a report's lists: 1 to MAX_ROWS."""
    return at_least_one(text, MAX_ROWS)
