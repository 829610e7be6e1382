"""Cursor pagination: `?limit=` and an opaque `?cursor=`; no offsets."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any, Generic, TypeVar

import orjson
from fastapi import Query
from pydantic import BaseModel

from crm_shared.problems import ProblemError

T = TypeVar("T")

LimitQuery = Annotated[int, Query(ge=1, le=200, description="Page size (max 200)")]
CursorQuery = Annotated[
    str | None, Query(max_length=1024, description="`next_cursor` of the previous page")
]


class Page(BaseModel, Generic[T]):
    """One page of a list."""

    items: list[T]
    next_cursor: str | None


def encode_cursor(*values: Any) -> str:
    """An opaque cursor holding the sort key of the last item of a page."""
    raw = orjson.dumps(list(values), default=str)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, arity: int) -> tuple[Any, ...]:
    """The values encode_cursor stored; 400 problem if the cursor was not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, orjson.JSONDecodeError) as exc:
        raise ProblemError(400, detail="The cursor is not valid") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise ProblemError(400, detail="The cursor is not valid")
    return tuple(values)
