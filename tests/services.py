"""The PostgreSQL and Redis servers the tests use: the ones running on this machine (and on CI),
a fresh database or Redis number for each test. Where a server is not running, its tests skip,
except on CI (CI set), where both run and a test that cannot reach one fails."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

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
    """The URL of a new, empty database, dropped afterwards."""
    import asyncpg

    name = f"codebook_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(POSTGRES, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        unavailable(f"PostgreSQL at {POSTGRES}", exc)
        raise
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES.rsplit("/", 1)[0]
        yield f"{base}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@asynccontextmanager
async def fresh_redis() -> AsyncIterator[str]:
    """The URL of a Redis database number no other test uses now (one for each pytest-xdist
    worker: a worker runs its tests one at a time), emptied before and after."""
    import redis.asyncio as redis

    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    number = 1 + int(worker) % 15  # 0 is left to whoever else uses the server
    url = f"{REDIS}/{number}"
    client = redis.Redis.from_url(url)
    try:
        await client.ping()
    except (OSError, redis.RedisError) as exc:
        await client.aclose()
        unavailable(f"Redis at {REDIS}", exc)
        raise
    try:
        await client.flushdb()
        yield url
    finally:
        await client.flushdb()
        await client.aclose()
