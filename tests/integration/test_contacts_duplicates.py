"""The duplicate scan, in-process against a fresh database: which pairs, why, in what order."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra

URL = "/api/v1/contacts/duplicates"
PROBLEM_JSON = "application/problem+json"


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture(scope="module")
async def seeded(service: ContactsApp) -> dict[str, Any]:
    """Contacts matching each rule, and look-alikes that must not match, by nickname."""
    async with service.client("admin") as admin:

        async def company(name: str) -> str:
            response = await admin.post("/api/v1/companies", json={"name": name})
            assert response.status_code == 201, response.text
            return str(response.json()["id"])

        nasa, other = await company("NASA"), await company("Other Corp")
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
            # Same name as kath, but another company, domain and no phone: no match.
            "kath_other": _person("Katherine", "Johnson", "kj@other.example.net", company_id=other),
            # Would match mary and mary2 by name and domain, but are erased.
            "mary_erased": _person("Mary", "Jackson", "mj@wind.example.com"),
            "mary_api_erased": _person("Mary", "Jackson", "m.j@wind.example.com"),
        }
        ids: dict[str, str] = {}
        for nick, body in people.items():
            response = await admin.post("/api/v1/contacts", json=body)
            assert response.status_code == 201, response.text
            ids[nick] = response.json()["id"]
        erased = await admin.post(f"/api/v1/contacts/{ids['mary_api_erased']}/erase")
        assert erased.status_code == 200, erased.text
    conn = await asyncpg.connect(service.dsn)
    try:
        # Erased but with the name kept: only the `NOT erased` filter keeps it out.
        await conn.execute("UPDATE contacts SET erased = true WHERE id = $1", ids["mary_erased"])
        sims = {
            pair: await conn.fetchval(
                "SELECT round(similarity(lower($1), lower($2))::numeric, 3)::float8",
                _name(people[pair[0]]),
                _name(people[pair[1]]),
            )
            for pair in [("kath", "kath2"), ("dot", "dot2"), ("mary", "mary2")]
        }
    finally:
        await conn.close()
    return {"ids": ids, "sims": sims}


def _person(first: str, last: str | None, email: str, **extra: str) -> dict[str, str]:
    return {"first_name": first, "email": email, **({"last_name": last} if last else {}), **extra}


def _name(body: dict[str, str]) -> str:
    return f"{body.get('first_name', '')} {body.get('last_name', '')}".strip()


def _group(seeded: dict[str, Any], a: str, b: str, score: float, reason: str) -> dict[str, Any]:
    ids = seeded["ids"]
    return {"contact_ids": sorted([ids[a], ids[b]]), "score": score, "reason": reason}


def _expected(seeded: dict[str, Any]) -> list[dict[str, Any]]:
    sims = seeded["sims"]
    groups = [
        _group(seeded, "grace", "grace2", 1.0, "same_email"),
        _group(seeded, "bob", "bob2", 1.0, "same_email"),
        _group(seeded, "kath", "kath2", sims["kath", "kath2"], "similar_name_same_company"),
        _group(seeded, "dot", "dot2", sims["dot", "dot2"], "similar_name_same_phone"),
        _group(seeded, "mary", "mary2", sims["mary", "mary2"], "similar_name_same_email_domain"),
    ]
    return sorted(groups, key=lambda g: (-g["score"], g["contact_ids"]))


async def test_lists_exactly_the_duplicate_pairs_best_first(
    service: ContactsApp, seeded: dict[str, Any]
) -> None:
    async with service.client("analyst") as analyst:
        response = await analyst.get(URL)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    assert body["items"] == _expected(seeded)
    # The name scores really are between the threshold and a perfect match.
    assert all(0.6 <= s < 1 for s in seeded["sims"].values())


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
    assert seen == _expected(seeded)


async def test_without_a_token_is_401(service: ContactsApp) -> None:
    async with service.client() as anonymous:
        response = await anonymous.get(URL)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!",
        "WzFd",  # [1]: wrong arity
        "WyJ4IiwiYSIsImIiXQ",  # ["x","a","b"]: score is not a number
        "WzAuNSwibm9wZSIsIm5vcGUiXQ",  # [0.5,"nope","nope"]: ids are not UUIDs
        "W3RydWUsImEiLCJiIl0",  # [true,"a","b"]
    ],
)
async def test_a_malformed_cursor_is_a_400_problem(service: ContactsApp, cursor: str) -> None:
    async with service.client("analyst") as analyst:
        response = await analyst.get(URL, params={"cursor": cursor})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["status"] == 400
