"""`python -m bot doctor` in process, over a sound deployment a test then breaks: the settings
in the environment, the fake Bot API's address, a database and a key file of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli.doctor import examine
from tests.support.fake_telegram import TOKEN, FakeTelegram

NAMES = ("BOT_TOKEN", "TELEGRAM_API_URL", "DATABASE_PATH", "CATALOGS_DIR", "ANALYTICS_SECRET")
NAMES += ("ANALYTICS_KEY_FILE", "WEBHOOK_URL", "WEBHOOK_SECRET", "ADMIN_IDS", "DATABASE_URL")
NAMES += ("REDIS_URL", "METRICS_PORT", "METRICS_HOST", "WEBHOOK_PORT", "WEBHOOK_HOST")


@pytest.fixture
def deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeTelegram
) -> dict[str, str]:
    """A sound deployment: token, API URL, a database path, a key file of its own."""
    return sound_deployment(tmp_path, monkeypatch, fake)


def sound_deployment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: FakeTelegram
) -> dict[str, str]:
    """Token, API URL (``fake``'s server), a database path and a key file of its own, set in
    the environment over none of the developer's (the working directory is ``tmp_path``)."""
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    settings = {
        "BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        "ANALYTICS_KEY_FILE": str(tmp_path / "keys" / "analytics.key"),
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


async def doctor() -> tuple[int, list[str]]:
    """Its exit status and the lines it printed."""
    lines: list[str] = []
    status = await examine(lines.append)
    return status, lines


def line_about(lines: list[str], what: str) -> str:
    return next(line for line in lines if line[2:].startswith(f"{what}:"))
