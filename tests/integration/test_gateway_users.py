"""Login and admin-managed users, through the stack's gateway."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from crm_cli.stack import Stack

PASSWORD = "correct-horse-battery"


def _email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@crm.example.com"


async def _login(stack: Stack, email: str, password: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False, timeout=30) as c:
        return await c.post("/api/v1/auth/token", data={"username": email, "password": password})


@pytest.fixture
async def sales_user(gateway: httpx.AsyncClient) -> dict[str, str]:
    """A fresh active user with the sales role; its id and email."""
    email = _email()
    response = await gateway.post(
        "/api/v1/users",
        json={"email": email, "full_name": "Sam Sales", "password": PASSWORD, "roles": ["sales"]},
    )
    assert response.status_code == 201, response.text
    return {"id": response.json()["id"], "email": email}


@pytest.fixture
async def as_sales(stack: Stack, sales_user: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    token = (await _login(stack, sales_user["email"], PASSWORD)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=stack.gateway_url, headers=headers, trust_env=False, timeout=30
    ) as client:
        yield client


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


async def test_admin_logs_in_and_sees_itself(stack: Stack) -> None:
    response = await _login(stack, stack.admin_email.upper(), stack.admin_password)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    claims = jwt.decode(
        body["access_token"], stack.jwt_secret, algorithms=["HS256"], audience="crm"
    )
    assert claims["roles"] == ["admin"]
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as client:
        me = await client.get(
            "/api/v1/users/me", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
    assert me.status_code == 200
    assert me.json()["email"] == stack.admin_email
    assert me.json()["id"] == claims["sub"]
    assert "password_hash" not in me.json()


@pytest.mark.parametrize(
    ("email", "password"),
    [("admin", "wrong-password-123"), ("nobody@crm.example.com", "wrong-password-123")],
    ids=["wrong-password", "unknown-email"],
)
async def test_bad_credentials_are_one_401(stack: Stack, email: str, password: str) -> None:
    response = await _login(stack, stack.admin_email if email == "admin" else email, password)
    body = _problem(response, 401)
    assert body["detail"] == "Incorrect email or password"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_login_form_is_validated(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as client:
        response = await client.post("/api/v1/auth/token", data={"username": "x"})
    _problem(response, 422)


async def test_non_admin_cannot_manage_users_or_keys(
    as_sales: httpx.AsyncClient, sales_user: dict[str, str]
) -> None:
    me = await as_sales.get("/api/v1/users/me")
    assert me.json()["roles"] == ["sales"]
    for method, path in [
        ("GET", "/api/v1/users"),
        ("POST", "/api/v1/users"),
        ("GET", f"/api/v1/users/{sales_user['id']}"),
        ("DELETE", f"/api/v1/users/{sales_user['id']}"),
        ("GET", "/api/v1/api-keys"),
        ("POST", "/api/v1/api-keys"),
    ]:
        response = await as_sales.request(method, path, json={})
        _problem(response, 403)


async def test_user_lifecycle_with_versioned_merge_patch(
    gateway: httpx.AsyncClient, stack: Stack, sales_user: dict[str, str]
) -> None:
    url = f"/api/v1/users/{sales_user['id']}"
    current = await gateway.get(url)
    assert current.headers["etag"] == '"1"'

    _problem(await gateway.patch(url, json={"full_name": "X"}, headers={"If-Match": "7"}), 412)
    patched = await gateway.patch(
        url,
        json={"full_name": "Sam Manager", "roles": ["manager", "sales"]},
        headers={"If-Match": '"1"', "Content-Type": "application/merge-patch+json"},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["full_name"] == "Sam Manager"
    assert patched.json()["roles"] == ["manager", "sales"]
    assert patched.json()["version"] == 2
    assert patched.json()["email"] == sales_user["email"]  # absent fields stay

    new_password = "another-long-password"
    assert (await gateway.patch(url, json={"password": new_password})).status_code == 200
    assert (await _login(stack, sales_user["email"], PASSWORD)).status_code == 401
    assert (await _login(stack, sales_user["email"], new_password)).status_code == 200

    assert (await gateway.patch(url, json={"is_active": False})).status_code == 200
    assert (await _login(stack, sales_user["email"], new_password)).status_code == 401

    assert (await gateway.delete(url)).status_code == 204
    _problem(await gateway.get(url), 404)
    _problem(await gateway.delete(url), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"email": "not-an-email", "full_name": "A", "password": PASSWORD},
        {"email": "a@crm.example.com", "full_name": "A", "password": "short"},
        {"email": "a@crm.example.com", "full_name": "A", "password": PASSWORD, "roles": ["king"]},
        {"email": "a@crm.example.com", "full_name": "", "password": PASSWORD},
        {"email": "a@crm.example.com", "full_name": "A", "password": PASSWORD, "extra": 1},
    ],
    ids=["email", "short-password", "unknown-role", "empty-name", "unknown-field"],
)
async def test_invalid_users_are_422(gateway: httpx.AsyncClient, body: dict[str, object]) -> None:
    problem = _problem(await gateway.post("/api/v1/users", json=body), 422)
    assert problem["errors"]


async def test_patch_rejects_nulls_unknown_roles_and_bad_ids(
    gateway: httpx.AsyncClient, sales_user: dict[str, str]
) -> None:
    url = f"/api/v1/users/{sales_user['id']}"
    _problem(await gateway.patch(url, json={"full_name": None}), 422)
    _problem(await gateway.patch(url, json={"roles": ["sales", "wizard"]}), 422)
    _problem(
        await gateway.patch(url, content=b"{nope", headers={"Content-Type": "application/json"}),
        400,
    )
    _problem(await gateway.patch(url, json={"full_name": "X"}, headers={"If-Match": "abc"}), 400)
    _problem(await gateway.get("/api/v1/users/not-a-uuid"), 422)


async def test_duplicate_email_is_409_whatever_its_case(
    gateway: httpx.AsyncClient, sales_user: dict[str, str]
) -> None:
    body = {"email": sales_user["email"].upper(), "full_name": "Twin", "password": PASSWORD}
    _problem(await gateway.post("/api/v1/users", json=body), 409)


async def test_admin_cannot_lock_themselves_out(gateway: httpx.AsyncClient) -> None:
    me = (await gateway.get("/api/v1/users/me")).json()
    url = f"/api/v1/users/{me['id']}"
    _problem(await gateway.delete(url), 409)
    _problem(await gateway.patch(url, json={"roles": ["sales"]}), 409)
    _problem(await gateway.patch(url, json={"is_active": False}), 409)


async def test_users_list_pages_with_a_cursor(gateway: httpx.AsyncClient) -> None:
    for _ in range(3):
        body = {"email": _email(), "full_name": "Pager", "password": PASSWORD}
        assert (await gateway.post("/api/v1/users", json=body)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = (await gateway.get("/api/v1/users", params=params)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 4
    _problem(await gateway.get("/api/v1/users", params={"cursor": "garbage!"}), 400)
    _problem(await gateway.get("/api/v1/users", params={"limit": 500}), 422)
