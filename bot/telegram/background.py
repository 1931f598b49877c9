"""The bot's background tasks (the radar's passes, the digest, the taught phrases' poll): each
runs until the bot stops it, and one that ends with an error says so in the log as it ends."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

logger = logging.getLogger(__name__)


def in_background(
    background: set[asyncio.Task[None]], work: Coroutine[Any, Any, None], name: str
) -> None:
    """Run ``work`` until the bot stops; if it ends with an error, the log says so at once (the
    stop gathers its tasks without a word)."""
    task = asyncio.create_task(work, name=name)
    task.add_done_callback(_said_if_failed)
    background.add(task)


def _said_if_failed(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and (error := task.exception()) is not None:
        logger.error(
            "%s stopped, until the bot restarts: %r", task.get_name(), error, exc_info=error
        )
