"""`python -m bot lookup` and `check` as a person runs them: a real process, real exit codes (one
test a command at least, and wherever only a process shows it: a file that would block a read, a
settings error before the command runs); the rest through the same main() in this process,
where a process would only add an interpreter's start to each."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.__main__ import main
from tests.support import seed_pages
from tests.support.processes import bot_command_now

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return bot_command_now(*args, cwd=ROOT, env={**os.environ, "LANG": "C.UTF-8", **(env or {})})


def test_lookup_prints_the_answer_and_exits_0() -> None:
    result = run("lookup", "gosms 1004", "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("GoSMS · 1004 — No devices registered\n")
    assert result.stderr == ""


@pytest.fixture
def here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """``python -m bot *args`` run by main() in this process, with the environment ``run`` gives
    a process (LANG=C.UTF-8, no locale of the developer's): (exit status, stdout, stderr)."""

    def command(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
        with monkeypatch.context() as patched:
            patched.chdir(ROOT)
            for name in ("LC_ALL", "LC_MESSAGES", "CATALOGS_DIR"):
                patched.delenv(name, raising=False)
            for name, value in {"LANG": "C.UTF-8", **(env or {})}.items():
                patched.setenv(name, value)
            capsys.readouterr()
            try:
                status = main(list(args))
            except SystemExit as exited:  # argparse's usage errors
                status = int(exited.code or 0)
            out, err = capsys.readouterr()
        return status, out, err

    return command


def test_lookup_of_nothing_known_exits_1(here: Callable[..., tuple[int, str, str]]) -> None:
    status, out, _ = here("lookup", "gosms 1018", "--lang", "ru")
    assert status == 1
    assert out.startswith("У GoSMS нет кода 1018.")


def test_lookup_without_text_is_a_usage_error(here: Callable[..., tuple[int, str, str]]) -> None:
    status, _, err = here("lookup")
    assert status == 2
    assert "usage:" in err


def test_lookup_language_follows_the_locale(here: Callable[..., tuple[int, str, str]]) -> None:
    assert here("lookup", "gosms 1004", env={"LANG": "ru_RU.UTF-8"})[1].startswith(
        "GoSMS · 1004 — Нет ни одного"
    )
    assert here("lookup", "gosms 1004", env={"LANG": "de_DE.UTF-8"})[1].startswith(
        "GoSMS · 1004 — No devices"
    )
    ukrainian = here("lookup", "gosms 1004", env={"LANG": "uk_UA.UTF-8"})[1]
    assert ukrainian.startswith("GoSMS · 1004 — ") and "Що робити:" in ukrainian
    assert here("lookup", "gosms 1004", "--lang", "uk")[1] == ukrainian


def test_lookup_reads_catalogs_dir_from_the_environment(
    tmp_path: Path, here: Callable[..., tuple[int, str, str]]
) -> None:
    status, _, err = here("lookup", "gosms 1004", env={"CATALOGS_DIR": str(tmp_path)})
    assert status == 2
    assert err.strip() == f"{tmp_path}: no catalog files (*.yaml) here"


def test_check_broken_catalog_exits_1(tmp_path: Path) -> None:
    (tmp_path / "acme.yaml").write_text("provider:\n  slug: acme\n errors: x\n")
    result = run("check", str(tmp_path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{tmp_path / 'acme.yaml'}:3: broken YAML")


def test_codes_from_every_page_from_the_command_line(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every code of every page is answered in test_catalogs through the resolver; here, a
    # sample of each provider's goes through the command line as a person would type it.
    catalogs = str(ROOT / "catalogs")
    codes = seed_pages.every_code(shared)
    sample = [
        pair
        for slug in seed_pages.SEEDS
        for pair in random.Random(slug).sample([c for c in codes if c[0] == slug], 4)
    ]
    for slug, code in sample:
        assert main(["lookup", f"{slug} {code}", "--lang", "en", "--catalogs", catalogs]) == 0
        first_line = capsys.readouterr().out.splitlines()[0]
        assert f"· {code} — " in first_line, (slug, code, first_line)


def test_sources_diff_from_the_command_line(
    shared: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    older = shared / "seeds" / seed_pages.SEEDS["gosms"]
    newer = shared / "sources" / "gosms-code-error-current.md"
    catalogs = str(ROOT / "catalogs")
    assert main(["sources", "diff", "gosms", str(newer), "--catalogs", catalogs]) == 0
    assert main(["sources", "diff", "gosms", str(older), "--catalogs", catalogs]) == 1
    assert "13 gone from the page" in capsys.readouterr().out
    mobizon = shared / "seeds" / seed_pages.SEEDS["mobizon"]
    assert main(["sources", "diff", "gosms", str(mobizon), "--catalogs", catalogs]) == 2


def test_a_database_url_that_does_not_parse_stops_stats_and_the_bot_in_one_line() -> None:
    env = {"DATABASE_URL": "postgresql://u:p@ss:w0rd!#@127.0.0.1:1/db", "BOT_TOKEN": ""}
    for args in (["stats"], []):
        result = run(*args, env=env)
        assert result.returncode == 1
        assert "Traceback" not in result.stderr and "w0rd" not in result.stderr + result.stdout
        assert "DATABASE_URL: has a # (the URL would end there; " in result.stderr


def refused(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A command given a file that is not a regular one: it must end at once (a FIFO read
    would wait for a writer forever, a device would never end), saying so in one line."""
    try:
        return run(*args, env=env)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{args} waited on a file that is not a regular one") from None


def test_a_pipe_or_a_device_is_refused_unread_as_a_catalog_a_page_and_a_csv(
    tmp_path: Path,
) -> None:
    catalogs = tmp_path / "catalogs"
    catalogs.mkdir()
    for source in (ROOT / "catalogs").glob("*.yaml"):
        (catalogs / source.name).write_bytes(source.read_bytes())
    os.mkfifo(catalogs / "zz.yaml")
    os.mkfifo(tmp_path / "page.html")
    os.mkfifo(tmp_path / "lookups.csv")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")  # followed: a device
    result = refused("check", str(catalogs))
    assert (result.returncode, result.stdout) == (
        1,
        f"{catalogs / 'zz.yaml'}: not a regular file\n",
    )
    result = refused("lookup", "gosms 1004", env={"CATALOGS_DIR": str(catalogs)})
    assert result.returncode == 2 and f"{catalogs / 'zz.yaml'}: not a regular file" in result.stderr
    result = refused("sources", "diff", "gosms", str(tmp_path / "page.html"))
    assert (result.returncode, result.stdout) == (
        2,
        f"error: {tmp_path / 'page.html'}: not a regular file\n",
    )
    for csv in ("lookups.csv", "zero.csv"):
        result = refused("radar", "--replay", "--csv", str(tmp_path / csv))
        assert (result.returncode, result.stderr) == (1, f"{tmp_path / csv}: not a regular file\n")


def test_a_command_started_with_stdout_closed_exits_with_its_own_status(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Started with stdout closed (``>&-``), Python has no ``sys.stdout``: a command ends with
    its own status, not 1 for flushing what is not there (found by the attack of 2026-12-07,
    on the bot's clean stop)."""
    monkeypatch.setattr("sys.stdout", None)
    assert main(["check", str(ROOT / "catalogs")]) == 0
    sys.stdout.close()  # the /dev/null main wrote to in its place


@pytest.mark.parametrize(
    "args", [("lookup", "gosms", "1004"), ("check",), ("doctor",), ("--help",), ("stats", "-h")]
)
def test_output_that_cannot_be_written_is_one_line_not_a_traceback(
    args: tuple[str, ...], tmp_path: Path
) -> None:
    """ "export > /dev/full" ended every command with a traceback (found by an attack)."""
    env = {**os.environ, "CATALOGS_DIR": str(ROOT / "catalogs"), "BOT_TOKEN": ""}
    with open("/dev/full", "w") as full:
        done = bot_command_now(*args, cwd=tmp_path, env=env, stdout=full)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "codebook: cannot write the output: No space left on device"
    )
    assert "Traceback" not in done.stderr


def test_the_catalog_commands_run_whatever_is_wrong_with_other_settings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`check DIR` and `lookup` refused to run over a garbled BOT_TOKEN or LOG_LEVEL=verbose,
    and check then exited 1, which says the catalogs are broken (found by an attack,
    2026-12-07). What they check still counts: notes TEAM_NOTES names but lacks."""
    monkeypatch.setenv("BOT_TOKEN", "garbage")
    monkeypatch.setenv("LOG_LEVEL", "verbose")
    assert main(["check", str(ROOT / "catalogs")]) == 0
    assert main(["lookup", "gosms 1004"]) == 0
    assert "all valid" in capsys.readouterr().out
    monkeypatch.setenv("TEAM_NOTES", str(ROOT / "no-such-notes.yaml"))
    assert main(["check"]) == 1
    assert "no-such-notes.yaml" in capsys.readouterr().out


def test_while_it_starts_a_reload_is_ignored_and_a_stop_ends_it_with_0(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """SIGHUP in the first second or two (catalogs read, index built) ended the bot without a
    word, and SIGTERM with 143 (found by an attack, 2026-12-07). The running bot's own handlers
    take their place."""
    import signal

    from bot import starting
    from bot.starting import before_start

    monkeypatch.setattr(starting, "STOP_ASKED", [])  # (this process's own is left as it is)
    kept = {number: signal.getsignal(number) for number in (signal.SIGHUP, signal.SIGTERM)}
    kept[signal.SIGINT] = signal.getsignal(signal.SIGINT)
    try:
        before_start()
        signal.raise_signal(signal.SIGHUP)  # ignored: this process goes on
        with pytest.raises(SystemExit) as stopped:
            signal.raise_signal(signal.SIGTERM)
        assert stopped.value.code == 0
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)
    assert "stopped while starting (SIGTERM)" in capsys.readouterr().err


def test_a_stop_wrapped_by_a_library_while_starting_ends_it_with_0_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """SIGTERM as pydantic-core built aiogram's types: the stop's SystemExit came out as a
    SchemaError, status 1 and a 30-line traceback (found by an attack, 2026-12-07). After the
    run, a second signal no longer ends Python by the signal (the event loop had given the
    signals back to their defaults)."""
    import argparse
    import signal

    from bot import starting
    from bot.cli import run

    def wrapped() -> int:
        starting.before_start()
        try:
            signal.raise_signal(signal.SIGTERM)  # its handler raises SystemExit(0)...
        except SystemExit:  # ...which pydantic-core turns into a SchemaError of its own
            raise RuntimeError("Error building `definitions` serializer: SystemExit: 0") from None
        return 1

    def broken() -> int:
        raise RuntimeError("a fault of its own")

    kept = {number: signal.getsignal(number) for number in (signal.SIGHUP, signal.SIGTERM)}
    kept[signal.SIGINT] = signal.getsignal(signal.SIGINT)
    try:
        monkeypatch.setattr(starting, "STOP_ASKED", [])  # (this process's own is left as it is)
        monkeypatch.setattr(run, "_run", wrapped)
        assert run.run(argparse.Namespace()) == 0
        for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            assert signal.getsignal(number) is signal.SIG_IGN
        monkeypatch.setattr(run, "_run", broken)
        monkeypatch.setattr(starting, "STOP_ASKED", [])  # (a new process)
        with pytest.raises(RuntimeError, match="a fault of its own"):
            run.run(argparse.Namespace())
    finally:
        for number, handler in kept.items():
            signal.signal(number, handler)


_SIGNAL_DURING_IMPORT = """
import os, signal, sys

class SignalAtImport:  # a SIGTERM as the command line's modules are imported
    def find_spec(self, name, path=None, target=None):
        if name == "bot.cli":
            sys.meta_path.remove(self)
            os.kill(os.getpid(), signal.SIGTERM)
        return None

sys.meta_path.insert(0, SignalAtImport())
"""


def test_a_signal_as_the_command_line_is_imported_stops_the_bot_with_0(tmp_path: Path) -> None:
    """The command line's imports take a fifth of a second, before the bot's handlers were in
    place: SIGTERM then ended it by the signal (-15), SIGHUP too (found by an attack)."""
    (tmp_path / "sitecustomize.py").write_text(_SIGNAL_DURING_IMPORT)
    env = {**os.environ, "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}", "BOT_TOKEN": ""}
    done = subprocess.run(
        [sys.executable, "-m", "bot"], capture_output=True, text=True, cwd=tmp_path, env=env,
        timeout=60, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "codebook: stopped while starting (SIGTERM)\n")


def test_check_and_lookup_say_a_env_they_cannot_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every command says a .env it cannot open, `check` and `lookup` too (they said nothing
    of it, and of the CATALOGS_DIR it may hold: a fourth attack)."""
    (tmp_path / ".env").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CATALOGS_DIR", str(ROOT / "catalogs"))
    for args in (["check"], ["lookup", "gosms 1004"]):
        assert main(args) == 0
        err = capsys.readouterr().err
        assert err.startswith("codebook: .env cannot be read (Is a directory)"), args
