"""An xdist worker forked by the zygote that the controller starts (processes.fork_the_workers)
instead of a new interpreter: a worker that starts fresh imports aiogram again, and aiogram's
types rebuild 633 pydantic models at import (5 s of CPU on the slower 2-CPU machine, three
workers a run). A forked worker imports only pytest, the plugins and the tests; aiogram is there
already, frozen (gc.freeze) as the zygote froze it.

xdist starts each worker as ``python -u -c CODE`` (execnet's popen gateway) talking over its
standard streams; conftest.py names this script as that python:

    python tests/support/worker.py FOLDER -u -c CODE

It hands the zygote in FOLDER (ready: the controller started it first) the arguments, its
environment, folder and standard streams (zygote.py's request), passes SIGTERM and SIGHUP on to
the worker and ends as the worker ends. If the zygote is gone or was started with another
environment than this one's (PYTHON*, the locale, the time zone), it becomes
``python -u -c CODE`` itself (exec): a worker always starts, and as it would have.

What still differs from a new interpreter (tests/test_zygote.py compares the rest): the hash
seed, the zygote's, is every worker's, so xdist's check that all workers collected the same
tests no longer catches a parametrization ordered by a set's hashing (a run's order still
changes from run to run, as with -n0); stdout and stderr are buffered as the zygote's were (-u
is not applied again: execnet talks over unbuffered copies of the descriptors and points stdout
at /dev/null); and sys.orig_argv is the zygote's.

Only the standard library here: this runs once per worker before anything else.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys
from contextlib import suppress


def starting(env: dict[str, str]) -> dict[str, str]:
    """What an interpreter reads of its environment as it starts and keeps (PYTHON*, the
    locale, the time zone): a process forked from the zygote has the zygote's."""
    return {k: v for k, v in env.items() if k.startswith(("PYTHON", "LC_", "LANG")) or k == "TZ"}


REWRITTEN = "rewritten"  # the file in the zygote's folder of what pytest rewrites (zygote.py)


def zygote_socket(folder: str) -> str:
    """Where the zygote in ``folder`` takes requests."""
    return os.path.join(folder, "socket")


def ready(folder: str) -> dict | None:
    """What was written of the zygote in ``folder`` once it was ready (say_ready); None if
    nothing was."""
    try:
        with open(os.path.join(folder, "ready")) as file:
            return dict(json.load(file))
    except FileNotFoundError:
        return None


def say_ready(folder: str, pid: int, kept: dict[str, str]) -> None:
    """Write that the zygote in ``folder`` is ready: its pid, and the starting environment it
    keeps for every process it forks (starting)."""
    with open(os.path.join(folder, "ready"), "w") as file:
        json.dump({"pid": pid, "starting": kept}, file)


def forked(folder: str, args: list[str]) -> int | None:
    """The worker's exit status (-N for signal N), forked from the zygote; None if it could
    not be (the zygote is gone, or started with another environment)."""
    said = ready(folder)
    if said is None or said["starting"] != starting(dict(os.environ)):
        return None
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(zygote_socket(folder))
    except OSError:
        connection.close()
        return None
    ignored = signal.getsignal(signal.SIGINT) == signal.SIG_IGN  # so must it be in the worker
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the worker itself
    request = {
        "argv": args,
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "sigint_ignored": ignored,
        "rewritten": os.path.join(folder, REWRITTEN),
    }
    with connection, connection.makefile("rb") as answers:
        send_request(connection, request, [0, 1, 2])
        # The worker holds the streams now: the controller must see them close when it ends.
        for fd in (0, 1):
            os.close(fd)
        line = answers.readline()
        if not line:
            return 1
        pid = int(line)

        def pass_on(sig: int, _frame: object) -> None:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)

        signal.signal(signal.SIGTERM, pass_on)
        signal.signal(signal.SIGHUP, pass_on)
        line = answers.readline()  # its exit status; none if the zygote died (so did the worker)
        return int(line) if line else 1


def send_request(connection: socket.socket, request: dict, fds: list[int]) -> None:
    """A request to the zygote (zygote.py): its JSON line, the descriptors beside its first
    bytes (an environment can make it longer than one message carries)."""
    data = json.dumps(request).encode() + b"\n"
    sent = socket.send_fds(connection, [data], fds)
    connection.sendall(data[sent:])


def main() -> None:
    folder, args = sys.argv[1], sys.argv[2:]
    status = forked(folder, args)
    if status is None:
        os.execv(sys.executable, [sys.executable, *args])
    if status < 0:  # ended by a signal: so does this process, as the worker's parent sees it
        with suppress(OSError):  # (SIGKILL's cannot be set, nor needs to be)
            signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
    sys.exit(status)


if __name__ == "__main__":
    main()
