"""Tables on a page, found by their header row, whichever way the page was saved."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.sources.layout import Line

# The most lines one cell of a copied table is taken to run over.
CELL_LINES = 12


@dataclass
class Table:
    """A table found by its header row, with the running text just above it."""

    heading: str
    header: tuple[str, ...]
    rows: list[tuple[str, ...]]


def tables(
    lines: Sequence[Line], headers: Sequence[tuple[str, ...]], ends: Collection[str] = ()
) -> list[Table]:
    """Every table that starts with a row of one of ``headers`` (compared case-blind); it runs
    to the next header row or the next running text.

    Three ways a browser's copy blurs a table are undone: cells one a line are regrouped by the
    header's width; text lines between two rows of a table continue the last cell (a cell
    holding a list or line breaks); a one-column table copied as plain lines runs until the
    line that heads the next table, or one of ``ends`` (the text after the last table)."""
    keys = {_fold(header): len(header) for header in headers}
    lines = _regroup(lines, keys)
    found: list[Table] = []
    current: Table | None = None
    plain = False  # ``current`` is a one-column table copied as plain lines
    heading = ""
    for at, line in enumerate(lines):
        fold = _fold(line.cells)
        if line.table:
            if fold in keys:
                current, plain = Table(heading, line.cells, []), False
                found.append(current)
            elif current is not None and not plain:
                current.rows.append(line.cells)
            else:
                current = None
        elif current is not None and plain and not _ends_plain(lines, at, keys, ends):
            current.rows.append(line.cells)
        elif keys.get(fold) == 1:
            current, plain = Table(heading, line.cells, []), True
            found.append(current)
        elif current is not None and not plain and _continues(lines, at, current, keys):
            *cells, last = current.rows[-1]
            current.rows[-1] = (*cells, f"{last} {line.text}")
        else:
            current, plain, heading = None, False, line.text
    return found


def _fold(cells: Iterable[str]) -> tuple[str, ...]:
    return tuple(cell.casefold() for cell in cells)


def _regroup(lines: Sequence[Line], keys: dict[tuple[str, ...], int]) -> list[Line]:
    """Runs of one-cell table lines (a table copied one cell a line) as rows of the width of
    the header they start with."""
    out: list[Line] = []
    at = 0
    while at < len(lines):
        end = at
        while end < len(lines) and lines[end].table and len(lines[end].cells) == 1:
            end += 1
        if end == at:
            out.append(lines[at])
            at += 1
            continue
        cells = [line.cells[0] for line in lines[at:end]]
        width, pos = 1, 0
        while pos < len(cells):
            header = next(
                (cells[pos : pos + n] for k, n in keys.items() if _fold(cells[pos : pos + n]) == k),
                None,
            )
            chunk = header or cells[pos : pos + width]
            width = len(header) if header else width
            out.append(Line(tuple(chunk), table=True))
            pos += len(chunk)
        at = end
    return out


def _continues(
    lines: Sequence[Line], at: int, table: Table, keys: dict[tuple[str, ...], int]
) -> bool:
    """Whether the text line at ``at`` sits inside ``table``: a row of it follows soon (a
    cell's lines, not a page of text) before any other table line."""
    after = lines[at + 1 : at + 1 + CELL_LINES]
    nxt = next((line for line in after if line.table), None)
    return (
        nxt is not None and len(nxt.cells) == len(table.header) > 1 and _fold(nxt.cells) not in keys
    )


def _ends_plain(
    lines: Sequence[Line], at: int, keys: dict[tuple[str, ...], int], ends: Collection[str]
) -> bool:
    """Whether the text line at ``at`` ends a one-column table copied as plain lines: it is
    one of ``ends``, or the heading of the next table."""
    if lines[at].text in ends:
        return True
    following = lines[at + 1].cells[0].casefold() if at + 1 < len(lines) else ""
    return any(key[0] == following for key in keys)
