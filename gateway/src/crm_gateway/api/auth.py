"""POST /api/v1/auth/token: the OAuth2 password grant (email + password -> JWT)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import OAuth2PasswordRequestForm

from crm_gateway.adapters import users as users_repo
from crm_gateway.api import operation_id
from crm_gateway.api.schemas import Token
from crm_gateway.api.security import hash_password, verify_password
from crm_gateway.domain.passwords import needs_rehash
from crm_gateway.settings import GatewaySettings
from crm_shared.auth import issue_token
from crm_shared.db import SessionDep
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError

router = APIRouter(prefix="/api/v1", tags=["auth"], generate_unique_id_function=operation_id)


@router.post(
    "/auth/token",
    summary="Log in with email and password",
    responses={k: PROBLEM_RESPONSES[k] for k in (401, 422, 429)},
    openapi_extra={"security": []},
)
async def create_token(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    response: Response,
    session: SessionDep,
) -> Token:
    """Exchange an email (`username`) and password for a bearer token."""
    user = await users_repo.get_credentials(session, form.username)
    # Always pay for one argon2 verification, so timing does not reveal unknown emails.
    valid = await verify_password(user.password_hash if user else None, form.password)
    if user is None or not valid or not user.is_active:
        raise ProblemError(
            401,
            detail="Incorrect email or password",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if needs_rehash(user.password_hash):
        await users_repo.set_password_hash(session, user.id, await hash_password(form.password))
        await session.commit()
    settings: GatewaySettings = request.app.state.settings
    token = issue_token(
        settings.jwt_key(),
        subject=str(user.id),
        email=user.email,
        roles=user.roles,
        ttl_seconds=settings.token_ttl_seconds,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    response.headers["Cache-Control"] = "no-store"
    return Token(access_token=token, expires_in=settings.token_ttl_seconds)
