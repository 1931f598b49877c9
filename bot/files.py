"""Files a person points Codebook at (catalogs, saved pages), read whole but never past a
bound: a file's size as ``stat`` gives it is not trusted (a device or a /proc file says 0)."""

from __future__ import annotations

from pathlib import Path


class TooLarge(Exception):
    """The file holds more than the bound; nothing of it is kept."""


def read_at_most(path: Path, limit: int) -> bytes:
    """The bytes of the file at ``path``; TooLarge once more than ``limit`` have been read
    (at most ``limit + 1`` are). OSError as ``open`` raises it."""
    chunks: list[bytes] = []
    size = 0
    with path.open("rb") as file:
        # A pipe or a device may answer a read with less than asked: read on until the end.
        while chunk := file.read(limit + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise TooLarge(f"{path} holds more than {limit} bytes")
    return b"".join(chunks)
