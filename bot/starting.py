"""The bot's first moments: the signals it answers once it runs, answered while it starts. Kept
apart from the command line, whose imports take a fifth of a second: ``python -m bot`` puts
these handlers in place before them."""

from __future__ import annotations

import signal
import sys

# The signal that asked for a stop while the bot started: its SystemExit, raised wherever start-up
# was, may come out as another exception (pydantic-core building aiogram's types gave a
# SchemaError, status 1 and a 30-line traceback: found by an attack).
STOP_ASKED: list[str] = []
STOPS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def before_start() -> None:
    """The signals the bot answers once it runs, answered while it starts (reading the catalogs,
    building the index: a second or two): SIGHUP, a reload, is nothing to do yet (Python's
    default ended the process without a word); SIGTERM and SIGINT end it at once with status 0,
    as a stop does (no update is taken yet). The running bot puts its own handlers in their
    place (found by an attack)."""

    def stop(number: int, _: object) -> None:
        name = signal.Signals(number).name
        STOP_ASKED.append(name)
        for other in STOPS:  # stopping now (see stopped)
            signal.signal(other, signal.SIG_IGN)
        if sys.stderr is not None:  # (None where the bot was started with it closed)
            print(f"codebook: stopped while starting ({name})", file=sys.stderr)
        raise SystemExit(0)

    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def stopped() -> None:
    """From here to Python's end a signal is nothing: the event loop, closing, gives the signals
    back to their defaults, and a second SIGTERM, Ctrl-C or SIGHUP then ended the bot by the
    signal, not with its stop's status (found by attacks)."""
    import asyncio

    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    for number in STOPS:
        if loop is not None:
            loop.remove_signal_handler(number)
        signal.signal(number, signal.SIG_IGN)
