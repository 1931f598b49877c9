"""The bot with one or more of its features on the hot path taken out, for bench_e2e.py's table
of what each costs. Bench-only: the bot itself has no switch for any of these.

    BENCH_WITHOUT=flood,record python bench/variant.py      (then as `python -m bot`)
    BENCH_WITH=dedupe python bench/variant.py

- ``flood``: no flood control (every update passes straight to its handler);
- ``record``: no lookup recorded (no masking, no pseudonym, no database write);
- ``mask``: lookups recorded, their questions not masked;
- ``keyboard``: answers sent without their buttons (a change to what people get: its price);
- ``gc``: the collector as Python sets it (start-up's objects not frozen, the first
  generation's threshold at 700: bot/cli/run.py, bot/telegram/app.py).
And one the bot has only with a webhook, added to long polling to be priced (BENCH_WITH):
- ``dedupe``: each update checked against the ids seen (HandledOnce, in the process: no Redis).
A log line per update is the LOG_LEVEL setting, not a variant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def _without_flood() -> None:
    from bot.telegram.flood import FloodControl

    async def passing(self: Any, handler: Any, event: Any, data: Any) -> Any:
        return await handler(event, data)

    FloodControl.__call__ = passing  # type: ignore[method-assign]


def _without_record() -> None:
    from bot.telegram.replies import Replies

    Replies.record = lambda self, *args, **kwargs: None  # type: ignore[method-assign]


def _without_mask() -> None:
    import bot.analytics.rollup as rollup

    rollup.mask_query = lambda text: text[:200]


def _without_keyboard() -> None:
    import bot.telegram.replies as replies

    replies.answer_keyboard = lambda answer, lang, **options: None  # type: ignore[assignment]


def _without_gc() -> None:
    import gc

    import bot.cli.run

    bot.cli.run.FIRST_GENERATION = gc.get_threshold()[0]
    gc.freeze = lambda: None


def _with_dedupe() -> None:
    import bot.telegram.app as app
    from bot.telegram.middlewares import HandledOnce, Language
    from bot.telegram.shared import Marks

    create = app.create_dispatcher

    def with_dedupe(*args: Any, **kwargs: Any) -> Any:
        dp = create(*args, **kwargs)
        shared = dp["services"].shared
        marks = Marks(shared, "update", hold=app.UPDATE_MEMORY, lease=app.UPDATE_LEASE)
        once = HandledOnce(marks)
        chain = dp.update.outer_middleware._middlewares  # where app.py puts it with a webhook
        chain.insert(next(i for i, m in enumerate(chain) if isinstance(m, Language)), once)
        return dp

    app.create_dispatcher = with_dedupe  # type: ignore[assignment]


VARIANTS: dict[str, Callable[[], None]] = {
    "flood": _without_flood,
    "record": _without_record,
    "mask": _without_mask,
    "keyboard": _without_keyboard,
    "gc": _without_gc,
}
ADDED: dict[str, Callable[[], None]] = {"dedupe": _with_dedupe}


def main() -> int:
    for name in filter(None, os.environ.get("BENCH_WITHOUT", "").split(",")):
        VARIANTS[name]()
    for name in filter(None, os.environ.get("BENCH_WITH", "").split(",")):
        ADDED[name]()
    from bot.cli import main as bot

    return bot([])


if __name__ == "__main__":
    sys.exit(main())
