"""Routing through the stack's gateway: auth in front, 404s, ids, the merged OpenAPI."""

from __future__ import annotations

import httpx
import pytest

from crm_cli.stack import Stack


@pytest.mark.parametrize(
    "path", ["/api/v1/contacts", "/api/v1/deals", "/api/v1/segments", "/api/v1/analytics/funnel"]
)
async def test_proxied_routes_need_a_token(stack: Stack, path: str) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as client:
        response = await client.get(path)
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"]


async def test_unknown_route_is_404_problem(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/unicorns")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_contacts_answer_through_the_gateway_with_ids(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get(
        "/api/v1/contacts", params={"limit": 1}, headers={"X-Request-ID": "routing-test-1"}
    )
    assert response.status_code == 200, response.text
    assert response.headers["x-request-id"] == "routing-test-1"
    assert response.headers["traceparent"].startswith("00-")


async def test_merged_openapi_has_gateway_and_service_paths(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json()
    paths = doc["paths"]
    assert {"/api/v1/auth/token", "/api/v1/users", "/api/v1/api-keys"} <= set(paths)
    assert "/api/v1/contacts" in paths
    assert all(path.startswith("/api/v1/") for path in paths)
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {"HTTPBearer": []} in doc["security"]
    assert paths["/api/v1/auth/token"]["post"]["security"] == []
    assert paths["/api/v1/users"]["post"]["operationId"] == "create_user"
    operation_ids = [
        op["operationId"] for item in paths.values() for op in item.values() if "operationId" in op
    ]
    assert len(operation_ids) == len(set(operation_ids))
    # Every $ref points at a schema that is there.
    text = response.text
    for name in doc["components"]["schemas"]:
        text = text.replace(f'"#/components/schemas/{name}"', "")
    assert "#/components/schemas/" not in text


async def test_swagger_ui_shows_the_merged_document(stack: Stack) -> None:
    async with httpx.AsyncClient(base_url=stack.gateway_url, trust_env=False) as client:
        response = await client.get("/docs")
    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.text
