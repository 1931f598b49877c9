"""``python -m bot`` that writes the name of every module it holds to ``imports.log`` in its
working folder: those it holds as it starts (a bot forked from the zygote holds aiogram's
already), then each as it imports it (the "import" audit event, raised for every module
loaded). What ``-X importtime`` says of a new interpreter, for a forked bot too: the bot that
test_e2e's tests share runs under it, and a new interpreter of its own cost ~5 s of CPU more."""

from __future__ import annotations

import sys
from typing import Any


def main() -> int:
    with open("imports.log", "a", buffering=1, encoding="utf-8") as log:
        log.writelines(f"{name}\n" for name in list(sys.modules))

        def imported(event: str, args: tuple[Any, ...]) -> None:
            if event == "import" and not log.closed:  # (hooks cannot be taken back)
                log.write(f"{args[0]}\n")

        sys.addaudithook(imported)
        from bot.cli import main as run_bot

        return run_bot()


if __name__ == "__main__":
    sys.exit(main())
