"""Contact lists: a filter on every field, custom field filters, sorts with NULLs, cursors
tied to their sort, and 422s naming the bad parameter."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from test_contacts_api import PROBLEM_JSON, ContactsApp, running_contacts_app

from crm_cli.stack import Infra
from crm_contacts.adapters import contact_queries, keyset
from crm_contacts.adapters.keyset import Plan

CONTACTS = "/api/v1/contacts"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin") as client:
        yield client


def _word() -> str:
    return uuid.uuid4().hex[:10]


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _ids(client: httpx.AsyncClient, query: str) -> list[str]:
    response = await client.get(f"{CONTACTS}?{query}")
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def _all_pages(client: httpx.AsyncClient, query: str) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        body = (
            await client.get(f"{CONTACTS}?{query}" + (f"&cursor={cursor}" if cursor else ""))
        ).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


async def test_a_filter_on_every_field(admin: httpx.AsyncClient) -> None:
    tag = f"every-{_word()}"
    company = await _post(admin, "/api/v1/companies", {"name": f"Every {_word()}"})
    owner = str(uuid.uuid4())
    domain = f"{_word()}.example"
    ada = await _post(
        admin,
        CONTACTS,
        {
            "first_name": "Ada",
            "last_name": "Lovelace",
            "email": f"ada@{domain}",
            "phone": "+44 (20) 7946-0018",
            "title": "Chief Analyst",
            "company_id": company["id"],
            "owner_id": owner,
            "lifecycle_stage": "customer",
            "tags": [tag, "vip"],
        },
    )
    bob = await _post(
        admin,
        CONTACTS,
        {"first_name": "Bob", "last_name": "Lovelace", "email": f"bob@{_word()}.example",
         "lifecycle_stage": "lead", "tags": [tag]},
    )  # fmt: skip
    both, only_ada, only_bob = {ada["id"], bob["id"]}, [ada["id"]], [bob["id"]]

    async def ids(query: str) -> set[str]:
        return set(await _ids(admin, f"tag={tag}&{query}"))

    assert await ids("first_name=ADA") == set(only_ada)
    assert await ids("last_name=lovelace") == both
    assert await ids("first_name.prefix=bo") == set(only_bob)
    assert await ids(f"email=ADA@{domain.upper()}") == set(only_ada)
    assert await ids("email.prefix=ada@") == set(only_ada)
    assert await ids(f"email_domain={domain}") == set(only_ada)
    assert await ids("phone=442079460018") == set(only_ada)
    assert await ids("title=chief analyst") == set(only_ada)
    assert await ids(f"company_id={company['id']}") == set(only_ada)
    assert await ids(f"owner_id={owner}") == set(only_ada)
    assert await ids("lifecycle_stage=lead") == set(only_bob)
    assert await ids("lifecycle_stage=lead,customer") == both
    assert await ids("tag=vip") == set(only_ada)  # with the module's tag: both tags needed
    assert await ids("lifecycle_stage=opportunity") == set()


async def test_time_ranges(admin: httpx.AsyncClient) -> None:
    tag = f"time-{_word()}"
    first = await _post(admin, CONTACTS, {"first_name": "Early", "tags": [tag]})
    second = await _post(admin, CONTACTS, {"first_name": "Late", "tags": [tag]})
    at = httpx.QueryParams({"created_at.gte": second["created_at"]})
    assert await _ids(admin, f"tag={tag}&{at}") == [second["id"]]
    before = httpx.QueryParams({"created_at.lte": first["created_at"]})
    assert await _ids(admin, f"tag={tag}&{before}") == [first["id"]]
    changed = await admin.patch(f"{CONTACTS}/{first['id']}", json={"title": "Changed"})
    assert changed.status_code == 200, changed.text
    since = httpx.QueryParams({"updated_at.gte": changed.json()["updated_at"]})
    assert await _ids(admin, f"tag={tag}&{since}") == [first["id"]]


async def test_custom_field_filters_and_sort(admin: httpx.AsyncClient) -> None:
    score, segment = f"score_{_word()}", f"segment_{_word()}"
    for body in (
        {"key": score, "label": "Score", "type": "number"},
        {"key": segment, "label": "Segment", "type": "single_select", "options": ["smb", "ent"]},
    ):
        await _post(admin, "/api/v1/contacts/custom-fields", body)
    tag = f"cf-{_word()}"
    made = [
        await _post(admin, CONTACTS, {"first_name": f"C{i}", "tags": [tag], "custom_fields": cf})
        for i, cf in enumerate(
            [
                {score: 10, segment: "smb"},
                {score: 75.5},
                {segment: "ent"},
                {score: 40, segment: "ent"},
            ]
        )
    ]
    ids = [m["id"] for m in made]
    assert await _ids(admin, f"tag={tag}&custom.{score}.gte=40") == [ids[1], ids[3]]
    assert await _ids(admin, f"tag={tag}&custom.{score}.lte=40&custom.{segment}=ENT") == [ids[3]]
    assert await _ids(admin, f"tag={tag}&custom.{score}=75.5") == [ids[1]]
    # Sorted by value, the contact without one last, in both directions.
    assert await _all_pages(admin, f"tag={tag}&sort=custom.{score}&limit=1") == [
        ids[0], ids[3], ids[1], ids[2]
    ]  # fmt: skip
    assert await _all_pages(admin, f"tag={tag}&sort=-custom.{score}&limit=2") == [
        ids[1], ids[3], ids[0], ids[2]
    ]  # fmt: skip


async def test_sorts_page_through_everything_once_nulls_last(admin: httpx.AsyncClient) -> None:
    tag = f"sort-{_word()}"
    names = ["mills", None, "Adams", "baker", None, "adams", "Zed"]
    made = [
        (await _post(admin, CONTACTS, {"first_name": "X", "last_name": n, "tags": [tag]}))
        for n in names
    ]

    for limit in (1, 2, 3, 7, 50):
        ascending = await _all_pages(admin, f"tag={tag}&sort=last_name&limit={limit}")
        assert ascending == _expected(made, False)
        descending = await _all_pages(admin, f"tag={tag}&sort=-last_name&limit={limit}")
        assert descending == _expected(made, True)
    newest_first = [m["id"] for m in reversed(made)]
    assert await _all_pages(admin, f"tag={tag}&sort=-created_at&limit=3") == newest_first


def _expected(made: list[dict[str, Any]], descending: bool) -> list[str]:
    """Ids by lowercase last name then id, contacts without one last (by id)."""
    named = sorted(
        (m for m in made if m["last_name"]),
        key=lambda m: (m["last_name"].lower(), m["id"]),
        reverse=descending,
    )
    empty = sorted((m for m in made if not m["last_name"]), key=lambda m: m["id"])
    return [m["id"] for m in named] + [m["id"] for m in (empty[::-1] if descending else empty)]


@pytest.mark.parametrize(
    ("plan", "cap", "budget"),
    [
        (Plan.DIRECT, 10**4, 10**4),
        (Plan.FILTER_FIRST, 10**4, 10**4),
        (Plan.FILTER_FIRST, 2, 10**4),  # too many matches to sort: walks instead
        (Plan.WALK, 10**4, 10**4),
        (Plan.WALK, 10**4, 3),  # 3 rows a request: most pages end early, with a cursor
    ],
)
async def test_every_plan_gives_the_same_pages(
    admin: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, plan: Plan, cap: int, budget: int
) -> None:
    async def chosen(*_: object) -> Plan:
        return plan

    monkeypatch.setattr(contact_queries, "_plan", chosen)
    monkeypatch.setattr(keyset, "CAP", cap)
    monkeypatch.setattr(keyset, "BUDGET", budget)
    tag = f"plan-{_word()}"
    made = [
        await _post(admin, CONTACTS, {"first_name": "P", "last_name": n, "tags": [tag]})
        for n in ["Olsen", None, "berg", "Berg", None, "zu"]
    ]
    for _ in range(3):  # contacts the filter skips
        await _post(admin, CONTACTS, {"first_name": "Other", "last_name": "Berg"})
    for descending in (False, True):
        sort = "-last_name" if descending else "last_name"
        for limit in (1, 4):
            found = await _all_pages(admin, f"tag={tag}&sort={sort}&limit={limit}")
            assert found == _expected(made, descending)


async def test_a_cursor_only_works_with_its_own_sort(admin: httpx.AsyncClient) -> None:
    tag = f"cur-{_word()}"
    for i in range(3):
        await _post(admin, CONTACTS, {"last_name": f"L{i}", "tags": [tag]})
    page = (await admin.get(f"{CONTACTS}?tag={tag}&sort=last_name&limit=1")).json()
    assert page["next_cursor"]
    for other in ("sort=-last_name", "sort=created_at", "", "q=l1"):
        response = await admin.get(f"{CONTACTS}?tag={tag}&{other}&cursor={page['next_cursor']}")
        assert response.status_code == 400, (other, response.text)
        assert response.headers["content-type"].startswith(PROBLEM_JSON)


async def test_bad_parameters_get_a_problem_naming_them(admin: httpx.AsyncClient) -> None:
    response = await admin.get(
        f"{CONTACTS}?colour=red&custom.nope=1&lifecycle_stage=zombie&sort=phone&limit=201"
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    named = {e["loc"][1] for e in response.json()["errors"]}
    assert named == {"colour", "custom.nope", "lifecycle_stage", "sort", "limit"}


def test_openapi_lists_the_filters(service: ContactsApp) -> None:
    operation = service.app.openapi()["paths"]["/api/v1/contacts"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"q", "sort", "cursor", "lifecycle_stage", "created_at.gte", "custom.<key>"} <= names
