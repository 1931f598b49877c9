"""The floor of bench_e2e.py: the echo bot (bench/echo_bot.py), answering each question with the
very messages Codebook sends for it (its HTML text, split as Codebook splits it, and its
buttons), worked out before the run. What sending Codebook's answers and reading Telegram's
replies costs, end to end, with none of Codebook's own work: no resolving or rendering during
the run, no log line, no metrics, no flood control, no lookup recorded.

BOT_TOKEN=... TELEGRAM_API_URL=... REPLAY_UPDATES=batch.json python bench/replay_bot.py
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiogram.types import InlineKeyboardMarkup, Message
from echo_bot import create_dispatcher, poll, send, tune_gc

from bot.core.catalog_files import load_catalogs
from bot.core.i18n import language_for
from bot.core.render import render
from bot.core.resolve import Resolver
from bot.settings import load_settings
from bot.telegram.keyboards import answer_keyboard

Answer = tuple[list[str], InlineKeyboardMarkup | None]


def answers(path: Path) -> dict[tuple[str, str | None], Answer]:
    """Codebook's messages for every question of the batch, by its text and its asker's
    language code."""
    catalog, problems = load_catalogs(load_settings(require_token=False).catalogs_dir)
    assert catalog is not None, problems
    resolver = Resolver(catalog)
    made: dict[tuple[str, str | None], Answer] = {}
    for update in json.loads(path.read_text(encoding="utf-8")):
        message = update["message"]
        key = (message["text"], message["from"].get("language_code"))
        if key not in made:
            lang = language_for(key[1])
            answer = resolver.answer(key[0])
            made[key] = render(answer, lang), answer_keyboard(answer, lang)
    return made


async def main() -> None:
    made = answers(Path(os.environ["REPLAY_UPDATES"]))
    tune_gc()

    async def replay(message: Message) -> None:
        user = message.from_user
        parts, keyboard = made[(message.text or "", user.language_code if user else None)]
        for number, part in enumerate(parts, 1):
            await send(
                message.answer(part, reply_markup=keyboard if number == len(parts) else None)
            )

    await poll(create_dispatcher(replay))


if __name__ == "__main__":
    asyncio.run(main())
