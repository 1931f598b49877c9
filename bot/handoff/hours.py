"""When the support team answers (SUPPORT_HOURS, e.g. ``mon-fri 09:00-18:00`` in TZ): whether it
is in now, when it is back, and how a person is told. Pure: the moment is given, and the zone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.i18n import Lang, strings, t

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEK = 7 * 24 * 60  # minutes
_SPAN = re.compile(
    r"(?P<first>[a-z]{3})[a-z]*(?:\s*-\s*(?P<last>[a-z]{3})[a-z]*)?"
    r"\s+(?P<start>\d{1,2}):(?P<start_m>\d{2})\s*-\s*(?P<end>\d{1,2}):(?P<end_m>\d{2})"
)
USAGE = (
    "days and hours, e.g. mon-fri 09:00-18:00; several spans separated by commas: "
    "mon-fri 09:00-18:00, sat 10:00-14:00 (daily 00:00-24:00 is always)"
)


@dataclass(frozen=True)
class SupportHours:
    """The team's week: spans of minutes from Monday 00:00, each ``(start, end)``; an end past
    the week's end goes on into the next Monday (``sun 22:00-02:00``)."""

    spans: tuple[tuple[int, int], ...]
    text: str  # as configured, for the log and doctor

    @classmethod
    def parse(cls, text: str) -> SupportHours:
        """``mon-fri 09:00-18:00, sat 10:00-14:00``; ValueError (saying how to write it) else."""
        spans: list[tuple[int, int]] = []
        parts = [part.strip() for part in re.split(r"[,;]", text.lower()) if part.strip()]
        if not parts:
            raise ValueError(USAGE)
        for part in parts:
            match = _SPAN.fullmatch(part.replace("daily", "mon-sun"))
            if match is None:
                raise ValueError(USAGE)
            first, last = match["first"], match["last"] or match["first"]
            if first not in WEEKDAYS or last not in WEEKDAYS:
                raise ValueError(f"a weekday is mon, tue, wed, thu, fri, sat or sun: {USAGE}")
            start = _minutes(match["start"], match["start_m"])
            end = _minutes(match["end"], match["end_m"])
            if start is None or end is None or start == 24 * 60:
                raise ValueError(f"a time is 00:00 to 23:59 (24:00 only as an end): {USAGE}")
            if end <= start:  # past midnight: the span ends the next day
                end += 24 * 60
            days = range(WEEKDAYS.index(first), WEEKDAYS.index(last) + 1)
            if WEEKDAYS.index(last) < WEEKDAYS.index(first):  # fri-mon
                days = range(WEEKDAYS.index(first), WEEKDAYS.index(last) + 8)
            spans += [((day % 7) * 1440 + start, (day % 7) * 1440 + end) for day in days]
        return cls(tuple(sorted(spans)), text.strip())

    def is_in(self, moment: datetime) -> bool:
        """Whether the team is in at ``moment`` (an aware datetime, read in its own zone)."""
        minute = _minute_of_week(moment)
        return any(start <= m < end for start, end in self.spans for m in (minute, minute + WEEK))

    def back_at(self, moment: datetime) -> datetime:
        """When the team is next in, from ``moment`` on (``moment`` itself while it is in), as
        the wall clock in ``moment``'s zone reads it."""
        if self.is_in(moment):
            return moment
        minute = _minute_of_week(moment)
        ahead = min(
            start + week - minute
            for start, _ in self.spans
            for week in (0, WEEK)
            if start + week > minute
        )
        local = moment.replace(second=0, microsecond=0, tzinfo=None) + timedelta(minutes=ahead)
        return local.replace(tzinfo=moment.tzinfo)


def next_in(hours: SupportHours | None, now: float, tz: ZoneInfo) -> datetime | None:
    """When the team is back, as a time in ``tz``; None while it is in (or always is)."""
    if hours is None:
        return None
    moment = datetime.fromtimestamp(now, tz)
    return None if hours.is_in(moment) else hours.back_at(moment)


def expect_answer(hours: SupportHours | None, now: float, tz: ZoneInfo, lang: Lang) -> str:
    """What a person handed to the team is told of when to expect an answer: within the working
    day, or when the team is back; nothing when the team is always in."""
    if hours is None:
        return ""
    back = next_in(hours, now, tz)
    if back is None:
        return t("handoff_hours_in", lang)
    return t("handoff_hours_out", lang).format(when=when(back, now, lang), zone=tz.key)


def when(moment: datetime, now: float, lang: Lang) -> str:
    """``today at 09:00``, ``tomorrow at 09:00``, ``on Monday at 09:00``."""
    today = datetime.fromtimestamp(now, moment.tzinfo).date()
    time_of_day = moment.strftime("%H:%M")
    days = (moment.date() - today).days
    if days == 0:
        return t("handoff_today", lang).format(time=time_of_day)
    if days == 1:
        return t("handoff_tomorrow", lang).format(time=time_of_day)
    day = str(strings()["weekdays"][lang][moment.weekday()])
    return t("handoff_weekday", lang).format(day=day, time=time_of_day)


def _minutes(hours: str, minutes: str) -> int | None:
    value = int(hours) * 60 + int(minutes)
    return value if int(minutes) < 60 and value <= 24 * 60 else None


def _minute_of_week(moment: datetime) -> int:
    return moment.weekday() * 1440 + moment.hour * 60 + moment.minute
