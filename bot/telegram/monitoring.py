"""What whoever runs the bot watches: ``GET /healthz`` and ``GET /metrics`` (Prometheus text).

Webhook mode serves both on its own aiohttp server; long polling serves them on METRICS_PORT
when it is set. Neither reveals a token, a person or a question: the metrics' labels are update
kinds, outcomes and provider slugs only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as exposition
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.analytics.writer import LookupLog
from bot.core.library import Library
from bot.handoff.conversation import State
from bot.telegram.shared import Shared

if TYPE_CHECKING:
    from bot.telegram.desk import SupportDesk

logger = logging.getLogger(__name__)

# From well under a millisecond (an answer handled here) to seconds (a slow Bot API call).
_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    """The bot's metrics, in a registry of its own (several bots in one test process)."""

    def __init__(
        self, library: Library, lookups: LookupLog, shared: Shared, desk: SupportDesk | None = None
    ) -> None:
        self.registry = CollectorRegistry()
        self._updates = Counter(
            "codebook_updates",
            "Updates handled, by kind (message, callback_query, inline_query) and outcome",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self._seconds = Histogram(
            "codebook_update_seconds",
            "Time to handle an update, replies included",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_State(library, lookups, shared))
        if desk is not None:
            self.registry.register(_Desk(desk))

    def observe(self, kind: str, outcome: str, seconds: float) -> None:
        """Count one handled update."""
        self._updates.labels(kind, outcome).inc()
        self._seconds.observe(seconds)

    def exposition(self) -> bytes:
        """Every metric in Prometheus' text format."""
        return exposition(self.registry)


class _State(Collector):
    """Read at each scrape: what the lookup log holds, the catalogs in use, and Redis."""

    def __init__(self, library: Library, lookups: LookupLog, shared: Shared) -> None:
        self._library = library
        self._lookups = lookups
        self._shared = shared

    def collect(self) -> Iterator[Metric]:
        lookups = self._lookups
        yield GaugeMetricFamily(
            "codebook_lookups_queued", "Lookups waiting to be written", value=lookups.pending
        )
        yield CounterMetricFamily(
            "codebook_lookups_written", "Lookups written to the database", value=lookups.written
        )
        yield CounterMetricFamily(
            "codebook_lookups_dropped",
            "Lookups dropped because too many waited for a failing database",
            value=lookups.dropped,
        )
        yield GaugeMetricFamily(
            "codebook_analytics_healthy",
            "1 while lookups are recorded and written, 0 while the database fails or is off",
            value=int(lookups.healthy),
        )
        entries = GaugeMetricFamily(
            "codebook_catalog_entries", "Entries in the catalogs in use", labels=["provider"]
        )
        for pc in self._library.resolver.catalog:
            entries.add_metric([pc.provider.slug], len(pc.entries))
        yield entries
        reloads = CounterMetricFamily(
            "codebook_catalog_reloads", "Catalog reloads (/reload), by result", labels=["result"]
        )
        for result in ("ok", "failed"):
            reloads.add_metric([result], self._library.reloads[result])
        yield reloads
        if self._shared.client is not None:
            yield GaugeMetricFamily(
                "codebook_redis_up",
                "1 while Redis answers, 0 while limits and locks fall back to this process",
                value=int(self._shared.up),
            )


class _Desk(Collector):
    """Handoff, read at each scrape: requests handed over or kept, messages relayed, the
    conversations live (as the last retry round counted them), the support chat's state."""

    def __init__(self, desk: SupportDesk) -> None:
        self._desk = desk

    def collect(self) -> Iterator[Metric]:
        desk = self._desk
        handoffs = CounterMetricFamily(
            "codebook_handoffs",
            "People handed to the support team: posted in a topic, or kept for a retry",
            labels=["result"],
        )
        for result in ("posted", "kept"):
            handoffs.add_metric([result], desk.handoffs[result])
        yield handoffs
        relayed = CounterMetricFamily(
            "codebook_relayed_messages", "Messages copied, by direction", labels=["direction"]
        )
        for direction in ("to_team", "to_person"):
            relayed.add_metric([direction], desk.relayed[direction])
        yield relayed
        for state, name in ((State.OPEN, "open"), (State.WAITING, "waiting")):
            yield GaugeMetricFamily(
                f"codebook_conversations_{name}",
                f"Conversations with the support team {name} now (every replica's)",
                value=desk.live[state],
            )
        yield GaugeMetricFamily(
            "codebook_support_reachable",
            "1 while the support chat takes requests (as last tried), 0 while they are kept",
            value=int(desk.reachable),
        )


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

    async def healthz(request: web.Request) -> web.Response:
        status, body = await health.check()
        return web.json_response(body, status=status)

    async def prometheus(request: web.Request) -> web.Response:
        response = web.Response(body=metrics.exposition())
        response.content_type = CONTENT_TYPE_LATEST.split(";")[0]
        response.charset = "utf-8"
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", prometheus)


async def serve(host: str, port: int, metrics: Metrics, health: Health) -> web.AppRunner:
    """Both paths on their own server (long polling has no other); ``cleanup()`` stops it."""
    app = web.Application()
    add_routes(app, metrics, health)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    logger.info("health and metrics on %s:%s (/healthz, /metrics)", host, port)
    return runner
