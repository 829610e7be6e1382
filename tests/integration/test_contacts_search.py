"""Listing contacts: cursor pages, filters and `?q=` search (trigram, ranked)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from test_contacts_api import ContactsApp, running_contacts_app

from crm_cli.stack import Infra


@pytest.fixture(scope="module")
async def service(infra: Infra) -> AsyncIterator[ContactsApp]:
    async with running_contacts_app(infra) as running:
        yield running


@pytest.fixture
async def admin(service: ContactsApp) -> AsyncIterator[httpx.AsyncClient]:
    async with service.client("admin") as client:
        yield client


async def _post(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _all_pages(client: httpx.AsyncClient, query: str) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        params = query + (f"&cursor={cursor}" if cursor else "")
        body = (await client.get(f"/api/v1/contacts?{params}")).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


async def test_cursor_pages_cover_every_contact_once_in_creation_order(
    admin: httpx.AsyncClient,
) -> None:
    tag = f"page-{uuid.uuid4().hex[:8]}"
    created = [
        (await _post(admin, "/api/v1/contacts", {"first_name": f"P{i}", "tags": [tag]}))["id"]
        for i in range(7)
    ]
    pages = await _all_pages(admin, f"tag={tag}&limit=3")
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [contact_id for page in pages for contact_id in page] == created


async def test_default_limit_is_50(admin: httpx.AsyncClient) -> None:
    tag = f"many-{uuid.uuid4().hex[:8]}"
    for i in range(51):
        await _post(admin, "/api/v1/contacts", {"last_name": f"M{i}", "tags": [tag]})
    body = (await admin.get(f"/api/v1/contacts?tag={tag}")).json()
    assert len(body["items"]) == 50
    assert body["next_cursor"] is not None


async def test_filters(admin: httpx.AsyncClient) -> None:
    owner = str(uuid.uuid4())
    company = await _post(admin, "/api/v1/companies", {"name": f"Filter Co {uuid.uuid4()}"})
    tag = f"f-{uuid.uuid4().hex[:8]}"
    a = await _post(
        admin,
        "/api/v1/contacts",
        {"first_name": "A", "owner_id": owner, "lifecycle_stage": "customer", "tags": [tag]},
    )
    b = await _post(
        admin,
        "/api/v1/contacts",
        {"first_name": "B", "company_id": company["id"], "lifecycle_stage": "lead", "tags": [tag]},
    )

    async def ids(query: str) -> set[str]:
        response = await admin.get(f"/api/v1/contacts?tag={tag}&{query}")
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await ids(f"owner_id={owner}") == {a["id"]}
    assert await ids(f"company_id={company['id']}") == {b["id"]}
    assert await ids("lifecycle_stage=customer") == {a["id"]}
    assert await ids("lifecycle_stage=lead") == {b["id"]}
    assert await ids("") == {a["id"], b["id"]}
    upper = await admin.get(f"/api/v1/contacts?tag={tag.upper()}")  # tags compare lowercase
    assert {item["id"] for item in upper.json()["items"]} == {a["id"], b["id"]}


async def _search(client: httpx.AsyncClient, q: str, tag: str) -> list[str]:
    response = await client.get("/api/v1/contacts", params={"q": q, "tag": tag})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_search_by_name_full_name_email_and_company(admin: httpx.AsyncClient) -> None:
    tag = f"s-{uuid.uuid4().hex[:8]}"
    word = uuid.uuid4().hex[:6]
    company = await _post(admin, "/api/v1/companies", {"name": f"Zephyr{word} Industries"})
    grace = await _post(
        admin,
        "/api/v1/contacts",
        {
            "first_name": "Grace",
            "last_name": f"Hopper{word}",
            "email": f"g.{word}@navy.mil",
            "tags": [tag],
        },
    )
    alan = await _post(
        admin,
        "/api/v1/contacts",
        {"first_name": "Alan", "last_name": "Turing", "company_id": company["id"], "tags": [tag]},
    )
    assert await _search(admin, f"hopper{word}", tag) == [grace["id"]]
    assert await _search(admin, f"Grace Hopper{word}", tag) == [grace["id"]]
    assert await _search(admin, f"g.{word}@NAVY", tag) == [grace["id"]]
    assert await _search(admin, f"zephyr{word}", tag) == [alan["id"]]
    assert await _search(admin, f"Hoper{word}", tag) == [grace["id"]]  # a typo still finds her
    assert await _search(admin, "nobody-by-this-name", tag) == []
    assert await _search(admin, "100%_", tag) == []  # wildcards are literal


async def test_search_ranks_the_closest_match_first(admin: httpx.AsyncClient) -> None:
    tag = f"r-{uuid.uuid4().hex[:8]}"
    word = uuid.uuid4().hex[:6]
    partial = await _post(admin, "/api/v1/contacts", {"first_name": f"{word}berg", "tags": [tag]})
    exact = await _post(admin, "/api/v1/contacts", {"first_name": word, "tags": [tag]})
    assert await _search(admin, word, tag) == [exact["id"], partial["id"]]


async def test_search_results_page_with_a_cursor(admin: httpx.AsyncClient) -> None:
    tag = f"sp-{uuid.uuid4().hex[:8]}"
    word = uuid.uuid4().hex[:6]
    created = {
        (
            await _post(
                admin,
                "/api/v1/contacts",
                {"first_name": f"{word}", "last_name": f"N{i}", "tags": [tag]},
            )
        )["id"]
        for i in range(5)
    }
    pages = await _all_pages(admin, f"q={word}&tag={tag}&limit=2")
    seen = [contact_id for page in pages for contact_id in page]
    assert len(seen) == 5
    assert set(seen) == created


def _letters(n: int = 7) -> str:
    """Random lowercase letters (hex digits would make edit distances hard to control)."""
    return "".join(chr(ord("a") + b % 26) for b in uuid.uuid4().bytes[:n])


def _swap(word: str, at: int) -> str:
    """`word` with the letters at `at` and `at + 1` swapped: one edit away, never itself."""
    assert word[at] != word[at + 1]
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def _word(first: str, n: int) -> str:
    """`first` and `n` random letters, no letter repeated next to itself."""
    word = first
    while len(word) <= n:
        word += next(c for c in _letters(4) if c != word[-1])
    return word


async def test_prefix_matches_rank_above_typo_matches(admin: httpx.AsyncClient) -> None:
    tag, base = f"pt-{uuid.uuid4().hex[:8]}", _word("q", 7)
    typo = await _post(admin, "/api/v1/contacts", {"last_name": _swap(base, 3), "tags": [tag]})
    longer = await _post(admin, "/api/v1/contacts", {"first_name": f"{base}ina", "tags": [tag]})
    exact = await _post(admin, "/api/v1/contacts", {"last_name": base.title(), "tags": [tag]})
    # Both first and last name start with it: listed once.
    twice = await _post(
        admin,
        "/api/v1/contacts",
        {"first_name": f"{base}o", "last_name": f"{base}o", "tags": [tag]},
    )
    found = await _search(admin, base, tag)
    assert found == [exact["id"], longer["id"], twice["id"], typo["id"]]
    # A one-letter query is a prefix search too.
    assert set(await _search(admin, base[0], tag)) == {
        exact["id"],
        longer["id"],
        twice["id"],
        typo["id"],
    }
    pages = await _all_pages(admin, f"q={base}&tag={tag}&limit=1")
    assert [p[0] for p in pages] == found  # cursors cross from prefix hits to typo hits


async def test_two_words_with_a_typo_and_either_order(admin: httpx.AsyncClient) -> None:
    tag, first, last = f"mw-{uuid.uuid4().hex[:8]}", _word("j", 5), _word("s", 6)
    person = await _post(
        admin, "/api/v1/contacts", {"first_name": first.title(), "last_name": last, "tags": [tag]}
    )
    other = await _post(admin, "/api/v1/contacts", {"first_name": first, "tags": [tag]})
    assert await _search(admin, f"{first} {last}", tag) == [person["id"]]  # prefix
    assert await _search(admin, f"{_swap(first, 2)} {last}", tag) == [person["id"]]  # typo
    assert await _search(admin, f"{last} {first}", tag) == [person["id"]]  # reversed
    assert await _search(admin, f"{last} {_swap(first, 2)}", tag) == [person["id"]]
    assert set(await _search(admin, first, tag)) == {person["id"], other["id"]}


async def test_search_by_email_start_and_domain(admin: httpx.AsyncClient) -> None:
    tag, word = f"em-{uuid.uuid4().hex[:8]}", _letters()
    person = await _post(
        admin,
        "/api/v1/contacts",
        {"first_name": "Mo", "email": f"mo.{word}@{word}corp.io", "tags": [tag]},
    )
    assert await _search(admin, f"mo.{word}@", tag) == [person["id"]]
    assert await _search(admin, f"{word}corp", tag) == [person["id"]]
    assert await _search(admin, f"{word}corp.io", tag) == [person["id"]]


async def test_a_cursor_belongs_to_its_query(admin: httpx.AsyncClient) -> None:
    tag, word = f"cq-{uuid.uuid4().hex[:8]}", _letters()
    for i in range(3):
        await _post(admin, "/api/v1/contacts", {"first_name": f"{word}{i}", "tags": [tag]})
    page = (await admin.get("/api/v1/contacts", params={"q": word, "tag": tag, "limit": 1})).json()
    other = await admin.get(
        "/api/v1/contacts", params={"q": word + "x", "tag": tag, "cursor": page["next_cursor"]}
    )
    assert other.status_code == 400, other.text
