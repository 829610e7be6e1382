"""API key format: `crm_<random>`, stored only as a SHA-256 hash plus a short display prefix.

A key carries 256 bits of randomness, so an unsalted fast hash is enough: there is nothing
to brute-force, and a fast hash keeps the lookup cheap on the request path.
"""

import hashlib
import secrets
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

KEY_PREFIX = "crm_"
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 8
_MAX_KEY_LENGTH = 200


def generate_key() -> str:
    """Return a new random API key; it is shown to the admin once and never stored."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """Return the hex SHA-256 of `key`, the form stored and looked up in the database."""
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """Return the first characters of `key`, stored so admins can tell keys apart."""
    return key[:DISPLAY_PREFIX_LENGTH]


def is_well_formed(key: str) -> bool:
    """Cheap shape check that rejects garbage before any cache or database lookup."""
    return key.startswith(KEY_PREFIX) and len(key) <= _MAX_KEY_LENGTH and key.isascii()


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """What the request path needs to know about an active API key."""

    id: uuid.UUID
    roles: tuple[str, ...]
    rate_limit_per_second: float | None


ApiKeyLookup = Callable[[str], Awaitable[ApiKeyRecord | None]]
