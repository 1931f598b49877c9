"""A PostgreSQL database's connection, migrations and schema version, and doctor's look at it.

Each migration file runs whole, in one ``execute`` (PostgreSQL parses it, dollar-quoted bodies
and all), in one transaction with the row recording it.
"""

from __future__ import annotations

import logging
import time

import asyncpg
from asyncpg import ServerVersion

from bot.store.base import Checked
from bot.store.queries import numbered, sql
from bot.store.schema import DatabaseTooNew, examine_foreign, examine_version, migrations

logger = logging.getLogger(__name__)

DIALECT = "postgres"
CONNECT_TIMEOUT = 5.0
# A migration's statements (a replica waiting for another's lock too) may take long on a large
# database, at a start when nothing else runs: bounded by this, not by the bot's COMMAND_TIMEOUT.
LONG_TIMEOUT = 3600.0
# A prune's step (a day's rows: the writer works off a backlog a day a round) holds the bot's
# one connection while it runs, and the handoff's reads wait for it: bounded so that a step
# stuck behind another session's lock, or a hung line, frees it within a minute (an hour's
# bound froze the handoff: found by an attack); one given up is tried again the next day.
PRUNE_TIMEOUT = 60.0
OLDEST_SERVER = 12  # the oldest PostgreSQL the migrations and queries are written for
_MIGRATION_LOCK = 0x636F6465626F6F6B  # "codebook": one replica migrates at a time


async def connect(url: str, command_timeout: float | None = None) -> asyncpg.Connection:
    """A connection, given up on after CONNECT_TIMEOUT; each statement on it after
    ``command_timeout`` seconds, if given."""
    return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT, command_timeout=command_timeout)


async def read_version(db: asyncpg.Connection) -> int:
    """The highest migration applied, 0 for a database never migrated."""
    if not await db.fetchval(sql("has_schema_migrations", DIALECT)):
        return 0
    return int(await db.fetchval(sql("schema_version", DIALECT)))


async def apply_migrations(db: asyncpg.Connection, where: str) -> list[str]:
    """Apply the pending migrations, each in one transaction with its record, holding the
    advisory lock so that replicas starting together apply each one once."""
    names = []
    known = migrations(dialect=DIALECT)
    for migration in known:
        async with db.transaction():
            await db.execute(
                "SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK, timeout=LONG_TIMEOUT
            )
            await db.execute(sql("create_schema_migrations", DIALECT))
            applied = {r[0] for r in await db.fetch(sql("applied_versions", DIALECT))}
            newest = max(applied, default=0)
            if newest > len(known):
                raise DatabaseTooNew(where, newest, len(known))
            if migration.version in applied:
                continue
            await db.execute(migration.path.read_text(encoding="utf-8"), timeout=LONG_TIMEOUT)
            record = numbered(sql("record_migration", DIALECT))[0]
            await db.execute(record, migration.version, migration.name, time.time())
        logger.info("%s: applied migration %s", where, migration.name)
        names.append(migration.name)
    return names


async def examine(url: str, where: str) -> Checked:
    """Whether the database at ``url`` takes writes and is at this code's schema (or empty,
    and the bot may make it); nothing is made or changed."""
    try:
        db = await connect(url)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        fix = "check DATABASE_URL, and that PostgreSQL runs and lets this host in"
        return Checked(False, f"cannot reach {where}: {str(exc) or 'no answer in time'}", fix)
    try:
        server = db.get_server_version()
        if server.major < OLDEST_SERVER:
            fix = f"upgrade the server: Codebook needs PostgreSQL {OLDEST_SERVER} or later"
            return Checked(False, f"{where} is PostgreSQL {_version(server)}", fix)
        if await db.fetchval("SELECT pg_is_in_recovery()"):
            return Checked(
                False, f"{where} is a read-only standby", "point DATABASE_URL at the primary"
            )
        version = await read_version(db)
        if version == 0:
            tables = {name for (name,) in await db.fetch(sql("table_names", DIALECT))}
            if foreign := examine_foreign(where, tables, "DATABASE_URL", "database"):
                return foreign
            if not await db.fetchval("SELECT has_schema_privilege(current_schema(), 'CREATE')"):
                fix = "GRANT CREATE ON SCHEMA public to the bot's user, or run migrate as owner"
                return Checked(False, f"{where} is empty and cannot be made", fix)
            if tables:  # (another program's tables beside: "empty" read as a mistake)
                found = f"{where} holds no tables of Codebook's yet, only others'"
                return Checked(True, f"{found}: the bot makes its own when it starts")
            return Checked(True, f"{where} empty: the bot makes its tables when it starts")
        if not await db.fetchval("SELECT has_table_privilege('lookups', 'INSERT')"):
            fix = "GRANT INSERT, UPDATE, DELETE, SELECT on the bot's tables to its user"
            return Checked(False, f"{where}: cannot write lookups", fix)
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        return Checked(False, f"{where} failed: {exc}")
    finally:
        await db.close()
    found = f"{where} writable (PostgreSQL {_version(server)}), schema {version}"
    return examine_version(where, version, "DATABASE_URL", "database") or Checked(True, found)


def _version(server: ServerVersion) -> str:
    """A server's version as PostgreSQL writes it: 15.20, where asyncpg's minor is 0 from
    version 10 on (the second number is its micro: doctor said "15.0")."""
    second = server.micro if server.major >= 10 else server.minor
    return f"{server.major}.{second}"
