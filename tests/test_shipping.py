"""A new user's path, run as they would run it: from an empty folder, with nothing set but what
they set, the catalogs and migrations found inside the installed package.

``CODEBOOK_PYTHON`` names the interpreter of the installation under test: by default the one
running the tests (an editable install); .ci/run points it at a virtualenv holding the built
wheel, so the same tests prove that ``pip install .`` carries everything.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.support.fake_telegram import TOKEN, FakeTelegram
from tests.support.processes import STARTING, STOPPING

ROOT = Path(__file__).resolve().parents[1]
PYTHON = os.environ.get("CODEBOOK_PYTHON") or sys.executable


def clean_environment(home: Path, **settings: str) -> dict[str, str]:
    """What a fresh shell has (no Codebook setting at all) with ``home`` as the user's home
    (where the analytics key is made), plus ``settings``."""
    keep = ("PATH", "LANG", "TMPDIR")
    return {**{k: os.environ[k] for k in keep if k in os.environ}, "HOME": str(home), **settings}


def command(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` run in ``folder`` with a clean environment."""
    return subprocess.run(
        [PYTHON, "-m", "bot", *args],
        cwd=folder,
        env=clean_environment(folder.parent / "home", LANG="C.UTF-8"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_and_lookup_from_an_empty_folder_use_the_packaged_catalogs(tmp_path: Path) -> None:
    checked = command(tmp_path, "check")
    assert checked.returncode == 0, checked.stderr
    assert "5 providers" in checked.stdout and "all valid" in checked.stdout
    found = command(tmp_path, "lookup", "gosms 1004")
    assert found.returncode == 0, found.stderr
    assert found.stdout.startswith("GoSMS · 1004 — No devices registered")
    assert list(tmp_path.iterdir()) == []  # neither made nor needed a file here


def test_migrate_from_an_empty_folder_makes_the_whole_schema(tmp_path: Path) -> None:
    migrated = command(tmp_path, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "applied 0001_lookups" in migrated.stdout
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master")}
        version = db.execute("SELECT max(version) FROM schema_migrations").fetchone()[0]
    assert {"lookups", "daily_entries", "votes", "schema_migrations"} <= tables
    assert version >= 2 and f"at schema version {version}" in migrated.stdout
    again = command(tmp_path, "migrate")
    assert again.returncode == 0 and "nothing to apply" in again.stdout


async def test_the_bot_starts_from_a_folder_holding_only_the_example_env(tmp_path: Path) -> None:
    async with FakeTelegram() as fake:
        example = (ROOT / ".env.example").read_text(encoding="utf-8")
        filled = example.replace("\nBOT_TOKEN=\n", f"\nBOT_TOKEN={TOKEN}\n").replace(
            "\nTELEGRAM_API_URL=\n", f"\nTELEGRAM_API_URL={fake.base_url}\n"
        )
        assert filled.count(TOKEN) == 1 and filled.count(fake.base_url) == 1
        (tmp_path / ".env").write_text(filled, encoding="utf-8")
        assert os.listdir(tmp_path) == [".env"]
        process = await asyncio.create_subprocess_exec(
            PYTHON,
            "-m",
            "bot",
            cwd=tmp_path,
            env=clean_environment(tmp_path.parent / "home"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await fake.wait_for("getUpdates", timeout=STARTING)
            fake.push(fake.message("gosms 1004"))
            sent = await fake.wait_for("sendMessage")
            assert sent.params["text"].startswith("<b>GoSMS · 1004 — No devices registered</b>")
        finally:
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
            _, err = await asyncio.wait_for(process.communicate(), STOPPING)
    log = err.decode()
    assert process.returncode == 0, log
    assert TOKEN not in log
    with sqlite3.connect(tmp_path / "data" / "bot.sqlite3") as db:
        assert db.execute("SELECT count(*) FROM lookups").fetchone() == (1,)
    # The pseudonyms' key was made in the user's configuration, not beside the database.
    assert (tmp_path.parent / "home" / ".config" / "codebook" / "analytics.key").is_file()
    assert not (tmp_path / "data" / "analytics.key").exists()


def test_every_package_of_the_source_is_one_the_wheel_carries() -> None:
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "bot").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject.toml's packages: {sorted(found - listed)}"
