"""The real ``python -m bot`` process for end-to-end tests, polling (or serving a webhook to)
the fake Bot API server over real HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
# How long a test lets a bot process take to start and to stop before calling it hung: far
# beyond what either takes (seconds), so that a busy machine never fails a test.
STARTING = 120.0
STOPPING = 60.0


def free_port() -> int:
    """A TCP port nothing listens on now, for a bot's webhook or metrics."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def start_bot(
    cwd: Path,
    out: Any = asyncio.subprocess.PIPE,
    program: tuple[str, ...] = ("-m", "bot"),
    **settings: str,
) -> asyncio.subprocess.Process:
    """``python -m bot`` (or ``program``, a script that runs it) with ``settings`` as its
    environment (over a clean copy of ours: nothing of a developer's bot or webhook settings
    leaks in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
    env.update({"CATALOGS_DIR": str(ROOT / "catalogs"), "XDG_CONFIG_HOME": str(cwd / "config")})
    env.update(settings)
    return await asyncio.create_subprocess_exec(
        sys.executable, *program, cwd=cwd, env=env, stdout=out, stderr=out
    )


@dataclass
class Running:
    fake: FakeTelegram
    process: asyncio.subprocess.Process
    database: Path
    log: Path

    async def ask(self, update: dict, method: str = "sendMessage") -> dict:
        """Push an update; the first ``method`` call it caused."""
        since = len(self.fake.requests)
        self.fake.push(update)
        return (await self.fake.wait_for(method, since=since)).params

    async def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop the bot as a process manager would; its exit status."""
        self.process.send_signal(sig)
        return await asyncio.wait_for(self.process.wait(), STOPPING)


@asynccontextmanager
async def no_bot_left(running: Running) -> AsyncIterator[Running]:
    """``running``, killed at the end if it still runs: a failed test leaves no bot behind."""
    try:
        yield running
    finally:
        if running.process.returncode is None:
            running.process.kill()
            await running.process.wait()
