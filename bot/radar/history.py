"""`python -m bot radar --replay`: the alerts the radar would have sent over stored lookups, from
the database or from an `export` CSV, so that a lead can choose thresholds before switching it
on. The same settings and the same code as the bot's passes (replay.py); what is read and
printed is here.

Both sources give the same ``Seen`` rows: the CSV's person is the database's pseudonym written
in 16 hex digits (a different number, the same person), its time is cut to milliseconds.
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.analytics.reports import EXPORT_COLUMNS, OUTCOMES
from bot.core.catalog import Catalog
from bot.core.i18n import Lang
from bot.files import NotRegular, TooLarge, text_lines, undecodable_line
from bot.radar.names import Named, named
from bot.radar.replay import Replayed, replay
from bot.radar.settings import RadarSettings
from bot.radar.windows import DAY_SECONDS, Key, Seen, Timeline

if TYPE_CHECKING:
    from bot.store import Store

# The export's columns a replay reads (the others are there for people).
NEEDED = ("time", "user_key", "provider", "entry_key", "outcome", "channel")
# The largest export replayed: a year of a busy bot, 10 million lookups (the year-long report
# the README measures) at about 110 bytes a row, is some 1.1 GB. A row's line is far shorter
# than MAX_CSV_LINE: its question is stored cut to 200 characters (privacy.QUERY_LIMIT).
MAX_CSV_BYTES = 2_000_000_000
MAX_CSV_LINE = 16_384
CSV_BATCH = 10_000  # rows read before they are added to the replay's Timeline


class BadCsv(Exception):
    """A CSV the replay cannot read, as ``file:line: what is wrong`` (``file: why`` when it
    cannot be opened)."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        super().__init__(f"{path}:{line}: {problem}" if line else f"{path}: {problem}")


def passes(last: float, days: int, settings: RadarSettings) -> tuple[float, float]:
    """The first and the last pass of ``days`` days of passes up to ``last``, on the bot's
    grid (every interval since the epoch)."""
    interval = settings.interval
    end = math.floor(last / interval) * interval
    start = (math.floor((end - days * DAY_SECONDS) / interval) + 1) * interval
    return start, end


def history_from(start: float, settings: RadarSettings) -> float:
    """The earliest lookup the first pass at ``start`` counts (its baselines', see
    reading.spans)."""
    reach = settings.baseline_reach // settings.window * settings.window
    return start - settings.baseline_days * DAY_SECONDS - reach - settings.window


def csv_rows(path: Path) -> Iterator[Seen]:
    """The lookups of a CSV written by `python -m bot export`, one at a time as they are read
    (a replay holds them as a Timeline, not as rows); BadCsv, raised where it is read, says
    where it is not."""
    try:
        with text_lines(path, MAX_CSV_BYTES, MAX_CSV_LINE, "utf-8-sig") as lines:
            reader = csv.reader(lines)
            try:
                yield from _csv_rows(path, reader)
            except UnicodeDecodeError:
                line = undecodable_line(path, "utf-8-sig") or reader.line_num + 1
                raise BadCsv(path, line, "not UTF-8 text") from None
            except csv.Error as exc:
                raise BadCsv(path, reader.line_num, str(exc)) from None
            except TooLarge as exc:
                why = f"{exc}: not an export (a year of a busy bot's is about 1.1 GB)"
                raise BadCsv(path, reader.line_num + 1, why) from None
    except NotRegular:  # a FIFO would wait for a writer, a device would never end
        raise BadCsv(path, None, "not a regular file") from None
    except OSError as exc:
        raise BadCsv(path, None, exc.strerror or str(exc)) from None


def _csv_rows(path: Path, reader: Any) -> Iterator[Seen]:
    """The rows under the CSV's header, each record checked where it starts (a question may
    hold line breaks); blank lines skipped."""
    header = next(reader, None)
    if header is None:
        raise BadCsv(path, 1, "empty: expected the header of `python -m bot export`")
    missing = [name for name in NEEDED if name not in header]
    if missing:
        raise BadCsv(
            path,
            1,
            f"no column {', '.join(missing)}: expected the columns of `python -m bot export` "
            f"({', '.join(EXPORT_COLUMNS)})",
        )
    where = [header.index(name) for name in NEEDED]
    line = reader.line_num + 1
    for fields in reader:
        if fields:
            if len(fields) != len(header):
                raise BadCsv(path, line, f"{len(fields)} fields, the header has {len(header)}")
            *read, channel = (fields[index] for index in where)
            try:
                seen = _seen(*read)
            except ValueError as exc:
                raise BadCsv(path, line, str(exc)) from None
            if channel != "alert":  # as the radar_rows query: an alert's own answer button
                yield seen
        line = reader.line_num + 1


def _seen(at: str, person: str, provider: str, entry: str, outcome: str) -> Seen:
    """One CSV row as the radar reads it; ValueError says which field is wrong."""
    try:
        when = datetime.fromisoformat(at.strip())
    except ValueError:
        raise ValueError(f"time {at!r} is not ISO 8601, e.g. 2024-05-10T12:00:00.000Z") from None
    if when.tzinfo is None:  # the export writes Z; a spreadsheet may drop it
        when = when.replace(tzinfo=UTC)
    key: int | None = None
    if person.strip():
        try:
            key = int(person, 16)
        except ValueError:
            key = -1
        if not 0 <= key < 1 << 64:
            raise ValueError(f"user_key {person!r} is not a pseudonym of 16 hex digits")
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome {outcome!r} is not one of {', '.join(OUTCOMES)}")
    return Seen(when.timestamp(), key, provider or None, entry or None, outcome)


def from_csv(
    path: Path, days: int, settings: RadarSettings
) -> tuple[list[Replayed], tuple[float, float]]:
    """The alerts of the last ``days`` days of an export (up to the pass after its last
    lookup; the days before it are the history), and the passes replayed."""
    timeline, rows, latest = Timeline(compact=True), csv_rows(path), -math.inf
    while batch := list(islice(rows, CSV_BATCH)):  # rows held a batch at a time
        latest = max(latest, *(row.at for row in batch))
        timeline.add(batch)
    if latest == -math.inf:  # no lookup
        return [], (0.0, 0.0)
    start, end = passes(math.ceil(latest / settings.interval) * settings.interval, days, settings)
    return replay(timeline, start, end, settings.interval, settings), (start, end)


async def from_store(
    store: Store, days: int, settings: RadarSettings, now: float
) -> tuple[list[Replayed], tuple[float, float]]:
    """The alerts of the last ``days`` days up to ``now``, from the store's lookups, and the
    passes replayed."""
    start, end = passes(now, days, settings)
    timeline = Timeline(compact=True)
    async for rows in store.radar_history(history_from(start, settings), end):
        timeline.add(rows)
    return replay(timeline, start, end, settings.interval, settings), (start, end)


def as_json(alerts: Iterable[Replayed], catalog: Catalog) -> list[dict[str, Any]]:
    """The alerts as `--format json` prints them: ``{at, kind, provider, code, people, usual}``,
    ``code`` as the catalog writes it (entries only), ``provider`` the slug (null for the
    unanswered)."""
    return [
        {
            "at": _iso(alert.at),
            "kind": alert.kind,
            "provider": alert.provider or None,
            "code": _named(alert, catalog).code or None if alert.kind == "entry" else None,
            "people": alert.people,
            "usual": round(alert.usual, 1),
        }
        for alert in alerts
    ]


def as_text(
    alerts: Sequence[Replayed],
    catalog: Catalog,
    days: int,
    span: tuple[float, float],
    settings: RadarSettings,
    lang: Lang = "en",
) -> list[str]:
    """One line per alert (when, what as people type it, people against usual), then what
    was replayed with which settings."""
    lines = []
    for alert in alerts:
        name, title, _, _ = _named(alert, catalog, lang)
        what = f"{name} — {title}" if title else name
        lines.append(
            f"{_minute(alert.at)} UTC  {what}: {alert.people} people, usually {alert.usual:.1f}"
        )
    count = f"{len(alerts)} alert{'' if len(alerts) == 1 else 's'}"
    start, end = span
    passes = f"passes {_minute(start)} to {_minute(end)} UTC" if end else "no lookups to replay"
    lines.append(
        f"{count} in {days} day{'' if days == 1 else 's'} replayed ({passes}), with "
        f"RADAR_INTERVAL {_span(settings.interval)}, RADAR_WINDOW {_span(settings.window)}, "
        f"RADAR_BASELINE_DAYS {settings.baseline_days}, RADAR_MIN_PEOPLE {settings.min_people}"
    )
    return lines


def _named(alert: Replayed, catalog: Catalog, lang: Lang = "en") -> Named:
    return named(Key(alert.kind, alert.provider, alert.entry), catalog, lang)


def _span(duration: float) -> str:
    """A duration as the settings write it: 5m, 1h, 90s."""
    for unit, size in (("h", 3600), ("m", 60)):
        if duration >= size and duration % size == 0:
            return f"{duration / size:g}{unit}"
    return f"{duration:g}s"


def _minute(at: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(at))


def _iso(at: float) -> str:
    """ISO 8601 UTC, to the second (passes are on the grid), with milliseconds if not."""
    moment = datetime.fromtimestamp(at, UTC)
    spec = "seconds" if moment.microsecond == 0 else "milliseconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")
