"""The webhook server: updates from Telegram on WEBHOOK_HOST:WEBHOOK_PORT, each checked before
it reaches the dispatcher, with /healthz and /metrics beside them."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.methods import TelegramMethod
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from pydantic import ValidationError

from bot.settings import Settings
from bot.telegram.app import finish_in_hand
from bot.telegram.monitoring import add_routes as add_monitoring
from bot.telegram.monitoring import start_site
from bot.telegram.services import Services
from bot.telegram.session import starting
from bot.telegram.shared import Mark, Marks

logger = logging.getLogger(__name__)

IN_HAND_WAIT = 45.0  # seconds a delivery waits for an update in hand elsewhere (aiogram: 55)


class CheckedUpdates(SimpleRequestHandler):
    """aiogram's handler, except that a request with the secret whose body is not an update
    is answered 400 with one line in the log (aiogram's answers 500, with a traceback), and an
    update of a kind aiogram does not know (Telegram adds kinds) is acknowledged and ignored:
    Telegram resends an update answered with anything but 2xx, again and again.

    And a delivery of an update another has in hand (Telegram's resend, a load balancer's
    retry; ``marks``) waits for that one to end, up to IN_HAND_WAIT or a stop (``stopping``),
    then is answered 503 if it still has it, so that Telegram sends it again: past 55 s aiogram
    would answer 200 and go on in the background, where a stop would lose it."""

    def __init__(self, *args: Any, marks: Marks | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marks = marks
        self.stopping = asyncio.Event()

    async def _taken(self, bot: Bot, update: Update) -> Mark | None:
        """The update's mark once nobody else has it in hand (None: no duplicate check);
        IN_HAND if someone still has, after IN_HAND_WAIT or at a stop."""
        if self.marks is None:
            return None
        what = (bot.id, update.update_id)
        return await self.marks.taken(*what, wait=IN_HAND_WAIT, stopping=self.stopping)

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            body = await request.json(loads=bot.session.json_loads)
            update = Update.model_validate(body, context={"bot": bot})
            kind = _kind(update)
        except (ValueError, RecursionError) as exc:  # not JSON (or nested past the stack),
            logger.warning(  # not UTF-8, or not an update (ValidationError, no kind at all)
                "webhook: refused a request from %s, not a Telegram update (%s)",
                request.remote,
                _why(exc),
            )
            return web.Response(status=400, text="not a Telegram update")
        if kind is None:
            extra = ", ".join(sorted(update.model_extra or {}))
            logger.debug(
                "webhook: update %s of a kind unknown here (%s), ignored", update.update_id, extra
            )
            return web.Response()
        mark = await self._taken(bot, update)
        if mark is Mark.IN_HAND:
            logger.info(
                "webhook: update %s in hand elsewhere: 503, to come again", update.update_id
            )
            return web.Response(status=503, text="in hand elsewhere: send it again later")
        result: TelegramMethod[Any] | None = await self.dispatcher.feed_webhook_update(
            bot, update, **self.data, update_mark=mark
        )
        return web.Response(body=self._build_response_writer(bot=bot, result=result))


def _kind(update: Update) -> str | None:
    """The update's kind; None for a kind aiogram does not know (a field besides update_id),
    ValueError when it has none at all."""
    try:
        return update.event_type
    except UpdateTypeLookupError:
        if not update.model_extra:
            raise ValueError("no kind of update in it") from None
        return None


def _why(exc: ValueError | RecursionError) -> str:
    """What was wrong with a body, without repeating what it held (it may be anyone's)."""
    if isinstance(exc, RecursionError):
        return "not JSON: nested too deep"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
    if not isinstance(exc, ValidationError):
        return str(exc) if type(exc) is ValueError else f"not JSON ({type(exc).__name__})"
    errors = exc.errors(include_url=False, include_input=False, include_context=False)
    first = errors[0]
    where = ".".join(map(str, first["loc"])) or "the body"
    more = f", and {len(errors) - 1} more" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


async def unless_stopped(work: Awaitable[object], stop: asyncio.Event) -> bool:
    """``work`` done (its error raised), True; False, ``work`` cancelled, if ``stop`` came
    first (a stop while Telegram had yet to answer setWebhook waited for it, up to a minute,
    and exited 1: an attack; one during the start's requests waited 10 s for each)."""
    task = asyncio.ensure_future(work)
    stopped = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopped.cancel()
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
    if task.cancelled():
        return False
    task.result()
    return True


async def serve_webhook(bot: Bot, dp: Dispatcher, settings: Settings) -> None:
    """aiohttp server on WEBHOOK_HOST:WEBHOOK_PORT; every request must carry WEBHOOK_SECRET.

    Each update is acknowledged (200) once it is handled, not on arrival: an update in hand
    when a replica stops is finished first, and one lost with a replica that died is resent by
    Telegram (to another, behind a load balancer) rather than gone. At a stop the server stops
    taking updates, finishes those in hand (those still running after the stop's grace are cut
    off, unanswered, and Telegram resends them), and only then is the dispatcher shut down (the
    lookups written): aiohttp's own shutdown hooks would run before the requests in hand end.
    """
    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    path = urlsplit(settings.webhook_url).path or "/webhook"
    app = web.Application()
    services: Services = dp["services"]
    handler = CheckedUpdates(
        dispatcher=dp,
        bot=bot,
        secret_token=secret,
        handle_in_background=False,
        marks=services.update_marks,
    )
    app.router.add_post(path, handler.handle)
    assert services.metrics is not None  # counted wherever a webhook serves
    add_monitoring(app, services.metrics, services.health)
    # No access log: the bot's own line says each update (its id, kind, outcome, time), and
    # aiohttp's line per request beside it doubled the log (found by an attack).
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data}
    # A stop while the start waits (on Telegram: the support chat, the commands, each request
    # bounded to 10 s there, on_startup) cuts it short, and the shutdown below ends what it
    # began; Docker's stop kills the bot 10 s after its SIGTERM.
    serving = await unless_stopped(dp.emit_startup(bot=bot, **workflow), stop)
    try:
        if serving:
            await start_site(runner, settings.webhook_host, settings.webhook_port, "WEBHOOK_PORT")
            async with starting(bot):
                setting = bot.set_webhook(
                    settings.webhook_url,
                    secret_token=secret,
                    allowed_updates=dp.resolve_used_update_types(),
                )
                serving = await unless_stopped(setting, stop)
        if serving:
            logger.info(
                "webhook serving on %s:%s%s", settings.webhook_host, settings.webhook_port, path
            )
            await stop.wait()
        logger.info("stop signal received")
    finally:
        handler.stopping.set()  # deliveries waiting for an update in hand elsewhere: 503
        for site in list(runner.sites):
            await site.stop()  # no new updates
        # Those in hand get the stop's grace, then are cut off with their requests still open,
        # unanswered: Telegram sends them again. (aiohttp's own shutdown would wait 60 s, and
        # aiogram answers 200 after 55, its handling moved to the background.)
        await finish_in_hand(services.in_flight)
        await runner.cleanup()
        await dp.emit_shutdown(bot=bot, **workflow)
