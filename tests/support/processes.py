"""The real ``python -m bot`` process for end-to-end tests, polling (or serving a webhook to)
the fake Bot API server over real HTTP."""

from __future__ import annotations

import asyncio
import atexit
import fnmatch
import io
import marshal
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import warnings
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tests.support.fake_telegram import FakeTelegram
from tests.support.worker import (
    REWRITTEN,
    ready,
    say_ready,
    send_request,
    starting,
    zygote_socket,
)

if TYPE_CHECKING:
    import pytest

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
    leaks in). ``python -m bot`` is forked from this process's zygote (zygote.py) unless the
    environment asks for what an interpreter decides as it starts, and so is a ``program``
    that is a script (run as ``python script`` runs it); any other ``program``, a new one."""
    env = _ours()
    env.update({"CATALOGS_DIR": str(ROOT / "catalogs"), "XDG_CONFIG_HOME": str(cwd / "config")})
    env.update(settings)
    return await _python(program, env, cwd, out)


async def _python(
    program: tuple[str, ...], env: dict[str, str], cwd: Path, out: Any, err: Any = None
) -> asyncio.subprocess.Process:
    """``python PROGRAM``: forked from this process's zygote if it is ``-m bot`` (with any
    arguments) or a script, and the environment asks for nothing an interpreter decides as it
    starts; else a new interpreter. ``out`` for stdout, and for stderr unless ``err``."""
    err = out if err is None else err
    if program[:2] == ("-m", "bot") or program[0].endswith(".py"):
        zygote = await _zygote()
        if zygote.can_start(env):
            return await zygote.fork(program, env, cwd, out, err)  # type: ignore[return-value]
    return await asyncio.create_subprocess_exec(
        sys.executable, *program, cwd=cwd, env=env, stdout=out, stderr=err
    )


async def bot_command(
    *args: str, cwd: Path, env: dict[str, str], stdout: Any = asyncio.subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` run to its end in ``cwd`` with exactly ``env``, as
    ``subprocess.run(capture_output=True, text=True)`` gives it (``stdout`` a file of one's
    own: its output is there); forked when it can be (see _python): a command costs a new
    interpreter 0.3-0.75 s of CPU, a forked one 0.13-0.45."""
    pipe = asyncio.subprocess.PIPE
    process = await _python(("-m", "bot", *args), env, cwd, stdout, pipe)
    try:
        out, err = await asyncio.wait_for(process.communicate(), STOPPING)
    except TimeoutError:
        process.kill()
        raise
    assert process.returncode is not None
    argv = [sys.executable, "-m", "bot", *args]
    return subprocess.CompletedProcess(argv, process.returncode, _text(out or b""), _text(err))


def _text(data: bytes) -> str:
    """As ``text=True`` reads a process's output: the locale's encoding, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(data)).read()


def forget_rewritten() -> None:
    """In xdist's controller once its workers are started: the asserts rewritten ahead (a few
    MB) are theirs now; gone, a controller ended by a signal leaves no more than before."""
    if os.environ.get(SHARED):
        Path(os.environ[SHARED], REWRITTEN).unlink(missing_ok=True)


def bare_env(**settings: str) -> dict[str, str]:
    """An environment of ``settings`` and PATH alone, for a command that must see none of the
    developer's, but for what an interpreter reads as it starts (PYTHON*, the locale, the time
    zone): kept as they are, it is forked from the zygote (a new interpreter's start took ~1 s
    of CPU where PYTHONDONTWRITEBYTECODE is set)."""
    return {**starting(dict(os.environ)), "PATH": "/usr/bin:/bin", **settings}


def bot_command_now(
    *args: str, cwd: Path, env: dict[str, str], stdout: Any = asyncio.subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    """bot_command for a test that is not a coroutine: run in a thread of its own, which leaves
    the test's thread and its event loop as they are."""
    command = bot_command(*args, cwd=cwd, env=env, stdout=stdout)
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, command).result()


def _ours() -> dict[str, str]:
    """This process's environment without a developer's bot settings (any of them, in any case:
    a METRICS_PORT or a REDIS_URL in the shell would reach every bot); TZ is kept, which the
    interpreter reads too."""
    from bot.settings import Settings

    settings = {name.upper() for name in Settings.model_fields} - {"TZ"}
    return {k: v for k, v in os.environ.items() if k.upper() not in settings}


class Forked:
    """A bot forked by the zygote, seen as ``asyncio.subprocess.Process`` is: pid, returncode
    (set when it ends), stdout and stderr (with ``out`` a pipe), wait, communicate,
    send_signal, terminate, kill."""

    def __init__(
        self,
        pid: int,
        answers: asyncio.StreamReader,
        keep: asyncio.StreamWriter,
        stdout: asyncio.StreamReader | None,
        stderr: asyncio.StreamReader | None,
        zygote: Zygote,
    ) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = None
        self.stdout = stdout
        self.stderr = stderr
        self._ended = asyncio.ensure_future(self._watch(answers, keep, zygote))

    async def _watch(
        self, answers: asyncio.StreamReader, keep: asyncio.StreamWriter, zygote: Zygote
    ) -> int:
        """The exit status, when the zygote says it (``keep`` closed, the zygote kills the bot:
        a test that dies takes its bot along)."""
        try:
            line = await answers.readline()
        finally:
            keep.close()
        if not line:  # the zygote is gone: so must its bot be, and the test is told
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            raise RuntimeError(f"the zygote that forked bot {self.pid} died: {zygote.said()}")
        self.returncode = int(line)
        return self.returncode

    async def wait(self) -> int:
        return await asyncio.shield(self._ended)

    async def communicate(self, input: bytes | None = None) -> tuple[bytes | None, bytes | None]:
        assert input is None, "a bot reads no standard input"

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
    """A zygote (tests/support/zygote.py) in ``folder``: started by this process (``start``), or
    the one xdist's controller started for all its workers (``attach``). Its folder holds the
    socket, its log and, once it is ready, ``ready`` (its pid and the starting environment it
    keeps for every process it forks)."""

    def __init__(
        self, folder: str, pid: int, starting: dict[str, str], process: subprocess.Popen | None
    ) -> None:
        self.folder = folder
        self.path = zygote_socket(folder)
        self._log = Path(folder, "zygote.log")
        self._pid = pid
        self._starting = starting
        self._process = process  # None: another process's, which it stops
        self._gone = False

    @classmethod
    def start(cls, meanwhile: Callable[[str], None] | None = None) -> Zygote:
        """A new zygote, this process's, once it is ready (seconds); ``meanwhile(folder)`` is
        called while it starts."""
        # (One leading slash: a TMPDIR of //tmp is the same folder, and xdist's specs would
        # split at the "//" of the workers' python, fork_the_workers.)
        folder = "/" + tempfile.mkdtemp(prefix="codebook-zygote-").lstrip("/")
        env = _ours()
        with Path(folder, "zygote.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, str(Path(__file__).with_name("zygote.py")), zygote_socket(folder)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                cwd=folder,
                env=env,
            )
        zygote = cls(folder, process.pid, starting(env), process)
        atexit.register(zygote.stop)
        assert process.stdout is not None
        if meanwhile is not None:
            meanwhile(folder)
        if process.stdout.readline().strip() != b"ready":
            raise RuntimeError(f"the zygote did not start: {zygote.said()}")
        say_ready(folder, process.pid, zygote._starting)
        return zygote

    @classmethod
    def attach(cls, folder: str) -> Zygote | None:
        """The zygote xdist's controller started in ``folder`` for all its workers; None if
        it is gone."""
        said = ready(folder)
        return None if said is None else cls(folder, said["pid"], said["starting"], None)

    def can_start(self, env: dict[str, str]) -> bool:
        """Whether a bot with ``env`` can be forked: what an interpreter decides as it starts
        is what the zygote decided, and the zygote runs."""
        return self.alive and starting(env) == self._starting

    @property
    def alive(self) -> bool:
        if self._process is not None:
            return self._process.poll() is None
        if self._gone:
            return False
        try:
            os.kill(self._pid, 0)
        except ProcessLookupError:
            return False
        return True

    def said(self) -> str:
        """The end of the zygote's own log (its errors), or why it is quiet."""
        status = "" if self.alive else "it has exited; "
        text = self._log.read_text(errors="replace")[-2000:] if self._log.exists() else ""
        return f"{status}its log: {text or '(empty)'}"

    async def fork(
        self, program: tuple[str, ...], env: dict[str, str], cwd: Path, out: Any, err: Any
    ) -> Forked:
        """A bot forked with ``program``'s arguments, ``env`` and ``cwd``; ``out`` and ``err``
        as ``asyncio.create_subprocess_exec`` takes them (a pipe, or a file) for stdout and
        stderr."""
        loop = asyncio.get_running_loop()
        readers: list[asyncio.StreamReader | None] = []
        child = [os.open(os.devnull, os.O_RDONLY)]
        for stream in (out, err):
            if stream == asyncio.subprocess.PIPE:
                read_end, write_end = os.pipe()
                reader = asyncio.StreamReader()
                await loop.connect_read_pipe(
                    lambda reader=reader: asyncio.StreamReaderProtocol(reader),
                    os.fdopen(read_end, "rb", 0),
                )
                readers.append(reader)
                child.append(write_end)
            else:
                readers.append(None)
                child.append(os.dup(stream.fileno()))
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            try:
                connection.connect(self.path)
            except OSError as exc:  # it died (the pid alone may still be there, unreaped)
                self._gone = True
                connection.close()
                raise RuntimeError(f"the zygote is gone ({exc}): {self.said()}") from None
            ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN
            request = {"argv": list(program), "env": env, "cwd": str(cwd)}
            send_request(connection, {**request, "sigint_ignored": ignored}, child)
        finally:
            for fd in child:  # the zygote holds its own copies now
                os.close(fd)
        connection.setblocking(False)
        answers, keep = await asyncio.open_unix_connection(sock=connection)
        pid = await answers.readline()
        if not pid:
            keep.close()
            raise RuntimeError(f"the zygote forked no bot: {self.said()}")
        return Forked(int(pid), answers, keep, readers[0], readers[1], self)

    def stop(self) -> None:
        """Stop it if it is this process's (the bots it forked go with it)."""
        if self._process is None:
            return
        if self.alive:
            assert self._process.stdin is not None
            self._process.stdin.close()
            try:
                self._process.wait(STOPPING)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self._process.stdout is not None:
            self._process.stdout.close()
        shutil.rmtree(self.folder, ignore_errors=True)


# With xdist, the folder of the zygote that forked the workers, which forks their bots too: each
# zygote costs seconds of CPU importing aiogram (5 s on the slower 2-CPU machine).
SHARED = "CODEBOOK_TEST_ZYGOTE"
_ZYGOTE: list[Zygote] = []
_ATTACHED: list[bool] = []


async def _zygote() -> Zygote:
    """This process's zygote: the shared one (SHARED) at first, if there is one; a new one of
    its own if there is none or it died. Waited for in a thread: its seconds of importing must
    not stop the test's event loop (and its fake Bot API)."""
    if _ZYGOTE and _ZYGOTE[0].alive:
        return _ZYGOTE[0]
    if _ZYGOTE:
        _ZYGOTE.pop().stop()
    zygote = None
    if os.environ.get(SHARED) and not _ATTACHED:
        _ATTACHED.append(True)
        zygote = Zygote.attach(os.environ[SHARED])
    if zygote is None:
        zygote = await asyncio.wait_for(asyncio.to_thread(Zygote.start), STARTING)
    _ZYGOTE.append(zygote)
    return zygote


def fork_the_workers(config: pytest.Config, tx: list[str]) -> Callable[[], None]:
    """In xdist's controller, before its workers start: the zygote that forks them
    (worker.py, named in ``tx``, xdist's list of workers, as the python each runs) and then
    their bots (named to them in SHARED), with what pytest would rewrite in each of them
    rewritten once while it starts. Returns its stop. If it does not start, each worker is a new
    interpreter with a zygote of its own, as with ``--tx`` of one's own."""

    def meanwhile(folder: str) -> None:
        with suppress(Exception):  # (another pytest's internals: each worker rewrites its own)
            rewrite_ahead(config, Path(folder, REWRITTEN))

    try:
        zygote = Zygote.start(meanwhile)
    except Exception as exc:  # its last line says why (the log's traceback ends with it)
        why = (str(exc).strip().splitlines() or ["?"])[-1]
        print(f"the tests' zygote did not start, each worker starts one: {why}", file=sys.stderr)
        return lambda: None
    os.environ[SHARED] = zygote.folder
    python = shlex.join([sys.executable, str(Path(__file__).with_name("worker.py")), zygote.folder])
    if "//" not in python:  # (xdist splits its specs at "//")
        tx[:] = [f"popen//python={python}"] * len(tx)
    return zygote.stop


def rewritten_by_pytest(config: pytest.Config) -> set[str]:
    """What pytest rewrites as it imports it in each worker: the test modules it was asked to
    run (its arguments', or ``testpaths``') and whatever this process imported rewritten
    (conftest, the plugins' packages)."""
    from _pytest.assertion.rewrite import AssertionRewritingHook

    paths = {
        spec.origin
        for module in list(sys.modules.values())
        if (spec := getattr(module, "__spec__", None)) is not None
        and isinstance(spec.loader, AssertionRewritingHook)
        and spec.origin
    }
    patterns = config.getini("python_files")
    for arg in config.args:
        given = Path(arg.split("::")[0])
        named = given
        if not named.is_absolute():  # (testpaths are the rootdir's, arguments where it ran)
            named = Path(config.invocation_params.dir, given)
            if not named.exists():
                named = Path(config.rootpath, given)
        named = Path(os.path.abspath(named))  # as pytest collects it: absolute, links kept
        for path in named.rglob("*.py") if named.is_dir() else [named]:
            if any(fnmatch.fnmatch(path.name, pattern) for pattern in patterns):
                paths.add(str(path))
    return paths


def rewrite_ahead(config: pytest.Config, into: Path, paths: set[str] | None = None) -> None:
    """In xdist's controller: ``into`` (worker.REWRITTEN, which zygote.take_rewritten reads)
    made of ``paths`` (rewritten_by_pytest's) rewritten as pytest rewrites them. Nothing when
    pytest keeps its own rewritten bytecode (bytecode may be written) or rewrites nothing
    (--assert=plain); a file that does not compile is left to the worker, which reports it as
    pytest does."""
    from _pytest.assertion.rewrite import _rewrite_test

    if not sys.dont_write_bytecode or config.getoption("assertmode") != "rewrite":
        return
    table = {}
    for path in sorted(rewritten_by_pytest(config) if paths is None else paths):
        # A file that warns as it is rewritten (an assert on a tuple...) is left to the worker,
        # which shows the warning in the run's summary, or fails by it, as pytest does.
        with suppress(Exception), warnings.catch_warnings():
            warnings.simplefilter("error")
            table[path] = _rewrite_test(Path(path), config)
    part = into.with_name(into.name + ".part")
    part.write_bytes(marshal.dumps(table))
    part.replace(into)


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
