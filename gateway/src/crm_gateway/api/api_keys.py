"""API keys for integrations, managed by admins: /api/v1/api-keys."""

import uuid

from fastapi import APIRouter, Request, Response, status

from crm_gateway.adapters import api_keys as keys_repo
from crm_gateway.api import operation_id
from crm_gateway.api.paging import after_key, split_page
from crm_gateway.api.schemas import ApiKey, ApiKeyCreate, ApiKeyCreated
from crm_gateway.api.security import AdminPrincipal
from crm_gateway.domain.api_keys import display_prefix, generate_key, hash_key
from crm_shared.db import SessionDep
from crm_shared.pagination import CursorQuery, LimitQuery, Page
from crm_shared.problems import PROBLEM_RESPONSES, not_found

router = APIRouter(
    generate_unique_id_function=operation_id,
    prefix="/api/v1/api-keys",
    tags=["api-keys"],
    responses={k: PROBLEM_RESPONSES[k] for k in (400, 401, 403, 422, 429)},
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an API key",
    responses={422: PROBLEM_RESPONSES[422]},
)
async def create_api_key(
    body: ApiKeyCreate, principal: AdminPrincipal, session: SessionDep, response: Response
) -> ApiKeyCreated:
    """Create a key; the response is the only time the key itself is shown."""
    key = generate_key()
    row = await keys_repo.add(
        session,
        {
            **body.model_dump(),
            "prefix": display_prefix(key),
            "key_hash": hash_key(key),
            "created_by": principal.subject,
        },
    )
    await session.commit()
    response.headers["Location"] = f"/api/v1/api-keys/{row.id}"
    return ApiKeyCreated(**ApiKey.model_validate(row, from_attributes=True).model_dump(), key=key)


@router.get("", summary="List API keys")
async def list_api_keys(
    _: AdminPrincipal, session: SessionDep, limit: LimitQuery = 50, cursor: CursorQuery = None
) -> Page[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    rows = await keys_repo.page(session, limit=limit + 1, after=after_key(cursor))
    rows, next_cursor = split_page(rows, limit)
    return Page[ApiKey](
        items=[ApiKey.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=next_cursor,
    )


@router.get("/{key_id}", summary="Get an API key", responses={404: PROBLEM_RESPONSES[404]})
async def get_api_key(key_id: uuid.UUID, _: AdminPrincipal, session: SessionDep) -> ApiKey:
    """One key (without the key itself)."""
    row = await keys_repo.get(session, key_id)
    if row is None:
        raise not_found("API key")
    return ApiKey.model_validate(row, from_attributes=True)


@router.delete(
    "/{key_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke an API key",
    responses={404: PROBLEM_RESPONSES[404]},
)
async def revoke_api_key(
    key_id: uuid.UUID, _: AdminPrincipal, session: SessionDep, request: Request
) -> None:
    """Revoke a key: at once on this gateway, within the key cache time on the others."""
    if not await keys_repo.revoke(session, key_id):
        raise not_found("API key")
    await session.commit()
    request.app.state.api_keys.forget(key_id)
