"""``python -m bot migrate``: apply the pending migrations (SQLite, or DATABASE_URL)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.cli.database import database_path, failures, postgres, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    migrate = commands.add_parser("migrate", help="apply pending migrations to DATABASE_PATH")
    migrate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 when the database cannot be used."""
    import asyncio

    from bot.store.schema import latest_version
    from bot.store.sqlite import migrate

    store = postgres()
    where: Path | str = database_path() if store is None else str(store)
    try:
        if store is not None:
            applied = asyncio.run(store.migrate())
        else:
            applied = asyncio.run(migrate(database_path()))
    except failures() as exc:
        return unusable(exc)
    for name in applied:
        print(f"applied {name}")
    state = "migrated" if applied else "nothing to apply"
    print(f"{where}: {state}, at schema version {latest_version()}")
    return 0
