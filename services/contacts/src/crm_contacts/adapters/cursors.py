"""Reading a list's cursor back: it must be one this list gave out for this order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from crm_shared.pagination import decode_cursor
from crm_shared.problems import ProblemError


def bad_cursor() -> ProblemError:
    """The 400 for a cursor this list did not give out (or gave out for another order)."""
    return ProblemError(400, detail="The cursor is not valid for this list and sort")


def read_position(cursor: str, token: str, *kinds: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The values after `token` in a cursor, each read by its kind (None stays None)."""
    values = decode_cursor(cursor, len(kinds) + 1)
    if values[0] != token:
        raise bad_cursor()
    try:
        return tuple(
            None if v is None else kind(v) for kind, v in zip(kinds, values[1:], strict=True)
        )
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise bad_cursor() from exc
