"""The PostgreSQL and Redis servers the tests use: the ones running on this machine (and on CI),
a fresh database or Redis number for each test. Where a server is not running, its tests skip,
except on CI (CI set), where both run and a test that cannot reach one fails."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest

POSTGRES = os.environ.get("CODEBOOK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("CODEBOOK_TEST_REDIS", "redis://127.0.0.1:6379")


def unavailable(what: str, exc: BaseException) -> None:
    """Skip the test for want of a server, or, on CI, fail it."""
    message = f"{what} is not reachable ({exc})"
    if os.environ.get("CI"):
        pytest.fail(f"{message}: on CI it must be", pytrace=False)
    pytest.skip(message)


@asynccontextmanager
async def fresh_postgres() -> AsyncIterator[str]:
    """The URL of a new, empty database: made for the test, or one this process made for an
    earlier test and emptied since (see _empty). Making one costs ~0.3 s of the server's time
    (measured: CREATE DATABASE 270 ms and DROP 20 ms, emptying 20 ms), and some 60 tests ask.
    The databases left are dropped when the tests end (drop_made, from conftest.py)."""
    import asyncpg

    try:
        admin = await asyncpg.connect(POSTGRES, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL at {POSTGRES}", exc)
        raise
    base = POSTGRES.rsplit("/", 1)[0]
    try:
        if _emptied:
            name = _emptied.pop()
        else:
            name = f"codebook_{uuid.uuid4().hex[:12]}"
            await admin.execute(f'CREATE DATABASE "{name}"')
            made = await asyncpg.connect(f"{base}/{name}", timeout=5)
            try:
                _made[name] = await _fingerprint(made)
            finally:
                await made.close()
        try:
            yield f"{base}/{name}"
        finally:
            if await _empty(admin, f"{base}/{name}", _made[name]):
                _emptied.append(name)
            else:
                await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                del _made[name]
    finally:
        await admin.close()


# The databases this process made, each with what it held when made (_FINGERPRINT), and those
# of them emptied and free for the next test.
_made: dict[str, tuple[str, ...]] = {}
_emptied: list[str] = []

# What a new database holds beside its tables: the public schema's owner and privileges, then
# its settings, privileges, comment, large objects, extensions, publications, default
# privileges, event triggers and foreign servers. Emptied, a database must hold the same.
_FINGERPRINT = """
SELECT
  (SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'public'),
  (SELECT coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'public'),
  (SELECT coalesce(string_agg(setrole::text || setconfig::text, ';' ORDER BY setrole), '')
     FROM pg_db_role_setting WHERE setdatabase = d.oid),
  coalesce(d.datacl::text, ''),
  coalesce(shobj_description(d.oid, 'pg_database'), ''),
  (SELECT count(*)::text FROM pg_largeobject_metadata),
  (SELECT string_agg(extname, ',' ORDER BY extname) FROM pg_extension),
  (SELECT count(*)::text FROM pg_publication),
  (SELECT count(*)::text FROM pg_default_acl),
  (SELECT count(*)::text FROM pg_event_trigger),
  (SELECT count(*)::text FROM pg_foreign_server)
FROM pg_database d WHERE d.datname = current_database()
"""
_OWN_SCHEMAS = (
    "SELECT nspname FROM pg_namespace"
    " WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'"
)


async def _fingerprint(db: Any) -> tuple[str, ...]:
    """_FINGERPRINT of the database ``db`` is connected to."""
    row = await db.fetchrow(_FINGERPRINT)
    return tuple(str(value) for value in row) if row is not None else ()


async def _empty(admin: Any, url: str, made: tuple[str, ...]) -> bool:
    """Empty a database as a new one is: its connections ended, its settings reset, its large
    objects unlinked, every schema dropped, and the public schema made again with the owner
    and privileges it was made with. False (the database to be dropped instead) if that
    cannot be done or what it holds beside its tables is not what it held when made."""
    import asyncpg

    name = url.rsplit("/", 1)[1]
    owner, privileges = made[:2]
    public = {"U": "USAGE", "C": "CREATE"}
    granted = [
        public[letter]
        for item in privileges.strip("{}").split(",")
        if item.startswith("=")
        for letter in item[1:].split("/", 1)[0]
        if letter in public
    ]
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        await admin.execute(f'ALTER DATABASE "{name}" RESET ALL')
        await admin.execute(f'ALTER ROLE ALL IN DATABASE "{name}" RESET ALL')
        db = await asyncpg.connect(url, timeout=5)
        try:
            async with db.transaction():
                await db.execute("SELECT lo_unlink(oid) FROM pg_largeobject_metadata")
                for (schema,) in await db.fetch(_OWN_SCHEMAS):
                    await db.execute(f'DROP SCHEMA "{schema}" CASCADE')
                await db.execute(f'CREATE SCHEMA public AUTHORIZATION "{owner}"')
                if granted:
                    await db.execute(f"GRANT {', '.join(granted)} ON SCHEMA public TO PUBLIC")
            return await _fingerprint(db) == made
        finally:
            await db.close()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
        return False


async def drop_made() -> None:
    """Drop the databases this process made (at the end of the tests)."""
    if not _made:
        return
    import asyncpg

    admin = await asyncpg.connect(POSTGRES, timeout=5)
    try:
        for name in list(_made):
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            del _made[name]
        _emptied.clear()
    finally:
        await admin.close()


@asynccontextmanager
async def fresh_redis() -> AsyncIterator[str]:
    """The URL of a Redis database number no other test uses now, emptied before and after.

    Numbers 1-15 are claimed in database 0 (a key that expires, in case a run is killed), so
    test runs side by side (two checkouts, CI beside a developer) never share one; 0 is left to
    whoever else uses the server."""
    import redis.asyncio as redis

    claims = redis.Redis.from_url(f"{REDIS}/0")
    token = uuid.uuid4().hex
    try:
        number = await _claim(claims, token)
    except (OSError, redis.RedisError) as exc:
        await claims.aclose()
        unavailable(f"Redis at {REDIS}", exc)
        raise
    url = f"{REDIS}/{number}"
    client = redis.Redis.from_url(url)
    try:
        await client.flushdb()
        yield url
    finally:
        await client.flushdb()
        await client.aclose()
        if await claims.get(_CLAIM.format(number)) == token.encode():
            await claims.delete(_CLAIM.format(number))
        await claims.aclose()


_CLAIM = "codebook-test:claim:{}"
_CLAIM_SECONDS = 600


async def _claim(claims: Any, token: str) -> int:
    """A database number from 1 to 15 that this test holds until it ends (waits for one)."""
    for _ in range(600):
        for number in range(1, 16):
            if await claims.set(_CLAIM.format(number), token, nx=True, ex=_CLAIM_SECONDS):
                return number
        await asyncio.sleep(0.1)
    raise TimeoutError("every Redis test database stayed claimed for a minute")


class Outage:
    """A TCP proxy in front of a server: a test points the bot at ``url`` and then ``cut()``s
    the line (connections dropped, new ones refused) and ``restore()``s it, as when the server
    stops and starts again, without stopping the server other tests use."""

    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self._target = target
        self._host, self._port = parts.hostname or "127.0.0.1", parts.port or 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._flowing = asyncio.Event()  # cleared: the line hangs, nothing passes either way
        self._flowing.set()
        self.port = 0

    @property
    def url(self) -> str:
        """``target`` with the proxy's port in place of the server's."""
        parts = urlsplit(self._target)
        login = parts.netloc.rsplit("@", 1)
        where = f"127.0.0.1:{self.port}"
        return urlunsplit(parts._replace(netloc=f"{login[0]}@{where}" if len(login) > 1 else where))

    async def restore(self) -> None:
        """Accept connections (again), on the same port."""
        self._server = await asyncio.start_server(self._pipe, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    def hang(self) -> None:
        """Nothing passes any more, and nothing is closed: a server that stopped answering (a
        hung host, packets dropped), until ``flow()``."""
        self._flowing.clear()

    def flow(self) -> None:
        """What waited passes, and the rest."""
        self._flowing.set()

    async def cut(self) -> None:
        """Drop every connection and refuse new ones."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._flowing.wait()
        try:
            up_reader, up_writer = await asyncio.open_connection(self._host, self._port)
        except OSError:
            writer.transport.abort()
            return
        self._writers |= {writer, up_writer}

        async def copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(65536):
                    await self._flowing.wait()
                    sink.write(data)
                    await sink.drain()
            except OSError:
                pass
            finally:
                sink.transport.abort()

        await asyncio.gather(copy(reader, up_writer), copy(up_reader, writer))
        self._writers -= {writer, up_writer}


@asynccontextmanager
async def outage(target: str) -> AsyncIterator[Outage]:
    """An :class:`Outage` in front of ``target``, open at the start."""
    proxy = Outage(target)
    await proxy.restore()
    try:
        yield proxy
    finally:
        await proxy.cut()
