"""An xdist worker forked by the tests' zygote (tests/support/worker.py) must be what
``python -u -c CODE`` would be: the same arguments, folder, environment, path, standard
streams, Ctrl-C handling and exit status, since the whole suite runs in such workers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import _zygote
from tests.support.worker import starting

WORKER = Path(__file__).parent / "support" / "worker.py"

SAYS = """
import os, signal, sys
line = sys.stdin.readline()
print(sys.argv, os.getcwd(), os.environ.get("CODEBOOK_PROBE"), repr(line), sys.path[0], __name__)
print(signal.getsignal(signal.SIGINT), sys.flags.dont_write_bytecode or sys.dont_write_bytecode)
print("to stderr", file=sys.stderr)
sys.exit(3)
"""
KILLED = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
IMPORTED = "import sys; print('aiogram' in sys.modules)"


def ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def both(
    folder: str, flags: list[str], code: str, tmp_path: Path, **how: object
) -> list[subprocess.CompletedProcess[bytes]]:
    """``code`` run by a new interpreter and by a worker forked from the zygote in ``folder``."""
    env = {**starting(dict(os.environ)), "CODEBOOK_PROBE": "probe", "PATH": "/usr/bin:/bin"}
    return [
        subprocess.run(
            [*python, *flags, "-c", code, "an argument"],
            input=b"a line\nand more\n",
            capture_output=True,
            cwd=tmp_path,
            env=env,
            timeout=60,
            check=False,
            **how,  # type: ignore[call-overload]
        )
        for python in ([sys.executable], [sys.executable, str(WORKER), folder])
    ]


@pytest.mark.parametrize("sigint", ["handled", "ignored"])
async def test_a_forked_worker_is_what_a_new_interpreter_is(sigint: str, tmp_path: Path) -> None:
    zygote = await _zygote()
    how = {"preexec_fn": ignore_sigint} if sigint == "ignored" else {}
    new, forked = both(zygote.folder, ["-u"], SAYS, tmp_path, **how)
    assert new.returncode == 3
    assert b"an argument" in new.stdout
    assert (forked.returncode, forked.stdout, forked.stderr) == (
        new.returncode,
        new.stdout,
        new.stderr,
    )


async def test_a_worker_ended_by_a_signal_ends_its_launcher_so(tmp_path: Path) -> None:
    zygote = await _zygote()
    new, forked = both(zygote.folder, ["-u"], KILLED, tmp_path)
    assert new.returncode == forked.returncode == -signal.SIGTERM


async def test_a_forked_worker_has_aiogram_imported_already(tmp_path: Path) -> None:
    zygote = await _zygote()
    new, forked = both(zygote.folder, ["-u"], IMPORTED, tmp_path)
    assert (new.stdout, forked.stdout) == (b"False\n", b"True\n")


@pytest.mark.parametrize("left", ["no folder", "a zygote gone"])
def test_without_the_zygote_the_worker_is_a_new_interpreter(left: str, tmp_path: Path) -> None:
    folder = tmp_path / "zygote"
    if left == "a zygote gone":  # its ready file, no socket
        folder.mkdir()
        ready = {"pid": 1, "starting": starting(dict(os.environ))}
        (folder / "ready").write_text(json.dumps(ready))
    new, fallback = both(str(folder), ["-u"], SAYS, tmp_path)
    assert (fallback.returncode, fallback.stdout, fallback.stderr) == (
        new.returncode,
        new.stdout,
        new.stderr,
    )
