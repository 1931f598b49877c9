"""A process that has imported aiogram once and forks a ``python -m bot`` from it on request, so
that each end-to-end test's bot does not spend seconds of CPU importing it again (aiogram's
types rebuild 633 pydantic models at import: 2.8 s of CPU on the project's machine, and the
suite starts some 25 bots).

Only third-party modules are imported here, never Codebook's: a forked bot imports and runs
``bot`` from its own working folder, environment and arguments, as ``python -m bot`` does, and
answers over the same real HTTP. What differs from a fresh interpreter is what an interpreter
decides as it starts (its flags, PYTHON* variables, the locale and time zone, the hash seed);
processes.py starts a real interpreter whenever the environment asks for something else. And
what is imported here is frozen (``gc.freeze``) before the first fork, as the bot's start-up
freezes everything it imported: the collector never walks it again in a child. Unfrozen, each
child walked it in every full collection, its interpreter's shutdown included: on the slowest
machine, a child that did nothing but exit spent 1.13 s of CPU, 0.09 s with the freeze, and the
bots that end before their start-up's freeze (a missing or malformed token) 0.83 s, now 0.13 s.

    python tests/support/zygote.py SOCKET     (prints "ready"; stops when its stdin closes)

It forks the workers of a run of pytest-xdist too (worker.py), and their bots: a worker's
imports are then pytest's and the tests' alone.

A request is one connection: a JSON line (a newline ends it, whatever its length)
``{"argv", "env", "cwd", "sigint_ignored"}`` (argv ``["-m", "bot", ...]``, a script that runs
the bot and its arguments, or ``["-u", "-c", CODE]``, a worker, which adds ``"rewritten"``: the
file of what pytest rewrites, made ahead) with the three standard streams' file descriptors
beside it (SCM_RIGHTS); the answer is a line with the child's pid, then, when it ends, a line
with its exit status as ``asyncio`` gives it (-N for signal N).
"""

from __future__ import annotations

import functools
import gc
import importlib
import importlib.machinery
import importlib.util
import json
import marshal
import os
import pkgutil
import random
import re
import runpy
import select
import signal
import socket
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import Any

# What is imported once is the point of this process. A warning as it is imported stops it: a
# new interpreter would show it, a forked child never would; without the zygote, each test
# process imports aiogram itself, where the suite's filterwarnings=error makes it an error.
with warnings.catch_warnings():
    warnings.simplefilter("error")
    import aiogram
    import aiogram.methods
    import aiogram.types  # noqa: F401
    import aiohttp  # noqa: F401
    import pydantic_settings  # noqa: F401

# Codebook's own modules compiled here once, not in each child: the machine this suite is
# measured on sets PYTHONDONTWRITEBYTECODE=1, so no bytecode file is ever written and each of
# the ~65 bots and commands a run forks, and each worker, compiled every module of Codebook's it
# imported from source again (~0.1 s of a bot's start: importing them took 0.23-0.26 s of CPU
# without their bytecode, 0.15-0.19 s with it; about 4 s of a run's ~105 s of CPU). The
# children still import them themselves, from their own folder and path, as a new interpreter
# would; only what they would compile is ready, checked against each file as it is imported (a
# file changed since is compiled as it is read).
ROOT = Path(__file__).resolve().parents[2]
AHEAD = ("bot", "tests/support")
COMPILED: dict[str, tuple[tuple[int, int], types.CodeType]] = {}  # path -> (mtime, size), code


class CompiledAhead(importlib.machinery.SourceFileLoader):
    """A source file's loader whose code, if the file is as it was, was compiled ahead."""

    def get_code(self, fullname: str) -> types.CodeType | None:
        ahead = COMPILED.get(self.path)
        if ahead is not None:
            info = os.stat(self.path)
            if ahead[0] == (info.st_mtime_ns, info.st_size):
                return ahead[1]
        return super().get_code(fullname)


def compile_ahead() -> None:
    """Compile AHEAD's modules, as importlib would, and have the path's finder load them."""
    for folder in AHEAD:
        for path in sorted((ROOT / folder).rglob("*.py")):
            info = path.stat()
            code = compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
            COMPILED[str(path)] = ((info.st_mtime_ns, info.st_size), code)
    loaders = [
        (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
        (CompiledAhead, importlib.machinery.SOURCE_SUFFIXES),
        (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
    ]
    sys.path_hooks[:] = [
        importlib.machinery.FileFinder.path_hook(*loaders)
        if getattr(hook, "__name__", "") == "path_hook_for_FileFinder"
        else hook
        for hook in sys.path_hooks
    ]
    sys.path_importer_cache.clear()


# The regular expressions Codebook's modules compile as they are imported (~220: the masks'
# words, the numbers, the query), compiled here once into the re module's own cache, which
# re.compile asks first: a bot forked from here gets the very pattern it would have compiled.
# They took 0.10-0.13 s of a bot's ~0.6 s of CPU, some 70 bots and commands a run. Codebook's
# modules are imported for them by a child of this process that says which it compiled and
# ends: this process still never imports them (0.4 s of its start, 0.15 s compiling).
def compile_patterns() -> None:
    """Compile what importing every module of ``bot`` compiles, into re's cache."""
    cache = getattr(re, "_cache", None)
    if not isinstance(cache, dict):  # (another Python's re: nothing is compiled ahead)
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # (whatever it prints must not reach the tests, which read "ready" from stdout)
        os.close(read)
        os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
        signal.alarm(60)  # an import that hangs ends it (and nothing is compiled ahead)
        known = set(cache)
        with suppress(BaseException):
            sys.path.insert(0, str(ROOT))
            import bot

            for found in pkgutil.walk_packages(bot.__path__, "bot."):
                if not found.name.endswith("__main__"):
                    with suppress(BaseException):
                        importlib.import_module(found.name)
        compiled = [key[1:] for key in cache if key not in known and isinstance(key[1], str)]
        with os.fdopen(write, "wb") as out:
            out.write(json.dumps(compiled).encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as said:
        data = said.read()
    os.waitpid(pid, 0)
    with suppress(ValueError):  # (a child that died halfway: nothing compiled ahead)
        for pattern, flags in json.loads(data):
            re.compile(pattern, flags)


# pytest rewrites the asserts of every test module, conftest and plugin package (hypothesis, all
# of it) as it imports them, and keeps what it made in __pycache__ for the next run, unless no
# bytecode is to be written: this machine sets PYTHONDONTWRITEBYTECODE=1, so every worker of
# every run rewrote them all again, 3.4 s of CPU a worker (2.6 s the tests, 0.85 s hypothesis)
# and the longest part of a run's start. xdist's controller rewrites them once, while it waits
# for this process to import aiogram (processes.rewrite_ahead), into a file of this folder that
# a worker names in its request (worker.REWRITTEN: {path: (source hash, code)}, marshalled); a
# worker forked from here takes each module's code from it as pytest takes it from its cache:
# only while the file's source hash is the one it was rewritten from.
def rewritten_ahead(
    table: dict[str, tuple[bytes, types.CodeType]], rewrite: Callable[..., Any]
) -> Callable[..., Any]:
    """pytest's ``_rewrite_test(fn, config)`` (``rewrite``) served from ``table`` first: a file
    is rewritten as read when it is not there or has changed since."""

    def _rewrite_test(fn: Path, *args: Any, **kwargs: Any) -> Any:
        kept = table.pop(str(fn), None)  # (a module is imported once: its code is not kept twice)
        if kept is not None and importlib.util.source_hash(fn.read_bytes()) == kept[0]:
            return kept
        return rewrite(fn, *args, **kwargs)

    return _rewrite_test


def take_rewritten(path: str) -> None:
    """In a worker, before pytest imports what it rewrites: the code rewritten ahead into
    ``path``, if there is any (and pytest's rewriting is where this pytest keeps it)."""
    try:
        with open(path, "rb") as file:
            table = marshal.load(file)
        from _pytest.assertion import rewrite

        original = rewrite._rewrite_test
    except (OSError, EOFError, ValueError, TypeError, ImportError, AttributeError):
        return  # each module rewritten as it is imported, as without the zygote
    if isinstance(table, dict):
        rewrite._rewrite_test = rewritten_ahead(table, original)


INTERRUPTED = -signal.SIGINT  # a KeyboardInterrupt nothing caught: the status CPython gives it
POLL = 0.05  # seconds between looks for children that ended (reaped by polling, no SIGCHLD)
REQUEST = 10.0  # seconds an asker has to send its whole request


def serve(path: str) -> int | None:
    """Fork on each request until stdin closes; in a child, the bot's exit status."""
    # A Ctrl-C reaches the whole process group: each child decides (a bot stops, an xdist
    # worker says it was interrupted); the zygote ends when its parent closes its stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("ready", flush=True)
    children: dict[int, socket.socket] = {}
    forked = False
    try:
        while True:
            readable, _, _ = select.select([listener, sys.stdin, *children.values()], [], [], POLL)
            if sys.stdin in readable and not sys.stdin.buffer.read1(1024):
                return None  # the tests are gone
            if listener in readable:
                connection, _ = listener.accept()
                taken = receive(connection)
                if taken is None:
                    connection.close()
                    continue
                request, fds = taken
                pid = os.fork()
                if pid == 0:
                    forked = True
                    listener.close()
                    connection.close()
                    for other in children.values():
                        other.close()
                    return run_child(request, fds)
                for fd in fds:
                    os.close(fd)
                children[pid] = connection
                try:
                    connection.sendall(f"{pid}\n".encode())
                except OSError:  # whoever asked is gone already: so must the child be
                    os.kill(pid, signal.SIGKILL)
            for pid, connection in list(children.items()):
                if connection in readable and not _still_there(connection):
                    os.kill(pid, signal.SIGKILL)  # its test (or worker) is gone: so is the child
            reap(children)
    finally:
        if not forked:
            for pid in children:
                with suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            with suppress(OSError):
                os.unlink(path)


def receive(connection: socket.socket) -> tuple[dict[str, object], list[int]] | None:
    """A request: its JSON line, whole, and the three descriptors sent beside it; None (said in
    the log) if the connection brings no whole, sound request within REQUEST seconds. One
    asker's fault must never reach the loop: every worker is this process's child."""
    connection.settimeout(REQUEST)
    data, fds = b"", []
    try:
        while not data.endswith(b"\n"):
            chunk, more, _, _ = socket.recv_fds(connection, 1 << 16, 3)
            fds += more
            if not chunk:
                raise EOFError("the connection closed before the request ended")
            data += chunk
        request = json.loads(data)
        if not (
            isinstance(request, dict)
            and isinstance(request.get("argv"), list)
            and request["argv"]
            and isinstance(request.get("env"), dict)
            and isinstance(request.get("cwd"), str)
            and len(fds) == 3
        ):
            raise ValueError(f"not a request: {data[:200]!r} with {len(fds)} descriptors")
    except (OSError, ValueError, EOFError) as exc:
        for fd in fds:
            os.close(fd)
        print(f"a request refused: {exc}", file=sys.stderr, flush=True)
        return None
    connection.settimeout(None)
    return request, fds


def _still_there(connection: socket.socket) -> bool:
    """Whether whoever asked for a child still holds its connection."""
    try:
        return bool(connection.recv(1024))
    except OSError:
        return False


def reap(children: dict[int, socket.socket]) -> None:
    """Tell each ended child's test its exit status."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        connection = children.pop(pid, None)
        if connection is not None:
            with suppress(OSError):
                connection.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            connection.close()


def run_child(request: dict[str, object], fds: list[int]) -> int:
    """In the child: become ``python -m bot`` (or the script, or the worker) in the request's
    folder, environment and arguments, on its standard streams; its exit status."""
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(str(request["cwd"]))
    os.environ.clear()
    os.environ.update(request["env"])  # type: ignore[arg-type]
    argv = list(request["argv"])  # type: ignore[call-overload]
    flags = argv[: argv.index("-c")] if "-c" in argv else ["-c"]
    if set(flags) <= {"-u", "-B"}:  # ["-u", "-c", CODE]: an xdist worker (worker.py)
        code, sys.argv = argv[len(flags) + 1], ["-c", *argv[len(flags) + 2 :]]
        sys.path[0] = ""  # what -c puts first
        sys.dont_write_bytecode = sys.dont_write_bytecode or "-B" in flags
        # (-u is left: execnet talks over copies of the descriptors it makes, unbuffered, and
        # points the worker's stdout at /dev/null.)
        if isinstance(request.get("rewritten"), str):
            take_rewritten(request["rewritten"])  # type: ignore[arg-type]
        main = types.ModuleType("__main__")
        sys.modules["__main__"] = main
        run = functools.partial(exec, compile(code, "<string>", "exec"), main.__dict__)
    elif argv[0] == "-m":  # ["-m", "bot", ...]
        sys.argv = [argv[1], *argv[2:]]
        sys.path[0] = os.getcwd()  # what -m puts first
        run = functools.partial(runpy.run_module, argv[1], run_name="__main__", alter_sys=True)
    else:  # [script, ...]: a script that runs the bot (tests/support/held_reloads.py)
        sys.argv = argv
        sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))  # what `python script` does
        run = functools.partial(runpy.run_path, argv[0], run_name="__main__")
    random.seed()  # not the zygote's sequence
    # As an interpreter starts: Ctrl-C a KeyboardInterrupt, unless its parent ignores it.
    ignored = request.get("sigint_ignored")
    signal.signal(signal.SIGINT, signal.SIG_IGN if ignored else signal.default_int_handler)
    try:
        run()
    except KeyboardInterrupt:
        traceback.print_exc()
        return INTERRUPTED
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        if isinstance(code, int):
            return code
        print(code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    compile_ahead()
    compile_patterns()
    gc.collect()
    gc.freeze()
    status = serve(sys.argv[1])
    if status == INTERRUPTED:  # as CPython ends after an uncaught KeyboardInterrupt: by SIGINT
        sys.stdout.flush()
        sys.stderr.flush()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    sys.exit(status)  # in a child: the bot's status, after the interpreter's normal shutdown
