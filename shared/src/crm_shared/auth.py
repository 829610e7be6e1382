"""JWT verification and role checks; services verify every request themselves."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from crm_shared.problems import ProblemError

ROLES = ("admin", "manager", "sales", "marketing", "legal", "analyst", "integrator")
_ALGORITHM = "HS256"
_bearer = HTTPBearer(auto_error=False, description="JWT from POST /api/v1/auth/token")


@dataclass(frozen=True)
class Principal:
    """Who is calling: a user (`sub` = user id) or an API key (`sub` = `apikey:<id>`)."""

    subject: str
    email: str | None
    roles: frozenset[str]

    @property
    def is_admin(self) -> bool:
        """Admins pass every role check."""
        return "admin" in self.roles


def issue_token(
    secret: str,
    *,
    subject: str,
    email: str | None,
    roles: list[str] | tuple[str, ...] | frozenset[str],
    ttl_seconds: int = 3600,
    issuer: str = "crm-gateway",
    audience: str = "crm",
) -> str:
    """Sign a bearer token for `subject` with `roles`."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": subject,
        "email": email,
        "roles": sorted(roles),
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


# Verified tokens, so a client's many requests pay for the signature check once.
_verified: dict[tuple[str, ...], tuple[Principal, float]] = {}
_VERIFIED_MAX = 10_000


def verify_token(secret: str, token: str, *, issuer: str, audience: str) -> Principal:
    """Check signature, expiry, issuer and audience; 401 problem if any fails."""
    key = (token, secret, issuer, audience)
    cached = _verified.get(key)
    if cached is not None and cached[1] > time.time():
        return cached[0]
    principal, expires = _verify(secret, token, issuer=issuer, audience=audience)
    if len(_verified) >= _VERIFIED_MAX:
        _verified.clear()
    _verified[key] = (principal, expires)
    return principal


def _verify(secret: str, token: str, *, issuer: str, audience: str) -> tuple[Principal, float]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            issuer=issuer,
            audience=audience,
            options={"require": ["exp", "sub", "iss", "aud"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("The token has expired") from exc
    except jwt.InvalidTokenError as exc:
        raise _unauthorized("The token is not valid") from exc
    roles = claims.get("roles") or []
    if not isinstance(roles, list):
        raise _unauthorized("The token's roles are not valid")
    principal = Principal(
        subject=str(claims["sub"]),
        email=claims.get("email"),
        roles=frozenset(str(r) for r in roles),
    )
    return principal, float(claims["exp"])


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The verified caller of this request (401 problem without a valid bearer token)."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise _unauthorized("A bearer token is required")
    settings = request.app.state.settings
    return verify_token(
        settings.jwt_key(),
        credentials.credentials,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def has_role(principal: Principal, allowed: frozenset[str]) -> bool:
    """Admins, and anyone holding one of `allowed`."""
    return principal.is_admin or bool(principal.roles & allowed)


def require_roles(*roles: str) -> Any:
    """A dependency that lets through admins and anyone holding one of `roles` (else 403)."""
    allowed = frozenset(roles)

    async def check(principal: CurrentPrincipal) -> Principal:
        if has_role(principal, allowed):
            return principal
        raise ProblemError(403, detail=f"This needs one of the roles: {', '.join(sorted(allowed))}")

    return Depends(check)
