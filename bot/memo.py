"""Results remembered per object: the same few questions and answers recur all day."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")


class PerObject(Generic[T]):
    """``compute()`` once per (object, extra key); at most ``size`` results, then it starts over.

    The object is kept beside its result, so its id cannot be reused by another object while
    the result is remembered.
    """

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._items: dict[tuple[int, Hashable], tuple[object, T]] = {}

    def get(self, obj: object, extra: Hashable, compute: Callable[[], T]) -> T:
        """The result for ``obj`` and ``extra``, computed on first use."""
        key = (id(obj), extra)
        hit = self._items.get(key)
        if hit is not None and hit[0] is obj:
            return hit[1]
        if len(self._items) >= self._size:
            self._items.clear()
        value = compute()
        self._items[key] = (obj, value)
        return value
