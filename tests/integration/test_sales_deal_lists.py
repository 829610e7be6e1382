"""Deal lists in the sales service, in-process against the session's PostgreSQL: every
filter, cursor pages, and bad query parameters as 4xx problems."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from support.sales import (
    DEALS,
    DEFAULT_PIPELINE,
    NEGOTIATION,
    SalesApp,
    assert_problem,
    create_deal,
    patch_deal,
    sales_app_fixture,
    user_fixture,
)

REP_ID = str(uuid.uuid4())

service = sales_app_fixture()
rep = user_fixture("sales", subject=REP_ID)


async def test_lists_filter_and_page_with_cursors(
    service: SalesApp, rep: httpx.AsyncClient
) -> None:
    company, contact, owner = (str(uuid.uuid4()) for _ in range(3))
    made = [
        await create_deal(rep, company_id=company, close_date=f"2026-11-0{i + 1}", owner_id=owner)
        for i in range(5)
    ]
    await patch_deal(rep, made[0], {"stage_id": NEGOTIATION, "contact_id": contact})
    await patch_deal(rep, made[1], {"status": "won", "close_date": "2026-11-02"})

    async def ids(**params: Any) -> list[str]:
        response = await rep.get(DEALS, params={"company_id": company, **params})
        assert response.status_code == 200, response.text
        return [d["id"] for d in response.json()["items"]]

    every = [d["id"] for d in made]
    assert await ids() == every  # oldest first
    assert await ids(stage_id=NEGOTIATION) == [every[0]]
    assert await ids(contact_id=contact) == [every[0]]
    assert await ids(status="won") == [every[1]]
    assert await ids(status="open", pipeline_id=DEFAULT_PIPELINE) == [every[0], *every[2:]]
    assert await ids(owner_id=owner) == every
    assert (
        await ids(**{"close_date.gte": "2026-11-02", "close_date.lte": "2026-11-04"}) == every[1:4]
    )
    assert await ids(owner_id=REP_ID) == []

    seen: list[str] = []
    cursor = None
    for _ in range(5):
        params = {"company_id": company, "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await rep.get(DEALS, params=params)).json()
        seen += [d["id"] for d in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == every

    assert_problem(await rep.get(DEALS, params={"cursor": "not-ours"}), 400)
    assert_problem(await rep.get(DEALS, params={"status": "maybe"}), 422)
    assert_problem(await rep.get(DEALS, params={"limit": 500}), 422)
    backwards = {"close_date.gte": "2026-12-01", "close_date.lte": "2026-11-01"}
    assert_problem(await rep.get(DEALS, params=backwards), 422)
