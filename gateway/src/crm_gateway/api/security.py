"""Dependencies and helpers shared by the gateway's routes."""

import uuid
from functools import partial
from typing import Annotated

import anyio

from crm_gateway.domain import passwords
from crm_shared.auth import Principal, require_roles

AdminPrincipal = Annotated[Principal, require_roles("admin")]

# argon2 takes ~64 MiB and tens of ms per hash: cap how many run at once so a burst of
# logins cannot exhaust memory or starve the threads that serve everything else.
_HASHING_SLOTS = 4
_limiter: anyio.CapacityLimiter | None = None


def _slots() -> anyio.CapacityLimiter:
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(_HASHING_SLOTS)
    return _limiter


async def hash_password(password: str) -> str:
    """argon2 hash, computed in a worker thread."""
    return await anyio.to_thread.run_sync(passwords.hash_password, password, limiter=_slots())


async def verify_password(password_hash: str | None, password: str) -> bool:
    """argon2 verify (against a dummy hash when `password_hash` is None), in a worker thread."""
    check = partial(passwords.verify_password, password_hash, password)
    return await anyio.to_thread.run_sync(check, limiter=_slots())


def user_id_of(principal: Principal) -> uuid.UUID | None:
    """The user id behind a principal, or None for an API key."""
    try:
        return uuid.UUID(principal.subject)
    except ValueError:
        return None
