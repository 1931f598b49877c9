"""The bot's Prometheus metrics: updates by kind and outcome, their time, and what the lookup
log, the catalogs, Redis and handoff hold, read at each scrape. Made only where ``/metrics`` is
served (a webhook, or METRICS_PORT): a bot nobody scrapes neither counts nor imports
prometheus_client (README: Benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

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

CONTENT_TYPE = CONTENT_TYPE_LATEST.split(";")[0]

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
