"""Command line: run (default), lookup, check, stats, export, radar, migrate, doctor, sources
diff."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# As in reports.py: typing stays out of the commands' start; this is for type checkers only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Coroutine
    from typing import Any, TypeVar

    from bot.analytics.postgres import PostgresStore
    from bot.i18n import Lang

    T = TypeVar("T")


def _check(args: argparse.Namespace) -> int:
    from bot.catalog_files import check_catalogs
    from bot.environment import catalogs_dir

    folder = args.folder or catalogs_dir()
    catalog, problems = check_catalogs(folder)
    for problem in problems:
        print(problem)
    if catalog is None:
        print(f"{len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(f"{folder}: {len(catalog)} providers, {catalog.entry_count()} entries, all valid")
    return 0


def _lookup(args: argparse.Namespace) -> int:
    from bot.answer import Outcome
    from bot.catalog_files import load_catalogs
    from bot.environment import catalogs_dir
    from bot.markup import TEXT
    from bot.render import render
    from bot.resolve import Resolver

    catalog, problems = load_catalogs(args.catalogs or catalogs_dir())
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 2
    answer = Resolver(catalog).answer(" ".join(args.text))
    print("\n\n".join(render(answer, args.lang or _terminal_language(), TEXT, buttons=False)))
    found = answer.outcome not in (Outcome.NOT_FOUND, Outcome.HELP)
    return 0 if found else 1


def _stats(args: argparse.Namespace) -> int:
    import json

    from bot.analytics.report_text import format_csv, format_table
    from bot.analytics.reports import read_report

    postgres = _postgres()
    try:
        if postgres is not None:
            report = _await(postgres.read_report(args.days, args.top))
        else:
            report = read_report(_database_path(), args.days, args.top)
    except _failures() as exc:
        return _unusable(exc)
    if args.format == "json":
        print(json.dumps(report, ensure_ascii=False, indent=2))
    elif args.format == "csv":
        print(format_csv(report), end="")
    else:
        print(format_table(report))
    return 0


def _export(args: argparse.Namespace) -> int:
    from bot.analytics.reports import write_export

    postgres = _postgres()
    try:
        if postgres is not None:
            sys.stdout.write(_await(postgres.export_csv(args.days)))
        else:
            write_export(_database_path(), sys.stdout, args.days)
    except BrokenPipeError:
        raise  # the reader went away (export | head): main() ends quietly
    except _failures() as exc:
        return _unusable(exc)
    return 0


def _radar(args: argparse.Namespace) -> int:
    """The alerts the radar would have sent over the stored lookups (bot/radar/history.py)."""
    import json
    import time

    from bot.catalog_files import load_catalogs
    from bot.environment import catalogs_dir, setting
    from bot.radar import history

    try:
        settings = history.environment_settings()
    except ValueError as exc:
        print(f"codebook: {exc}", file=sys.stderr)
        return 1
    catalog, problems = load_catalogs(catalogs_dir())
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    try:
        if args.csv:
            alerts, span = history.from_csv(Path(args.csv), args.days, settings)
        else:
            url = setting("DATABASE_URL") or None
            now, path = time.time(), _database_path()
            alerts, span = history.from_database(args.days, settings, now, url, path)
    except history.BadCsv as exc:
        print(exc, file=sys.stderr)
        return 1
    except _failures() as exc:
        return _unusable(exc)
    if args.format == "json":
        print(json.dumps(history.as_json(alerts, catalog), ensure_ascii=False, indent=2))
    else:
        print("\n".join(history.as_text(alerts, catalog, args.days, span, settings)))
    return 0


def _digest(args: argparse.Namespace) -> int:
    """The weekly digest as plain text: what DIGEST_CHAT_IDS get, in TEAM_LANG (bot/digest.py)."""
    import time

    from bot.catalog_files import load_catalogs
    from bot.digest import digest_text, read_sqlite_week, read_store_week
    from bot.environment import catalogs_dir, setting, time_zone
    from bot.i18n import LANGUAGES

    chosen = args.lang or setting("TEAM_LANG")
    lang = next((code for code in LANGUAGES if code == chosen), None)
    if lang is None:
        print("codebook: TEAM_LANG: use ru, en or uk", file=sys.stderr)
        return 1
    try:
        tz = time_zone(setting("TZ"))
    except ValueError as exc:
        print(f"codebook: TZ: {exc}", file=sys.stderr)
        return 1
    catalog, problems = load_catalogs(catalogs_dir())
    if catalog is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1
    postgres, now = _postgres(), time.time()
    try:
        if postgres is not None:
            week = _await(read_store_week(postgres, args.days, now))
        else:
            week = read_sqlite_week(_database_path(), args.days, now)
    except _failures() as exc:
        return _unusable(exc)
    print(digest_text(week, catalog, lang, tz))
    return 0


def _migrate(args: argparse.Namespace) -> int:
    import asyncio

    from bot.analytics.schema import latest_version
    from bot.analytics.store import migrate

    postgres = _postgres()
    where: Path | str = _database_path() if postgres is None else str(postgres)
    try:
        if postgres is not None:
            applied = asyncio.run(postgres.migrate())
        else:
            applied = asyncio.run(migrate(_database_path()))
    except _failures() as exc:
        return _unusable(exc)
    for name in applied:
        print(f"applied {name}")
    state = "migrated" if applied else "nothing to apply"
    print(f"{where}: {state}, at schema version {latest_version()}")
    return 0


def _postgres() -> PostgresStore | None:
    """The lookup log in PostgreSQL when DATABASE_URL says so (asyncpg loads only then)."""
    from bot.environment import setting

    url = setting("DATABASE_URL")
    if not url:
        return None
    from bot.analytics.postgres import PostgresStore

    return PostgresStore(url, _database_path().with_name("lookups.pending"))


def _failures() -> tuple[type[BaseException], ...]:
    """What a database that cannot be used raises: SQLite's, and PostgreSQL's once loaded."""
    import sqlite3

    from bot.analytics.schema import DatabaseTooNew, DatabaseTooOld

    failures: tuple[type[BaseException], ...] = (
        DatabaseTooNew,
        DatabaseTooOld,
        sqlite3.Error,
        OSError,
    )
    if "bot.analytics.postgres" in sys.modules:
        from bot.analytics.postgres import FAILURES

        failures += FAILURES
    return failures


def _await(coroutine: Coroutine[Any, Any, T]) -> T:
    import asyncio

    return asyncio.run(coroutine)


def _sources_diff(args: argparse.Namespace) -> int:
    from bot.environment import catalogs_dir
    from bot.sources import run

    return run(args.provider, Path(args.file), args.catalogs or catalogs_dir(), sys.stdout)


def _doctor(args: argparse.Namespace) -> int:
    from bot.doctor import run

    return run(lambda line: print(line, flush=True))


def _database_path() -> Path:
    from bot.environment import setting

    return Path(setting("DATABASE_PATH"))


def _unusable(exc: BaseException) -> int:
    """Say in one line why the database cannot be used; the exit status for it."""
    from bot.analytics.schema import DatabaseTooNew, DatabaseTooOld

    if isinstance(exc, (DatabaseTooNew, DatabaseTooOld)):  # these name the file already
        print(exc, file=sys.stderr)
    else:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        postgres = _postgres()
        where = str(postgres) if postgres is not None else _database_path()
        print(f"{where}: {reason or type(exc).__name__}", file=sys.stderr)
    return 1


def _at_least_one(text: str, most: int | None = None) -> int:
    """A whole number, 1 or more (rows), or 1 to ``most``."""
    value = int(text)
    if value < 1 or (most is not None and value > most):
        raise argparse.ArgumentTypeError(f"must be 1 to {most}" if most else "must be 1 or more")
    return value


def _days(text: str) -> int:
    """A period: 1 to MAX_DAYS days (a longer one only costs time and memory)."""
    from bot.analytics.days import MAX_DAYS

    return _at_least_one(text, MAX_DAYS)


def _terminal_language() -> Lang:
    """The locale's language, as Telegram's is read: Ukrainian for uk, Russian for ru, be and
    kk, English otherwise."""
    from bot.i18n import language_for

    locale = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG")
    return language_for((locale or "").split(".")[0].replace("_", "-"))


def _run(args: argparse.Namespace) -> int:
    """Start the bot; a setting or catalog problem is one clear line, not a traceback."""
    import asyncio
    import logging

    from bot.catalog_files import CatalogError
    from bot.config import SettingsError, load_settings
    from bot.logs import configure, secrets_of

    try:
        settings = load_settings()
    except SettingsError as exc:
        for line in exc.lines:
            print(f"codebook: {line}", file=sys.stderr)
        return 1
    configure(settings.log_level, secrets_of(settings))
    from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

    from bot.analytics.store import DatabaseTooNew
    from bot.telegram.app import run

    log = logging.getLogger("bot")
    try:
        status = asyncio.run(run(settings))
    except CatalogError as exc:
        for problem in exc.problems:
            log.error("catalog problem: %s", problem)
        log.error(
            "the catalogs in %s do not load: fix them (python -m bot check)", settings.catalogs_dir
        )
        return 1
    except DatabaseTooNew as exc:
        log.error("%s", exc)
        return 1
    except TelegramUnauthorizedError:
        log.error("Telegram refused the token: check BOT_TOKEN (from @BotFather)")
        return 1
    except TelegramNetworkError as exc:
        log.error("cannot reach the Bot API server: %s", exc)
        return 1
    return status


def build_parser() -> argparse.ArgumentParser:
    """The command line's grammar."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    parser.set_defaults(handler=_run)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run the bot (the default)")
    run.set_defaults(handler=_run)
    check = commands.add_parser("check", help="validate the catalogs")
    check.add_argument("folder", nargs="?", help="catalog folder (default: CATALOGS_DIR)")
    check.set_defaults(handler=_check)
    lookup = commands.add_parser("lookup", help="answer a question as the bot would, in plain text")
    lookup.add_argument("text", nargs="+", help='what a person would type, e.g. "gosms 1004"')
    lookup.add_argument(
        "--lang", choices=["ru", "en", "uk"], help="answer language (default: the locale's)"
    )
    lookup.add_argument("--catalogs", help="catalog folder (default: CATALOGS_DIR)")
    lookup.set_defaults(handler=_lookup)
    stats = commands.add_parser("stats", help="what people looked up, and what was missing")
    stats.add_argument("--days", type=_days, default=7, help="days to report, today included")
    stats.add_argument(
        "--top", type=_at_least_one, default=10, help="rows in each list (default 10)"
    )
    stats.add_argument(
        "--format", choices=["table", "json", "csv"], default="table", help="(default: table)"
    )
    stats.set_defaults(handler=_stats)
    export = commands.add_parser("export", help="the lookups of the period as CSV on stdout")
    export.add_argument("--days", type=_days, default=7, help="days to export, today included")
    export.set_defaults(handler=_export)
    radar = commands.add_parser("radar", help="the alerts the radar would have sent")
    radar.add_argument(
        "--replay", action="store_true", required=True, help="replay the stored lookups"
    )
    radar.add_argument("--days", type=_days, default=7, help="days to replay (default 7)")
    radar.add_argument("--csv", help="an export's CSV instead of the database")
    radar.add_argument("--format", choices=["text", "json"], default="text", help="(default: text)")
    radar.set_defaults(handler=_radar)
    digest = commands.add_parser("digest", help="the weekly digest as text")
    digest.add_argument("--days", type=_days, default=7, help="days, today included")
    digest.add_argument(
        "--lang", choices=["ru", "en", "uk"], help="language (default: TEAM_LANG, else en)"
    )
    digest.set_defaults(handler=_digest)
    migrate = commands.add_parser("migrate", help="apply pending migrations to DATABASE_PATH")
    migrate.set_defaults(handler=_migrate)
    doctor = commands.add_parser("doctor", help="check everything a deployment needs, say fixes")
    doctor.set_defaults(handler=_doctor)
    sources = commands.add_parser("sources", help="the providers' own pages against the catalogs")
    diff = sources.add_subparsers(dest="action", required=True).add_parser(
        "diff", help="a saved copy of a provider's error page against its catalog"
    )
    diff.add_argument("provider", help="the provider's slug, e.g. gosms")
    diff.add_argument("file", help="the page saved as HTML, or the text or Markdown copied")
    diff.add_argument("--catalogs", help="catalog folder (default: CATALOGS_DIR)")
    diff.set_defaults(handler=_sources_diff)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        status: int = args.handler(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # `stats | head -1` stopped reading: not an error. Point stdout at /dev/null so that
        # Python's final flush does not raise again on the way out.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return status


if __name__ == "__main__":
    sys.exit(main())
