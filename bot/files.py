"""Files a person points Codebook at (catalogs, saved pages, export CSVs): only regular files
(after following a symlink), and never read past a bound. A FIFO would block the reader until
someone writes to it, a device never ends, and a file's size as ``stat`` gives it is not
trusted (a /proc file says 0), so the bound is counted as the bytes come."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path


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
