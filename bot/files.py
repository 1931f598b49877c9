"""Files a person points Codebook at (catalogs, saved pages, export CSVs): only regular files
(after following a symlink), and never read past a bound. A FIFO would block the reader until
someone writes to it, a device never ends, and a file's size as ``stat`` gives it is not
trusted (a /proc file says 0), so the bound is counted as the bytes come."""

from __future__ import annotations

import codecs
import io
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class TooLarge(Exception):
    """The file holds more than the bound; nothing of it is kept."""


class NotRegular(Exception):
    """A FIFO, a device, a socket or a folder where a file was expected: not read at all."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path}: not a regular file")


def open_regular(path: Path) -> io.BufferedReader:
    """The file at ``path`` opened for reading; NotRegular, without waiting, for anything but
    a regular file. OSError as ``open`` raises it."""
    # O_NONBLOCK: opening a FIFO for reading otherwise waits for a writer, maybe forever.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegular(path)
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_at_most(path: Path, limit: int) -> bytes:
    """The bytes of the regular file at ``path``; TooLarge once more than ``limit`` have been
    read (at most ``limit + 1`` are). NotRegular, or OSError as ``open`` raises it."""
    chunks: list[bytes] = []
    size = 0
    with open_regular(path) as file:
        # A file that grows while read may answer with less than asked: read on until the end.
        while chunk := file.read(limit + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"{path} holds more than {limit} bytes")
    return b"".join(chunks)


@contextmanager
def text_lines(path: Path, limit: int, line_limit: int, encoding: str) -> Iterator[Iterator[str]]:
    """The lines of the regular file at ``path`` as text (newlines kept, as ``csv`` wants them);
    TooLarge while reading once more than ``limit`` bytes have come, or a line is longer than
    ``line_limit`` characters. NotRegular, or OSError as ``open`` raises it."""
    raw = _Counted(open_regular(path), limit)
    with io.TextIOWrapper(io.BufferedReader(raw), encoding=encoding, newline="") as text:
        yield _bounded_lines(text, line_limit)


def undecodable_line(path: Path, encoding: str) -> int | None:
    """The number of the first line of ``path`` that is not text in ``encoding`` (text_lines'
    error comes from a chunk read ahead, lines before the one at fault); None if none is."""
    decoder = codecs.getincrementaldecoder(encoding)()
    with open_regular(path) as file:
        for number, line in enumerate(file, 1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return number
    return None


def _bounded_lines(text: io.TextIOWrapper, line_limit: int) -> Iterator[str]:
    while line := text.readline(line_limit + 1):
        if len(line) > line_limit:
            raise TooLarge(f"a line longer than {line_limit:,} characters")
        yield line


class _Counted(io.RawIOBase):
    """A file's bytes, TooLarge once more than ``limit`` have been read."""

    def __init__(self, file: io.BufferedReader, limit: int) -> None:
        self.file, self.limit, self.read_so_far = file, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        got = self.file.readinto(buffer)
        self.read_so_far += got
        if self.read_so_far > self.limit:
            raise TooLarge(f"more than {self.limit:,} bytes")
        return got

    def close(self) -> None:
        self.file.close()
        super().close()


def can_be_made(path: Path) -> bool:
    """Whether a file can be made at ``path`` (its missing folders with it): one is made in the
    nearest folder that is there, and removed at once. (Its permissions alone passed /proc,
    where root may write by them and nothing can be made: an attack.)"""
    folder = next((p for p in path.parents if p.exists()), Path("/"))
    try:
        made, name = tempfile.mkstemp(prefix=".codebook-check-", dir=folder)
    except OSError:
        return False
    os.close(made)
    os.unlink(name)
    return True
