"""The catalogs and the lookup log a run serves, made from the settings; the services that a
question never uses, bundled."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.analytics.key import AnalyticsKeyError, load_key
from bot.analytics.reading import Reports
from bot.analytics.writer import KeySource, LookupLog
from bot.core.library import Library
from bot.settings import Settings
from bot.store import Store, open_store

if TYPE_CHECKING:
    from bot.telegram.metrics import Metrics
    from bot.telegram.middlewares import InFlight
    from bot.telegram.monitoring import Health
    from bot.telegram.radar import Radar
    from bot.telegram.reloads import Reloads
    from bot.telegram.shared import Marks, Once, Shared
    from bot.telegram.taught import TaughtPhrases
    from bot.telegram.top import TopEntries

logger = logging.getLogger(__name__)


@dataclass(slots=True, eq=False)
class Services:
    """What the commands, buttons, start-up and shutdown use and a question never does, as
    one entry of the dispatcher's data (``services``) rather than thirteen: aiogram copies that
    dict at each router, filter and handler an update passes, and the thirteen cost every
    question (README: Benchmarks). The library, the lookup log, the settings and the support
    desk, which questions use, stay entries of their own."""

    store: Store
    reports: Reports
    top: TopEntries
    in_flight: InFlight
    metrics: Metrics | None  # None: nothing serves /metrics, so nothing is counted
    shared: Shared
    vote_lock: Once
    update_marks: Marks | None  # a webhook's duplicate check (HandledOnce); None in polling
    health: Health
    radar: Radar
    taught: TaughtPhrases
    reloads: Reloads
    holder: str  # this process, among replicas
    background: set[asyncio.Task[None]]  # the radar's, the digest's, taught phrases', handoff's
    polls: bool = False  # holds the polling lease (bot/telegram/poller.py): renewed, given up


def open_services(settings: Settings, library: Library | None = None) -> tuple[Library, LookupLog]:
    """The catalogs (``library``, when loaded already) and the lookup log the settings
    describe, writing to the store they name (PostgreSQL at DATABASE_URL, else the SQLite file
    at DATABASE_PATH)."""
    url = settings.database_url.get_secret_value() if settings.database_url else None
    store = open_store(settings.database_path, url)
    secret, off = analytics_key(settings, store)
    lookups = LookupLog(
        store,
        secret=secret,
        off_reason=off,
        retention_days=settings.analytics_retention_days,
        flush_interval=settings.analytics_flush_interval,
    )
    return library or Library(settings.catalogs_dir, settings.team_notes), lookups


def analytics_key(settings: Settings, store: Store) -> tuple[KeySource, str | None]:
    """Where the pseudonyms' key comes from, decided once: ANALYTICS_SECRET; else, with
    PostgreSQL, the key its replicas share in the database (read before the first write);
    else a key file apart from the database. No key (and why): the bot answers, records nothing."""
    configured = settings.analytics_secret.get_secret_value() if settings.analytics_secret else None
    if settings.database_url is not None and not configured:
        from bot.store.postgres import PostgresStore

        if isinstance(store, PostgresStore):
            return store.shared_key, None
    try:
        return load_key(configured, settings.analytics_key_file, settings.database_path), None
    except AnalyticsKeyError as exc:
        logger.error("analytics off: the bot answers, but records no lookup: %s", exc)
        return None, str(exc)
