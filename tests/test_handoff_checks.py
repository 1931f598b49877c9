"""Handoff's settings, `check` and `doctor`: SUPPORT_* and TEAM_NOTES read or refused in one
line each; `check` names the notes' problems as file:line; `doctor` says whether the support
chat is a forum where the bot may manage topics (getChat, getChatMember), and checks the notes."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.handoff.hours import SupportHours
from bot.settings import SettingsError, load_settings
from tests.support import ROOT
from tests.support.doctor import deployment, doctor, line_about
from tests.support.fake_telegram import FakeTelegram
from tests.support.processes import bare_env, bot_command

__all__ = ["deployment"]  # the fixture, shared (tests/support/doctor.py)

SUPPORT = -1001555000111


def settings_problems(**values: str) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, require_token=False, **values)
    return caught.value.lines


def test_support_settings_are_read_and_refused_in_one_line_each() -> None:
    settings = load_settings(
        _env_file=None, require_token=False, support_chat_id=str(SUPPORT),
        support_hours="mon-fri 09:00-18:00", support_signatures="true",
    )  # fmt: skip
    assert settings.support_chat_id == SUPPORT and settings.support_signatures
    assert settings.support_hours == SupportHours.parse("mon-fri 09:00-18:00")
    unset = load_settings(_env_file=None, require_token=False)
    assert (unset.support_chat_id, unset.support_hours, unset.team_notes) == (None, None, None)
    assert settings_problems(support_chat_id="1555000111") == [
        "SUPPORT_CHAT_ID: a supergroup's id, which is negative, e.g. -1001234567890"
    ]
    (hours,) = settings_problems(support_hours="weekdays 9 to 6")
    assert hours.startswith("SUPPORT_HOURS: days and hours, e.g. mon-fri 09:00-18:00")


async def test_check_names_the_notes_problems_by_file_and_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text('gosms:\n  "1004": fine\ntwilio:\n  "1": no\n')
    status, out, err = await check(tmp_path, TEAM_NOTES=str(notes))
    assert status == 1
    assert f"{notes}:3: no provider 'twilio' in the catalogs" in out
    assert "1 problem(s)" in err
    notes.write_text('gosms:\n  "1004": fine\n')
    status, out, _ = await check(tmp_path, TEAM_NOTES=str(notes))
    assert status == 0
    assert f"{notes}: notes on 1 entries, all valid" in out


async def check(folder: Path, **env: str) -> tuple[int, str, str]:
    env = bare_env(CATALOGS_DIR=str(ROOT / "catalogs"), **env)
    done = await bot_command("check", cwd=folder, env=env)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("standing", "said"),
    [
        ({}, "✓ support chat: Support: a forum, the bot manages topics"),
        ({"can_manage_topics": False}, "✗ support chat: Support: the bot may not manage topics"),
        ({"bot_status": "member"}, "✗ support chat: Support: the bot is not an admin"),
        ({"is_forum": False}, "✗ support chat: Support: the chat is not a forum: turn Topics on"),
        (
            {"is_forum": False, "kind": "channel"},
            "✗ support chat: Support: a channel cannot be a support chat: use a supergroup with "
            "Topics on",
        ),
        ({"bot_status": "kicked"}, f"✗ support chat: {SUPPORT}: Bad Request: chat not found"),
    ],
)
async def test_doctor_says_whether_the_support_chat_can_serve(
    deployment: dict[str, str],
    fake: FakeTelegram,
    monkeypatch: pytest.MonkeyPatch,
    standing: dict[str, object],
    said: str,
) -> None:
    fake.forum(SUPPORT, **standing)
    monkeypatch.setenv("SUPPORT_CHAT_ID", str(SUPPORT))
    status, lines = await doctor()
    assert line_about(lines, "support chat").startswith(said)
    assert status == (1 if said.startswith("✗") else 0), lines


async def test_doctor_checks_the_team_notes(
    deployment: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    notes = tmp_path / "notes.yaml"
    notes.write_text('gosms:\n  "9999": no such code\n')
    monkeypatch.setenv("TEAM_NOTES", str(notes))
    status, lines = await doctor()
    assert status == 1
    assert line_about(lines, "team notes").startswith(
        f"✗ team notes: 1 problem(s): {notes}:2: gosms has no code or name '9999'"
    )
