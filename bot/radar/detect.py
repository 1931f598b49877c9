"""Spike detection: which keys have improbably many distinct people in the current window.

The statistic is a predictive p-value under "nothing is happening". Call a key's people in the
window X and everyone else's O (the window's total minus X). If nothing is happening, X is
Poisson with mean L·ρ: L is the others' rate now, ρ the key's usual ratio to the others at
this clock time. Neither is known, and both uncertainties are kept:

- ρ from the baselines: with b people of the key among B in the baseline windows,
  ρ/(1+ρ) ~ Beta(b + ½, B − b + ½) (binomial, Jeffreys' prior). The baseline windows are the
  same clock time on each previous day and whole windows up to ``baseline_reach`` (2 h) either
  side: a code's share of the questions barely moves within a few hours, and nine windows a
  day instead of one keep a rare code's share from resting on two or three people.
- L from the others now, O ~ Poisson(L), with a Gamma prior of the baselines' mean others per
  window and shape 2 (today may well be three times busier or quieter: weekdays against
  weekends): L ~ Gamma(2 + O, 2/level + 1). A busy window is measured by its own others; a
  quiet night keeps the knowledge that quiet is usual, so ten people on one provider at 22:00
  stand out even when nobody else is there to compare with.

X is then Poisson with a mean L·ρ whose mean and variance are those of the product; it is
taken as negative binomial with that mean and variance, and p = P(X ≥ people). "Usual", for
humans, is that mean: roughly the others now times the key's usual ratio to them. Scaling by
the others now makes the daily and weekly rhythm cancel: a busy Monday 09:00 after a quiet
weekend raises O and X alike, so neither the hour nor the day alerts by itself, and a spiking
key cannot raise its own expectation. Against a Poisson tail at a point estimate the tail is
wider where history is thin (a rare code, the first days), which is where point estimates
raise false alarms; with almost no history nothing is improbable.

A spike needs ``min_people`` (5) and p ≤ ``alert_p`` (1e-5). A month has 8640 passes, each
testing the few keys with enough people, and overlapping windows make one fluctuation last a
few passes: 1e-5 keeps false alarms under one a month (two in 16 generated months) while
catching ≥ 95% of 8-people, five-fold spikes within two passes (tests/test_radar.py).
A provider spikes only if it still does without the people of its own spiking entries: a wave
on one code is that code's alert, not its provider's too. Keys above their usual with
p ≤ ``above_p`` are findings but not spikes: an open alert lasts while its key is one, and
/radar lists them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from operator import attrgetter

from bot.radar.settings import RadarSettings
from bot.radar.tail import negative_binomial_tail
from bot.radar.windows import Key, Seen, Timeline, Window, baseline_ends, windows_for

__all__ = [
    "Finding",
    "Key",
    "Seen",
    "Timeline",
    "Window",
    "baseline_ends",
    "detect",
    "windows_for",
]

_PRIOR = 0.5  # Jeffreys' prior, in people, on each side of a key's share
# The prior on today's level at this clock time: Gamma with the baselines' mean and this shape
# (2: within a factor of three either way, wide enough for weekdays against weekends).
_LEVEL_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Finding:
    """A key above its usual right now; a spike if improbably so, by enough people."""

    key: Key
    people: int  # distinct people in the current window
    usual: float  # the people expected, from the baselines and the others now
    p: float  # the chance of at least this many people if nothing were happening
    spike: bool


@dataclass(frozen=True, slots=True)
class _Baselines:
    """The baseline windows: people per key (for the keys seen now), everyone, how many."""

    people: dict[Key, int]
    total: int
    windows: int

    def p_and_usual(
        self, people: int, others: int, key: Key, less: Sequence[Key] = ()
    ) -> tuple[float, float]:
        """P(X ≥ people) and the usual figure for ``key``, less the people of ``less``."""
        before = max(0, self.people[key] - sum(self.people[other] for other in less))
        others_before = self.total - self.people[key]  # everyone outside ``key``
        a, c = before + _PRIOR, others_before + _PRIOR
        if c <= 2:  # too little history for the ratio to have a variance: nothing is improbable
            return 1.0, float(people)
        ratio, ratio_square = a / (c - 1), a * (a + 1) / ((c - 1) * (c - 2))
        level = (others_before + 1) / max(1, self.windows)  # others in a baseline window
        shape, rate = _LEVEL_WEIGHT + others, _LEVEL_WEIGHT / level + 1
        usual = shape / rate * ratio
        spread = shape * (shape + 1) / rate**2 * ratio_square - usual**2
        return negative_binomial_tail(people, usual**2 / spread, usual), usual


def detect(current: Window, baselines: Sequence[Window], settings: RadarSettings) -> list[Finding]:
    """Keys above their usual now, most improbable first; ``spike`` marks those to alert."""
    # One person is never above anything worth a look.
    seen = [key for key, people in current.people.items() if people >= 2]
    history = _Baselines(
        {key: sum(window.people.get(key, 0) for window in baselines) for key in seen},
        sum(window.total for window in baselines),
        len(baselines),
    )
    findings: dict[Key, Finding] = {}
    for key in seen:
        people = current.people[key]
        p, usual = history.p_and_usual(people, current.total - people, key)
        if people > usual and p <= settings.above_p:
            spike = people >= settings.min_people and p <= settings.alert_p
            findings[key] = Finding(key, people, usual, p, spike)
    for key, finding in list(findings.items()):
        entries = [
            other.key
            for other in findings.values()
            if other.spike and other.key.kind == "entry" and other.key.provider == key.provider
        ]
        if key.kind == "provider" and finding.spike and entries:
            rest = finding.people - sum(current.people[entry] for entry in entries)
            p, _ = history.p_and_usual(rest, current.total - finding.people, key, entries)
            spike = rest >= settings.min_people and p <= settings.alert_p
            findings[key] = replace(finding, spike=spike)
    return sorted(findings.values(), key=attrgetter("p"))
