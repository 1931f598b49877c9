"""Logging: one readable line per event, secrets (the bot token) never written."""

from __future__ import annotations

import logging
import sys
from urllib.parse import urlsplit, urlunsplit

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class Redact(logging.Filter):
    """Replaces each secret in a record's message and traceback with ``<redacted>``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        for secret in self.secrets:
            message = message.replace(secret, "<redacted>")
            if record.exc_text:
                record.exc_text = record.exc_text.replace(secret, "<redacted>")
        record.msg, record.args = message, None
        return True


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
