"""Settings: from the environment and .env, each problem one clear line that never shows a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from bot.environment import setting

TOKEN = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abc-123"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "BOT_TOKEN",
        "ADMIN_IDS",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "DATABASE_PATH",
        "CATALOGS_DIR",
        "LOG_LEVEL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no developer's .env


def problems(**values: str) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(**values)
    return caught.value.lines


def test_defaults_with_only_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOT_TOKEN", TOKEN)
    settings = load_settings()
    assert settings.bot_token.get_secret_value() == TOKEN
    assert str(settings.database_path) == "data/bot.sqlite3"
    assert str(settings.catalogs_dir) == "catalogs"
    assert settings.admin_ids == frozenset() and settings.webhook_url is None
    assert settings.analytics_retention_days == 365 and settings.lookups_per_minute == 20
    assert TOKEN not in repr(settings)


def test_a_missing_or_malformed_token() -> None:
    assert problems() == [
        "BOT_TOKEN is not set: put the token @BotFather gave you in BOT_TOKEN (or in .env)"
    ]
    lines = problems(bot_token="hunter2")
    assert lines == [
        "BOT_TOKEN does not look like a bot token (digits, a colon, then the secret part)"
    ]


def test_env_file_and_comma_separated_admins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nADMIN_IDS=1, 22,333\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.admin_ids == {1, 22, 333}
    assert settings.log_level == "DEBUG"


def test_the_quick_reader_sees_the_same_env_file(tmp_path: Path) -> None:
    assert setting("CATALOGS_DIR") == "catalogs"
    (tmp_path / ".env").write_text("CATALOGS_DIR=/srv/catalogs\n")
    assert setting("CATALOGS_DIR") == "/srv/catalogs"


def test_webhook_mode_needs_a_valid_secret() -> None:
    assert problems(bot_token=TOKEN, webhook_url="https://example.org/hook") == [
        "WEBHOOK_SECRET is required with WEBHOOK_URL"
    ]
    assert problems(
        bot_token=TOKEN, webhook_url="https://example.org/hook", webhook_secret="with spaces"
    ) == ["WEBHOOK_SECRET: use 1 to 256 characters: letters, digits, _ and -"]


def test_bad_numbers_name_the_setting() -> None:
    assert problems(bot_token=TOKEN, webhook_port="eighty") == [
        "WEBHOOK_PORT: Input should be a valid integer, unable to parse string as an integer"
    ]
