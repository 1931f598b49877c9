"""``python -m bot`` that writes the name of every module it holds to ``imports.log`` in its
working folder: those it holds as it starts (a bot forked from the zygote holds aiogram's
already), then each it looks for as it imports it (a finder first on ``sys.meta_path`` is asked
for every module not yet loaded, by an import statement or by ``importlib.import_module``,
which the "import" audit event and ``-X importtime`` miss). Said for a forked bot as for a new
interpreter: the bot that test_e2e's tests share runs under it (as a new interpreter under
``-X importtime``, it cost ~5 s of CPU more)."""

from __future__ import annotations

import sys
from contextlib import suppress
from typing import IO, Any


class Logged:
    """Writes each module asked for to ``log``, and leaves the finding to the other finders."""

    def __init__(self, log: IO[str]) -> None:
        self._log = log

    def find_spec(self, name: str, *_: Any) -> None:
        with suppress(OSError, ValueError):  # (a full disk, or the file closed at shutdown)
            self._log.write(f"{name}\n")


def main() -> int:
    with open("imports.log", "a", buffering=1, encoding="utf-8") as log:
        log.writelines(f"{name}\n" for name in list(sys.modules))
        sys.meta_path.insert(0, Logged(log))
        from bot.cli import main as run_bot

        return run_bot()


if __name__ == "__main__":
    sys.exit(main())
