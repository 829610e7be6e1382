"""What the gateway API fuzzing (tests/e2e/test_gateway_api_fuzz.py) found, kept fixed:
the users and API-key routes answer a bad cursor, a bad `If-Match` or an unreadable body
with a 400 and bad parameters with a 422, both problem+json; their OpenAPI documents both
(it used to document no 400 and, on the reads, FastAPI's plain-JSON 422)."""

from __future__ import annotations

import httpx
import pytest

PROBLEM_JSON = "application/problem+json"
OWN_PATHS = (
    "/api/v1/users",
    "/api/v1/users/{user_id}",
    "/api/v1/api-keys",
    "/api/v1/api-keys/{key_id}",
)


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, object] = response.json()
    assert body["status"] == status
    return body


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/api-keys"])
async def test_a_bad_cursor_is_a_documented_400(gateway: httpx.AsyncClient, path: str) -> None:
    _problem(await gateway.get(path, params={"cursor": "not-a-cursor"}), 400)


@pytest.mark.parametrize("path", ["/api/v1/users", "/api/v1/api-keys"])
async def test_an_unreadable_body_is_a_400(gateway: httpx.AsyncClient, path: str) -> None:
    headers = {"content-type": "application/json"}
    _problem(await gateway.post(path, content=b"{not json", headers=headers), 400)


async def test_a_bad_if_match_is_a_400(gateway: httpx.AsyncClient) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    response = await gateway.delete(f"/api/v1/users/{missing}", headers={"If-Match": "soon"})
    _problem(response, 400)


@pytest.mark.parametrize("path", ["/api/v1/users/not-a-uuid", "/api/v1/api-keys?limit=0"])
async def test_bad_parameters_are_a_422_problem(gateway: httpx.AsyncClient, path: str) -> None:
    body = _problem(await gateway.get(path), 422)
    assert body["errors"], body


async def test_the_gateway_routes_document_400_and_422_as_problems(
    gateway: httpx.AsyncClient,
) -> None:
    paths = (await gateway.get("/api/v1/openapi.json")).json()["paths"]
    for path in OWN_PATHS:
        for method, operation in paths[path].items():
            for status in ("400", "422"):
                documented = operation["responses"].get(status)
                assert documented, f"{method.upper()} {path} does not document {status}"
                assert list(documented["content"]) == [PROBLEM_JSON], (method, path, status)
