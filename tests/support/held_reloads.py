"""``python -m bot`` whose catalog reloads each wait, before they read the folder, until the
test lets them through: the n-th reload at the named pipe HELD_RELOADS/n, until the test has
opened it for writing and closed it. A reload is held as long as a test needs, now that a
catalog file that is a pipe is refused unread; a pipe of each reload's own tells them apart."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path


def main() -> int:
    from bot.cli import main as run_bot
    from bot.core.library import Library, Reload

    gates = Path(os.environ["HELD_RELOADS"])
    reload, numbers = Library.reload, itertools.count(1)

    def held(library: Library) -> Reload:
        with (gates / str(next(numbers))).open("rb") as pipe:  # waits for the test to open it
            pipe.read()  # and to close it
        return reload(library)

    Library.reload = held  # type: ignore[method-assign]
    return run_bot()


if __name__ == "__main__":
    sys.exit(main())
