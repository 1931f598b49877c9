"""The spill file: rows a stop could not write, kept beside the database for the next start.

One JSON line per row, already pseudonymised and masked (rollup.Row, rollup.VoteRow): the file
holds nothing the database would not.
"""

from __future__ import annotations

import hashlib
import logging
import os
from contextlib import suppress
from pathlib import Path

from bot.analytics.rollup import Stored, from_json, to_json
from bot.files import NotRegular, open_regular

logger = logging.getLogger(__name__)


def write_spill(path: Path, rows: list[Stored]) -> None:
    """Write ``rows`` to ``path``, whole or not at all (a temporary file, fsync, rename),
    making its folder if need be (PostgreSQL's spill goes where SQLite's file would be, in a
    folder nothing else made)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with temporary.open("w", encoding="utf-8") as file:
            file.writelines(to_json(row) + "\n" for row in rows)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except OSError:
        with suppress(OSError):
            temporary.unlink()
        raise


def places(path: Path) -> list[Path]:
    """Where a stop spills: beside the database (``path``), or, when that folder cannot be
    written (it is a file, or read-only), in the process's working folder, under a name that
    belongs to this spill path alone (``bot.sqlite3.pending`` becomes
    ``bot.sqlite3-<12 hex digits>.pending``): a start of another database from the same working
    folder never takes it for its own."""
    try:
        beside = path.resolve()
        owner = hashlib.sha256(str(beside).encode()).hexdigest()[:12]
        stem = path.name.removesuffix(".pending")
        fallback = Path.cwd() / f"{stem}-{owner}.pending"
    except OSError:  # the working folder was removed under the process
        return [path]
    return [path] if fallback.resolve() == beside else [path, fallback]


def read_spills(path: Path) -> list[tuple[Path, list[Stored]]]:
    """The spill files a stop left (see ``places``), each with its rows."""
    found = []
    for place in places(path):
        rows = read_spill(place)
        if rows is not None:
            found.append((place, rows))
    return found


def read_spill(path: Path) -> list[Stored] | None:
    """The rows in the spill file, None if there is none; a line that is not a row is logged
    and skipped."""
    try:  # (a FIFO there held the start for good, read as a file: an attack)
        with open_regular(path) as file:
            lines = file.read().decode("utf-8").splitlines()
    except (FileNotFoundError, NotADirectoryError):
        return None  # nothing was spilled (or there is not even a folder for it)
    except (OSError, NotRegular, UnicodeDecodeError) as exc:
        logger.error("lookup log: cannot read the spill file %s: %s", path, exc)
        return None
    rows: list[Stored] = []
    for number, line in enumerate(lines, 1):
        try:
            rows.append(from_json(line))
        except (ValueError, TypeError):
            logger.error("lookup log: %s:%d is not a stored row; skipped", path, number)
    logger.warning("lookup log: %d lookups from the last stop to write in (%s)", len(rows), path)
    return rows


def spill(path: Path, rows: list[Stored], where: object, anonymous: int = 0) -> bool:
    """Keep ``rows`` that ``where`` (the database) could not take in the spill file (beside the
    database, else in the working folder: ``places``), for the next start; False, logged, if
    even that failed. ``anonymous``: lookups among them kept without their person, because the
    key the database keeps was never read (it was down from the start): no key, no pseudonym,
    and a raw id is never kept (the votes, nothing without their person, went). Nothing to
    keep (the database failed a write of another kind, a conversation's): no file."""
    if not rows:
        return True
    if anonymous:
        logger.warning(
            "lookup log: the analytics key %s keeps was never read: %d lookups are kept "
            "without their person (they count in every figure but unique people)",
            where,
            anonymous,
        )
    failures = []
    for place in places(path):
        try:
            write_spill(place, rows)
        except OSError as exc:
            failures.append(f"{place} ({exc.strerror or exc})")
            continue
        path = place
        break
    else:
        logger.error(
            "lookup log: %d lookups lost: neither %s nor a spill file can be written: %s",
            len(rows),
            where,
            "; ".join(failures),
        )
        return False
    if failures:
        logger.warning("lookup log: cannot spill beside the database: %s", "; ".join(failures))
    logger.warning(
        "lookup log: %s cannot be written now; %d lookups kept in %s, the next start writes "
        "them in",
        where,
        len(rows),
        path,
    )
    return True
