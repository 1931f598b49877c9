"""One poller per bot (bot/telegram/poller.py): a second process long polling the same bot
stands by for the lease, and takes it once the first gives it up or is gone. (Two real
processes: test_e2e_stops.py.)"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import Store, open_store
from bot.telegram import poller
from bot.telegram.poller import LEASE, stand_by

HOST = socket.gethostname()
OTHER = "elsewhere:4242:abcd1234"  # another host's process: alive as far as this one can tell


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
    assert await store.take_lease(LEASE, f"{HOST}:{pid}:0ld0ld00", poller.TTL, time.time())
    assert await asyncio.wait_for(stand_by(store, f"{HOST}:{os.getpid()}:new", asyncio.Event()), 5)


async def test_a_live_process_of_this_host_keeps_its_lease(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(poller, "LOOK", 0.01)
    parent = f"{HOST}:{os.getppid()}:alive000"  # (the process that ran this test: alive)
    assert await store.take_lease(LEASE, parent, poller.TTL, time.time())
    stop = asyncio.Event()
    waiting = asyncio.create_task(stand_by(store, f"{HOST}:{os.getpid()}:new", stop))
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
