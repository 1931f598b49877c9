"""``python -m bot digest [--days 7] [--lang ru|en|uk]``: the weekly digest as plain text, what
DIGEST_CHAT_IDS get (bot/digest/)."""

from __future__ import annotations

import argparse
import sys

from bot.cli.arguments import days
from bot.cli.database import read, unusable


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    digest = commands.add_parser("digest", help="the weekly digest as text")
    digest.add_argument("--days", type=days, default=7, help="whole days, before today")
    digest.add_argument(
        "--lang", choices=["ru", "en", "uk"], help="language (default: TEAM_LANG, else en)"
    )
    digest.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """0; 1 for catalogs or a database that cannot be used."""
    import time

    from bot.cli.environment import settings
    from bot.core.catalog_files import load_catalogs
    from bot.digest.text import digest_text
    from bot.digest.week import read_week
    from bot.store import StorageUnavailable

    lang, tz = args.lang or settings().team_lang, settings().tz
    catalog, problems = load_catalogs(settings().catalogs_dir)
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    now = time.time()
    try:
        week = read(lambda store: read_week(store, args.days, now))
    except StorageUnavailable as exc:
        return unusable(exc)
    print(digest_text(week, catalog, lang, tz))
    return 0
