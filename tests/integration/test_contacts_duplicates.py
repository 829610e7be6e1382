"""Duplicate scans, in-process against a fresh database: which groups, why, in what order,
how scans run, and how reads leave out contacts that are gone."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra
from crm_contacts.api import duplicates as duplicates_api

URL = "/api/v1/contacts/duplicates"
SCANS = f"{URL}/scans"
PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


def _person(first: str, last: str | None, email: str, **extra: str) -> dict[str, str]:
    return {"first_name": first, "email": email, **({"last_name": last} if last else {}), **extra}


def _name(body: dict[str, str]) -> str:
    return f"{body.get('first_name', '')} {body.get('last_name', '')}".strip()


async def _company(client: httpx.AsyncClient, name: str) -> str:
    response = await client.post("/api/v1/companies", json={"name": name})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def _create(client: httpx.AsyncClient, people: dict[str, dict[str, str]]) -> dict[str, str]:
    ids: dict[str, str] = {}
    for nick, body in people.items():
        response = await client.post("/api/v1/contacts", json=body)
        assert response.status_code == 201, response.text
        ids[nick] = response.json()["id"]
    return ids


async def _similarity(dsn: str, a: dict[str, str], b: dict[str, str]) -> float:
    conn = await asyncpg.connect(dsn)
    try:
        sql = "SELECT round(similarity(lower($1), lower($2))::numeric, 3)::float8"
        return float(await conn.fetchval(sql, _name(a), _name(b)))
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def seeded(service: ContactsApp) -> dict[str, Any]:
    """Contacts matching each rule, look-alikes that must not match, by nickname."""
    async with service.client("admin") as admin:
        nasa, other = await _company(admin, "NASA"), await _company(admin, "Other Corp")
        engine = await _company(admin, "Analytical Engines")
        people = {
            # same_email: gmail ignores dots and +tags; elsewhere only +tags are dropped.
            "grace": _person("Grace", "Hopper", "grace.hopper@gmail.com"),
            "grace2": _person("Grace", "Hopper", "gracehopper+crm@gmail.com"),
            "bob": _person("Robert", "Tables", "bob@example.org"),
            "bob2": _person("Bobby", None, "Bob+news@Example.org"),
            "kath": _person("Katherine", "Johnson", "kj@nasa.example.com", company_id=nasa),
            "kath2": _person("Katherine", "Jonson", "k@langley.example.net", company_id=nasa),
            "dot": _person("Dorothy", "Vaughan", "d@one.example.com", phone="+1 555 010 2000"),
            "dot2": _person("Dorothy", "Vaughn", "dv@two.example.net", phone="1-555-010-2000"),
            "mary": _person("Mary", "Jackson", "mary@wind.example.com"),
            "mary2": _person("Mary", "Jacksen", "mjackson@wind.example.com"),
            # A group of three: ada~ada2 by email, ada2~ada3 by name at one company; ada and
            # ada3 share nothing but the group.
            "ada": _person("Ada", "Lovelace", "a.lovelace@gmail.com"),
            "ada2": _person("Ada", "Lovelace", "alovelace+news@gmail.com", company_id=engine),
            "ada3": _person("Ada", "Lovelase", "ada@engines.example.com", company_id=engine),
            # Same name as kath, but another company, domain and no phone: no match.
            "kath_other": _person("Katherine", "Johnson", "kj@other.example.net", company_id=other),
            # Similar names at one free-mail provider: the domain says nothing, no match.
            "frank": _person("Frank", "Freeman", "frank.freeman@yahoo.com"),
            "frank2": _person("Frank", "Freman", "ffreeman@yahoo.com"),
            "olga": _person("Olga", "Outlook", "olga@outlook.com"),
            "olga2": _person("Olga", "Outlok", "o.outlook@outlook.com"),
            # Would match mary and mary2 by name and domain, but are erased.
            "mary_erased": _person("Mary", "Jackson", "mj@wind.example.com"),
            "mary_api_erased": _person("Mary", "Jackson", "m.j@wind.example.com"),
        }
        ids = await _create(admin, people)
        erased = await admin.post(f"/api/v1/contacts/{ids['mary_api_erased']}/erase")
        assert erased.status_code == 200, erased.text
    conn = await asyncpg.connect(service.dsn)
    try:
        # Erased but with the name kept: only the `NOT erased` filter keeps it out.
        await conn.execute("UPDATE contacts SET erased = true WHERE id = $1", ids["mary_erased"])
    finally:
        await conn.close()
    sims = {
        pair: await _similarity(service.dsn, people[pair[0]], people[pair[1]])
        for pair in [("kath", "kath2"), ("dot", "dot2"), ("mary", "mary2"), ("ada2", "ada3")]
    }
    return {"ids": ids, "sims": sims}


def _group(seeded: dict[str, Any], nicks: list[str], score: float, *reasons: str) -> dict:
    ids = seeded["ids"]
    return {"contact_ids": sorted(ids[n] for n in nicks), "score": score, "reasons": [*reasons]}


def _expected(seeded: dict[str, Any]) -> list[dict[str, Any]]:
    sims = seeded["sims"]
    groups = [
        _group(seeded, ["grace", "grace2"], 1.0, "same_email"),
        _group(seeded, ["bob", "bob2"], 1.0, "same_email"),
        _group(seeded, ["kath", "kath2"], sims["kath", "kath2"], "similar_name_same_company"),
        _group(seeded, ["dot", "dot2"], sims["dot", "dot2"], "similar_name_same_phone"),
        _group(seeded, ["mary", "mary2"], sims["mary", "mary2"], "similar_name_same_email_domain"),
        # The weakest link scores the group; every pair's reasons are listed.
        _group(
            seeded,
            ["ada", "ada2", "ada3"],
            sims["ada2", "ada3"],
            "same_email",
            "similar_name_same_company",
        ),
    ]
    return sorted(groups, key=lambda g: (-g["score"], g["contact_ids"]))


def _without_primary(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k != "primary_suggestion"} for item in items]


async def _finished_scan(client: httpx.AsyncClient, location: str) -> dict[str, Any]:
    for _ in range(600):
        response = await client.get(location)
        assert response.status_code == 200, response.text
        scan = dict(response.json())
        if scan["status"] != "running":
            assert scan["status"] == "finished", scan
            return scan
        await asyncio.sleep(0.1)
    raise AssertionError(f"the scan at {location} did not finish")


async def _fresh_scan(client: httpx.AsyncClient) -> dict[str, Any]:
    """A finished scan that started after this call (asking while another scan runs
    answers that one, which may not see the newest contacts)."""
    asked = datetime.now(UTC)
    for _ in range(3):
        started = await client.post(SCANS)
        scan = await _finished_scan(client, started.headers["location"])
        if datetime.fromisoformat(scan["started_at"]) >= asked:
            return scan
    raise AssertionError("no scan started after the request")


async def test_the_first_read_scans_a_small_crm_at_once(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    async with service.client("analyst") as analyst:
        response = await analyst.get(URL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    assert _without_primary(body["items"]) == _expected(seeded)
    # The name scores really are between the threshold and a perfect match.
    assert all(0.6 <= s < 1 for s in seeded["sims"].values())
    scan = body["scan"]
    assert scan["status"] == "finished"
    assert scan["groups_found"] == len(_expected(seeded))
    live = len(seeded["ids"]) - 2
    assert scan["contacts_scanned"] == live
    assert scan["finished_at"] >= scan["started_at"]


async def test_the_primary_suggestion_is_the_most_complete_member(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    ids = seeded["ids"]
    async with service.client("sales") as sales:
        response = await sales.get(URL, params={"contact_id": ids["ada"]})
    assert response.status_code == 200, response.text
    [group] = response.json()["items"]
    assert group["contact_ids"] == sorted([ids["ada"], ids["ada2"], ids["ada3"]])
    # ada2 and ada3 both have a company; ada2 was created first.
    assert group["primary_suggestion"] == ids["ada2"]


async def test_a_contact_outside_every_group_has_none(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    async with service.client("analyst") as analyst:
        for nick in ("kath_other", "frank", "olga2", "mary_erased"):
            response = await analyst.get(URL, params={"contact_id": seeded["ids"][nick]})
            assert response.status_code == 200, response.text
            assert response.json()["items"] == [], nick


async def test_cursor_pages_through_every_group_once(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    async with service.client("sales") as sales:
        while True:
            params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            response = await sales.get(URL, params=params)
            assert response.status_code == 200, response.text
            body = response.json()
            assert len(body["items"]) <= 2
            seen += body["items"]
            pages += 1
            cursor = body["next_cursor"]
            if cursor is None:
                break
    assert pages == 3
    assert _without_primary(seen) == _expected(seeded)


async def test_a_scan_runs_in_the_background_and_reports_its_status(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    async with service.client("analyst") as analyst, service.client("sales") as sales:
        forbidden = await analyst.post(SCANS)
        assert forbidden.status_code == 403
        started = await sales.post(SCANS)
        assert started.status_code == 202, started.text
        location = started.headers["location"]
        assert location == f"{SCANS}/{started.json()['id']}"
        scan = await _finished_scan(analyst, location)
        listed = (await analyst.get(URL)).json()
    assert scan["requested_by"] == "user-sales"
    assert scan["groups_found"] == len(_expected(seeded))
    assert scan["pairs_found"] >= scan["groups_found"] + 1  # the trio is two or three pairs
    assert scan["contacts_scanned"] == len(seeded["ids"]) - 2
    assert scan["duration_ms"] >= 0
    assert scan["error"] is None
    # Reads now come from the newest scan.
    assert listed["scan"]["id"] == scan["id"]
    assert _without_primary(listed["items"]) == _expected(seeded)


async def test_one_scan_at_a_time_and_an_interrupted_one_reads_as_failed(
    service: ContactsApp,
) -> None:
    # Another replica's scan: it holds the lock and has written its row.
    other = await asyncpg.connect(service.dsn)
    try:
        assert await other.fetchval("SELECT pg_try_advisory_lock($1, $2)", 0x43524D, 6)
        scan_id = await other.fetchval(
            "INSERT INTO duplicate_scans (id, status, requested_by, started_at)"
            " VALUES (gen_random_uuid(), 'running', 'replica-2', now()) RETURNING id"
        )
        async with service.client("sales") as sales:
            response = await sales.post(SCANS)
            assert response.status_code == 202, response.text
            assert response.json()["id"] == str(scan_id)
            assert (await sales.get(f"{SCANS}/{scan_id}")).json()["status"] == "running"
    finally:
        await other.close()  # the replica dies: its lock goes with its connection
    async with service.client("analyst") as analyst:
        for _ in range(100):  # the server notices the closed connection promptly
            scan = (await analyst.get(f"{SCANS}/{scan_id}")).json()
            if scan["status"] != "running":
                break
            await asyncio.sleep(0.05)
    assert (scan["status"], scan["error"]) == ("failed", "interrupted")


async def test_members_gone_since_the_scan_are_left_out(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    async with service.client("admin") as admin:
        quill = await _company(admin, "Quill Ltd")
        ids = await _create(
            admin,
            {
                "tess": _person("Theresa", "Tester", "theresa.tester@gmail.com"),
                "tess2": _person(
                    "Theresa", "Tester", "theresatester+q@gmail.com", company_id=quill
                ),
                "tess3": _person("Theresa", "Testor", "tt@quill.example.com", company_id=quill),
                "sam": _person("Samuel", "Stalemate", "sam@stale.example.com"),
                "sam2": _person("Samuel", "Stalemat", "s.stalemat@stale.example.com"),
            },
        )
        await _fresh_scan(admin)
        trio = (await admin.get(URL, params={"contact_id": ids["tess"]})).json()["items"]
        assert trio[0]["contact_ids"] == sorted([ids["tess"], ids["tess2"], ids["tess3"]])
        assert (await admin.delete(f"/api/v1/contacts/{ids['tess3']}")).status_code == 204
        assert (await admin.post(f"/api/v1/contacts/{ids['sam2']}/erase")).status_code == 200
        [after] = (await admin.get(URL, params={"contact_id": ids["tess"]})).json()["items"]
        pair = await admin.get(URL, params={"contact_id": ids["sam"]})
        everything = (await admin.get(URL, params={"limit": 200})).json()["items"]
    # The scan's score and reasons stay; the deleted member is gone.
    assert after == trio[0] | {"contact_ids": sorted([ids["tess"], ids["tess2"]])}
    assert pair.json()["items"] == []
    listed = {i for group in everything for i in group["contact_ids"]}
    assert ids["tess3"] not in listed
    assert ids["sam"] not in listed
    assert ids["tess"] in listed
    assert seeded["ids"]["grace"] in listed


async def test_a_big_crm_without_a_scan_gets_202_and_a_scan(
    infra: Infra, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(duplicates_api, "INLINE_SCAN_LIMIT", 1)
    async with running_contacts_app(infra) as fresh, fresh.client("admin") as admin:
        await _create(admin, {n: _person("Lin", n, f"{n}@example.com") for n in "abc"})
        response = await admin.get(URL)
        assert response.status_code == 202, response.text
        assert response.headers["location"] == f"{SCANS}/{response.json()['id']}"
        assert response.headers["retry-after"]
        scan = await _finished_scan(admin, response.headers["location"])
        listed = await admin.get(URL)
    assert scan["contacts_scanned"] == 3
    assert listed.status_code == 200
    assert listed.json()["scan"]["id"] == scan["id"]


@pytest.mark.parametrize(
    "email",
    ["Grace.Hopper@GMail.com", " a.b+c@googlemail.com ", "X+y@Example.org", "plain@example.org",
     "no-at-sign", "a@b@c", "+@x.io"],
)  # fmt: skip
async def test_the_scan_blocks_emails_by_the_email_key_of_migration_0002(
    service: ContactsApp, email: str
) -> None:
    # The scan hashes its own copy of contact_email_key's rule: the two must agree.
    conn = await asyncpg.connect(service.dsn)
    try:
        ours = await conn.fetchval(
            "SELECT (contact_match_keys(NULL, NULL, $1, NULL, NULL))[1]", email
        )
        expected = await conn.fetchval(
            "SELECT (hashtextextended(contact_email_key($1), 1) & -8) | 1", email
        )
    finally:
        await conn.close()
    assert ours == expected


async def test_without_a_token_is_401(service: ContactsApp) -> None:
    async with service.client() as anonymous:
        for response in (await anonymous.get(URL), await anonymous.post(SCANS)):
            assert response.status_code == 401
            assert response.headers["content-type"].startswith(PROBLEM_JSON)


async def test_an_unknown_scan_is_404(service: ContactsApp) -> None:
    async with service.client("analyst") as analyst:
        response = await analyst.get(f"{SCANS}/00000000-0000-4000-8000-000000000000")
        bad_id = await analyst.get(f"{SCANS}/not-a-uuid")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert bad_id.status_code == 422


@pytest.mark.parametrize(
    ("cursor", "status"),
    [
        ("not-a-cursor!", 400),
        ("WzFd", 400),  # [1]: wrong arity
        ("WyJ4IiwxXQ", 400),  # ["x",1]: not a scan id
        ("WyIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiLCJhIl0", 400),  # [id,"a"]
        ("WyIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiLHRydWVd", 400),  # [id,true]
        ("WyIwMDAwMDAwMC0wMDAwLTQwMDAtODAwMC0wMDAwMDAwMDAwMDAiLDJd", 410),  # a scan long gone
    ],
)
async def test_a_bad_cursor_is_a_problem(service: ContactsApp, cursor: str, status: int) -> None:
    async with service.client("analyst") as analyst:
        response = await analyst.get(URL, params={"cursor": cursor})
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == status
