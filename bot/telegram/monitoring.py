"""What whoever runs the bot watches: ``GET /healthz`` and ``GET /metrics`` (Prometheus text).

Webhook mode serves both on its own aiohttp server; long polling serves them on METRICS_PORT
when it is set. Neither reveals a token, a person or a question: the metrics' labels are update
kinds, outcomes and provider slugs only. aiohttp's server is imported only to serve them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.analytics.writer import LookupLog
from bot.core.library import Library
from bot.handoff.conversation import State
from bot.telegram.shared import Shared

if TYPE_CHECKING:
    from aiohttp import web

    from bot.telegram.desk import SupportDesk
    from bot.telegram.metrics import Metrics

logger = logging.getLogger(__name__)


class CannotServe(Exception):
    """A port the bot was told to serve on cannot be had (taken, or a host that is not this
    machine's): said in one line, not a traceback."""


async def start_site(runner: web.AppRunner, host: str, port: int, setting: str) -> None:
    """Serve ``runner`` on ``host``:``port``; CannotServe naming ``setting`` if that fails."""
    from aiohttp import web

    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        raise CannotServe(f"{setting} {port} on {host}: {exc.strerror or exc}") from exc


class Health:
    """What ``/healthz`` says: 503 while lookups are not being written (the database failing,
    or analytics off); Redis away, or a support chat that cannot take requests, is said, but is
    no reason to take a replica out of a load balancer: every replica would go."""

    def __init__(
        self, library: Library, lookups: LookupLog, shared: Shared, desk: SupportDesk | None = None
    ) -> None:
        self._library = library
        self._lookups = lookups
        self._shared = shared
        self._desk = desk

    async def check(self) -> tuple[int, dict[str, object]]:
        """The status and the JSON body; Redis is asked (a ping, at most a second)."""
        lookups, catalog = self._lookups, self._library.resolver.catalog
        body: dict[str, object] = {
            "status": "ok" if lookups.healthy else "failing",
            "catalogs": {"providers": len(catalog), "entries": catalog.entry_count()},
            "database": {"writable": lookups.healthy, "recording": lookups.off_reason is None},
            "lookups_waiting": lookups.pending,
        }
        if self._shared.client is not None:
            await self._shared.call(lambda client: client.ping())
            body["redis"] = "up" if self._shared.up else "down"
        if self._desk is not None:  # said, but no reason to take a replica out: all would go
            desk = self._desk
            body["support"] = {
                "reachable": desk.reachable,
                "problem": desk.problem,
                "waiting": desk.live[State.WAITING],
                "open": desk.live[State.OPEN],
            }
        return (200 if lookups.healthy else 503), body


def add_routes(app: web.Application, metrics: Metrics, health: Health) -> None:
    """``GET /healthz`` and ``GET /metrics`` on ``app``."""
    from aiohttp import web

    from bot.telegram.metrics import CONTENT_TYPE

    async def healthz(request: web.Request) -> web.Response:
        status, body = await health.check()
        return web.json_response(body, status=status)

    async def prometheus(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.content_type = CONTENT_TYPE
        response.charset = "utf-8"
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)


async def serve(host: str, port: int, metrics: Metrics, health: Health) -> web.AppRunner:
    """Both paths on their own server (long polling has no other); ``cleanup()`` stops it."""
    from aiohttp import web

    app = web.Application()
    add_routes(app, metrics, health)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    try:
        await start_site(runner, host, port, "METRICS_PORT")
    except CannotServe:
        await runner.cleanup()
        raise
    logger.info("health and metrics on %s:%s (/healthz, /metrics)", host, port)
    return runner
