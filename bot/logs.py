"""Logging: one readable line per event, secrets (the bot token, URL passwords) never written."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.settings.urls import mask_urls, url_secrets

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
    """``text`` with every URL's password, secret query parameters, key=value passwords and
    bot tokens masked (``***``), then each secret replaced by ``<redacted>`` where it stands as
    a whole token, never inside a longer word (a password ``p`` leaves "polling" alone)."""
    text = mask_urls(text)
    whole = sorted({s for s in secrets if s}, key=len, reverse=True)
    if whole:
        tokens = re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, whole))})(?!\w)")
        text = tokens.sub("<redacted>", text)
    return text


def secrets_of(settings: Settings) -> list[str]:
    """What neither the log nor doctor may show: the bot token and its secret part (either may
    stand in WEBHOOK_URL's path), the webhook's and the analytics' secrets, and the password of
    every URL setting."""
    hidden = (settings.bot_token, settings.webhook_secret, settings.analytics_secret)
    token = settings.bot_token.get_secret_value() if settings.bot_token else ""
    urls = (settings.database_url, settings.redis_url)
    return [
        *(secret.get_secret_value() for secret in hidden if secret is not None),
        token.partition(":")[2],
        *(s for url in urls if url is not None for s in url_secrets(url.get_secret_value())),
        *(s for url in (settings.webhook_url, settings.telegram_api_url) for s in url_secrets(url)),
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
    """A URL with its password (userinfo, query) hidden, for messages and logs."""
    return mask_urls(url)
