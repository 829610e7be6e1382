"""Companies: CRUD, versions, search, and the rule that a company with contacts stays."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def sales(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales") as client:
        yield client


async def test_company_crud_with_versions(sales: httpx.AsyncClient) -> None:
    created = await sales.post(
        "/api/v1/companies",
        json={"name": " Initech ", "domain": "https://www.Initech.com/", "size": "51-200"},
    )
    assert created.status_code == 201, created.text
    company = created.json()
    assert (company["name"], company["domain"], company["version"]) == ("Initech", "initech.com", 1)
    url = f"/api/v1/companies/{company['id']}"
    assert created.headers["location"] == url
    assert (await sales.get(url)).json() == company

    patched = await sales.patch(
        url, json={"industry": "Software", "size": None}, headers={"If-Match": '"1"'}
    )
    assert patched.status_code == 200, patched.text
    assert (patched.json()["industry"], patched.json()["size"], patched.json()["version"]) == (
        "Software",
        None,
        2,
    )
    assert (
        await sales.patch(url, json={"name": "X"}, headers={"If-Match": "1"})
    ).status_code == 412
    assert (await sales.patch(url, json={"name": None})).status_code == 422
    assert (await sales.patch(url, json={"size": "huge"})).status_code == 422
    assert (await sales.delete(url)).status_code == 204
    assert (await sales.get(url)).status_code == 404


async def test_company_search_and_paging(sales: httpx.AsyncClient) -> None:
    word = uuid.uuid4().hex[:8]
    ids = []
    for suffix in ("Labs", "Systems", "Holdings"):
        response = await sales.post("/api/v1/companies", json={"name": f"Quasar{word} {suffix}"})
        ids.append(response.json()["id"])
    by_domain = await sales.post(
        "/api/v1/companies", json={"name": "Other", "domain": f"quasar{word}.io"}
    )
    found = (await sales.get("/api/v1/companies", params={"q": f"quasar{word} labs"})).json()
    assert found["items"][0]["id"] == ids[0]
    assert by_domain.json()["id"] in {c["id"] for c in found["items"]}
    exact = await sales.get("/api/v1/companies", params={"domain": f"QUASAR{word}.io"})
    assert [c["id"] for c in exact.json()["items"]] == [by_domain.json()["id"]]

    first = (await sales.get("/api/v1/companies", params={"q": f"quasar{word}", "limit": 2})).json()
    assert len(first["items"]) == 2
    rest = await sales.get(
        "/api/v1/companies",
        params={"q": f"quasar{word}", "limit": 2, "cursor": first["next_cursor"]},
    )
    seen = [c["id"] for c in first["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted([*ids, by_domain.json()["id"]])


async def test_company_with_contacts_cannot_be_deleted(sales: httpx.AsyncClient) -> None:
    company = (await sales.post("/api/v1/companies", json={"name": "Hooli"})).json()
    contact = (
        await sales.post(
            "/api/v1/contacts", json={"first_name": "Gavin", "company_id": company["id"]}
        )
    ).json()
    url = f"/api/v1/companies/{company['id']}"
    refused = await sales.delete(url)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")

    moved = await sales.patch(f"/api/v1/contacts/{contact['id']}", json={"company_id": None})
    assert moved.status_code == 200
    assert (await sales.delete(url)).status_code == 204


async def test_company_of_an_erased_contact_can_be_deleted(
    sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    company = (await sales.post("/api/v1/companies", json={"name": "Pied Piper"})).json()
    contact = (
        await sales.post(
            "/api/v1/contacts", json={"first_name": "Erlich", "company_id": company["id"]}
        )
    ).json()
    async with service.client("admin") as admin:
        assert (await admin.post(f"/api/v1/contacts/{contact['id']}/erase")).status_code == 200
    assert (await sales.delete(f"/api/v1/companies/{company['id']}")).status_code == 204
    tombstone = (await sales.get(f"/api/v1/contacts/{contact['id']}")).json()
    assert tombstone["company_id"] is None
