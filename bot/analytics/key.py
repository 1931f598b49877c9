"""The analytics key: the secret that turns Telegram ids into pseudonyms, kept apart from the
database it protects.

Whoever holds both the database and the key can reverse every pseudonym by hashing Telegram's
whole id space, so the key never sits beside the database by default: it is ANALYTICS_SECRET, or
a key file in the user's configuration folder (ANALYTICS_KEY_FILE to put it elsewhere).
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

logger = logging.getLogger(__name__)

KEY_FILE = "analytics.key"  # the file's name, and the one earlier versions kept beside the db
KEY_BYTES = 32
SECRET_MIN = 16  # characters an ANALYTICS_SECRET must have


class AnalyticsKeyError(Exception):
    """The key cannot be used (unreadable, empty, malformed, not a file); says what to do."""


def default_key_file() -> Path:
    """``$XDG_CONFIG_HOME/codebook/analytics.key``, by default ``~/.config/codebook/...``."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "codebook" / KEY_FILE


def beside_database(key_file: Path, database: Path) -> bool:
    """Whether the key file lies in the database's folder (or below it): a copy of that folder
    would carry both. Where keys live by default is not (a database kept in the home folder
    had its default key said to lie beside it: an attack)."""
    folder, key = database.resolve().parent, key_file.resolve()
    if folder == key.parent:
        return True  # (the default's folder too: a database kept there, a third attack)
    return folder in key.parents and key != default_key_file().resolve()


def load_key(configured: str | None, key_file: Path, database: Path | None = None) -> bytes:
    """ANALYTICS_SECRET when set, else the key file, made on first use.

    A key an earlier version left beside ``database`` is moved to ``key_file`` (so pseudonyms
    stay what they were). Raises AnalyticsKeyError with one line saying what is wrong.
    """
    if configured:
        if len(configured) < SECRET_MIN:
            raise AnalyticsKeyError(
                f"ANALYTICS_SECRET is shorter than {SECRET_MIN} characters: a short key makes "
                "the pseudonyms easy to reverse (python -c 'import secrets; "
                "print(secrets.token_hex())' makes a good one)"
            )
        return configured.encode()
    if database is not None:
        _move_legacy_key(database.parent / KEY_FILE, key_file)
        if beside_database(key_file, database):  # as ANALYTICS_KEY_FILE says: kept, and said
            logger.warning(
                "the analytics key %s lies beside the database: a copy of that folder carries "
                "both, and the pseudonyms can be reversed; set ANALYTICS_KEY_FILE elsewhere",
                key_file,
            )
    try:
        return read_key_file(key_file)
    except FileNotFoundError:
        return _create(key_file)


def read_key_file(path: Path) -> bytes:
    """The key in ``path``: 64 hex digits. FileNotFoundError if there is none yet."""
    if path.is_dir():
        raise AnalyticsKeyError(f"{path} is a folder, not an analytics key file")
    try:
        text = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        raise  # the caller makes one
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not text"
        raise AnalyticsKeyError(f"cannot read the analytics key {path}: {reason}") from None
    if not text:
        raise AnalyticsKeyError(
            f"the analytics key {path} is empty (a disk that was full?): restore it from a "
            "backup, or delete it to start new pseudonyms (everyone then counts as new)"
        )
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise AnalyticsKeyError(
            f"the analytics key {path} is not {KEY_BYTES * 2} hex digits: restore it from a "
            "backup, or delete it to start new pseudonyms (everyone then counts as new)"
        )
    return key


def _create(path: Path) -> bytes:
    """A new key, written whole or not at all: a temporary file, fsync, then a link to the
    final name, which fails if another process made one first (that one is used)."""
    key = secrets.token_bytes(KEY_BYTES)
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as file:
                file.write(key.hex() + "\n")
                file.flush()
                os.fsync(file.fileno())
            os.link(temporary, path)
        except FileExistsError:
            return read_key_file(path)
        finally:
            temporary.unlink(missing_ok=True)
        _sync_folder(path.parent)
    except OSError as exc:
        raise AnalyticsKeyError(
            f"cannot write the analytics key {path}: {exc.strerror or exc}; set "
            "ANALYTICS_KEY_FILE to a writable place, or ANALYTICS_SECRET"
        ) from None
    logger.warning("made a new analytics key in %s: keep it, and keep it apart from the data", path)
    return key


def _move_legacy_key(old: Path, new: Path) -> None:
    """Move a key kept beside the database (before 0.2) to where keys live now."""
    if old == new or not old.is_file() or new.exists():
        return
    key = read_key_file(old)
    try:
        new.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = new.with_name(f".{new.name}.{os.getpid()}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as file:
            file.write(key.hex() + "\n")
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, new)
        _sync_folder(new.parent)
        old.unlink()
    except OSError as exc:
        raise AnalyticsKeyError(
            f"cannot move the analytics key from {old} to {new}: {exc.strerror or exc}"
        ) from None
    logger.warning("moved the analytics key out of the database's folder: %s -> %s", old, new)


def _sync_folder(folder: Path) -> None:
    """Make a new name in ``folder`` survive a power cut."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
