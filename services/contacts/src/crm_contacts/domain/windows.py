"""Merging ordered index windows into one ordered list, each item once, without reading
any window to its end.

Each source (a key a search looks in) gives its next `window` rows in (key, id) order.
A row is `owned` when the row's source is the one it is listed under (a contact found
by several keys is listed once). A source that filled its window may hold more rows
after its last one, so the merge is only complete up to the smallest such last row: the
frontier. What lies past it waits for the next round, which starts after the frontier.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

Position = tuple[Any, Any]  # (key, id)


def merge_windows(
    rows: Iterable[tuple[int, Any, Any, bool]], window: int
) -> tuple[list[Position], Position | None]:
    """The owned (key, id) pairs up to the frontier, in order, and the frontier (None
    when every source was read to its end). `rows` are (source, key, id, owned)."""
    rows = list(rows)
    counts: dict[int, int] = {}
    last: dict[int, Position] = {}
    for source, key, row_id, _ in rows:
        counts[source] = counts.get(source, 0) + 1
        last[source] = max(last.get(source, (key, row_id)), (key, row_id))
    full = [last[source] for source, count in counts.items() if count >= window]
    frontier = min(full) if full else None
    owned = sorted(
        (key, row_id)
        for _, key, row_id, mine in rows
        if mine and (frontier is None or (key, row_id) <= frontier)
    )
    return owned, frontier
