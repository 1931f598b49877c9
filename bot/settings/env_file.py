"""The ``.env`` file as python-dotenv reads it for the settings: each line it cannot read (an
unclosed quote, a stray character) named by its number and its setting, never by its value.
python-dotenv only logs such a line and goes on without it, so a token in it was reported as
"not set"."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Collection
from pathlib import Path
from typing import NamedTuple

from dotenv.parser import parse_stream

_NAME = re.compile(r"\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=")
# Its warning says less than the settings' line does (and no line is said twice).
logging.getLogger("dotenv.main").setLevel(logging.ERROR)


class EnvFile(NamedTuple):
    """The file as the settings would read it: a line for each problem, and whether it can be
    read at all (it cannot when it is not UTF-8 or not a readable file; one that is not there is
    read as empty); ``unread``: why a file that is there cannot be opened (a folder, no
    permission), which doctor says and the bot warns of, taking the environment alone."""

    problems: list[str]
    usable: bool
    unread: str | None = None


def read_env_file(path: Path, settings: Collection[str] = ()) -> EnvFile:
    """A line for each statement of the file at ``path`` that python-dotenv cannot read, or for
    its not being UTF-8 or not a file that can be read (then the settings must not read it); none
    when it is not there."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # a comment saved in cp1251 stopped every command
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        said = f"{path} line {line} is not UTF-8 text, so the file is not used: save it as UTF-8"
        return EnvFile([said], usable=False)
    except FileNotFoundError:
        return EnvFile([], usable=True)
    except OSError as exc:  # a folder (Docker mounts a missing file as one), no permission:
        # silently not read, its settings taken for unset (found by an attack); no reason to
        # stop a bot the environment sets up whole (a second attack)
        said = (
            f"{path} cannot be read ({exc.strerror}), so it is not used: the settings are the "
            "environment's alone"
        )
        return EnvFile([], usable=False, unread=said)
    problems = []
    first: dict[str, tuple[int, str | None]] = {}  # each name's first line and value
    for binding in parse_stream(io.StringIO(text)):
        if binding.key is not None:
            line, value = first.setdefault(
                binding.key.upper(), (binding.original.line, binding.value)
            )
            # The settings read their names in any case: one of the two wins, in silence.
            if value != binding.value and binding.key.upper() in settings:
                problems.append(
                    f"{path} line {binding.original.line} sets {binding.key.upper()} again, to "
                    f"another value than line {line} does: keep one of the two lines"
                )
        if binding.error:
            name = _NAME.match(binding.original.string)
            what = f" ({name[1].upper()})" if name else ""
            problems.append(
                f"{path} line {binding.original.line}{what} cannot be read, so it is not used: "
                "write NAME=value, with the value quoted whole (both quotes) or not at all"
            )
    return EnvFile(problems, usable=True)
