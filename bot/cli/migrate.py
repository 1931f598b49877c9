"""``python -m bot migrate``: apply the pending migrations (SQLite, or DATABASE_URL)."""

from __future__ import annotations

import argparse

from bot.cli.database import open_database, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    migrate = commands.add_parser(
        "migrate",
        help="apply pending migrations to the database (DATABASE_URL, else DATABASE_PATH)",
    )
    migrate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 when the database cannot be used."""
    import asyncio

    from bot.store import StorageUnavailable
    from bot.store.schema import latest_version

    store = open_database(read_only=False)
    try:
        applied = asyncio.run(store.migrate())
    except StorageUnavailable as exc:
        return unusable(exc)
    for name in applied:
        print(f"applied {name}")
    state = "migrated" if applied else "nothing to apply"
    print(f"{store}: {state}, at schema version {latest_version()}")
    return 0
