"""The real ``python -m bot`` process for end-to-end tests, polling (or serving a webhook to)
the fake Bot API server over real HTTP."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
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
    if program == ("-m", "bot") and all(os.environ.get(k) == v for k, v in _STARTING(env)):
        return await _zygote().fork(program, env, cwd, out)  # type: ignore[return-value]
    return await asyncio.create_subprocess_exec(
        sys.executable, *program, cwd=cwd, env=env, stdout=out, stderr=out
    )


def _STARTING(env: dict[str, str]) -> list[tuple[str, str | None]]:
    """What an interpreter reads of its environment as it starts (PYTHON*, the locale): a bot
    asked for with other values than the tests' own is started as a new interpreter."""
    names = {k for k in (*env, *os.environ) if k.startswith(("PYTHON", "LC_", "LANG"))}
    return [(k, env.get(k)) for k in names]


class Forked:
    """A bot forked by the zygote, seen as ``asyncio.subprocess.Process`` is: pid, returncode,
    stdout and stderr (with ``out`` a pipe), wait, communicate, send_signal, terminate, kill."""

    def __init__(
        self,
        pid: int,
        answers: asyncio.StreamReader,
        keep: asyncio.StreamWriter,
        stdout: asyncio.StreamReader | None,
        stderr: asyncio.StreamReader | None,
    ) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdout = stdout
        self.stderr = stderr
        self._answers = answers
        self._keep = keep  # closed, the zygote kills the bot: a test that dies takes it along

    async def wait(self) -> int:
        if self.returncode is None:
            line = await self._answers.readline()
            self.returncode = int(line) if line else -signal.SIGKILL
            self._keep.close()
        return self.returncode

    async def communicate(self) -> tuple[bytes | None, bytes | None]:
        async def read(stream: asyncio.StreamReader | None) -> bytes | None:
            return None if stream is None else await stream.read()

        out, err, _ = await asyncio.gather(read(self.stdout), read(self.stderr), self.wait())
        return out, err

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            with suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """The zygote of this test process (tests/support/zygote.py), started on first use."""

    def __init__(self) -> None:
        self._folder = tempfile.mkdtemp(prefix="codebook-zygote-")
        self.path = os.path.join(self._folder, "socket")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))}
        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).with_name("zygote.py")), self.path],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=self._folder,
            env=env,
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()
        if ready.strip() != b"ready":
            raise RuntimeError(f"the zygote did not start: {ready!r}")
        atexit.register(self.stop)

    async def fork(
        self, program: tuple[str, ...], env: dict[str, str], cwd: Path, out: Any
    ) -> Forked:
        """A bot forked with ``program``'s arguments, ``env`` and ``cwd``; ``out`` as
        ``asyncio.create_subprocess_exec`` takes it (a pipe, or a file) for stdout and stderr."""
        loop = asyncio.get_running_loop()
        ends: list[int] = []
        readers: list[asyncio.StreamReader | None] = []
        child = [os.open(os.devnull, os.O_RDONLY)]
        for _ in range(2):
            if out == asyncio.subprocess.PIPE:
                read_end, write_end = os.pipe()
                reader = asyncio.StreamReader()
                await loop.connect_read_pipe(
                    lambda reader=reader: asyncio.StreamReaderProtocol(reader),
                    os.fdopen(read_end, "rb", 0),
                )
                readers.append(reader)
                child.append(write_end)
                ends.append(write_end)
            else:
                readers.append(None)
                child.append(os.dup(out.fileno()))
                ends.append(child[-1])
        ends.append(child[0])
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(self.path)
            request = json.dumps({"argv": list(program), "env": env, "cwd": str(cwd)})
            socket.send_fds(connection, [request.encode()], child)
        finally:
            for fd in ends:
                os.close(fd)
        connection.setblocking(False)
        answers, keep = await asyncio.open_unix_connection(sock=connection)
        pid = int(await answers.readline())
        return Forked(pid, answers, keep, readers[0], readers[1])

    def stop(self) -> None:
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(STOPPING)
            except subprocess.TimeoutExpired:
                self._process.kill()
        shutil.rmtree(self._folder, ignore_errors=True)


_ZYGOTE: list[Zygote] = []


def _zygote() -> Zygote:
    if not _ZYGOTE:
        _ZYGOTE.append(Zygote())
    return _ZYGOTE[0]


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
