"""A small bounded cache whose entries expire, for hot-path lookups (tokens, API keys)."""

from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """At most `max_entries` entries, each valid until its own deadline (a monotonic time)."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K, now: float) -> tuple[bool, V | None]:
        """(True, value) for a live entry, else (False, None)."""
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        if entry[0] <= now:
            del self._entries[key]
            return False, None
        return True, entry[1]

    def put(self, key: K, value: V, deadline: float, now: float) -> None:
        """Store `value` until `deadline`, making room first if the cache is full."""
        if key not in self._entries and len(self._entries) >= self.max_entries:
            self._make_room(now)
        self._entries[key] = (deadline, value)

    def discard_if(self, predicate: Callable[[V], bool]) -> None:
        """Drop every entry whose value matches (e.g. all lookups of a revoked key)."""
        for key in [k for k, (_, v) in self._entries.items() if predicate(v)]:
            del self._entries[key]

    def _make_room(self, now: float) -> None:
        for key in [k for k, (deadline, _) in self._entries.items() if deadline <= now]:
            del self._entries[key]
        # Still full: drop the oldest insertions (dicts keep insertion order).
        while len(self._entries) >= self.max_entries:
            del self._entries[next(iter(self._entries))]
