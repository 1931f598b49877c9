"""The running bot's settings, from the environment and ``.env`` (pydantic-settings)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.environment import DEFAULTS

_TOKEN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{20,}$")


class Settings(BaseSettings):
    """Everything the running bot reads from its environment (see .env.example)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", frozen=True)

    bot_token: SecretStr
    telegram_api_url: str | None = None
    database_path: Path = Path(DEFAULTS["DATABASE_PATH"])
    catalogs_dir: Path = Path(DEFAULTS["CATALOGS_DIR"])
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(8080, ge=1, le=65535)
    analytics_retention_days: int = Field(int(DEFAULTS["ANALYTICS_RETENTION_DAYS"]), ge=1)
    analytics_secret: SecretStr | None = None
    lookups_per_minute: int = Field(20, ge=1)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        token = value.get_secret_value().strip()
        if not _TOKEN.match(token):
            raise ValueError("malformed token")
        return SecretStr(token)

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Telegram accepts 1-256 characters A-Z, a-z, 0-9, _ and - in a secret token.
        if value is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()
        ):
            raise ValueError("use 1 to 256 characters: letters, digits, _ and -")
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required with WEBHOOK_URL")
        return self

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return frozenset(int(part) for part in re.split(r"[,\s]+", value.strip()) if part)
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()


class SettingsError(Exception):
    """The environment does not make a runnable bot; ``lines`` say what to set."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_settings(**overrides: Any) -> Settings:
    """The settings; a ``SettingsError`` names each problem in one line, never the values."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError([_explain(error) for error in exc.errors()]) from None


def _explain(error: Any) -> str:
    if not error["loc"]:  # a rule about several settings: its message names them
        return str(error["msg"]).removeprefix("Value error, ")
    name = str(error["loc"][0]).upper()
    if name == "BOT_TOKEN" and error["type"] == "missing":
        return "BOT_TOKEN is not set: put the token @BotFather gave you in BOT_TOKEN (or in .env)"
    if name == "BOT_TOKEN":
        return "BOT_TOKEN does not look like a bot token (digits, a colon, then the secret part)"
    return f"{name}: {str(error['msg']).removeprefix('Value error, ')}"
