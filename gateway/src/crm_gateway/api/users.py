"""Users and their roles, managed by admins: /api/v1/users."""

import uuid
from typing import Any

from fastapi import APIRouter, Response, status
from sqlalchemy.exc import IntegrityError

from crm_gateway.adapters import users as users_repo
from crm_gateway.api import operation_id
from crm_gateway.api.paging import after_key, split_page
from crm_gateway.api.schemas import User, UserCreate, UserPatch
from crm_gateway.api.security import AdminPrincipal, hash_password, user_id_of
from crm_gateway.domain.users import self_change_problem
from crm_shared.auth import CurrentPrincipal
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, ProblemError, not_found
from crm_shared.versioning import IfMatch, check_version

router = APIRouter(
    generate_unique_id_function=operation_id,
    prefix="/api/v1/users",
    tags=["users"],
    responses={k: PROBLEM_RESPONSES[k] for k in (400, 401, 403, 422, 429)},
)
_EMAIL_TAKEN = "A user with this email already exists"


def _user(row: Any, response: Response) -> User:
    response.headers["ETag"] = f'"{row.version}"'
    return User.model_validate(row, from_attributes=True)


@router.get("/me", summary="The calling user")
async def get_current_user(
    principal: CurrentPrincipal, session: SessionDep, response: Response
) -> User:
    """The user the bearer token belongs to (404 for an API key, which is no user)."""
    user_id = user_id_of(principal)
    row = await users_repo.get(session, user_id) if user_id else None
    if row is None:
        raise not_found("User")
    return _user(row, response)


@router.get("", summary="List users")
async def list_users(
    _: AdminPrincipal, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[User]:
    """Every user, oldest first."""
    rows = await users_repo.page(session, limit=limit + 1, after=after_key(cursor))
    rows, next_cursor = split_page(rows, limit)
    return Page[User](
        items=[User.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create a user",
    responses={k: PROBLEM_RESPONSES[k] for k in (409, 422)},
)
async def create_user(
    body: UserCreate, _: AdminPrincipal, session: SessionDep, response: Response
) -> User:
    """Create a user with a password and roles."""
    values = body.model_dump(exclude={"password"})
    values["password_hash"] = await hash_password(body.password)
    row = await users_repo.add(session, values)
    if row is None:
        raise ProblemError(409, detail=_EMAIL_TAKEN)
    await session.commit()
    response.headers["Location"] = f"/api/v1/users/{row.id}"
    return _user(row, response)


@router.get("/{user_id}", summary="Get a user", responses={404: PROBLEM_RESPONSES[404]})
async def get_user(
    user_id: uuid.UUID, _: AdminPrincipal, session: SessionDep, response: Response
) -> User:
    """One user."""
    row = await users_repo.get(session, user_id)
    if row is None:
        raise not_found("User")
    return _user(row, response)


@router.patch(
    "/{user_id}",
    summary="Change a user (JSON merge patch)",
    responses={k: PROBLEM_RESPONSES[k] for k in (400, 404, 409, 412, 422)},
)
async def update_user(
    user_id: uuid.UUID,
    patch: UserPatch,
    principal: AdminPrincipal,
    session: SessionDep,
    expected: IfMatch,
    response: Response,
) -> User:
    """Change email, name, password, roles or active flag; `If-Match: <version>` guards it."""
    changes = patch.model_dump(exclude_unset=True)
    if user_id == user_id_of(principal) and (
        why := self_change_problem(deleting=False, changes=changes)
    ):
        raise ProblemError(409, detail=why)
    current = await users_repo.get(session, user_id)
    if current is None:
        raise not_found("User")
    check_version(expected, current.version)
    if not changes:
        return _user(current, response)
    if "password" in changes:
        changes["password_hash"] = await hash_password(changes.pop("password"))
    try:
        row = await users_repo.change(session, user_id, current.version, changes)
        await session.commit()
    except IntegrityError as exc:
        raise ProblemError(409, detail=_EMAIL_TAKEN) from exc
    if row is None:  # changed or deleted by someone else since we read it
        raise ProblemError(412, detail="The user was changed meanwhile; read it again")
    return _user(row, response)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a user",
    responses={k: PROBLEM_RESPONSES[k] for k in (404, 409, 412)},
)
async def delete_user(
    user_id: uuid.UUID, principal: AdminPrincipal, session: SessionDep, expected: IfMatch
) -> None:
    """Delete a user; tokens already issued to them stay valid until they expire."""
    if user_id == user_id_of(principal):
        raise ProblemError(409, detail=self_change_problem(deleting=True, changes={}))
    current = await users_repo.get(session, user_id)
    if current is None:
        raise not_found("User")
    check_version(expected, current.version)
    await users_repo.remove(session, user_id)
    await session.commit()
