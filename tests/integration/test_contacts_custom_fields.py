"""Custom fields: admins define typed fields for contacts and companies; every write is
checked against them (422 naming the field), unique ones are enforced by an index (409),
values travel in events, and /openapi.json describes the fields defined right now."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from sqlalchemy import select
from sqlalchemy.dialects import postgresql
from support.kafka import KafkaEvents
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra
from crm_contacts.adapters.custom_field_sql import equals_condition, value_expression
from crm_contacts.adapters.custom_field_store import cache_of
from crm_contacts.adapters.tables import contacts
from crm_contacts.domain.custom_fields import FieldDefinition, FieldType, ObjectType
from crm_gateway.domain.routing import RoutingTable
from crm_gateway.openapi.merge import merge_documents

PROBLEM_JSON = "application/problem+json"
CONTACT_FIELDS = "/api/v1/contacts/custom-fields"
COMPANY_FIELDS = "/api/v1/companies/custom-fields"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin", subject="admin-cf") as client:
        yield client


@pytest.fixture
async def sales(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("sales", subject="rep-cf") as client:
        yield client


def _key(name: str) -> str:
    return f"{name}_{uuid.uuid4().hex[:6]}"


async def _define(
    client: httpx.AsyncClient, type_: str, *, path: str = CONTACT_FIELDS, **extra: Any
) -> dict[str, Any]:
    body = {"key": _key(type_[:6]), "label": f"A {type_}", "type": type_, **extra}
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _create(client: httpx.AsyncClient, **fields: Any) -> httpx.Response:
    return await client.post("/api/v1/contacts", json={"first_name": "Cy", **fields})


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return dict(response.json())


def _bad_fields(response: httpx.Response) -> dict[str, str]:
    body = _problem(response, 422)
    return {
        e["loc"][2]: e["msg"] for e in body["errors"] if e["loc"][:2] == ["body", "custom_fields"]
    }


# --- definitions --------------------------------------------------------------------------


async def test_each_type_stores_its_normalized_value(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient
) -> None:
    text = await _define(admin, "text")
    number = await _define(admin, "number")
    day = await _define(admin, "date")
    flag = await _define(admin, "boolean")
    tier = await _define(admin, "single_select", options=["Gold", "Silver"])
    topics = await _define(admin, "multi_select", options=["ai", "crm", "erp"])
    values = {
        text["key"]: "  Acme  ",
        number["key"]: "12.50",
        day["key"]: "2024-02-29",
        flag["key"]: False,
        tier["key"]: "gold",
        topics["key"]: ["erp", "ai", "erp"],
    }
    response = await _create(sales, custom_fields=values)
    assert response.status_code == 201, response.text
    assert response.json()["custom_fields"] == {
        text["key"]: "Acme",
        number["key"]: 12.5,
        day["key"]: "2024-02-29",
        flag["key"]: False,
        tier["key"]: "Gold",
        topics["key"]: ["ai", "erp"],
    }
    listed = (await sales.get(CONTACT_FIELDS)).json()["items"]
    assert {f["key"] for f in listed} >= {text["key"], tier["key"]}
    one = await sales.get(f"{CONTACT_FIELDS}/{tier['key']}")
    assert (one.json()["options"], one.headers["etag"]) == (["Gold", "Silver"], '"1"')


async def test_bad_values_are_422s_naming_every_field(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient
) -> None:
    number = await _define(admin, "number")
    day = await _define(admin, "date")
    flag = await _define(admin, "boolean")
    tier = await _define(admin, "single_select", options=["Gold"])
    topics = await _define(admin, "multi_select", options=["ai"])
    bad = {
        number["key"]: "lots",
        day["key"]: "2023-02-29",
        flag["key"]: "yes",
        tier["key"]: "Bronze",
        topics["key"]: ["ai", "ml"],
        "no_such_field": 1,
    }
    errors = _bad_fields(await _create(sales, custom_fields=bad))
    assert set(errors) == set(bad)
    assert "Bronze" in errors[tier["key"]]
    assert "no custom field" in errors["no_such_field"]


async def test_required_on_create_and_on_patch(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient
) -> None:
    before = (await _create(sales)).json()
    field = await _define(admin, "text", required=True)
    key = field["key"]
    assert key in _bad_fields(await _create(sales))
    assert key in _bad_fields(await _create(sales, custom_fields={key: "   "}))
    created = await _create(sales, custom_fields={key: "here"})
    assert created.status_code == 201, created.text
    url = f"/api/v1/contacts/{created.json()['id']}"
    assert key in _bad_fields(await sales.patch(url, json={"custom_fields": {key: None}}))
    # Records made before the field was required must get a value on their next edit.
    old_url = f"/api/v1/contacts/{before['id']}"
    assert key in _bad_fields(await sales.patch(old_url, json={"title": "CEO"}))
    fixed = await sales.patch(old_url, json={"title": "CEO", "custom_fields": {key: "now"}})
    assert fixed.status_code == 200, fixed.text
    await admin.patch(f"{CONTACT_FIELDS}/{key}", json={"required": False})


async def test_unique_values_collide_with_409(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient
) -> None:
    field = await _define(admin, "text", unique=True)
    key = field["key"]
    first = (await _create(sales, custom_fields={key: "ACC-1"})).json()
    twin = await _create(sales, custom_fields={key: "ACC-1"})
    body = _problem(twin, 409)
    assert body["existing_id"] == first["id"]
    assert body["errors"][0]["loc"] == ["body", "custom_fields", key]
    other = (await _create(sales, custom_fields={key: "ACC-2"})).json()
    clash = await sales.patch(
        f"/api/v1/contacts/{other['id']}", json={"custom_fields": {key: "ACC-1"}}
    )
    assert _problem(clash, 409)["existing_id"] == first["id"]


async def test_unique_over_existing_duplicates_is_409_and_leaves_no_index(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    field = await _define(admin, "number")
    key = field["key"]
    ids = [(await _create(sales, custom_fields={key: 7})).json()["id"] for _ in range(2)]
    response = await admin.patch(f"{CONTACT_FIELDS}/{key}", json={"unique": True})
    conflict = _problem(response, 409)["conflicts"][0]
    assert (conflict["value"], sorted(conflict["ids"])) == (7, sorted(ids))
    conn = await asyncpg.connect(service.dsn)
    try:
        names = await conn.fetch(
            "SELECT indexname FROM pg_indexes WHERE indexname LIKE $1", f"%_cf_{key}"
        )
    finally:
        await conn.close()
    assert [r["indexname"] for r in names] == [f"ix_contacts_cf_{key}"]
    assert (await admin.get(f"{CONTACT_FIELDS}/{key}")).json()["unique"] is False


async def test_defining_over_data_it_would_refuse_is_409(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    contact = (await _create(sales)).json()
    key = _key("legacy")
    conn = await asyncpg.connect(service.dsn)
    try:  # written before definitions existed (the column used to be free-form)
        await conn.execute(
            "UPDATE contacts SET custom_fields = jsonb_build_object($1::text, 'many')"
            " WHERE id = $2",
            key,
            uuid.UUID(contact["id"]),
        )
    finally:
        await conn.close()
    body = {"key": key, "label": "Legacy", "type": "number"}
    conflict = _problem(await admin.post(CONTACT_FIELDS, json=body), 409)
    assert conflict["conflicts"] == [{"id": contact["id"], "value": "many"}]
    assert (await admin.post(CONTACT_FIELDS, json={**body, "type": "text"})).status_code == 201


async def test_type_is_fixed_options_only_grow_and_versions_guard(
    admin: httpx.AsyncClient,
) -> None:
    field = await _define(admin, "single_select", options=["a", "b"])
    url = f"{CONTACT_FIELDS}/{field['key']}"
    _problem(await admin.patch(url, json={"type": "text"}), 409)
    _problem(await admin.patch(url, json={"options": ["a"]}), 409)
    grown = await admin.patch(url, json={"options": ["a", "b", "c"]}, headers={"If-Match": '"1"'})
    assert grown.status_code == 200, grown.text
    assert (grown.json()["options"], grown.json()["version"]) == (["a", "b", "c"], 2)
    _problem(await admin.patch(url, json={"label": "Stale"}, headers={"If-Match": '"1"'}), 412)
    _problem(await admin.delete(url, headers={"If-Match": '"1"'}), 412)


@pytest.mark.parametrize(
    "body",
    [
        {"key": "Tier", "label": "x", "type": "text"},
        {"key": "a" * 41, "label": "x", "type": "text"},
        {"key": "tier", "label": "x", "type": "colour"},
        {"key": "tier", "label": "x", "type": "text", "options": ["a"]},
        {"key": "tier", "label": "x", "type": "single_select"},
        {"key": "tier", "label": "x", "type": "multi_select", "options": ["a;b"]},
        {"key": "tier", "label": "x", "type": "single_select", "options": ["A", "a"]},
        {"key": "tier", "label": "x", "type": "boolean", "unique": True},
        {"key": "tier", "label": "", "type": "text"},
    ],
)
async def test_bad_definitions_are_422s(admin: httpx.AsyncClient, body: dict[str, Any]) -> None:
    _problem(await admin.post(CONTACT_FIELDS, json=body), 422)


async def test_only_admins_change_definitions(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    field = await _define(admin, "text")
    url = f"{CONTACT_FIELDS}/{field['key']}"
    new = {"key": _key("mine"), "label": "Mine", "type": "text"}
    async with service.client("manager") as manager:
        _problem(await manager.post(CONTACT_FIELDS, json=new), 403)
        _problem(await manager.patch(url, json={"label": "Ours"}), 403)
        _problem(await manager.delete(url), 403)
        assert (await manager.get(url)).status_code == 200
    assert (await sales.get(COMPANY_FIELDS)).status_code == 200
    async with service.client() as anonymous:
        _problem(await anonymous.get(CONTACT_FIELDS), 401)
    _problem(await admin.post(CONTACT_FIELDS, json={**new, "key": field["key"]}), 409)


# --- companies, events, OpenAPI ------------------------------------------------------------


async def test_company_fields_are_checked_published_and_deleted(
    admin: httpx.AsyncClient,
    sales: httpx.AsyncClient,
    service: ContactsApp,
    kafka_events: KafkaEvents,
) -> None:
    reader = await kafka_events("crm.contacts.company")
    seats = await _define(admin, "number", path=COMPANY_FIELDS, required=True)
    duns = await _define(admin, "text", path=COMPANY_FIELDS, unique=True)
    key, ref = seats["key"], duns["key"]
    missing = await sales.post("/api/v1/companies", json={"name": "Initech"})
    assert key in _bad_fields(missing)
    made = await sales.post(
        "/api/v1/companies", json={"name": "Initech", "custom_fields": {key: "250", ref: "D-1"}}
    )
    assert made.status_code == 201, made.text
    company = made.json()
    assert company["custom_fields"] == {key: 250, ref: "D-1"}
    twin = {"name": "Initech 2", "custom_fields": {key: 1, ref: "D-1"}}
    assert (
        _problem(await sales.post("/api/v1/companies", json=twin), 409)["existing_id"]
        == (company["id"])
    )
    url = f"/api/v1/companies/{company['id']}"
    assert key in _bad_fields(await sales.patch(url, json={"custom_fields": {key: "many"}}))
    patched = await sales.patch(url, json={"custom_fields": {key: 300}})
    assert patched.json()["custom_fields"] == {key: 300, ref: "D-1"}
    # Deleting the field removes its values from companies too, each with an event.
    deleted = await admin.delete(f"{COMPANY_FIELDS}/{key}")
    assert deleted.status_code == 204, deleted.text
    await service.app.state.custom_field_purges.wait()
    assert (await sales.get(url)).json()["custom_fields"] == {ref: "D-1"}
    events = await reader.collect(lambda e: e["subject"] == company["id"], count=3, timeout=30)
    assert [e["data"]["custom_fields"].get(key) for e in events] == [250, 300, None]
    assert [e["data"]["changed"] for e in events[1:]] == [["custom_fields"]] * 2
    assert [e["sequence"] for e in events] == [1, 2, 3]


async def test_contact_events_carry_custom_fields(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, kafka_events: KafkaEvents
) -> None:
    reader = await kafka_events("crm.contacts.contact")
    field = await _define(admin, "multi_select", options=["x", "y"])
    contact = (await _create(sales, custom_fields={field["key"]: ["y", "x"]})).json()
    [event] = await reader.collect(lambda e: e["subject"] == contact["id"], count=1, timeout=30)
    assert event["data"]["custom_fields"] == {field["key"]: ["x", "y"]}


async def test_openapi_describes_the_defined_fields(
    admin: httpx.AsyncClient, service: ContactsApp
) -> None:
    async with service.client() as anonymous:
        before = (await anonymous.get("/openapi.json")).json()
        field = await _define(admin, "single_select", options=["Gold", "Silver"], required=True)
        after = (await anonymous.get("/openapi.json")).json()
    schemas = after["components"]["schemas"]
    assert field["key"] not in str(before["components"]["schemas"].get("ContactCustomFields"))
    served = schemas["ContactCustomFields"]["properties"][field["key"]]
    assert (served["type"], served["enum"], served["title"]) == (
        "string",
        ["Gold", "Silver"],
        "A single_select",
    )
    assert field["key"] in schemas["ContactCustomFieldsIn"]["required"]
    assert "anyOf" in schemas["ContactCustomFieldsPatch"]["properties"][field["key"]]
    contact = schemas["ContactData"]["properties"]["custom_fields"]
    assert contact["$ref"] == "#/components/schemas/ContactCustomFields"
    company = schemas["CompanyData"]["properties"]["custom_fields"]
    assert company["$ref"] == "#/components/schemas/CompanyCustomFields"
    assert "x-crm-custom-fields" not in str(after)
    # What the gateway serves: its merge keeps the components and every $ref resolves.
    merged = merge_documents({"paths": {}}, {"contacts": after}, RoutingTable.default().owns)
    components = merged["components"]["schemas"]
    assert components["ContactCustomFields"] == schemas["ContactCustomFields"]
    refs = set(re.findall(r"#/components/schemas/(\w+)", orjson.dumps(merged).decode()))
    assert refs <= set(components)
    assert "/api/v1/contacts/custom-fields" in merged["paths"]
    await admin.patch(f"{CONTACT_FIELDS}/{field['key']}", json={"required": False})


# --- deletion, caching, indexes --------------------------------------------------------


async def test_deleting_a_field_removes_its_values(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    field = await _define(admin, "text")
    key, url = field["key"], f"{CONTACT_FIELDS}/{field['key']}"
    contact = (await _create(sales, custom_fields={key: "bye"})).json()
    assert (await admin.delete(url, headers={"If-Match": '"1"'})).status_code == 204
    _problem(await admin.get(url), 404)
    assert key in _bad_fields(await _create(sales, custom_fields={key: "again"}))
    await service.app.state.custom_field_purges.wait()
    after = (await sales.get(f"/api/v1/contacts/{contact['id']}")).json()
    assert (after["custom_fields"], after["version"]) == ({}, 2)
    timeline = (await sales.get(f"/api/v1/contacts/{contact['id']}/timeline")).json()["items"]
    assert any(e["details"].get("changed") == ["custom_fields"] for e in timeline)
    again = await admin.post(CONTACT_FIELDS, json={"key": key, "label": "Back", "type": "number"})
    assert again.status_code == 201, again.text


async def test_a_change_made_elsewhere_reaches_the_cache(
    sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    """Another process (here: plain SQL) defines a field; NOTIFY drops this one's cache."""
    await _create(sales)  # the contact schema is cached now
    cache = cache_of(service.app.state.db)
    assert cache is not None
    assert cache.watching
    assert cache.get(ObjectType.CONTACT) is not None  # creates pay no round trip for it
    key = _key("remote")
    conn = await asyncpg.connect(service.dsn)
    try:
        await conn.execute(
            "INSERT INTO custom_field_definitions (object_type, key, label, type, created_at,"
            " updated_at, version) VALUES ('contact', $1, 'Remote', 'text', now(), now(), 1)",
            key,
        )
    finally:
        await conn.close()
    for _ in range(100):
        response = await _create(sales, custom_fields={key: "seen"})
        if response.status_code == 201:
            break
        await asyncio.sleep(0.02)
    assert response.status_code == 201, response.text


async def test_queries_use_the_field_indexes(
    admin: httpx.AsyncClient, sales: httpx.AsyncClient, service: ContactsApp
) -> None:
    field = await _define(admin, "number")
    definition = FieldDefinition(field["key"], "n", FieldType.NUMBER)
    for n in (3, 1, 2):
        await _create(sales, custom_fields={field["key"]: n})
    value = value_expression(contacts, definition)
    ordered = select(value).where(~contacts.c.erased, value > 0).order_by(value)
    filtered = select(contacts.c.id).where(
        ~contacts.c.erased, equals_condition(contacts, definition, 2)
    )
    dialect = postgresql.asyncpg.dialect()
    conn = await asyncpg.connect(service.dsn)
    try:
        await conn.execute("SET enable_seqscan = off")
        rows = await conn.fetch(str(ordered.compile(dialect=dialect)), 0)
        assert [int(r[0]) for r in rows] == [1, 2, 3]
        found = await conn.fetch(str(filtered.compile(dialect=dialect)), Decimal(2))
        assert len(found) == 1
        plans = [
            str(await conn.fetch(f"EXPLAIN {stmt.compile(dialect=dialect)}", arg))
            for stmt, arg in ((ordered, 0), (filtered, Decimal(2)))
        ]
    finally:
        await conn.close()
    assert f"ix_contacts_cf_{field['key']}" in plans[0]
    assert f"ix_contacts_cf_{field['key']}" in plans[1]
