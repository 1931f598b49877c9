"""The incident radar, proved on generated timelines (tests/support/timelines.py), not on
hand-picked ones: steady months stay quiet, spikes, outages and waves are alerted, and the
alerts behave (one per incident, edited as it grows, resolved, muted, kept across restarts)."""

from __future__ import annotations

import math
import random
from dataclasses import astuple
from itertools import pairwise

import pytest

from bot.radar.alerts import Action, Alert, Resolve, Send, mute
from bot.radar.detect import Timeline, detect, windows_for
from bot.radar.replay import Replayed, radar_pass, replay
from bot.radar.settings import RadarSettings
from bot.radar.tail import negative_binomial_tail
from bot.radar.windows import UNANSWERED, Key, Seen, Window, entry_key, provider_key
from tests.support.timelines import (
    DAY,
    ENTRIES,
    HOUR,
    MONDAY,
    POPULARITY,
    PROVIDERS,
    SPIKE_PEOPLE_FROM,
    SteadyTraffic,
    around,
    spike_rows,
)

SETTINGS = RadarSettings()
INTERVAL = 300.0  # RADAR_INTERVAL's default
MONTH_START, MONTH_DAYS = MONDAY + 7 * DAY, 30  # a week of history before it


@pytest.fixture(scope="session")  # made once per worker: nothing changes the rows
def month() -> list[Seen]:
    """Five weeks of steady lookups: a week of history, then the month under test."""
    return SteadyTraffic(seed=1).rows(MONDAY, MONTH_START + MONTH_DAYS * DAY)


def alerted(replayed: list[Replayed], key: Key) -> list[float]:
    """When the replay alerted about ``key``."""
    return [at for at, kind, provider, entry, _, _ in replayed if (kind, provider, entry) == key]


def incident_case(
    seed: int, key_of: str, least: int, times: float
) -> tuple[Key, float, list[Seen]]:
    """Steady lookups around a random time of a random week, with an incident starting then:
    ``max(least, times × usual)`` new people within one interval."""
    rng = random.Random(seed)
    traffic = SteadyTraffic(seed=10_000 + seed)
    start = MONTH_START + rng.uniform(0, 14 * DAY)
    if key_of == "entry":  # half the popular codes (they spike most), half any code
        provider, code = rng.choices(ENTRIES, POPULARITY)[0] if seed % 2 else rng.choice(ENTRIES)
        key = entry_key(provider, code)
    else:
        key = provider_key(rng.choice(PROVIDERS)[0]) if key_of == "provider" else UNANSWERED
    people = max(least, math.ceil(times * traffic.usual_people(key, start, SETTINGS.window)))
    rows = around(traffic, start, SETTINGS, after=3 * INTERVAL)
    rows += spike_rows(rng, key, start, people, INTERVAL, SPIKE_PEOPLE_FROM)
    return key, start, rows


def caught_within(key: Key, start: float, rows: list[Seen], delay: float) -> bool:
    """Whether passes every interval (on the clock's grid) alert about ``key`` by ``delay``."""
    first = start // INTERVAL * INTERVAL
    return any(
        at <= start + delay
        for at in alerted(replay(rows, first, start + delay, INTERVAL, SETTINGS), key)
    )


def test_a_month_of_steady_traffic_sends_at_most_one_false_alert(month: list[Seen]) -> None:
    end = MONTH_START + MONTH_DAYS * DAY
    assert len(replay(month, MONTH_START, end, INTERVAL, SETTINGS)) <= 1


def test_a_busy_monday_morning_after_a_quiet_weekend_is_no_spike(month: list[Seen]) -> None:
    timeline, now, weekend = Timeline(month), 0, 0
    for week in range(4):
        for hour in (9, 10, 11):
            at = MONTH_START + week * 7 * DAY + hour * HOUR
            current, baselines = timeline.windows_for(
                at, SETTINGS.window, 7, SETTINGS.baseline_reach
            )
            now += current.total
            weekend += baselines[4].total + baselines[9 + 4].total  # Sunday's, Saturday's
            assert not [
                finding for finding in detect(current, baselines, SETTINGS) if finding.spike
            ]
    assert now > 2 * weekend / 2  # a Monday morning has more than twice a weekend day's people


def test_spikes_of_five_times_the_usual_are_alerted_within_two_intervals() -> None:
    cases = [incident_case(seed, "entry", least=8, times=5) for seed in range(120)]
    caught = [caught_within(key, start, rows, 2 * INTERVAL) for key, start, rows in cases]
    assert sum(caught) >= 0.95 * len(cases)


def test_one_person_hammering_one_code_never_alerts() -> None:
    traffic, start = SteadyTraffic(seed=3), MONTH_START + 2 * DAY + 9 * HOUR
    rows = [row for hour in range(4) for row in around(traffic, start + hour * HOUR, SETTINGS, 0)]
    code = entry_key("pingsms", "1017")  # rarely asked: any second person would show
    rows += [Seen(start + n * 40.0, 42, code.provider, code.entry, "found") for n in range(400)]
    replayed = replay(set(rows), start, start + 4 * HOUR, INTERVAL, SETTINGS)
    assert not alerted(replayed, code) and not alerted(replayed, provider_key("pingsms"))


def test_a_provider_outage_alerts_for_the_provider() -> None:
    cases = [incident_case(500 + seed, "provider", least=12, times=5) for seed in range(30)]
    caught = [caught_within(key, start, rows, 3 * INTERVAL) for key, start, rows in cases]
    assert sum(caught) >= 0.9 * len(cases)


def test_a_wave_of_unanswered_questions_alerts_as_unanswered() -> None:
    cases = [incident_case(700 + seed, "unanswered", least=10, times=5) for seed in range(30)]
    caught = [caught_within(key, start, rows, 3 * INTERVAL) for key, start, rows in cases]
    assert sum(caught) >= 0.9 * len(cases)


def growing_spike(key: Key, start: float, minutes: int, seed: int) -> list[Seen]:
    """Three more people every five minutes for ``minutes``: a spike that grows."""
    rng, rows = random.Random(seed), []
    for step in range(minutes // 5):
        first = SPIKE_PEOPLE_FROM + 1000 * seed + 3 * step
        rows += spike_rows(rng, key, start + step * INTERVAL, 3, INTERVAL, first)
    return rows


def stored(alerts: dict[Key, Alert]) -> dict[Key, Alert]:
    """The alerts as the lead stores them (one plain row each) and reads them back."""
    rows = [astuple(alert) for alert in alerts.values()]
    return {alert.key: alert for alert in (Alert(*row) for row in rows)}


def run(
    timeline: Timeline, alerts: dict[Key, Alert], start: float, end: float, key: Key
) -> tuple[dict[Key, Alert], list[tuple[float, Action]]]:
    """Radar passes every interval from ``start`` to ``end``, the alerts stored and read back
    in between: the alerts after them, and what they did about ``key``."""
    about: list[tuple[float, Action]] = []
    at = start
    while at <= end:
        alerts, actions = radar_pass(timeline, stored(alerts), at, SETTINGS)
        about += [(at, action) for action in actions if action.alert.key == key]
        at += INTERVAL
    return alerts, about


CODE = entry_key("textly", "1011")  # asked a few times a day
START = MONTH_START + 3 * DAY + 10 * HOUR  # a Thursday morning


@pytest.fixture(scope="session")  # made once per worker: nothing changes the rows
def spiking() -> list[Seen]:
    """Nine days of steady lookups and a spike on CODE growing for forty minutes from START."""
    rows = SteadyTraffic(seed=5).rows(START - 8 * DAY, START + 28 * HOUR)
    return rows + growing_spike(CODE, START, 40, seed=1)


def test_a_restart_mid_spike_does_not_alert_twice(spiking: list[Seen]) -> None:
    alerts, about = run(Timeline(spiking), {}, START, START + 20 * 60, CODE)
    assert [type(action) for _, action in about].count(Send) == 1
    # A new process: its own timeline, the alerts read back from the database.
    _, about = run(Timeline(spiking), stored(alerts), START + 25 * 60, START + 3 * HOUR, CODE)
    assert about and Send not in [type(action) for _, action in about]


def test_an_alert_is_edited_as_it_grows_and_resolved_after_an_hour(spiking: list[Seen]) -> None:
    _, about = run(Timeline(spiking), {}, START - INTERVAL, START + 4 * HOUR, CODE)
    kinds = [type(action) for _, action in about]
    assert kinds[0] is Send and kinds.count(Send) == 1
    assert kinds[-1] is Resolve and kinds.count(Resolve) == 1
    figures = [action.alert.people for _, action in about[:-1]]
    assert len(figures) >= 3 and max(figures) > figures[0]  # edited as it grew
    assert all(before != after for before, after in pairwise(figures))  # only when it changed
    resolved = about[-1][1].alert
    assert resolved.resolved_at is not None and resolved.peak == max(figures)
    calm = resolved.resolved_at - resolved.above_at
    assert SETTINGS.resolve_after <= calm < SETTINGS.resolve_after + INTERVAL


def test_a_muted_key_sends_nothing_until_the_mute_ends(spiking: list[Seen]) -> None:
    second, third = START + 6 * HOUR, START + 26 * HOUR
    rows = spiking + growing_spike(CODE, second, 30, seed=2) + growing_spike(CODE, third, 30, 3)
    timeline = Timeline(rows)
    alerts, about = run(timeline, {}, START, START + 10 * 60, CODE)
    assert [type(action) for _, action in about] == [Send]
    until = START + 10 * 60 + DAY  # an admin pressed "mute 24 h"
    alerts = mute(alerts, CODE, until, START + 10 * 60)
    _, about = run(timeline, alerts, START + 15 * 60, START + 27 * HOUR, CODE)
    assert all(at >= until for at, _ in about)  # the second spike said nothing
    # When the mute ends the first alert is closed; the third spike has an alert of its own.
    assert [type(action) for _, action in about][:2] == [Resolve, Send]
    assert third <= about[1][0] <= third + 30 * 60


def test_windows_count_distinct_people_once_per_key() -> None:
    code, at = entry_key("gosms", "1004"), MONTH_START
    rows = [Seen(at - 60, 1, "gosms", "1004", "found"), Seen(at - 50, 1, "gosms", "1004", "found")]
    rows += [
        Seen(at - 40, 2, "gosms", None, "not_found"),
        Seen(at - 30, None, "gosms", "1004", "found"),
    ]
    rows += [
        Seen(at - DAY - 10, 3, "gosms", "1004", "several"),
        Seen(at + 1, 4, "gosms", "1", "found"),
    ]
    current, baselines = windows_for(rows, at, SETTINGS.window, 2, reach=0.0)
    # The unanswered question names GoSMS but counts as unanswered only.
    assert current.people == {code: 1, provider_key("gosms"): 1, UNANSWERED: 1}
    assert current.total == 2 and [window.total for window in baselines] == [1, 0]


def test_the_tail_matches_poisson_when_the_rate_is_certain() -> None:
    poisson = 1 - sum(math.exp(-1.0) / math.factorial(k) for k in range(5))
    assert negative_binomial_tail(5, 1e7, 1.0) == pytest.approx(poisson, rel=1e-4)
    assert negative_binomial_tail(0, 2.0, 1.0) == 1.0
    assert negative_binomial_tail(60, 50.0, 2.0) < 1e-40  # summed upwards, not 1 - (1 - tiny)


def test_an_enormous_wave_is_the_most_improbable_not_the_least() -> None:
    # P(X = 1000) underflows to nothing; the tail must still come out tiny, not one.
    assert negative_binomial_tail(1000, 2.0, 1.0) < 1e-300
    assert negative_binomial_tail(5000, 0.5, 50.0) < 1e-20
    code = entry_key("gosms", "1004")
    baselines = [Window(0.0, 1.0, {code: 1}, 300) for _ in range(63)]
    current = Window(0.0, 1.0, {code: 1000, provider_key("gosms"): 1000}, 1300)
    findings = {finding.key: finding for finding in detect(current, baselines, SETTINGS)}
    assert findings[code].spike and findings[code].p < 1e-100
