"""Every setting, from the environment and ``.env`` (pydantic-settings): one model, each default
and bound written once, read by the bot and by every command alike.

The environment's names are a stable interface (DESIGN.md), so the fields are flat, one per
variable; ``radar`` gives the radar's as a typed section. How a value's text is read is in
values.py (and urls.py, env_file.py). An empty value means "not set". A problem is one line
naming the variable, never its value (a token or a secret may be in it)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from dotenv import dotenv_values
from pydantic import (
    BeforeValidator,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.analytics.key import default_key_file
from bot.data import packaged
from bot.handoff.hours import SupportHours
from bot.radar.settings import RadarSettings
from bot.settings.env_file import read_env_file
from bot.settings.urls import url_problem
from bot.settings.values import WEEKDAYS, id_problem, seconds, time_zone, token_problem

Duration = Annotated[float, BeforeValidator(seconds)]


class Settings(BaseSettings):
    """Everything the running bot reads from its environment (see .env.example)."""

    # An empty value, in .env or the environment, means "not set" (.env.example has empty lines).
    model_config = SettingsConfigDict(
        env_file=".env", extra="ignore", frozen=True, env_ignore_empty=True
    )

    bot_token: SecretStr | None = None  # required to run the bot (load_settings checks it)
    telegram_api_url: str | None = None
    database_path: Path = Path("data/bot.sqlite3")
    database_url: SecretStr | None = None  # postgresql://...: analytics there, not in SQLite
    redis_url: SecretStr | None = None  # limits, votes and sending shared by replicas
    catalogs_dir: Path = Field(default_factory=lambda: packaged("bot.catalogs"))
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(8080, ge=1, le=65535)
    analytics_retention_days: int = Field(365, ge=1, le=36_500)  # (a larger one overflowed)
    # Lookups are written this often: a crash (SIGKILL, power) loses at most this much.
    analytics_flush_interval: Duration = Field(0.5, gt=0, le=60)
    # A stop waits this long for the updates in hand, then cuts them off (Telegram hands most
    # of them out again): with the 5 s the database gets after it, within a process manager's
    # own wait before SIGKILL (Docker's: 10 s). At most 45 s: at 55 aiogram answers a webhook's
    # request 200 on its own (Telegram then counts the update delivered, its answer perhaps
    # never sent: an attack set 70), and an update in hand holds its id for UPDATE_LEASE.
    stop_grace: Duration = Field(5.0, ge=0, le=45)
    analytics_secret: SecretStr | None = None
    analytics_key_file: Path = Field(default_factory=default_key_file)
    lookups_per_minute: int = Field(20, ge=1)
    metrics_port: int | None = Field(None, ge=1, le=65535)  # long polling: /healthz, /metrics
    metrics_host: str = "0.0.0.0"
    # The incident radar: off while ALERT_CHAT_IDS is unset. Its defaults are the statistic's
    # own (bot/radar/settings.py); the bounds are here.
    alert_chat_ids: Annotated[tuple[int, ...], NoDecode] = ()
    radar_interval: Duration = Field(RadarSettings.interval, ge=10)
    radar_window: Duration = Field(RadarSettings.window, ge=60)
    radar_baseline_days: int = Field(RadarSettings.baseline_days, ge=1, le=60)
    radar_min_people: int = Field(RadarSettings.min_people, ge=2)
    # The weekly digest: off while DIGEST_CHAT_IDS is unset.
    digest_chat_ids: Annotated[tuple[int, ...], NoDecode] = ()
    digest_at: Annotated[tuple[int, int, int], NoDecode] = (0, 9, 0)  # Monday 09:00
    tz: ZoneInfo = ZoneInfo("UTC")
    # The language of alerts and digests (the team's): ru, en or uk.
    team_lang: Literal["ru", "en", "uk"] = "en"
    # Handoff to the support team (forum topics in a supergroup): off while SUPPORT_CHAT_ID is
    # unset. SUPPORT_HOURS are read in TZ; unset: the team is always in.
    support_chat_id: int | None = None
    support_hours: Annotated[SupportHours | None, NoDecode] = None
    support_signatures: bool = False  # staff's names on the replies relayed to the person
    # An open conversation this long silent is closed.
    support_idle_days: int = Field(7, ge=1, le=36_500)
    team_notes: Path | None = None  # YAML: provider, code -> notes for staff (bot/handoff/notes)

    @property
    def radar(self) -> RadarSettings:
        """The radar's knobs, as RADAR_* set them."""
        return RadarSettings(
            window=self.radar_window,
            baseline_days=self.radar_baseline_days,
            min_people=self.radar_min_people,
            interval=self.radar_interval,
        )

    @property
    def token(self) -> str:
        """BOT_TOKEN, which running the bot requires (``load_settings`` says when it is not set)."""
        if self.bot_token is None:
            raise SettingsError([MISSING_TOKEN])
        return self.bot_token.get_secret_value()

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        token = value.get_secret_value().strip()
        problem = token_problem(token)
        if problem:
            raise ValueError(problem)
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

    @field_validator("database_url", "redis_url", "webhook_url", "telegram_api_url")
    @classmethod
    def _url(cls, value: SecretStr | str | None, info: ValidationInfo) -> SecretStr | str | None:
        # One that does not parse would stop every command later with a traceback holding it.
        url = value.get_secret_value() if isinstance(value, SecretStr) else value
        problem = url_problem(url, info.field_name or "") if url is not None else None
        if problem:
            raise ValueError(problem)
        return value

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET is required with WEBHOOK_URL")
        return self

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        # Only commas separate ids: "7 77" is a typo for one id or two, and guessing which
        # would hand the admin commands to a stranger.
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",")]
            if parts[-1] == "":
                parts.pop()  # a trailing comma
            for part in parts:
                if not part.isascii() or not part.isdigit():
                    raise ValueError(id_problem(part))
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("alert_chat_ids", "digest_chat_ids", mode="before")
    @classmethod
    def _chat_ids(cls, value: Any) -> Any:
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            for part in parts:
                if not re.fullmatch(r"-?\d{1,20}", part):
                    raise ValueError(
                        "chat ids, separated by commas: a group's is negative, e.g. -1001234567890"
                    )
            return tuple(int(part) for part in parts)
        return value

    @field_validator("digest_at", mode="before")
    @classmethod
    def _weekly(cls, value: Any) -> Any:
        if isinstance(value, str):
            match = re.fullmatch(r"\s*([a-z]{3})[a-z]*\s+(\d{1,2}):(\d{2})\s*", value.lower())
            if (
                match is None
                or match[1] not in WEEKDAYS
                or int(match[2]) > 23
                or int(match[3]) > 59
            ):
                raise ValueError("a weekday and a time, e.g. mon 09:00")
            return WEEKDAYS.index(match[1]), int(match[2]), int(match[3])
        return value

    @field_validator("support_chat_id")
    @classmethod
    def _supergroup(cls, value: int | None) -> int | None:
        if value is not None and value >= 0:
            raise ValueError("a supergroup's id, which is negative, e.g. -1001234567890")
        return value

    @field_validator("support_hours", mode="before")
    @classmethod
    def _hours(cls, value: Any) -> Any:
        return SupportHours.parse(value) if isinstance(value, str) else value

    @field_validator("tz", mode="before")
    @classmethod
    def _zone(cls, value: Any) -> Any:
        return time_zone(value) if isinstance(value, str) else value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return value.upper()


MISSING_TOKEN = "BOT_TOKEN is not set: put the token @BotFather gave you in BOT_TOKEN (or in .env)"


class SettingsError(Exception):
    """The environment does not make a runnable bot; ``lines`` say what to set."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def load_settings(*, require_token: bool = True, **overrides: Any) -> Settings:
    """The settings; a ``SettingsError`` names each problem in one line, never the values.
    The bot needs BOT_TOKEN; the commands that only read catalogs or the database do not
    (``require_token=False``)."""
    problems, usable, cannot = read_env_file(env_file(), SETTING_NAMES)
    say_unread(cannot)
    if not usable:
        overrides.setdefault("_env_file", None)
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise SettingsError(problems + [_explain(error) for error in exc.errors()]) from None
    if problems:
        raise SettingsError(problems)
    if require_token and settings.bot_token is None:
        raise SettingsError([MISSING_TOKEN])
    return settings


SETTING_NAMES = frozenset(name.upper() for name in Settings.model_fields)


def env_file() -> Path:
    """The .env file the settings read (in the working folder)."""
    return Path(str(Settings.model_config["env_file"]))


def say_unread(cannot: str | None) -> None:
    """A .env that is there but cannot be opened, said by every command whatever it goes on to
    say (only the bot's log said it: a third attack; not `check` and `lookup`: a fourth)."""
    if cannot:
        print(f"codebook: {cannot}", file=sys.stderr)


def given_names() -> set[str]:
    """The names set in the environment and in the .env file (which the settings read)."""
    path = env_file()
    names = set(os.environ)
    if read_env_file(path).usable and path.is_file():
        names |= {name for name in dotenv_values(path) if name}
    return names


def settings_despite_problems(*, said: bool = False) -> tuple[Settings, list[str]]:
    """The settings with every wrong one taken at its default, and a line for each problem (the
    doctor goes on checking what the rest allows); ``said``: a .env that cannot be opened said
    on stderr too, as every command says it (``say_unread``)."""
    problems, usable, cannot = read_env_file(env_file(), SETTING_NAMES)
    if said:
        say_unread(cannot)
    problems += [cannot] if cannot else []
    unread: dict[str, Any] = {} if usable else {"_env_file": None}
    try:
        return Settings(**unread), problems
    except ValidationError as exc:
        errors = exc.errors()
    wrong = {str(error["loc"][0]) for error in errors if error["loc"]}
    defaults = {
        name: Settings.model_fields[name].get_default(call_default_factory=True) for name in wrong
    }
    try:
        settings = Settings(**defaults, **unread)
    except ValidationError:  # a rule over several settings (a webhook without its secret)
        settings = Settings(**defaults, **unread, webhook_url=None)
    return settings, problems + [_explain(error) for error in errors]


# The settings read as a duration ("90", "5m"), whose bounds are said in seconds (RADAR_INTERVAL=5
# was "greater than or equal to 10", with no unit: an attack).
_DURATIONS = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if any(getattr(rule, "func", None) is seconds for rule in field.metadata)
)

_BOUNDS = frozenset({"greater_than", "greater_than_equal", "less_than", "less_than_equal"})


def _explain(error: Any) -> str:
    """One line about one problem; it names the setting and never repeats the value."""
    message = str(error["msg"]).removeprefix("Value error, ")
    if not error["loc"]:  # a rule about several settings: its message names them
        return message
    name = str(error["loc"][0]).upper()
    if error["type"] in _BOUNDS and name.lower() in _DURATIONS:  # "at least 10": of what?
        message += " seconds"
    if name == "BOT_TOKEN":
        return f"BOT_TOKEN {message}"
    return f"{name}: {message}"
