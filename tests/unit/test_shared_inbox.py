"""Which consumer failures are outages (retry forever) and which are bad events (DLQ)."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from crm_shared.inbox import is_outage


def _wrapped(cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise RuntimeError("handler failed") from inner
    except RuntimeError as outer:
        return outer


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "refused"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.PostgresConnectionError("connection lost"),
        DBAPIError("SELECT 1", None, OSError("gone"), connection_invalidated=True),
        _wrapped(ConnectionResetError()),
    ],
)
def test_outages_are_recognised(exc: BaseException) -> None:
    assert is_outage(exc)


@pytest.mark.parametrize(
    "exc",
    [
        ValueError("bad data in event"),
        KeyError("contact_id"),
        IntegrityError("INSERT", None, Exception("duplicate key")),
        _wrapped(ValueError("nested")),
    ],
)
def test_bad_events_are_not_outages(exc: BaseException) -> None:
    assert not is_outage(exc)
