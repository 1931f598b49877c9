"""Logging: one readable line per event, secrets (the bot token, URL passwords) never written."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from bot.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redact(logging.Filter):
    """Replaces each secret in a record's message and traceback with ``<redacted>``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        record.msg, record.args = redact(record.getMessage(), self.secrets), None
        return True


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret in it replaced by ``<redacted>``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def secrets_of(settings: Settings) -> list[str]:
    """What neither the log nor doctor may show: the bot token (it may also stand in
    WEBHOOK_URL's path) and the password of every URL setting."""
    hidden = (settings.database_url, settings.redis_url)
    shown = (settings.webhook_url, settings.telegram_api_url)
    return [
        settings.bot_token.get_secret_value() if settings.bot_token else "",
        *(password(url.get_secret_value()) for url in hidden if url is not None),
        *(password(url) for url in shown),
    ]


def configure(level: str, secrets: list[str]) -> None:
    """Log to stderr at ``level``; aiogram's own per-update lines are left to ours."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(Redact(secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("aiogram.event").setLevel(max(logging.WARNING, root.level))


def without_password(url: str) -> str:
    """A database or Redis URL with its password hidden, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


def password(url: str | None) -> str:
    """The password in a URL ('' if none): a secret the logs must not show."""
    return (urlsplit(url).password or "") if url else ""
