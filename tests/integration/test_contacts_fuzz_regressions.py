"""What the contacts API fuzzing (tests/e2e/test_contacts_api_fuzz.py) found, kept fixed:
a merge naming an id that was merged already, and a duplicates page whose cursor's scan is
gone, answer 410 problems that the OpenAPI document now lists (it listed neither); an
import in UTF-16 or UTF-32 whose file has no byte-order mark is a 422 naming the file (it
was a 500: those decoders raise a plain UnicodeError, not a UnicodeDecodeError)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra

PROBLEM_JSON = "application/problem+json"
# A cursor of the duplicates list naming a scan that no longer exists.
GONE_SCAN_CURSOR = "WyIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiLDJd"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin") as client:
        yield client


async def _create(client: httpx.AsyncClient, collection: str, body: dict[str, Any]) -> str:
    response = await client.post(f"/api/v1/{collection}", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _gone(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 410, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == 410
    return body


@pytest.mark.parametrize(
    ("collection", "body"),
    [
        ("contacts", {"first_name": "Ada", "last_name": "Merged"}),
        ("companies", {"name": "Merged Corp"}),
    ],
)
async def test_merging_an_already_merged_id_is_a_documented_410(
    admin: httpx.AsyncClient, collection: str, body: dict[str, Any]
) -> None:
    primary, duplicate, other = [await _create(admin, collection, body) for _ in range(3)]
    merge = f"/api/v1/{collection}/merge"
    first = await admin.post(merge, json={"primary_id": primary, "duplicate_ids": [duplicate]})
    assert first.status_code == 200, first.text

    again = await admin.post(merge, json={"primary_id": other, "duplicate_ids": [duplicate]})

    problem = _gone(again)
    assert problem["survivor_id"] == primary
    assert problem["errors"][0]["loc"] == ["body", "duplicate_ids", 0]
    documented = (await admin.get("/openapi.json")).json()["paths"][merge]["post"]["responses"]
    assert list(documented["410"]["content"]) == [PROBLEM_JSON]


async def test_a_duplicates_cursor_of_a_gone_scan_is_a_documented_410(
    admin: httpx.AsyncClient,
) -> None:
    await _create(admin, "contacts", {"email": f"dup-{uuid.uuid4().hex[:8]}@example.com"})

    _gone(await admin.get("/api/v1/contacts/duplicates", params={"cursor": GONE_SCAN_CURSOR}))

    paths = (await admin.get("/openapi.json")).json()["paths"]
    documented = paths["/api/v1/contacts/duplicates"]["get"]["responses"]
    assert list(documented["410"]["content"]) == [PROBLEM_JSON]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
async def test_an_import_without_the_byte_order_mark_its_encoding_needs_is_a_422(
    admin: httpx.AsyncClient, encoding: str
) -> None:
    csv = b"first_name,last_name\nAda,Lovelace\n"
    response = await admin.post(
        "/api/v1/contacts/imports",
        data={"encoding": encoding},
        files={"file": ("people.csv", csv, "text/csv")},
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["body", "file"], errors
    assert f"not {encoding} text" in errors[0]["msg"], errors
