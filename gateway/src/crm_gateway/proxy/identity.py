"""Who is calling: a bearer JWT (verified, cached) or an API key (looked up, cached).

Both end as an `Identity` carrying the JWT to forward, so services only ever verify JWTs.
"""

import asyncio
import time
import uuid
from dataclasses import dataclass

import jwt

from crm_gateway.domain.api_keys import ApiKeyLookup, ApiKeyRecord, hash_key, is_well_formed
from crm_gateway.domain.ttl_cache import TTLCache
from crm_shared.auth import Principal, issue_token, verify_token
from crm_shared.problems import ProblemError


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified caller, the bearer token to forward for it, and its own rate limit."""

    principal: Principal
    token: str
    rate_limit: float | None = None


def unauthorized(detail: str) -> ProblemError:
    """A 401 problem asking for a bearer token."""
    return ProblemError(401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


class TokenVerifier:
    """Verifies bearer JWTs, remembering good ones until they expire (bounded)."""

    def __init__(self, secret: str, *, issuer: str, audience: str, max_entries: int = 10_000):
        self._secret, self._issuer, self._audience = secret, issuer, audience
        self._cache: TTLCache[str, Identity] = TTLCache(max_entries)

    def verify(self, token: str) -> Identity:
        """The identity of `token`; 401 problem if it is not valid."""
        now = time.time()
        hit, identity = self._cache.get(token, now)
        if hit and identity is not None:
            return identity
        principal = verify_token(self._secret, token, issuer=self._issuer, audience=self._audience)
        # Signature already checked above; only the expiry is needed for the cache deadline.
        exp = jwt.decode(token, options={"verify_signature": False})["exp"]
        identity = Identity(principal, token)
        self._cache.put(token, identity, float(exp), now)
        return identity


class ApiKeyResolver:
    """Turns an `X-API-Key` into an identity with a short-lived JWT.

    Lookups (hits and misses) are cached for `cache_seconds`, which bounds how long a key
    revoked through another gateway replica keeps working.
    """

    def __init__(
        self,
        lookup: ApiKeyLookup,
        *,
        secret: str,
        issuer: str,
        audience: str,
        cache_seconds: float = 5.0,
        token_ttl_seconds: int = 300,
        max_entries: int = 10_000,
    ) -> None:
        self._lookup = lookup
        self._secret, self._issuer, self._audience = secret, issuer, audience
        self._cache_seconds = cache_seconds
        self._token_ttl = token_ttl_seconds
        self._cache: TTLCache[str, Identity | None] = TTLCache(max_entries)
        # One database lookup per key at a time, however many requests miss together.
        self._inflight: dict[str, asyncio.Future[Identity | None]] = {}

    async def resolve(self, key: str) -> Identity:
        """The identity of an API key; 401 problem if unknown, revoked or malformed."""
        if not is_well_formed(key):
            raise unauthorized("The API key is not valid")
        key_hash = hash_key(key)
        now = time.time()
        hit, identity = self._cache.get(key_hash, now)
        if not hit:
            pending = self._inflight.get(key_hash)
            if pending is None:
                pending = asyncio.ensure_future(self._load(key_hash))
                self._inflight[key_hash] = pending
                pending.add_done_callback(lambda _: self._inflight.pop(key_hash, None))
            identity = await asyncio.shield(pending)
        if identity is None:
            raise unauthorized("The API key is not valid")
        return identity

    async def _load(self, key_hash: str) -> Identity | None:
        record = await self._lookup(key_hash)
        now = time.time()
        identity = self._identity(record) if record else None
        # The minted token outlives the cache entry, so a cached identity never carries an
        # expired token.
        self._cache.put(key_hash, identity, now + self._cache_seconds, now)
        return identity

    def forget(self, key_id: uuid.UUID) -> None:
        """Drop this process's cached lookups of a key (called when it is revoked here)."""
        subject = f"apikey:{key_id}"
        self._cache.discard_if(
            lambda ident: ident is not None and ident.principal.subject == subject
        )

    def _identity(self, record: ApiKeyRecord) -> Identity:
        subject = f"apikey:{record.id}"
        ttl = max(self._token_ttl, int(self._cache_seconds) + 30)
        token = issue_token(
            self._secret,
            subject=subject,
            email=None,
            roles=record.roles,
            ttl_seconds=ttl,
            issuer=self._issuer,
            audience=self._audience,
        )
        principal = Principal(subject=subject, email=None, roles=frozenset(record.roles))
        return Identity(principal, token, record.rate_limit_per_second)
