"""Who may pass: the caller's identity (bearer JWT or X-API-Key) and its rate limit."""

import time

import structlog
from starlette.types import Scope

from crm_gateway.domain.rate_limit import RateLimiter, retry_after_seconds
from crm_gateway.proxy.identity import ApiKeyResolver, Identity, TokenVerifier, unauthorized
from crm_shared.problems import ProblemError

_log = structlog.get_logger("crm.gateway")


class Gatekeeper:
    """Identifies callers and spends their rate-limit tokens; raises 401/429/503 problems."""

    def __init__(
        self,
        *,
        tokens: TokenVerifier,
        api_keys: ApiKeyResolver,
        limiter: RateLimiter,
        anonymous_limiter: RateLimiter,
    ) -> None:
        self.tokens = tokens
        self.api_keys = api_keys
        self.limiter = limiter
        self.anonymous_limiter = anonymous_limiter

    async def admit(
        self, scope: Scope, authorization: bytes | None, api_key: bytes | None, *, required: bool
    ) -> Identity | None:
        """The caller's identity (None: anonymous, allowed when not `required`)."""
        identity = await self._identify(authorization, api_key, required=required)
        self._check_rate(scope, identity)
        return identity

    async def _identify(
        self, authorization: bytes | None, api_key: bytes | None, *, required: bool
    ) -> Identity | None:
        if api_key is not None:
            try:
                return await self.api_keys.resolve(api_key.decode("latin-1"))
            except ProblemError:
                raise
            except Exception as exc:  # the key store (database) is down
                _log.error("api key lookup failed", error=repr(exc))
                raise ProblemError(503, detail="API keys cannot be checked right now") from exc
        if authorization is not None and authorization[:7].lower() == b"bearer ":
            try:
                return self.tokens.verify(authorization[7:].decode("latin-1"))
            except ProblemError:
                if required:
                    raise
                return None  # the gateway's own route decides (e.g. /auth/token needs none)
        if required:
            raise unauthorized("A bearer token or an X-API-Key is required")
        return None

    def _check_rate(self, scope: Scope, identity: Identity | None) -> None:
        now = time.monotonic()
        if identity is not None:
            rate = identity.rate_limit  # an API key's own limit: one second's worth of burst
            burst = max(rate, 1.0) if rate else None
            wait = self.limiter.check(identity.principal.subject, now, rate=rate, burst=burst)
        else:
            client = scope.get("client")
            wait = self.anonymous_limiter.check(f"ip:{client[0] if client else '-'}", now)
        if wait > 0:
            raise ProblemError(
                429,
                detail="Too many requests; slow down",
                headers={"Retry-After": str(retry_after_seconds(wait))},
            )
