"""A queue's waiting list: item ids in the order they are served, with positions in O(log n).

Items wait in the order they entered the queue (``time_offered_to_queue``, then the order of arrival for
items that entered at the same instant); an item whose offer rang out goes back to its own place. A queue
may hold 100,000 items, so position, membership and removal must not walk the list: each id carries its
sort key, a parallel list of keys is searched with ``bisect``.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from datetime import datetime

Key = tuple[datetime, int]


class WaitingList:
    def __init__(self) -> None:
        self.ids: list[str] = []  # in the order served: read it, never change it (a list's truth costs no call)
        self._keys: list[Key] = []
        self._key_of: dict[str, Key] = {}

    def add(self, item_id: str, key: Key) -> None:
        """Put ``item_id`` at its place (at the end, for an item that just arrived)."""
        if item_id in self._key_of:
            raise ValueError(f"{item_id!r} is already waiting")
        at = bisect_right(self._keys, key)
        self._keys.insert(at, key)
        self.ids.insert(at, item_id)
        self._key_of[item_id] = key

    def remove(self, item_id: str) -> None:
        at = self.index(item_id)
        del self._keys[at], self.ids[at]
        del self._key_of[item_id]

    def index(self, item_id: str) -> int:
        """0-based position; ValueError if it is not waiting."""
        key = self._key_of.get(item_id)
        if key is None:
            raise ValueError(f"{item_id!r} is not waiting")
        return bisect_left(self._keys, key)

    def __contains__(self, item_id: object) -> bool:
        return item_id in self._key_of

    def __len__(self) -> int:
        return len(self.ids)

    def __bool__(self) -> bool:
        return bool(self.ids)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __getitem__(self, index: int) -> str:
        return self.ids[index]

    def __repr__(self) -> str:
        return f"WaitingList({self.ids!r})"

