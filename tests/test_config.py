"""Settings: from the environment and .env, each problem one clear line that never shows a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.data import packaged
from bot.settings import SettingsError, load_settings, settings_despite_problems

ROOT = Path(__file__).resolve().parents[1]
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
    assert settings.catalogs_dir == packaged("bot.catalogs")  # the catalogs that ship
    assert settings.admin_ids == frozenset() and settings.webhook_url is None
    assert settings.analytics_retention_days == 365 and settings.lookups_per_minute == 20
    assert TOKEN not in repr(settings)


def test_a_missing_token() -> None:
    assert problems() == [
        "BOT_TOKEN is not set: put the token @BotFather gave you in BOT_TOKEN (or in .env)"
    ]


SECRET = "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"  # 34 characters, like @BotFather's


@pytest.mark.parametrize(
    ("token", "says"),
    [
        ("hunter2", "has no colon: a token is the bot's id (digits), a colon, then the secret"),
        (f"12345:{SECRET[:12]}", "has a secret part of only 12 characters after the colon"),
        (f"bot12345:{SECRET}", "starts with 'bot': leave that out"),
        (f"12a45:{SECRET}", "has something other than digits before the colon"),
        (f":{SECRET}", "has nothing before the colon"),
        (f"12345:{SECRET[:10]} {SECRET[10:]}", "has a space or a line break inside"),
        (f"12345:{SECRET[:10]}!{SECRET[10:]}", "has a character other than letters, digits"),
        (f"12345:{SECRET}:x", "has more than one colon"),
    ],
)
def test_a_malformed_token_is_told_exactly_what_is_wrong(token: str, says: str) -> None:
    [line] = problems(bot_token=token)
    assert line.startswith(f"BOT_TOKEN {says}")
    assert token not in line and SECRET[:10] not in line


def test_an_env_file_made_from_the_example_needs_only_the_token(tmp_path: Path) -> None:
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "\nBOT_TOKEN=\n" in example
    (tmp_path / ".env").write_text(example.replace("\nBOT_TOKEN=\n", f"\nBOT_TOKEN={TOKEN}\n"))
    settings = load_settings()  # the empty lines are "not set", not empty values
    assert settings.webhook_url is None and settings.webhook_secret is None
    assert settings.analytics_secret is None and settings.admin_ids == frozenset()
    assert settings.catalogs_dir == packaged("bot.catalogs")


def test_an_empty_value_in_the_environment_is_not_set(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEBHOOK_SECRET", "WEBHOOK_URL", "TELEGRAM_API_URL", "DATABASE_PATH"):
        monkeypatch.setenv(name, "")
    settings = load_settings(bot_token=TOKEN)
    assert settings.webhook_secret is None and settings.telegram_api_url is None
    assert str(settings.database_path) == "data/bot.sqlite3"


def test_env_file_and_comma_separated_admins(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"BOT_TOKEN={TOKEN}\nADMIN_IDS=1, 22,333\nLOG_LEVEL=debug\n")
    settings = load_settings()
    assert settings.admin_ids == {1, 22, 333}
    assert settings.log_level == "DEBUG"


def test_the_commands_read_the_same_model_without_a_token(tmp_path: Path) -> None:
    assert load_settings(require_token=False).catalogs_dir == packaged("bot.catalogs")
    (tmp_path / ".env").write_text("CATALOGS_DIR=/srv/catalogs\nRADAR_WINDOW=10m\n")
    settings = load_settings(require_token=False)
    assert settings.bot_token is None and settings.catalogs_dir == Path("/srv/catalogs")
    assert settings.radar.window == 600 and settings.radar.interval == 300  # RADAR_* as a section


def test_the_doctor_reads_the_rest_past_a_wrong_setting(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={TOKEN}\nLOG_LEVEL=loud\nRADAR_WINDOW=soon\nDATABASE_PATH=/srv/db.sqlite3\n"
    )
    settings, problems = settings_despite_problems()
    assert [line.split(":")[0] for line in problems] == ["LOG_LEVEL", "RADAR_WINDOW"]
    assert settings.log_level == "INFO" and settings.radar.window == 1800  # their defaults
    assert str(settings.database_path) == "/srv/db.sqlite3"  # the rest as set
    assert settings.bot_token is not None and settings.token == TOKEN


def test_a_name_set_twice_to_two_values_in_env_is_named_by_its_lines(tmp_path: Path) -> None:
    """A later "bot_token=x" silently won over "BOT_TOKEN=..." (the settings read names in any
    case), and the token was then said to lack its colon (an attack). The same value twice is
    no matter."""
    (tmp_path / ".env").write_text(
        f"BOT_TOKEN={TOKEN}\nLOG_LEVEL=INFO\nbot_token=x\nLOG_LEVEL=INFO\nFOO=1\nfoo=2\n"
    )
    problems = settings_despite_problems()[1]
    assert problems[0] == (
        ".env line 3 sets BOT_TOKEN again, to another value than line 1 does: keep one of the "
        "two lines"
    )
    # The same value twice, or a name no setting has (the settings read none of it): no matter.
    assert not any("LOG_LEVEL" in problem or "FOO" in problem for problem in problems)
    with pytest.raises(SettingsError):
        load_settings()


def test_a_durations_bound_is_said_in_seconds(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RADAR_INTERVAL=5\nRADAR_WINDOW=2 days\nSTOP_GRACE=70\n")
    problems = settings_despite_problems()[1]
    assert problems == [
        # Past 55 s aiogram answers a webhook's request on its own: a stop's grace stays below.
        "STOP_GRACE: Input should be less than or equal to 45 seconds",
        "RADAR_INTERVAL: Input should be greater than or equal to 10 seconds",
        "RADAR_WINDOW: a duration is a number of seconds, or one with a unit: 30s, 5m, 1h",
    ]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("7 77", "ADMIN_IDS: ids are separated only by commas"),
        ("7;77", "ADMIN_IDS: each id is a Telegram user id, digits only"),
        ("7,,77", "ADMIN_IDS: an empty id between two commas"),
        ("seven", "ADMIN_IDS: each id is a Telegram user id, digits only"),
    ],
)
def test_admin_ids_are_separated_by_commas_only(value: str, says: str) -> None:
    [line] = problems(bot_token=TOKEN, admin_ids=value)
    assert line.startswith(says)
    assert value not in line


def test_admin_ids_with_spaces_after_the_commas() -> None:
    assert load_settings(bot_token=TOKEN, admin_ids=" 7, 77 ,").admin_ids == {7, 77}


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


def test_an_env_file_that_is_not_utf8_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """A comment saved in cp1251 stopped every command with a UnicodeDecodeError (found by an
    attack, 2026-12-07)."""
    (tmp_path / ".env").write_bytes(f"# токен бота\nBOT_TOKEN={TOKEN}\n".encode("cp1251"))
    said = ".env line 1 is not UTF-8 text, so the file is not used: save it as UTF-8"
    assert problems() == [said]
    settings, found = settings_despite_problems()
    assert found == [said] and settings.bot_token is None


def test_an_env_file_that_is_a_folder_is_said_not_silently_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A .env that is a folder (Docker makes one where a missing file is mounted) was silently
    not read, its settings taken for unset (found by an attack, 2026-12-07). Doctor says so and
    the bot warns of it, but starts on the environment's settings (stopping it, a fix's first
    form broke such deployments: a second attack)."""
    (tmp_path / ".env").mkdir()
    said = (
        ".env cannot be read (Is a directory), so it is not used: the settings are the "
        "environment's alone"
    )
    assert load_settings(bot_token=TOKEN).bot_token is not None  # no problem: it starts
    assert capsys.readouterr().err == f"codebook: {said}\n"  # said by every command
    settings, found = settings_despite_problems()
    assert found == [said] and settings.bot_token is None


def test_an_env_line_that_cannot_be_read_is_named_not_taken_for_unset(tmp_path: Path) -> None:
    # An unclosed quote: python-dotenv skips the line, and the token was "not set".
    (tmp_path / ".env").write_text(f'ADMIN_IDS=7\nBOT_TOKEN="{TOKEN}\nLOG_LEVEL=debug\n')
    said = (
        ".env line 2 (BOT_TOKEN) cannot be read, so it is not used: write NAME=value, with the "
        "value quoted whole (both quotes) or not at all"
    )
    assert problems() == [said]
    assert problems(log_level="loud") == [
        said,
        "LOG_LEVEL: use DEBUG, INFO, WARNING, ERROR or CRITICAL",
    ]
    settings, found = settings_despite_problems()  # the doctor's reading: the rest is used
    assert found == [said] and settings.admin_ids == {7} and settings.bot_token is None
    assert TOKEN not in " ".join(found) and "123456" not in " ".join(found)


def test_days_beyond_a_century_are_a_setting_problem_not_an_overflow() -> None:
    """ANALYTICS_RETENTION_DAYS=100000000000000000000 passed doctor and stopped the bot with an
    OverflowError (found by an attack, 2026-12-07)."""
    for name in ("analytics_retention_days", "support_idle_days"):
        (said,) = problems(bot_token=TOKEN, **{name: "100000000000000000000"})
        assert said.startswith(f"{name.upper()}: ") and "36500" in said
