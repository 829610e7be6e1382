"""The contacts service on its own, in-process, against the session's real PostgreSQL and
broker: contacts CRUD, versions, roles and bad input.

`running_contacts_app` (a fresh, migrated database and the app with its lifespan running)
is shared with the other test_contacts_* modules, each of which starts its own.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest
from support.service_app import ServiceApp, running_service_app

from crm_cli.stack import Infra

PROBLEM_JSON = "application/problem+json"


ContactsApp = ServiceApp


def running_contacts_app(infra: Infra) -> AbstractAsyncContextManager[ServiceApp]:
    """A fresh database migrated by `python -m crm_contacts migrate`, and the app on it."""
    return running_service_app(infra, "contacts")


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin", subject="admin-1") as client:
        yield client


def _email() -> str:
    return f"ada.{uuid.uuid4().hex[:8]}@Example.com"


async def _create(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": _email(), **fields}
    response = await client.post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = dict(response.json())
    assert body["status"] == status
    assert "traceback" not in response.text.lower()
    return body


# --- auth and roles ---------------------------------------------------------------------


async def test_every_route_needs_a_token(service: ContactsApp) -> None:
    some_id = uuid.uuid4()
    async with service.client() as anonymous:
        for method, path in [
            ("GET", "/api/v1/contacts"),
            ("POST", "/api/v1/contacts"),
            ("GET", f"/api/v1/contacts/{some_id}"),
            ("PATCH", f"/api/v1/contacts/{some_id}"),
            ("GET", f"/api/v1/contacts/{some_id}/timeline"),
            ("POST", f"/api/v1/contacts/{some_id}/erase"),
            ("GET", "/api/v1/companies"),
        ]:
            response = await anonymous.request(method, path, json={})
            _assert_problem(response, 401)
        forged = {"Authorization": "Bearer not.a.token"}
        _assert_problem(await anonymous.get("/api/v1/contacts", headers=forged), 401)


async def test_readers_read_and_writers_write(
    service: ContactsApp, admin: httpx.AsyncClient
) -> None:
    contact = await _create(admin)
    async with service.client("analyst") as analyst, service.client("marketing") as marketer:
        assert (await analyst.get(f"/api/v1/contacts/{contact['id']}")).status_code == 200
        _assert_problem(await analyst.post("/api/v1/contacts", json={"first_name": "X"}), 403)
        created = await marketer.post("/api/v1/contacts", json={"first_name": "Mia"})
        assert created.status_code == 201


# --- create, read, patch, delete --------------------------------------------------------


async def test_create_normalizes_and_answers_the_resource(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/contacts",
        json={
            "first_name": " Ada ",
            "email": "Ada.Create@EXAMPLE.com",
            "phone": "+44  20 7946 0000",
            "tags": ["VIP", "vip ", "Big  Deal"],
            "consent": {"email": "granted"},
            "lifecycle_stage": "lead",
        },
    )
    assert response.status_code == 201, response.text
    contact = response.json()
    assert response.headers["location"] == f"/api/v1/contacts/{contact['id']}"
    assert response.headers["etag"] == '"1"'
    assert contact["first_name"] == "Ada"
    assert contact["email"] == "Ada.Create@example.com"
    assert contact["phone"] == "+44 20 7946 0000"
    assert contact["tags"] == ["vip", "big deal"]
    assert contact["consent"]["email"] == "granted"
    assert contact["consent"]["updated_at"].endswith("Z")
    assert (contact["version"], contact["erased"]) == (1, False)
    assert uuid.UUID(contact["id"])
    fetched = await admin.get(f"/api/v1/contacts/{contact['id']}")
    assert fetched.json() == contact


async def test_duplicate_email_is_a_409_naming_the_existing_contact(
    admin: httpx.AsyncClient,
) -> None:
    first = await _create(admin)
    response = await admin.post(
        "/api/v1/contacts", json={"first_name": "Twin", "email": first["email"].upper()}
    )
    body = _assert_problem(response, 409)
    assert body["existing_id"] == first["id"]


async def test_unknown_company_is_a_422(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/contacts", json={"first_name": "Ada", "company_id": str(uuid.uuid4())}
    )
    body = _assert_problem(response, 422)
    assert body["errors"][0]["loc"] == ["body", "company_id"]


async def test_patch_is_a_json_merge_patch(admin: httpx.AsyncClient) -> None:
    for key, type_ in (("plan", "text"), ("seats", "number"), ("region", "text")):
        field = {"key": key, "label": key.title(), "type": type_}
        response = await admin.post("/api/v1/contacts/custom-fields", json=field)
        assert response.status_code == 201, response.text
    contact = await _create(admin, custom_fields={"plan": "gold", "seats": 5}, title="CTO")
    response = await admin.patch(
        f"/api/v1/contacts/{contact['id']}",
        content=b'{"custom_fields": {"seats": null, "region": "EU"}, "title": null}',
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert response.status_code == 200, response.text
    patched = response.json()
    assert patched["custom_fields"] == {"plan": "gold", "region": "EU"}
    assert patched["title"] is None
    assert patched["first_name"] == "Ada"
    assert patched["version"] == 2
    assert response.headers["etag"] == '"2"'


async def test_if_match_guards_writes(admin: httpx.AsyncClient) -> None:
    contact = await _create(admin)
    url = f"/api/v1/contacts/{contact['id']}"
    ok = await admin.patch(url, json={"title": "CEO"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    stale = await admin.patch(url, json={"title": "CFO"}, headers={"If-Match": "1"})
    assert _assert_problem(stale, 412)["current_version"] == 2
    _assert_problem(await admin.patch(url, json={}, headers={"If-Match": "one"}), 400)
    _assert_problem(await admin.delete(url, headers={"If-Match": "1"}), 412)
    assert (await admin.get(url)).json()["title"] == "CEO"


async def test_patch_without_changes_keeps_the_version(admin: httpx.AsyncClient) -> None:
    contact = await _create(admin)
    response = await admin.patch(f"/api/v1/contacts/{contact['id']}", json={"first_name": "Ada"})
    assert response.json()["version"] == 1


async def test_patch_cannot_remove_both_name_and_email(admin: httpx.AsyncClient) -> None:
    contact = await _create(admin)
    response = await admin.patch(
        f"/api/v1/contacts/{contact['id']}",
        json={"first_name": None, "last_name": None, "email": None},
    )
    _assert_problem(response, 422)


async def test_delete_removes_the_contact(admin: httpx.AsyncClient) -> None:
    contact = await _create(admin)
    url = f"/api/v1/contacts/{contact['id']}"
    assert (await admin.delete(url, headers={"If-Match": "1"})).status_code == 204
    _assert_problem(await admin.get(url), 404)
    _assert_problem(await admin.delete(url), 404)
    again = await admin.post("/api/v1/contacts", json={"email": contact["email"]})
    assert again.status_code == 201  # the email is free again


# --- bad input: always a 4xx problem, never a 500 ---------------------------------------


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "not-an-email"}, 422),
        ({"first_name": "x" * 101}, 422),
        ({"first_name": "x" * 200_000}, 422),
        ({"first_name": "x" * 2_000_000}, 413),
        ({}, 422),
        ({"first_name": "Ada", "lifecycle_stage": "prospect"}, 422),
        ({"first_name": "Ada", "tags": ["a/b"]}, 422),
        ({"first_name": "Ada", "custom_fields": {"k": "x" * 20_000}}, 422),
        ({"first_name": "Ada", "version": 7}, 422),
        (["not", "an", "object"], 422),
    ],
)
async def test_bad_bodies_are_problems(admin: httpx.AsyncClient, body: Any, status: int) -> None:
    _assert_problem(await admin.post("/api/v1/contacts", json=body), status)


async def test_malformed_json_is_a_400(admin: httpx.AsyncClient) -> None:
    response = await admin.post(
        "/api/v1/contacts",
        content=b'{"first_name": "Ada",',
        headers={"Content-Type": "application/json"},
    )
    _assert_problem(response, 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contacts/not-a-uuid",
        "/api/v1/contacts/123",
        "/api/v1/contacts/not-a-uuid/timeline",
        "/api/v1/contacts/not-a-uuid/notes",
        "/api/v1/companies/%27%3B%20drop",
    ],
)
async def test_malformed_ids_are_problems(admin: httpx.AsyncClient, path: str) -> None:
    response = await admin.get(path)
    assert response.status_code in (404, 422)
    _assert_problem(response, response.status_code)


async def test_unknown_id_is_a_404(admin: httpx.AsyncClient) -> None:
    _assert_problem(await admin.get(f"/api/v1/contacts/{uuid.uuid4()}"), 404)
    _assert_problem(await admin.patch(f"/api/v1/contacts/{uuid.uuid4()}", json={}), 404)


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=201", "cursor=garbage", "lifecycle_stage=nope", "owner_id=x"]
)
async def test_bad_list_parameters_are_problems(admin: httpx.AsyncClient, query: str) -> None:
    response = await admin.get(f"/api/v1/contacts?{query}")
    assert response.status_code in (400, 422)
    _assert_problem(response, response.status_code)


async def test_asyncapi_lists_what_it_publishes_and_consumes(service: ContactsApp) -> None:
    async with service.client() as anonymous:
        document = (await anonymous.get("/asyncapi.json")).json()
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == {
        "crm.contacts.contact",
        "crm.contacts.company",
        "crm.sales.lead",
        "crm.sales.deal",
        "crm.marketing.engagement",
    }
    assert "ContactData" in document["components"]["schemas"]
    # Each published message is the CloudEvent envelope around the resource.
    schemas = document["components"]["schemas"]
    envelopes = [
        name for name, schema in schemas.items() if "specversion" in schema.get("properties", {})
    ]
    assert envelopes, sorted(schemas)
    assert any("ContactData" in str(schemas[name]["properties"]["data"]) for name in envelopes)
