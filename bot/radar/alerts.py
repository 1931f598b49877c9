"""What the radar does with its findings over time: a pure state machine the bot persists.

Each pass hands ``advance`` the findings at time ``now`` and the alerts it returned last time
(read back from the database after a restart); it returns the alerts to store and what to do:

- a key that spikes with no open alert: ``Send`` a new alert;
- while an alerted key stays above its usual: ``Edit`` the message when its figure changes;
- once it has been back to normal for ``resolve_after``: ``Resolve`` (said once);
- a muted key does nothing until its mute ends: no new alert, no edit, no resolution; an
  alert open when the mute ends carries on (edited or resolved as its key is then).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from bot.radar.settings import RadarSettings
from bot.radar.windows import Key

if TYPE_CHECKING:  # (the store reads alerts without loading the statistic)
    from bot.radar.detect import Finding


@dataclass(frozen=True, slots=True)
class Alert:
    """One key's alert as stored: plain fields, one SQL column each."""

    kind: str  # the key: entry | provider | unanswered
    provider: str  # "" for unanswered
    entry: str  # "" unless kind is entry
    since: float  # when the key spiked
    people: int  # the figure the message shows
    usual: float  # the usual figure the message shows
    peak: int  # the most people in one window so far
    above_at: float  # the last pass that found the key above its usual
    resolved_at: float | None = None
    muted_until: float | None = None
    messages: str = ""  # the sent messages, opaque here (say, JSON of chat and message ids)

    @property
    def key(self) -> Key:
        """What the alert is about."""
        return Key(self.kind, self.provider, self.entry)

    def muted(self, now: float) -> bool:
        """Whether an admin's mute still holds at ``now``."""
        return self.muted_until is not None and now < self.muted_until


@dataclass(frozen=True, slots=True)
class Send:
    """Send a new alert (then record its messages with ``sent``)."""

    key: Key
    alert: Alert


@dataclass(frozen=True, slots=True)
class Edit:
    """Edit the alert's messages to show its new figure."""

    alert: Alert


@dataclass(frozen=True, slots=True)
class Resolve:
    """Say in the alert's messages that its key has been back to normal for a while."""

    alert: Alert


Action = Send | Edit | Resolve


def _opened(finding: Finding, now: float, muted_until: float | None) -> Alert:
    """A new alert for a key that has just spiked."""
    kind, provider, entry = finding.key
    people = finding.people
    return Alert(kind, provider, entry, now, people, finding.usual, people, now, None, muted_until)


def advance(
    alerts: Mapping[Key, Alert], findings: Iterable[Finding], now: float, settings: RadarSettings
) -> tuple[dict[Key, Alert], list[Action]]:
    """The alerts after a pass at ``now`` and what to send. Resolved alerts whose mute is
    over are left out: passed back in, they would change nothing."""
    found = {finding.key: finding for finding in findings}
    kept: dict[Key, Alert] = {}
    actions: list[Action] = []
    for key in sorted(found.keys() | alerts.keys()):
        alert, finding = alerts.get(key), found.get(key)
        if alert is not None and alert.muted(now):
            kept[key] = _noted(alert, finding, now)
        elif alert is None or alert.resolved_at is not None:
            if finding is not None and finding.spike:
                kept[key] = _opened(finding, now, None)
                actions.append(Send(key, kept[key]))
        elif finding is not None:
            kept[key] = _noted(alert, finding, now)
            if finding.people != alert.people:
                kept[key] = replace(kept[key], people=finding.people, usual=finding.usual)
                actions.append(Edit(kept[key]))
        elif now - alert.above_at >= settings.resolve_after:
            actions.append(Resolve(replace(alert, resolved_at=now)))
        else:
            kept[key] = alert
    return kept, actions


def _noted(alert: Alert, finding: Finding | None, now: float) -> Alert:
    """The alert with this pass's finding noted, and nothing shown."""
    if finding is None or alert.resolved_at is not None:
        return alert
    return replace(alert, above_at=now, peak=max(alert.peak, finding.people))


def sent(alerts: Mapping[Key, Alert], key: Key, messages: str) -> dict[Key, Alert]:
    """The alerts with a sent alert's message references recorded."""
    kept = dict(alerts)
    if key in kept:
        kept[key] = replace(kept[key], messages=messages)
    return kept


def mute(alerts: Mapping[Key, Alert], key: Key, until: float, now: float) -> dict[Key, Alert]:
    """The alerts with ``key`` muted until ``until`` (kept, as resolved, if it had none)."""
    kept = dict(alerts)
    alert = kept.get(key)
    if alert is None:
        alert = Alert(*key, since=now, people=0, usual=0.0, peak=0, above_at=now, resolved_at=now)
    kept[key] = replace(alert, muted_until=until)
    return kept


def message_refs(alert: Alert) -> list[tuple[int, int]]:
    """The (chat id, message id) of each message the alert was sent as."""
    return [(int(chat), int(message)) for chat, message in json.loads(alert.messages or "[]")]


def with_refs(refs: Iterable[tuple[int, int]]) -> str:
    """``messages`` for an alert sent as ``refs``."""
    return json.dumps([list(ref) for ref in refs])
