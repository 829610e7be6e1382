"""Bad input gets a clear 4xx problem+json, never a 500, at the gateway and at a service."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

PROBLEM = "application/problem+json"


async def test_service_port_without_token_is_401(stack: Any) -> None:
    async with httpx.AsyncClient(base_url=stack.service_urls["contacts"]) as client:
        response = await client.get("/api/v1/contacts")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)
        forged = await client.get(
            "/api/v1/contacts", headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}
        )
        assert forged.status_code == 401


async def test_gateway_without_token_is_401(stack: Any) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        response = await client.get("/api/v1/contacts")
        assert response.status_code == 401
        assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "statuses"),
    [
        ("post", "/api/v1/contacts", {"json": {"first_name": "X", "email": "nope"}}, {422}),
        (
            "post",
            "/api/v1/contacts",
            {"content": b'{"first_name": "X"', "headers": {"content-type": "application/json"}},
            {400, 422},
        ),
        ("post", "/api/v1/contacts", {"json": {"first_name": "x" * 2_000_000}}, {413, 422}),
        ("get", "/api/v1/contacts/not-a-uuid", {}, {404, 422}),
        ("patch", "/api/v1/contacts/not-a-uuid", {"json": {"title": "x"}}, {404, 422}),
        ("get", "/api/v1/contacts", {"params": {"limit": 5000}}, {422}),
        ("get", "/api/v1/contacts", {"params": {"cursor": "garbage!!"}}, {400}),
        ("post", "/api/v1/companies", {"json": {"name": ""}}, {422}),
        ("post", "/api/v1/contacts", {"json": {"first_name": "nul\u0000byte"}}, {400, 422}),
        ("get", "/api/v1/contacts", {"params": {"q": "a\x00b"}}, {400, 422}),
        ("post", "/api/v1/companies", {"json": {"name": "Nul\u0000 Inc"}}, {400, 422}),
    ],
)
async def test_bad_input_is_a_problem(
    gateway: httpx.AsyncClient,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    statuses: set[int],
) -> None:
    response = await getattr(gateway, method)(path, **kwargs)
    assert response.status_code in statuses, response.text[:300]
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == response.status_code
    assert "Traceback" not in response.text
    if response.status_code == 422:  # validation: the errors name where (DESIGN §3)
        assert body["errors"], body
        assert all(error["loc"] and error["msg"] for error in body["errors"])


async def test_login_with_a_nul_byte_is_a_4xx(stack: Any) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        response = await client.post(
            "/api/v1/auth/token", data={"username": "a\x00@x.io", "password": "p\x00assword"}
        )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("target", ["gateway", "contacts"])
async def test_too_large_body_still_carries_request_id_and_traceparent(
    stack: Any, admin_token: str, target: str
) -> None:
    base = stack.gateway_url if target == "gateway" else stack.service_urls["contacts"]
    async with httpx.AsyncClient(base_url=base) as client:
        response = await client.post(
            "/api/v1/contacts",
            json={"first_name": "x" * 2_000_000},
            headers={"Authorization": f"Bearer {admin_token}", "X-Request-ID": "big-1"},
        )
    assert response.status_code == 413
    assert response.headers["x-request-id"] == "big-1"
    assert response.headers["traceparent"].startswith("00-")
