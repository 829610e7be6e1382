"""Optimistic concurrency: every resource has an integer `version`; `If-Match` guards writes."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header

from crm_shared.problems import ProblemError

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')
# What the OpenAPI document says (documentation only: a bad value is a 400 problem).
_DOCUMENTED = r'^\s*(\*|(W/)?"?\d{1,18}"?)\s*$'


def parse_if_match(value: str | None) -> int | None:
    """The version an `If-Match` header names (None if absent); 400 problem if malformed."""
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value)
    if match is None:
        raise ProblemError(400, detail="If-Match must be the resource's integer version")
    return int(match.group(1))


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='Expected version (the ETag: `3` or `"3"`); `*` matches any',
            json_schema_extra={"pattern": _DOCUMENTED},
        ),
    ] = None,
) -> int | None:
    """Dependency form of parse_if_match."""
    return parse_if_match(value)


IfMatch = Annotated[int | None, Depends(if_match)]


def check_version(expected: int | None, current: int) -> None:
    """412 problem when the client's version is not the current one."""
    if expected is not None and expected != current:
        raise ProblemError(
            412,
            detail=f"The resource is at version {current}, not {expected}",
            extra={"current_version": current},
        )
