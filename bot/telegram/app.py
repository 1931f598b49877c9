"""The app: Bot and Dispatcher built from the settings, start-up and shutdown, polling or
webhook."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import uuid

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from aiogram.methods import (
    AnswerCallbackQuery,
    AnswerInlineQuery,
    EditMessageText,
    GetUpdates,
    SendMessage,
)
from aiogram.methods.base import Response
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from aiohttp import web

from bot.analytics.key import AnalyticsKeyError, load_key
from bot.analytics.reading import Reports
from bot.analytics.writer import KeySource, LookupLog
from bot.config import Settings
from bot.core.i18n import LANGUAGES, strings
from bot.core.library import Library
from bot.store import Store, open_store
from bot.telegram.digest import digest_loop
from bot.telegram.flood import Budget, FloodControl
from bot.telegram.handlers import (
    admin,
    callbacks,
    errors,
    fallback,
    inline,
    lookup,
    radar,
    start,
    teach,
)
from bot.telegram.middlewares import PerUpdate, RetryAfter
from bot.telegram.monitoring import Health, Metrics
from bot.telegram.monitoring import serve as serve_monitoring
from bot.telegram.radar import Radar
from bot.telegram.reloads import Reloads
from bot.telegram.shared import Once, Shared, SharedBudget
from bot.telegram.taught import TaughtPhrases
from bot.telegram.top import TopEntries
from bot.telegram.webhook import serve_webhook

logger = logging.getLogger(__name__)
STOP_GRACE = 5.0  # seconds a stop waits for the updates in hand
INLINE_BUDGET = 3  # times LOOKUPS_PER_MINUTE: inline queries come a keystroke at a time
# Updates handled at once in long polling, as many as Telegram opens connections to a webhook
# by default: in a crowd, the first to ask are answered first, rather than everyone at the end.
UPDATES_AT_ONCE = 40
UPDATE_MEMORY = 600.0  # seconds an update id is remembered (Telegram resends within minutes)
VOTE_MEMORY = 2.0  # seconds within which a second press of the same vote is the same press
# aiogram reads each reply of Telegram's as Response[the method's type], and pydantic keeps such
# a class only while something refers to it: after a garbage collection, the next reply builds
# it again, 5 ms of schema work in the middle of an answer (bench_bot's p99 was 4.5 ms with
# those rebuilds, about 1 ms without). Held here for the replies every update brings.
REPLY_TYPES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (SendMessage, EditMessageText, AnswerCallbackQuery, AnswerInlineQuery, GetUpdates)
)


def create_bot(
    settings: Settings, *, retry: bool = True, session: AiohttpSession | None = None
) -> Bot:
    """A Bot speaking HTML, against Telegram or the server in ``TELEGRAM_API_URL`` (or over
    ``session``: the benchmarks' transport); ``retry`` honours Telegram's ``retry_after``
    (doctor asks once and reports instead)."""
    if session is not None:
        pass
    elif settings.telegram_api_url:
        session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    else:
        session = AiohttpSession()
    if retry:
        session.middleware(RetryAfter())
    return Bot(
        settings.bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML, link_preview_is_disabled=True),
    )


def create_dispatcher(
    library: Library,
    lookups: LookupLog,
    settings: Settings,
    budgets: tuple[Budget, Budget] | None = None,
    shared: Shared | None = None,
) -> Dispatcher:
    """Routers, middlewares and services, joined; the services reach handlers by name.
    ``shared``: Redis for what replicas share (none: this process keeps it all); ``budgets``
    (messages, inline queries) default to LOOKUPS_PER_MINUTE, shared when Redis is."""
    shared = shared or Shared(None)
    metrics = Metrics(library, lookups, shared)
    # Telegram resends a webhook update it did not see acknowledged, and a load balancer may
    # retry one on another replica: each is handled once. (Polling never sees one twice.)
    once = Once(shared, "update", hold=UPDATE_MEMORY) if settings.webhook_url else None
    per_update = PerUpdate(metrics, once)
    holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # this process
    reports = Reports(lookups)
    dp = Dispatcher(
        disable_fsm=True,  # no conversation states here: each message stands alone
        library=library,
        lookups=lookups,
        store=lookups.store,
        reports=reports,
        settings=settings,
        top=TopEntries(reports),
        per_update=per_update,
        metrics=metrics,
        shared=shared,
        vote_lock=Once(shared, "vote", hold=VOTE_MEMORY),
        health=Health(library, lookups, shared),
        radar=Radar(lookups.store, library, settings, holder=holder),
        taught=TaughtPhrases(lookups.store, library),
        reloads=Reloads(library),
        holder=holder,
        background=set(),  # the radar's, the digest's and the taught phrases' tasks
    )
    dp.update.outer_middleware(per_update)
    # One budget per person for messages, commands and buttons; inline queries, sent as the
    # person types, get a larger one of their own.
    limit = settings.lookups_per_minute
    if budgets is None and shared.client is not None:
        budgets = (
            SharedBudget(shared, "messages", limit),
            SharedBudget(shared, "inline", INLINE_BUDGET * limit),
        )
    if budgets is None:
        budgets = Budget(limit), Budget(INLINE_BUDGET * limit)
    flood = FloodControl(budgets[0])
    dp.message.middleware(flood)
    dp.callback_query.middleware(flood)
    dp.inline_query.middleware(FloodControl(budgets[1]))
    # Questions first (they are most updates), the catch-all hint last.
    # (teach's router first: a reply to its prompt is an answer to it, not a question; the
    # radar's before the callbacks', whose last handler takes every button it does not know.)
    modules = (teach, lookup, radar, callbacks, inline, start, admin, fallback, errors)
    dp.include_routers(*(module.create_router() for module in modules))
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def on_startup(
    bot: Bot,
    lookups: LookupLog,
    library: Library,
    settings: Settings,
    radar: Radar,
    taught: TaughtPhrases,
    holder: str,
    background: set[asyncio.Task[None]],
) -> None:
    """Open the lookup log, start the radar and the digest, read the taught phrases and keep
    them current, then decorate the bot (commands, description; a failure only warns)."""
    await lookups.start()
    if radar.on:
        background.add(asyncio.create_task(radar.run(bot), name="radar"))
    if settings.digest_chat_ids:
        digest = digest_loop(bot, lookups, library, settings, holder=holder)
        background.add(asyncio.create_task(digest, name="digest"))
    await taught.refresh()  # a failing database is retried by the poll (and said once)
    background.add(asyncio.create_task(taught.run(), name="taught-phrases"))
    try:
        await describe(bot, settings)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        logger.warning("could not register the commands and description: %s", exc)


async def on_shutdown(
    lookups: LookupLog,
    per_update: PerUpdate,
    radar: Radar,
    reloads: Reloads,
    background: set[asyncio.Task[None]],
) -> None:
    """Stop the reloads and the background tasks (radar, digest, taught phrases), finish the
    updates in hand, then write every lookup taken (or spill it to a file)."""
    reloads.stop()
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    if background and radar.on:
        await radar.stop()
    background.clear()
    if not await per_update.wait_idle(STOP_GRACE):
        logger.warning("stopping with updates still in hand after %.0f s", STOP_GRACE)
    if await lookups.close():
        logger.info("lookup log closed")


async def describe(bot: Bot, settings: Settings) -> None:
    """Commands and descriptions in Russian, English and Ukrainian (English for every other
    language); admins also see their commands."""
    texts = strings()
    for lang in LANGUAGES:
        code = None if lang == "en" else lang  # English for every language not listed
        commands = [
            BotCommand(command=c, description=d[lang]) for c, d in texts["commands"].items()
        ]
        await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=code)
        await bot.set_my_description(texts["bot_description"][lang], language_code=code)
        await bot.set_my_short_description(texts["bot_short_description"][lang], language_code=code)
        admin_commands = commands + [
            BotCommand(command=c, description=d[lang]) for c, d in texts["admin_commands"].items()
        ]
        for admin_id in settings.admin_ids:
            await bot.set_my_commands(
                admin_commands, scope=BotCommandScopeChat(chat_id=admin_id), language_code=code
            )


def services(settings: Settings) -> tuple[Library, LookupLog]:
    """The catalogs and the lookup log the settings describe, writing to the store they name
    (PostgreSQL at DATABASE_URL, else the SQLite file at DATABASE_PATH)."""
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
    return Library(settings.catalogs_dir), lookups


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


async def run(settings: Settings) -> int:
    """Serve until SIGTERM or SIGINT: long polling, or a webhook when WEBHOOK_URL is set.
    SIGHUP re-reads the catalogs, as daemons do. The exit status: 1 if lookups were lost."""
    library, lookups = services(settings)
    library.resolver.searcher  # noqa: B018 - the word index, built before the first question
    bot = create_bot(settings)
    shared = Shared(settings.redis_url.get_secret_value() if settings.redis_url else None)
    dp = create_dispatcher(library, lookups, settings, shared=shared)
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, dp["reloads"].ask)
    monitoring: web.AppRunner | None = None
    try:
        if settings.webhook_url:
            await serve_webhook(bot, dp, settings)
        else:
            if settings.metrics_port is not None:
                monitoring = await serve_monitoring(
                    settings.metrics_host, settings.metrics_port, dp["metrics"], dp["health"]
                )
            await bot.delete_webhook(drop_pending_updates=False)
            await dp.start_polling(
                bot,
                handle_signals=True,
                close_bot_session=False,
                tasks_concurrency_limit=UPDATES_AT_ONCE,
            )
    finally:
        if monitoring is not None:
            await monitoring.cleanup()
        await bot.session.close()
        await shared.close()
    return 1 if lookups.lost else 0
