"""The app: Bot and Dispatcher made from the settings, start-up and shutdown, polling or webhook."""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import re
import signal
import time
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.base import BaseSession
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

from bot.analytics.reading import Reports
from bot.analytics.writer import LookupLog
from bot.core.library import Library
from bot.settings import Settings
from bot.starting import stopped
from bot.telegram.background import in_background
from bot.telegram.desk import SupportDesk
from bot.telegram.digest import digest_loop
from bot.telegram.flood import Budget, FloodControl
from bot.telegram.handlers import (
    admin,
    callbacks,
    errors,
    fallback,
    handoff,
    inline,
    lookup,
    radar,
    start,
    support,
    teach,
)
from bot.telegram.middlewares import (
    HandledOnce,
    InFlight,
    Language,
    RepliesFor,
    RetryAfter,
    UpdateLog,
)
from bot.telegram.monitoring import Health
from bot.telegram.poller import give_up, keep_polling, stand_by, this_process
from bot.telegram.profile import describe
from bot.telegram.radar import Radar
from bot.telegram.reloads import Reloads
from bot.telegram.services import Services, open_services
from bot.telegram.session import SendAnswer, Session, starting
from bot.telegram.shared import Marks, Once, Shared, SharedBudget
from bot.telegram.taught import TaughtPhrases
from bot.telegram.top import TopEntries

if TYPE_CHECKING:
    from aiohttp import web

    from bot.telegram.metrics import Metrics

logger = logging.getLogger(__name__)
CONFIRM_TIMEOUT = 5  # seconds a stop gives Telegram to take the confirmation of what it answered
INLINE_BUDGET = 3  # times LOOKUPS_PER_MINUTE: inline queries come a keystroke at a time
# Updates handled at once in long polling, as many as Telegram opens connections to a webhook
# by default: in a crowd, the first to ask are answered first, not everyone at the end.
UPDATES_AT_ONCE = 40
UPDATE_MEMORY = 600.0  # seconds an update id is remembered (Telegram resends within minutes)
# Seconds an update in hand holds its id: past aiogram's 55 s answer to a webhook and a stop's
# grace; a replica that dies with it in hand lets it go then, for the resend.
UPDATE_LEASE = 120.0
VOTE_MEMORY = 2.0  # seconds within which a second press of the same vote is the same press
# aiogram reads each reply of Telegram's as Response[the method's type], and pydantic keeps such
# a class only while something refers to it: after a garbage collection, the next reply builds
# it again, milliseconds of schema work in the middle of an answer (bench_bot.py's p99 shows
# it; the README has the figures). Held here for the replies every update brings.
REPLY_TYPES = tuple(
    Response[method.__returning__]  # type: ignore[name-defined]
    for method in (
        SendMessage,
        SendAnswer,  # an answer's reply, read for its id (session.py)
        EditMessageText,
        AnswerCallbackQuery,
        AnswerInlineQuery,
        GetUpdates,
    )
)


def create_bot(
    settings: Settings, *, retry: bool = True, session: BaseSession | None = None
) -> Bot:
    """A Bot speaking HTML, against Telegram or TELEGRAM_API_URL (or over ``session``: the
    benchmarks'); ``retry`` honours ``retry_after`` (doctor asks once and reports instead). A
    reply to a message deleted meanwhile goes without the reply, rather than fail."""
    if session is None:
        api = settings.telegram_api_url
        session = Session(api=TelegramAPIServer.from_base(api)) if api else Session()
    if retry:
        session.middleware(RetryAfter())
    return Bot(
        settings.token,
        session=session,
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML,
            link_preview_is_disabled=True,
            allow_sending_without_reply=True,
        ),
    )


def serves_metrics(settings: Settings) -> bool:
    """/metrics is served: by a webhook's server, or on METRICS_PORT in long polling."""
    return bool(settings.webhook_url) or settings.metrics_port is not None


def create_dispatcher(
    library: Library,
    lookups: LookupLog,
    settings: Settings,
    shared: Shared | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> Dispatcher:
    """Routers, middlewares and services, joined; the services reach handlers by name.
    ``shared``: Redis for what replicas share (none: this process keeps it all); ``clock``: flood
    control's here (Redis keeps its own)."""
    shared = shared or Shared(None)
    desk = SupportDesk(lookups, library, settings) if settings.support_chat_id else None
    # Counted only where /metrics is served: a bot nobody scrapes imports neither
    # prometheus_client nor aiohttp's server (README: Benchmarks).
    metrics: Metrics | None = None
    if serves_metrics(settings):
        from bot.telegram.metrics import Metrics

        metrics = Metrics(library, lookups, shared, desk)
    in_flight = InFlight(webhook=settings.webhook_url is not None, grace=settings.stop_grace)
    marks = None
    if settings.webhook_url:  # (polling never sees an update twice)
        marks = Marks(shared, "update", hold=UPDATE_MEMORY, lease=UPDATE_LEASE)
    holder = this_process()
    reports = Reports(lookups)
    dp = Dispatcher(
        disable_fsm=True,  # no conversation states here: each message stands alone
        library=library,
        lookups=lookups,
        settings=settings,
        desk=desk,
        services=Services(
            store=lookups.store,
            reports=reports,
            top=TopEntries(reports),
            in_flight=in_flight,
            metrics=metrics,
            shared=shared,
            vote_lock=Once(shared, "vote", hold=VOTE_MEMORY),
            update_marks=marks,
            health=Health(library, lookups, shared, desk),
            radar=Radar(lookups.store, library, settings, holder=holder),
            taught=TaughtPhrases(lookups.store, library),
            reloads=Reloads(library),
            holder=holder,
            background=set(),
        ),
    )
    # Outermost first: the log line and metrics see every update, a duplicate and a failure
    # too, timed whole; a stop waits for everything inside InFlight, the duplicate check too.
    # (Polling never sees an update twice: HandledOnce only for a webhook.)
    dp.update.outer_middleware(UpdateLog(metrics))
    dp.update.outer_middleware(in_flight)
    if marks is not None:
        dp.update.outer_middleware(HandledOnce(marks))
    dp.update.outer_middleware(Language())
    dp.update.outer_middleware(RepliesFor())  # reads ``lang``
    # One budget per person for messages, commands and buttons; inline queries, sent as the
    # person types, get a larger one of their own.
    limit = settings.lookups_per_minute
    budgets = [
        SharedBudget(shared, name, n * limit, clock=clock)
        if shared.client is not None
        else Budget(n * limit, clock=clock)
        for name, n in (("messages", 1), ("inline", INLINE_BUDGET))
    ]
    flood = FloodControl(budgets[0], unlimited_chat=settings.support_chat_id)
    dp.message.middleware(flood)
    dp.edited_message.middleware(flood)  # an edit answered or relayed costs as a message does
    dp.callback_query.middleware(flood)
    dp.inline_query.middleware(FloodControl(budgets[1]))
    # Questions first (they are most updates), the catch-all hint last.
    # (teach's router first: a reply to its prompt is an answer to it, not a question; handoff's
    # next, with SUPPORT_CHAT_ID: a person talking to the team asks no questions, and what staff
    # write in a topic is for the person; the radar's before the callbacks', whose last handler
    # takes every button it does not know.)
    handing = (handoff, support) if desk is not None else ()
    modules = (teach, *handing, lookup, radar, callbacks, inline, start, admin, fallback, errors)
    dp.include_routers(*(module.create_router() for module in modules))
    dp.startup.register(on_startup)
    dp.shutdown.register(on_shutdown)
    return dp


async def on_startup(
    bot: Bot,
    lookups: LookupLog,
    library: Library,
    settings: Settings,
    services: Services,
    desk: SupportDesk | None = None,
    dispatcher: Dispatcher | None = None,
) -> None:
    """Open the lookup log, start the radar, the digest and handoff's retries (after a look at
    the support chat), read the taught phrases and keep them current, then decorate the bot
    (commands, description; a failure only warns)."""
    await lookups.start()
    if settings.webhook_url is None:
        bot.session.middleware(services.in_flight.polled)  # what Telegram counts delivered
    background, taught = services.background, services.taught
    if services.polls and dispatcher is not None:  # (the lease taken: renewed while polling)
        in_background(background, keep_polling(services.store, services.holder, dispatcher), "poll")
    if services.radar.on:
        in_background(background, services.radar.run(bot), "radar")
    if desk is not None:
        async with starting(bot):  # (its requests bounded as the start's others)
            await desk.probe(bot)  # a support chat that cannot serve is said now, not later
        in_background(background, desk.run(bot), "handoff")
    if settings.digest_chat_ids:
        digest = digest_loop(bot, lookups, library, settings, services.holder)
        in_background(background, digest, "digest")
    await taught.refresh()  # a failing database is retried by the poll (and said once)
    in_background(background, taught.run(), "taught-phrases")
    try:
        async with starting(bot):
            await describe(bot, settings)
    except (TelegramAPIError, TelegramNetworkError) as exc:
        logger.warning("could not register the commands and description: %s", exc)


async def on_shutdown(bot: Bot, lookups: LookupLog, settings: Settings, services: Services) -> None:
    """Stop the reloads and the background tasks (radar, digest, taught phrases), finish the
    updates in hand (those that outlast STOP_GRACE are cut off), write every lookup taken (or
    spill it to a file), then, in long polling, confirm to Telegram the updates answered."""
    services.reloads.stop()
    background = services.background
    for task in background:
        task.cancel()
    await asyncio.gather(*background, return_exceptions=True)
    if background and services.radar.on:
        await services.radar.stop()
    background.clear()
    in_flight = services.in_flight
    again = await finish_in_hand(in_flight)
    if await lookups.close():
        logger.info("lookup log closed")
    # Last: the lookups are written first, whatever Telegram takes to answer. Confirmed: what
    # came before the first update cut off that Telegram hands out again (one cut off may have
    # been answered, or not; those it counts delivered already, it does not hand out again).
    last = again[0] - 1 if again else in_flight.last_begun
    if settings.webhook_url is None and last is not None:
        await confirm_answered(bot, last)
    # After the confirmation (a stand-by polling sooner gets those again); not where the
    # database just failed to take the lookups: the lease runs out by itself (the stop waited
    # on it for nothing).
    if services.polls and not lookups.failed_at_stop:
        await give_up(services.store, services.holder)
        await services.store.close()


async def polls_alone(services: Services) -> bool:
    """Whether this process polls, once no other does (``stand_by``); False when SIGTERM or
    SIGINT came first. (aiogram's own handlers take the signals' place as polling starts.)"""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(number, stop.set)
    services.polls = await stand_by(services.store, services.holder, stop)
    if not services.polls:
        await services.store.close()
    return services.polls


async def finish_in_hand(in_flight: InFlight) -> list[int]:
    """Wait up to STOP_GRACE for the updates in hand, then cut off those still running (one
    warning says which); the ids of those cut off that Telegram hands out again, in order. A
    webhook's stop calls this while its requests are still open, so that Telegram, never told
    200, sends those updates again."""
    if await in_flight.wait_idle():
        return []
    cut = await in_flight.cut_off()
    again = [update for update in cut if in_flight.comes_again(update)]
    gone = [update for update in cut if not in_flight.comes_again(update)]
    logger.warning(
        "stopping with %d update(s) still in hand after %g s, cut off: %d Telegram hands out "
        "again (answered and counted then), %d it counts delivered, their lookups kept but "
        "their answers perhaps never sent%s",
        len(cut),
        in_flight.grace,
        len(again),
        len(gone),
        f" (updates {few(gone)})" if gone else "",
    )
    return again


def few(ids: list[int], shown: int = 10) -> str:
    """``ids`` for a log line, the first ``shown`` of them."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(map(str, ids[:shown])) + more


async def confirm_answered(bot: Bot, last: int) -> None:
    """Confirm to Telegram every update up to ``last``, all of them answered. Long polling
    confirms a batch only with its next getUpdates, and a batch some of whose updates wait their
    turn (UPDATES_AT_ONCE in hand) never gets there: a stop left the ones it had answered
    unconfirmed, and the next start answered them again. The updates after ``last``, never
    begun, stay with Telegram for the next start. (Not with a webhook: Telegram counts an
    update delivered once its request is answered.)"""
    try:
        async with asyncio.timeout(CONFIRM_TIMEOUT):  # a 429's wait included: a stop is short
            await bot(GetUpdates(offset=last + 1, limit=1, timeout=0))
    except (TelegramAPIError, TelegramNetworkError, TimeoutError) as exc:
        logger.warning(
            "could not confirm the updates answered before the stop (the next start answers "
            "them again): %s",
            str(exc) or f"no answer in {CONFIRM_TIMEOUT} s",
        )


def quiet_about_updates_never_begun() -> None:
    """aiogram's polling makes an update's coroutine before it waits for a place among the
    UPDATES_AT_ONCE in hand; a stop while it waits drops the coroutine, and Python warns that
    ``Dispatcher._process_update`` was never awaited, with a line on tracemalloc: an alarm with
    nothing behind it. Such an update was never begun; the stop leaves it with Telegram
    (``confirm_answered``) and the next start answers it."""
    warnings.filterwarnings(
        "ignore",
        message=re.escape("coroutine 'Dispatcher._process_update' was never awaited"),
        category=RuntimeWarning,
    )


async def run(settings: Settings, library: Library | None = None) -> int:
    """Serve until SIGTERM or SIGINT: long polling, or a webhook when WEBHOOK_URL is set.
    SIGHUP re-reads the catalogs, as daemons do. The exit status: 1 if lookups were lost.
    ``library``: the catalogs, loaded already (``python -m bot`` loads them first)."""
    library, lookups = open_services(settings, library)
    library.resolver.searcher  # noqa: B018 - the word index, built before the first question
    # What serves /metrics (and a webhook) is imported only where it is used: here, before the
    # freeze below, so that it is frozen with the rest of start-up.
    lazy = ["bot.telegram.metrics", "aiohttp.web"] if serves_metrics(settings) else []
    if settings.webhook_url:
        lazy.append("bot.telegram.webhook")
    for module in lazy:
        importlib.import_module(module)
    # Start-up's 200,000 objects (aiogram's, pydantic's, the catalogs, the index) live as long as
    # the process: frozen, a full collection takes 10 ms, not 150-220 ms (README: Benchmarks).
    gc.collect()
    gc.freeze()
    bot = create_bot(settings)
    shared = Shared(settings.redis_url.get_secret_value() if settings.redis_url else None)
    dp = create_dispatcher(library, lookups, settings, shared=shared)
    services: Services = dp["services"]
    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, services.reloads.ask)
    monitoring: web.AppRunner | None = None
    try:
        async with starting(bot):  # (each request of it bounded: a dropped network said soon)
            await bot.me()  # (aiogram keeps who the bot is: polling and the filters ask again)
            if not settings.webhook_url:
                await bot.delete_webhook(drop_pending_updates=False)
        if settings.webhook_url:
            from bot.telegram.webhook import serve_webhook

            await serve_webhook(bot, dp, settings)
        else:
            if settings.metrics_port is not None:
                from bot.telegram.monitoring import serve as serve_monitoring

                assert services.metrics is not None  # counted where METRICS_PORT is set
                monitoring = await serve_monitoring(
                    settings.metrics_host, settings.metrics_port, services.metrics, services.health
                )
            if not await polls_alone(services):
                return 0  # stopped while standing by: nothing was taken
            quiet_about_updates_never_begun()
            await dp.start_polling(
                bot,
                handle_signals=True,
                close_bot_session=False,
                tasks_concurrency_limit=UPDATES_AT_ONCE,
            )
    finally:
        stopped()  # (the lookups are written: a second signal now is nothing)
        if monitoring is not None:
            await monitoring.cleanup()
        await bot.session.close()
        await shared.close()
    return 1 if lookups.lost else 0
