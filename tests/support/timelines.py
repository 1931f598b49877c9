"""Generated lookup timelines for the radar's tests: steady traffic with a daily and a weekly
rhythm, and incidents laid over it. Seeded per hour, so a test may ask for a month or for a
few hours around a time, and sees the same lookups either way, on every run."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from itertools import accumulate

from bot.radar.settings import RadarSettings
from bot.radar.windows import Key, Seen

HOUR = 3600
DAY = 86400
MONDAY = 1_704_067_200  # 2024-01-01 00:00 UTC, a Monday

# (slug, share of answered questions, entries): 150 entries over five providers.
PROVIDERS = (
    ("gosms", 0.36, 45),
    ("smsaero", 0.24, 35),
    ("textly", 0.18, 30),
    ("bulkgate", 0.13, 22),
    ("pingsms", 0.09, 18),
)
# People arriving per hour of the day (UTC), relative: quiet nights, busy mornings.
NIGHT_AND_MORNING = (0.3, 0.2, 0.15, 0.15, 0.2, 0.4, 1.0, 2.5, 5.0, 7.0, 7.5, 7.0)
AFTERNOON_AND_EVENING = (5.5, 6.0, 6.5, 6.0, 5.0, 3.5, 2.5, 1.8, 1.3, 1.0, 0.7, 0.5)
HOURLY = (*NIGHT_AND_MORNING, *AFTERNOON_AND_EVENING)
WEEKLY = (1.15, 1.0, 1.0, 1.0, 0.9, 0.3, 0.25)  # Monday first: quiet weekends
PEOPLE_PER_WEEKDAY = 320  # people arriving on an ordinary weekday
REGULARS = 2500  # people come back: arrivals are drawn from this many
UNANSWERED = 0.08  # questions nothing answers
NOT_AN_ERROR = 0.03  # questions that are no error code at all
SECOND_QUESTION, THIRD_QUESTION = 0.3, 0.1  # chance a person asks a second, a third thing
ASKS_AGAIN = 0.25  # chance a person asks the same thing twice
COLLEAGUES = 0.03  # chance a colleague asks the same code within the quarter hour
DAY_WANDER = 0.2  # how far an entry's popularity wanders from day to day (log-normal sigma)
VOLUME_WANDER = 0.15  # how far a day's volume wanders (log-normal sigma)
QUESTIONS_PER_PERSON = 1 + SECOND_QUESTION + THIRD_QUESTION
SPIKE_PEOPLE_FROM = 10_000_000  # people of generated incidents never meet regulars

PROVIDER_SHARE = {slug: 1 / len(PROVIDERS) for slug, _, _ in PROVIDERS}  # unanswered, named
ENTRIES = tuple(
    (slug, str(1000 + rank)) for slug, _, entries in PROVIDERS for rank in range(entries)
)
# Zipf within each provider: a provider's first codes are asked far more than its last.
POPULARITY = tuple(
    share / (rank + 1) / sum(1 / (r + 1) for r in range(entries))
    for _, share, entries in PROVIDERS
    for rank in range(entries)
)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method; a rounded normal for large means)."""
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class SteadyTraffic:
    """Lookups with no incident in them: a daily curve, quiet nights and weekends, a skewed
    popularity that wanders a little from day to day, a few unanswered questions."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._days: dict[int, tuple[float, list[float], float]] = {}

    def _day(self, day: int) -> tuple[float, list[float], float]:
        """A day's volume factor, its entries' cumulative weights and their sum."""
        if day not in self._days:
            rng = random.Random(self.seed * 1_000_003 + day)
            volume = WEEKLY[(day - MONDAY // DAY) % 7] * rng.lognormvariate(0, VOLUME_WANDER)
            weights = [share * rng.lognormvariate(0, DAY_WANDER) for share in POPULARITY]
            cumulative = list(accumulate(weights))
            self._days[day] = (volume, cumulative, cumulative[-1])
        return self._days[day]

    def hour_rate(self, hour: int) -> float:
        """People expected to arrive in an hour (hours since the epoch)."""
        volume, _, _ = self._day(hour // 24)
        return PEOPLE_PER_WEEKDAY * volume * HOURLY[hour % 24] / sum(HOURLY)

    def usual_people(self, key: Key, end: float, window: float) -> float:
        """Distinct people expected for a key in the window ending at ``end`` (roughly: a
        person asking two codes of one provider counts twice here)."""
        expected, start = 0.0, end - window
        for hour in range(int(start // HOUR), int(end // HOUR) + 1):
            overlap = min(end, (hour + 1) * HOUR) - max(start, hour * HOUR)
            if overlap > 0:
                people = self.hour_rate(hour) * overlap / HOUR
                expected += people * QUESTIONS_PER_PERSON * self._share(key, hour // 24)
        return expected

    def _share(self, key: Key, day: int) -> float:
        """The share of a day's questions that count for ``key``."""
        if key.kind == "unanswered":
            return UNANSWERED
        _, cumulative, total = self._day(day)
        answered = (1 - UNANSWERED - NOT_AN_ERROR) * (1 + COLLEAGUES) / total
        share = 0.0
        for index, (provider, entry) in enumerate(ENTRIES):
            if provider == key.provider and key.entry in ("", entry):
                share += (cumulative[index] - (cumulative[index - 1] if index else 0)) * answered
        if key.kind == "provider":
            share += UNANSWERED / 2 * PROVIDER_SHARE[key.provider]
        return share

    def rows(self, start: float, end: float) -> list[Seen]:
        """The lookups of every hour that overlaps ``[start, end)``."""
        rows: list[Seen] = []
        for hour in range(int(start // HOUR), math.ceil(end / HOUR)):
            self._hour(hour, rows)
        return rows

    def _hour(self, hour: int, rows: list[Seen]) -> None:
        """Add the lookups of people who arrive in one hour."""
        rng = random.Random(self.seed * 7_919 + hour * 104_729 + 17)
        _, cumulative, total = self._day(hour // 24)
        for _ in range(_poisson(rng, self.hour_rate(hour))):
            at = hour * HOUR + rng.random() * HOUR
            person = int(REGULARS * rng.random() ** 2)  # some come back far more often
            questions = 1 + (rng.random() < SECOND_QUESTION) + (rng.random() < THIRD_QUESTION)
            for _ in range(questions):
                at += rng.uniform(10, 240)
                roll = rng.random()
                if roll < UNANSWERED:
                    named = rng.choice((None, rng.choice(PROVIDERS)[0]))  # half name one
                    rows.append(Seen(at, person, named, None, "not_found"))
                elif roll < UNANSWERED + NOT_AN_ERROR:
                    rows.append(Seen(at, person, None, None, "not_an_error"))
                else:
                    provider, entry = ENTRIES[_pick(rng, cumulative, total)]
                    rows.append(Seen(at, person, provider, entry, "found"))
                    if rng.random() < ASKS_AGAIN:
                        rows.append(
                            Seen(at + rng.uniform(20, 300), person, provider, entry, "found")
                        )
                    if rng.random() < COLLEAGUES:
                        for colleague in range(1):
                            later = at + rng.uniform(0, 900)
                            rows.append(
                                Seen(later, person + 1 + colleague, provider, entry, "found")
                            )


def _pick(rng: random.Random, cumulative: list[float], total: float) -> int:
    """An index drawn by weight."""
    return min(bisect_right(cumulative, rng.random() * total), len(cumulative) - 1)


def spike_rows(
    rng: random.Random, key: Key, start: float, people: int, over: float, first: int
) -> list[Seen]:
    """``people`` new people asking about ``key`` (an entry, a provider's many codes, or
    something unanswered) at times spread over ``[start, start + over)``."""
    codes = [entry for slug, entry in ENTRIES if slug == key.provider]
    rows: list[Seen] = []
    for person in range(first, first + people):
        at = start + rng.random() * over
        for _ in range(rng.choice((1, 1, 2, 3))):  # some ask again
            if key.kind == "entry":
                rows.append(Seen(at, person, key.provider, key.entry, "found"))
            elif key.kind == "provider":
                rows.append(Seen(at, person, key.provider, rng.choice(codes), "found"))
            else:
                rows.append(Seen(at, person, key.provider or None, None, "not_found"))
            at += rng.uniform(5, 60)
    return rows


def around(traffic: SteadyTraffic, at: float, settings: RadarSettings, after: float) -> list[Seen]:
    """The steady lookups a radar pass at ``at`` (and passes up to ``after`` later) reads: its
    window and the baseline windows of every previous day, and nothing else."""
    rows: list[Seen] = []
    before = settings.baseline_reach + settings.window + after
    for day in range(settings.baseline_days + 1):
        then = at - day * DAY
        rows += traffic.rows(then - before, then + settings.baseline_reach + after + 1)
    return rows
