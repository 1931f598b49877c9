"""One poller per bot (bot/telegram/poller.py): a second process long polling the same bot
stands by for the lease, and takes it once the first gives it up or is gone. (Two real
processes: test_e2e_stops.py.)"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store, open_store
from bot.telegram import poller
from bot.telegram.poller import LEASE, stand_by, this_process
from tests.support.services import outage

HERE = ":".join(this_process().split(":")[:2])  # this host and pid namespace
OTHER = "elsewhere:4026531836:4242:abcd1234"  # another host's process: alive as far as we know


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    opened = open_store(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


def dead_pid() -> int:
    """The pid of a process that has ended."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    return int(done.stdout)


async def test_a_free_lease_is_taken_at_once(store: Store) -> None:
    assert await stand_by(store, "me:1:x", asyncio.Event())
    assert await store.lease_holder(LEASE) == "me:1:x"


async def test_a_stand_by_waits_for_the_other_to_give_the_lease_up(
    store: Store, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(poller, "LOOK", 0.01)
    assert await store.take_lease(LEASE, OTHER, poller.TTL, time.time())
    with caplog.at_level(logging.WARNING, logger="bot.telegram.poller"):
        waiting = asyncio.create_task(stand_by(store, "me:1:x", asyncio.Event()))
        for _ in range(20):  # a few looks, each finding the other there
            await asyncio.sleep(0.01)
        assert not waiting.done()
        await store.release_lease(LEASE, OTHER)
        assert await asyncio.wait_for(waiting, 30)
    said = [record.getMessage() for record in caplog.records]
    assert said[0].startswith(f"another Codebook polls this bot already ({OTHER})")
    assert said[-1] == "the other Codebook no longer polls: this one polls now"
    assert len(said) == 2  # the stand-by said once, not at every look


async def test_a_stop_while_standing_by_ends_the_wait(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poller, "LOOK", 0.01)
    assert await store.take_lease(LEASE, OTHER, poller.TTL, time.time())
    stop = asyncio.Event()
    waiting = asyncio.create_task(stand_by(store, "me:1:x", stop))
    await asyncio.sleep(0.05)
    stop.set()
    assert await asyncio.wait_for(waiting, 30) is False
    assert await store.lease_holder(LEASE) == OTHER


@pytest.mark.parametrize("last_life", ["this pid in an earlier life", "a pid no process has"])
async def test_the_lease_of_a_poller_of_this_host_that_is_gone_is_let_go(
    store: Store, last_life: str
) -> None:
    """Restarted after a kill -9, the bot stood by for its own last life's lease to run out."""
    pid = os.getpid() if last_life.startswith("this pid") else dead_pid()
    assert await store.take_lease(LEASE, f"{HERE}:{pid}:0ld0ld00", poller.TTL, time.time())
    assert await asyncio.wait_for(stand_by(store, this_process(), asyncio.Event()), 5)


@pytest.mark.parametrize(
    "holder",
    [
        "the parent of this process",  # (the process that ran this test: alive)
        # This host's name, this very pid, but counted in another pid namespace: another
        # container sharing the host's name (each took the other for its earlier life, and both
        # polled: a second attack).
        "this pid in another namespace",
        "this pid in the holder's form before namespaces",
    ],
)
async def test_a_process_that_may_be_alive_keeps_its_lease(
    store: Store, monkeypatch: pytest.MonkeyPatch, holder: str
) -> None:
    monkeypatch.setattr(poller, "LOOK", 0.01)
    host = HERE.split(":")[0]
    holder = {
        "the parent of this process": f"{HERE}:{os.getppid()}:alive000",
        "this pid in another namespace": f"{host}:1:{os.getpid()}:0ther000",
        "this pid in the holder's form before namespaces": f"{host}:{os.getpid()}:0ld0ld00",
    }[holder]
    assert await store.take_lease(LEASE, holder, poller.TTL, time.time())
    stop = asyncio.Event()
    waiting = asyncio.create_task(stand_by(store, this_process(), stop))
    await asyncio.sleep(0.05)
    stop.set()
    assert await asyncio.wait_for(waiting, 30) is False


async def test_a_database_that_does_not_answer_does_not_keep_a_lone_bot_from_polling(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "a-file").write_text("where a folder should be")
    broken = open_store(tmp_path / "a-file" / "bot.sqlite3")
    with caplog.at_level(logging.WARNING, logger="bot.telegram.poller"):
        assert await stand_by(broken, "me:1:x", asyncio.Event())
    assert "cannot tell whether another Codebook polls this bot" in caplog.text
    await broken.close()


async def test_a_database_that_hangs_is_given_up_on_at_start_and_at_the_stop(
    postgres_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A database that hangs held the start by its own timeouts and the stop past Docker's
    10 s (5 s more each: an attack). Each look at the lease is bounded (CALL)."""
    from bot.store.postgres import PostgresStore

    monkeypatch.setattr(poller, "CALL", 0.3)
    async with outage(postgres_url) as line:
        hung = PostgresStore(line.url, tmp_path / "lookups.pending")
        line.hang()
        with caplog.at_level(logging.WARNING, logger="bot.telegram.poller"):
            assert await asyncio.wait_for(stand_by(hung, this_process(), asyncio.Event()), 10)
            await asyncio.wait_for(poller.give_up(hung, this_process()), 10)
        line.flow()
        await hung.close()
    said = [record.getMessage() for record in caplog.records]
    assert said == [
        "cannot tell whether another Codebook polls this bot: no answer within 0.3 s",
        "the polling lease was not given up (it runs out in 30 s): no answer within 0.3 s",
    ]
