"""The bot with one or more of its features on the hot path taken out, for bench_e2e.py's table
of what each costs. Bench-only: the bot itself has no switch for any of these.

    BENCH_WITHOUT=metrics,flood python bench/variant.py      (then as `python -m bot`)

- ``metrics``: no Prometheus counter or histogram per update;
- ``flood``: no flood control (every update passes straight to its handler);
- ``record``: no lookup recorded (no masking, no pseudonym, no database write);
- ``mask``: lookups recorded, their questions not masked;
- ``keyboard``: answers sent without their buttons (a change to what people get: its price).
A log line per update is the LOG_LEVEL setting, not a variant.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def _without_metrics() -> None:
    from bot.telegram.monitoring import Metrics

    Metrics.observe = lambda self, kind, outcome, seconds: None  # type: ignore[method-assign]


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


VARIANTS: dict[str, Callable[[], None]] = {
    "metrics": _without_metrics,
    "flood": _without_flood,
    "record": _without_record,
    "mask": _without_mask,
    "keyboard": _without_keyboard,
}


def main() -> int:
    for name in filter(None, os.environ.get("BENCH_WITHOUT", "").split(",")):
        VARIANTS[name]()
    from bot.cli import main as bot

    return bot([])


if __name__ == "__main__":
    sys.exit(main())
