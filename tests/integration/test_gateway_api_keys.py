"""API keys: created by an admin, used by integrations, rate limited, revoked."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from crm_cli.stack import Stack


async def _create_key(gateway: httpx.AsyncClient, **body: object) -> dict[str, object]:
    response = await gateway.post("/api/v1/api-keys", json={"name": "integration", **body})
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


@pytest.fixture
async def anonymous(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False, timeout=30) as c:
        yield c


async def test_key_is_shown_once_and_listed_without_secret(gateway: httpx.AsyncClient) -> None:
    created = await _create_key(gateway, roles=["integrator", "sales"])
    key = str(created["key"])
    assert key.startswith("crm_")
    assert created["roles"] == ["integrator", "sales"]
    assert key.startswith(str(created["prefix"]))
    listed = await gateway.get("/api/v1/api-keys", params={"limit": 200})
    assert listed.status_code == 200
    assert key not in listed.text
    mine = [item for item in listed.json()["items"] if item["id"] == created["id"]]
    assert len(mine) == 1
    assert "key" not in mine[0]
    assert "key_hash" not in mine[0]


async def test_key_calls_services_and_is_revoked_at_once(
    gateway: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await _create_key(gateway, roles=["sales"])
    headers = {"X-API-Key": str(created["key"])}

    listed = await anonymous.get("/api/v1/contacts", params={"limit": 1}, headers=headers)
    assert listed.status_code == 200, listed.text
    assert "items" in listed.json()
    # The key's roles travel in the minted JWT: a sales key is not an admin on the gateway.
    forbidden = await anonymous.get("/api/v1/users", headers=headers)
    assert forbidden.status_code == 403

    assert (await gateway.delete(f"/api/v1/api-keys/{created['id']}")).status_code == 204
    revoked = await anonymous.get("/api/v1/contacts", headers=headers)
    assert revoked.status_code == 401
    assert revoked.headers["content-type"] == "application/problem+json"
    shown = (await gateway.get(f"/api/v1/api-keys/{created['id']}")).json()
    assert shown["revoked_at"] is not None


async def test_admin_key_can_use_gateway_routes(
    gateway: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await _create_key(gateway, roles=["admin"])
    response = await anonymous.get("/api/v1/api-keys", headers={"X-API-Key": str(created["key"])})
    assert response.status_code == 200
    # An API key has no user account behind it.
    me = await anonymous.get("/api/v1/users/me", headers={"X-API-Key": str(created["key"])})
    assert me.status_code == 404


@pytest.mark.parametrize("key", ["crm_not-a-real-key", "garbage", "crm_" + "x" * 300])
async def test_unknown_keys_are_401(anonymous: httpx.AsyncClient, key: str) -> None:
    response = await anonymous.get("/api/v1/contacts", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json()["status"] == 401


async def test_key_rate_limit_gives_429_with_retry_after(
    gateway: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    created = await _create_key(gateway, roles=["sales"], rate_limit_per_second=1)
    assert created["rate_limit_per_second"] == 1
    headers = {"X-API-Key": str(created["key"])}
    statuses = [
        (await anonymous.get("/api/v1/contacts", params={"limit": 1}, headers=headers)).status_code
        for _ in range(4)
    ]
    assert statuses[0] == 200
    assert 429 in statuses
    limited = await anonymous.get("/api/v1/contacts", headers=headers)
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert int(limited.headers["retry-after"]) >= 1
    # Other principals are not affected.
    assert (await gateway.get("/api/v1/contacts", params={"limit": 1})).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "roles": []},
        {"name": "x", "roles": ["root"]},
        {"name": "", "roles": ["sales"]},
        {"name": "x", "roles": ["sales"], "rate_limit_per_second": 0},
    ],
    ids=["no-roles", "unknown-role", "empty-name", "zero-rate"],
)
async def test_invalid_keys_are_422(gateway: httpx.AsyncClient, body: dict[str, object]) -> None:
    response = await gateway.post("/api/v1/api-keys", json=body)
    assert response.status_code == 422
    assert response.json()["errors"]


async def test_revoking_unknown_key_is_404(gateway: httpx.AsyncClient) -> None:
    response = await gateway.delete("/api/v1/api-keys/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
