"""An xdist worker forked by the tests' zygote (tests/support/worker.py) must be what
``python -u -c CODE`` would be: the same arguments, folder, environment, path, standard
streams, Ctrl-C handling and exit status, since the whole suite runs in such workers."""

from __future__ import annotations

import importlib.util
import marshal
import os
import signal
import socket
import subprocess
import sys
import types
from collections.abc import Callable
from pathlib import Path

import hypothesis.core
import pytest

from tests.support.processes import _zygote, rewrite_ahead, rewritten_by_pytest
from tests.support.worker import REWRITTEN, say_ready, starting
from tests.support.zygote import rewritten_ahead, take_rewritten

WORKER = Path(__file__).parent / "support" / "worker.py"

SAYS = """
import os, signal, sys
line = sys.stdin.readline()
print(sys.argv, os.getcwd(), os.environ.get("CODEBOOK_PROBE"), repr(line), sys.path[0], __name__)
print(signal.getsignal(signal.SIGINT), sys.flags.dont_write_bytecode or sys.dont_write_bytecode)
print("to stderr", file=sys.stderr)
sys.exit(3)
"""
KILLED = "import os; os.kill(os.getpid(), {sig})"
IMPORTED = "import sys; print('aiogram' in sys.modules)"
LOADED = "import bot.core.text as t; print(type(t.__loader__).__name__, t.fold('Ä'))"


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def both(
    folder: str,
    flags: list[str],
    code: str,
    tmp_path: Path,
    preexec_fn: Callable[[], None] | None = None,
    **more: str,
) -> list[subprocess.CompletedProcess[bytes]]:
    """``code`` run by a new interpreter and by a worker forked from the zygote in ``folder``,
    with ``more`` in the environment."""
    env = {**starting(dict(os.environ)), "CODEBOOK_PROBE": "probe", "PATH": "/usr/bin:/bin"}
    env.update(more)
    return [
        subprocess.run(
            [*python, *flags, "-c", code, "an argument"],
            input=b"a line\nand more\n",
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
            check=False,
            preexec_fn=preexec_fn,
        )
        for python in ([sys.executable], [sys.executable, str(WORKER), folder])
    ]


@pytest.mark.parametrize("sigint", ["handled", "ignored"])
async def test_a_forked_worker_is_what_a_new_interpreter_is(sigint: str, tmp_path: Path) -> None:
    zygote = await _zygote()
    how = ignore_sigint if sigint == "ignored" else None
    new, forked = both(zygote.folder, ["-u"], SAYS, tmp_path, preexec_fn=how)
    assert new.returncode == 3
    assert b"an argument" in new.stdout
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        new.returncode,
        new.stdout,
        new.stderr,
    )


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])  # SIGKILL: the OOM killer
async def test_a_worker_ended_by_a_signal_ends_its_launcher_so(sig: int, tmp_path: Path) -> None:
    zygote = await _zygote()
    new, forked = both(zygote.folder, ["-u"], KILLED.format(sig=int(sig)), tmp_path)
    assert new.returncode == forked.returncode == -sig
    assert forked.stderr == b""


async def test_a_huge_environment_is_forked_whole(tmp_path: Path) -> None:
    """A request longer than one message carries (the environment is in it)."""
    zygote = await _zygote()
    huge = {f"CODEBOOK_HUGE_{n}": "x" * 100_000 for n in range(4)}  # (128 KiB a variable at most)
    forked = both(zygote.folder, ["-u"], IMPORTED, tmp_path, **huge)[1]
    assert (forked.returncode, forked.stdout) == (0, b"True\n"), forked.stderr


async def test_a_broken_request_leaves_the_zygote_and_its_workers_be(tmp_path: Path) -> None:
    """Every worker is the zygote's child: one asker's fault must not end it."""
    zygote = await _zygote()
    for sent in (b"", b"not json\n", b'{"argv": []}\n', b"no end of line"):
        with socket.socket(socket.AF_UNIX) as asker:
            asker.connect(zygote.path)
            asker.sendall(sent)
            asker.shutdown(socket.SHUT_WR)
            assert asker.recv(100) == b""  # refused: no child
    assert zygote.alive
    forked = both(zygote.folder, ["-u"], IMPORTED, tmp_path)[1]
    assert (forked.returncode, forked.stdout) == (0, b"True\n"), forked.stderr


async def test_a_forked_worker_has_aiogram_imported_already(tmp_path: Path) -> None:
    zygote = await _zygote()
    new, forked = both(zygote.folder, ["-u"], IMPORTED, tmp_path)
    assert (new.stdout, forked.stdout) == (b"False\n", b"True\n")


async def test_a_forked_worker_runs_codebooks_modules_compiled_ahead(tmp_path: Path) -> None:
    """Imported by the child, as a new interpreter does, from code the zygote compiled once."""
    zygote = await _zygote()
    new, forked = both(zygote.folder, ["-u"], LOADED, tmp_path)
    assert new.stdout.split()[0] == b"SourceFileLoader"
    assert forked.stdout.split()[0] == b"CompiledAhead"
    assert new.stdout.split()[1:] == forked.stdout.split()[1:], (new.stderr, forked.stderr)


COMPILES = """
import re
before = len(re._cache)
import bot.analytics.privacy
print(len(re._cache) - before, bot.analytics.privacy.mask_message("my password is hunter2"))
"""


async def test_a_forked_worker_compiles_none_of_codebooks_patterns_again(tmp_path: Path) -> None:
    """Its modules' regular expressions are in re's cache already, compiled by the zygote."""
    zygote = await _zygote()
    new, forked = both(zygote.folder, ["-u"], COMPILES, tmp_path)
    compiled, said = new.stdout.split(maxsplit=1)
    assert int(compiled) > 100, new.stderr
    assert forked.stdout.split(maxsplit=1) == [b"0", said], forked.stderr


def test_a_file_changed_since_it_was_compiled_ahead_is_compiled_as_read(tmp_path: Path) -> None:
    from tests.support.zygote import COMPILED, CompiledAhead

    module = tmp_path / "changed.py"
    module.write_text("SAID = 'before'\n")
    info = module.stat()
    COMPILED[str(module)] = (
        (info.st_mtime_ns, info.st_size),
        compile("SAID = 'ahead'", "x", "exec"),
    )
    try:
        said: dict[str, str] = {}
        exec(CompiledAhead("changed", str(module)).get_code("changed"), said)
        assert said["SAID"] == "ahead"  # the file as it was compiled: its code
        module.write_text("SAID = 'changed'\n")
        exec(CompiledAhead("changed", str(module)).get_code("changed"), said)
        assert said["SAID"] == "changed"
    finally:
        del COMPILED[str(module)]


REWRITES = """
from pathlib import Path
from _pytest.assertion import rewrite
said = {}
exec(rewrite._rewrite_test(Path("probe.py").absolute(), None)[1], said)
print(said["SAID"])
"""


async def test_a_forked_worker_takes_what_pytest_rewrote_ahead(tmp_path: Path) -> None:
    """The code in its folder's table of rewritten modules, where a new interpreter rewrites."""
    zygote = await _zygote()
    folder = tmp_path / "zygote"  # the zygote's socket, with a table of this test's own
    folder.mkdir()
    (folder / "socket").symlink_to(zygote.path)
    say_ready(str(folder), 1, starting(dict(os.environ)))
    probe = tmp_path / "probe.py"
    probe.write_text("SAID = 'as written'\n")
    source = importlib.util.source_hash(probe.read_bytes())
    ahead = {str(probe): (source, compile("SAID = 'ahead'", str(probe), "exec"))}
    (folder / REWRITTEN).write_bytes(marshal.dumps(ahead))
    new, forked = both(str(folder), ["-u"], REWRITES, tmp_path)
    assert (new.stdout, forked.stdout) == (b"as written\n", b"ahead\n"), forked.stderr


def test_a_file_changed_since_it_was_rewritten_ahead_is_rewritten_as_read(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("SAID = 'before'\n")
    kept = (importlib.util.source_hash(probe.read_bytes()), compile("", "ahead", "exec"))
    asked: list[Path] = []

    def rewrite(fn: Path, config: object) -> tuple[bytes, types.CodeType]:
        asked.append(fn)
        return b"", compile("", "as read", "exec")

    rewritten = rewritten_ahead({str(probe): kept}, rewrite)
    assert rewritten(probe, None) is kept
    assert rewritten(probe, None)[1].co_filename == "as read"  # (each module is imported once)
    rewritten = rewritten_ahead({str(probe): kept}, rewrite)
    probe.write_text("SAID = 'changed'\n")
    assert rewritten(probe, None)[1].co_filename == "as read"
    assert asked == [probe, probe]


WARNS = "def test_a_tuple():\n    assert (1, 'always true')\n"


def test_a_test_module_that_warns_as_it_is_rewritten_is_left_to_the_worker(
    pytestconfig: pytest.Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which shows the warning in the run's summary (or fails by it), as pytest does."""
    warns, plain = tmp_path / "test_warns.py", tmp_path / "test_plain.py"
    warns.write_text(WARNS)
    plain.write_text("def test_it():\n    assert 1\n")
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(pytestconfig.option, "assertmode", "rewrite")  # (whatever this run's)
    rewrite_ahead(pytestconfig, tmp_path / "ahead", {str(warns), str(plain)})
    assert set(marshal.loads((tmp_path / "ahead").read_bytes())) == {str(plain)}


@pytest.mark.parametrize("table", [b"", b"not marshalled", marshal.dumps(["not", "a", "table"])])
def test_a_broken_table_of_rewritten_modules_is_left_alone(table: bytes, tmp_path: Path) -> None:
    """A worker then rewrites each module as it imports it: it starts all the same."""
    from _pytest.assertion import rewrite

    before = rewrite._rewrite_test
    (tmp_path / REWRITTEN).write_bytes(table)
    take_rewritten(str(tmp_path / REWRITTEN))
    take_rewritten(str(tmp_path / "none"))
    assert rewrite._rewrite_test is before


def test_what_is_rewritten_ahead_is_what_pytest_rewrites(
    pytestconfig: pytest.Config, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test modules, conftest and hypothesis among the files, each rewritten as pytest
    does (the same code); nothing where pytest keeps its own rewritten bytecode."""
    from _pytest.assertion.rewrite import _rewrite_test

    paths = rewritten_by_pytest(pytestconfig)
    tests = Path(__file__).parent
    hypothesis_core = str(Path(hypothesis.core.__file__))
    assert __file__ in paths
    assert str(tests / "support" / "zygote.py") not in paths  # (no test module: not rewritten)
    some = {__file__, hypothesis_core}
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    rewrite_ahead(pytestconfig, tmp_path / "kept", some)
    assert not (tmp_path / "kept").exists()
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    rewrite_ahead(pytestconfig, tmp_path / "ahead", some)
    if pytestconfig.getoption("assertmode") != "rewrite":  # (--assert=plain: nothing rewritten)
        assert not (tmp_path / "ahead").exists()
        return
    assert {str(tests / "conftest.py"), hypothesis_core} <= paths  # (imported rewritten)
    table = marshal.loads((tmp_path / "ahead").read_bytes())
    assert set(table) == some
    for path in some:
        source, code = _rewrite_test(Path(path), pytestconfig)
        assert table[path][0] == source
        assert table[path][1] == code


@pytest.mark.parametrize("left", ["no folder", "a zygote gone"])
def test_without_the_zygote_the_worker_is_a_new_interpreter(left: str, tmp_path: Path) -> None:
    folder = tmp_path / "zygote"
    if left == "a zygote gone":  # its ready file, no socket
        folder.mkdir()
        say_ready(str(folder), 1, starting(dict(os.environ)))
    new, fallback = both(str(folder), ["-u"], SAYS, tmp_path)
    assert (fallback.returncode, fallback.stdout, fallback.stderr) == (
        new.returncode,
        new.stdout,
        new.stderr,
    )
