"""The analytics key: kept apart from the database, made whole or not at all, never guessed."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import pytest

from bot.analytics import key as keys
from bot.analytics.key import AnalyticsKeyError, beside_database, default_key_file, load_key


def test_a_configured_secret_is_used_and_no_key_file_is_made(tmp_path: Path) -> None:
    secret = load_key("from the environment, long", tmp_path / "k" / "analytics.key")
    assert secret == b"from the environment, long"
    assert not (tmp_path / "k").exists()


def test_a_short_configured_secret_is_refused() -> None:
    with pytest.raises(AnalyticsKeyError, match="shorter than 16 characters") as caught:
        load_key("hunter2", Path("/nonexistent/analytics.key"))
    assert "hunter2" not in str(caught.value)


def test_without_a_secret_a_private_key_file_is_made_once_and_reused(tmp_path: Path) -> None:
    path = tmp_path / "config" / "codebook" / "analytics.key"
    first = load_key(None, path)
    assert len(first) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(None, path) == first
    assert load_key("", path) == first  # an empty setting is no setting
    assert load_key(None, tmp_path / "elsewhere.key") != first
    assert [p.name for p in path.parent.iterdir()] == ["analytics.key"]  # no temporary left


def test_the_default_key_lives_in_the_configuration_folder_not_beside_the_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert default_key_file() == tmp_path / "config" / "codebook" / "analytics.key"
    database = tmp_path / "data" / "bot.sqlite3"
    assert not beside_database(default_key_file(), database)
    assert beside_database(tmp_path / "data" / "analytics.key", database)
    assert beside_database(tmp_path / "data" / "keys" / "analytics.key", database)


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("", "is empty (a disk that was full?)"),
        ("\n", "is empty"),
        ("not a key at all\n", "is not 64 hex digits"),
        ("ab" * 16 + "\n", "is not 64 hex digits"),
    ],
)
def test_an_empty_or_malformed_key_is_refused_in_one_line(
    tmp_path: Path, content: str, says: str
) -> None:
    path = tmp_path / "analytics.key"
    path.write_text(content)
    with pytest.raises(AnalyticsKeyError, match=re.escape(says)) as caught:
        load_key(None, path)
    assert "\n" not in str(caught.value)
    assert path.read_text() == content  # never overwritten: the old pseudonyms may need it


def test_a_folder_or_an_unreadable_path_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "folder.key").mkdir()
    with pytest.raises(AnalyticsKeyError, match="is a folder"):
        load_key(None, tmp_path / "folder.key")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(AnalyticsKeyError, match=r"cannot read the analytics key .*: Not a dir"):
        load_key(None, tmp_path / "a-file" / "analytics.key")


def test_a_disk_full_at_first_start_leaves_no_empty_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "analytics.key"

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(keys.os, "fsync", full)
    with pytest.raises(AnalyticsKeyError, match="No space left on device"):
        load_key(None, path)
    assert list(tmp_path.iterdir()) == []  # neither the key nor its temporary file
    monkeypatch.undo()
    assert len(load_key(None, path)) == 32  # the next start makes a whole one


def test_a_key_an_earlier_version_kept_beside_the_database_is_moved(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    database.parent.mkdir()
    old = database.parent / "analytics.key"
    old.write_text("cd" * 32 + "\n")
    new = tmp_path / "config" / "analytics.key"
    assert load_key(None, new, database) == bytes.fromhex("cd" * 32)  # same pseudonyms
    assert not old.exists() and new.read_text() == "cd" * 32 + "\n"
    assert stat.S_IMODE(new.stat().st_mode) == 0o600


def test_a_key_file_set_beside_the_database_is_made_and_said_each_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """ANALYTICS_KEY_FILE in the database's folder: the bot made the key there without a word
    beyond its usual one (found by an attack). It is kept, as set, and said at each start."""
    database = tmp_path / "data" / "bot.sqlite3"
    database.parent.mkdir()
    beside = database.parent / "analytics.key"
    for _ in range(2):
        caplog.clear()
        load_key(None, beside, database)
        said = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("lies beside the database" in line for line in said)


def test_the_default_key_is_never_beside_a_database_in_the_home_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database in the home folder had the default key (~/.config/codebook) said to lie
    beside it, by doctor and at each start (found by an attack)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    assert not beside_database(default_key_file(), tmp_path / "bot.sqlite3")
    assert beside_database(tmp_path / "keys" / "analytics.key", tmp_path / "bot.sqlite3")
    # A database kept in the default key's own folder is beside it (a third attack).
    assert beside_database(default_key_file(), default_key_file().parent / "bot.sqlite3")
