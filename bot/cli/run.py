"""``python -m bot`` (or ``run``): the bot itself; a setting or catalog problem is one clear
line, not a traceback."""

from __future__ import annotations

import argparse
import sys

from bot import starting


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    commands.add_parser("run", help="run the bot (the default)").set_defaults(handler=run)


# The collector's first generation is looked at after this many new objects (Python's default:
# 700). An update makes and drops hundreds (aiogram's and pydantic's objects, mostly freed by
# their counts); at 700, with 40 updates in hand, what they held was collected over and over
# and promoted until full collections walked everything. Measured over 3,000 updates of
# bench_e2e.py's (the collector's own time, gc.callbacks): Python's defaults 1.9-2.4 s, start-up
# frozen only (bot/telegram/app.py) 0.4-0.6 s, this threshold (frozen or not) 0.03-0.1 s: the
# CPU an update costs went from 1,400-2,200 µs to 1,000-1,100 µs. Set before the imports, it
# also spares start-up its full collections of aiogram's objects.
FIRST_GENERATION = 10_000


def run(args: argparse.Namespace) -> int:
    """0 after SIGTERM or SIGINT; 1 when it cannot start, or lookups were lost."""
    import gc

    gc.set_threshold(FIRST_GENERATION, *gc.get_threshold()[1:])
    starting.before_start()
    try:
        return _run()
    except Exception:  # only what a stop asked while starting caused is caught
        if not starting.STOP_ASKED:
            raise
        return 0
    finally:
        starting.stopped()


def _run() -> int:
    import asyncio
    import logging

    from bot.core.catalog_files import CatalogError
    from bot.logs import configure, secrets_of, without_password
    from bot.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        for line in exc.lines:
            print(f"codebook: {line}", file=sys.stderr)
        return 1
    configure(settings.log_level, secrets_of(settings))
    log = logging.getLogger("bot")
    # The catalogs and their search index first, before aiogram is imported: the memory that
    # building them leaves free is then taken by aiogram's import instead of coming on top of
    # it: 2.4-3.6 MiB less RSS once started, 0.7-1.7 MiB at the end of bench_e2e.py's run.
    from bot.core.library import Library

    try:
        library = Library(settings.catalogs_dir, settings.team_notes)
        library.resolver.searcher  # noqa: B018 - built before the first question
    except CatalogError as exc:
        for problem in exc.problems:
            log.error("catalog problem: %s", problem)
        log.error(
            "the catalogs in %s do not load: fix them (python -m bot check)", settings.catalogs_dir
        )
        return 1
    from aiogram.exceptions import (
        ClientDecodeError,
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    from bot.store.schema import DatabaseTooNew
    from bot.telegram.app import run as serve
    from bot.telegram.monitoring import CannotServe
    from bot.telegram.session import undecoded

    try:
        status = asyncio.run(serve(settings, library))
    except DatabaseTooNew as exc:
        log.error("%s", exc)
        return 1
    except TelegramUnauthorizedError:
        log.error("Telegram refused the token: check BOT_TOKEN (from @BotFather)")
        return 1
    except TelegramNetworkError as exc:
        where = without_password(settings.telegram_api_url or "https://api.telegram.org")
        fix = "is TELEGRAM_API_URL right?"
        if settings.telegram_api_url is None:
            fix = "where Telegram is blocked, set TELEGRAM_API_URL to a Bot API server it can reach"
        log.error("cannot reach the Bot API server at %s: %s (%s)", where, exc.message, fix)
        return 1
    except CannotServe as exc:
        log.error("cannot serve: %s", exc)
        return 1
    except TelegramAPIError as exc:
        log.error("the Bot API server refused the bot's first requests: %s", exc)
        return 1
    except ClientDecodeError as exc:  # a proxy's error page, a wrong TELEGRAM_API_URL
        log.error("what answered at TELEGRAM_API_URL is no Bot API server: %s", undecoded(exc))
        return 1
    except Exception:  # through the log, whose filter takes the token out of the traceback too
        log.exception("the bot stopped on an unexpected error")
        return 1
    return status
