"""``python -m bot doctor``: the checklist a deployer runs before going live (bot/cli/checks.py).

Each line is ✓ or ✗, and a ✗ says how to fix it. The whole run ends in well under 30 seconds even
when the Bot API cannot be reached.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.cli.checks import (
    Line,
    check_catalogs,
    check_database,
    check_key,
    check_port,
    check_redis,
    check_spill,
    check_team_notes,
    check_telegram,
    check_webhook_url,
    misspelt,
)
from bot.logs import redact, secrets_of
from bot.store import open_store

if TYPE_CHECKING:
    pass


def add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The command's grammar."""
    doctor = commands.add_parser("doctor", help="check everything a deployment needs, say fixes")
    doctor.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Every check, each line printed as it is known; 0 if all passed, else 1."""
    return asyncio.run(examine(lambda line: print(line, flush=True)))


async def examine(say: Callable[[str], None]) -> int:
    """Run every check, handing each line to ``say`` as it is known; 0 if all passed, else 1."""
    from bot.settings import (
        MISSING_TOKEN,
        Settings,
        env_file,
        given_names,
        settings_despite_problems,
    )

    lines: list[Line] = []
    hidden: list[str] = []  # what the log hides is hidden here too

    def report(line: Line) -> None:
        lines.append(line)
        say(redact(str(line), hidden))

    settings, problems = settings_despite_problems()
    hidden += secrets_of(settings)
    if settings.bot_token is None and not any("BOT_TOKEN" in p for p in problems):
        problems.insert(0, MISSING_TOKEN)
    path = str(env_file())
    for problem in problems:  # the file's own problems say what to do with it
        fix = "" if problem.startswith(path) else "set it in .env or the environment"
        report(Line(False, "settings", problem, fix))
    slips = misspelt(given_names(), Settings.model_fields)
    if settings.webhook_url and not settings.telegram_api_url:  # Telegram's own Bot API
        slips += filter(None, [check_webhook_url(settings.webhook_url)])
    for line in slips:
        report(line)
    problems += [line.found for line in slips]
    if not problems:
        mode = f"webhook at {settings.webhook_url}" if settings.webhook_url else "long polling"
        report(Line(True, "settings", f"valid ({mode})"))
    folder, database = settings.catalogs_dir, settings.database_path
    secret = settings.analytics_secret.get_secret_value() if settings.analytics_secret else ""
    key_file = settings.analytics_key_file
    database_url, redis_url = (
        url.get_secret_value() if url else "" for url in (settings.database_url, settings.redis_url)
    )
    report(check_catalogs(folder))
    if settings.team_notes is not None:
        report(check_team_notes(settings.team_notes, folder))
    store = open_store(database, database_url or None, read_only=True)
    if any(problem.startswith("DATABASE_URL") for problem in problems):
        # (where the SQLite file no one asked for was checked: an attack)
        database_line = Line(False, "database", "not checked", "fix DATABASE_URL above first")
    else:
        database_line = await check_database(store)
    report(database_line)
    if database_url:  # where a stop puts the lookups PostgreSQL could not take
        report(check_spill(store.spill_path))
    if database_url and not secret:  # the replicas' key, read from the database
        ok, fix = database_line.ok, "fix the database above: the key is read from it"
        found = "kept in the database, the same for every replica" if ok else "not checked"
        report(Line(ok, "analytics key", found, fix))
    else:
        report(check_key(secret, key_file, database))
    if redis_url:
        report(await check_redis(redis_url))
    if settings.webhook_url:  # the webhook's server answers /healthz and /metrics too
        report(await check_port("WEBHOOK_PORT", settings.webhook_host, settings.webhook_port))
    elif settings.metrics_port is not None:
        report(await check_port("METRICS_PORT", settings.metrics_host, settings.metrics_port))
    if problems:
        report(Line(False, "Bot API", "not checked", "fix the settings above first"))
    else:
        for line in await check_telegram(settings):
            report(line)
    return 0 if all(line.ok for line in lines) else 1
