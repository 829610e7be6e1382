"""What the sales API fuzzing (tests/e2e/test_sales_api_fuzz.py) found, kept fixed:
a NUL character in any text is a 422 naming the field (PostgreSQL text cannot hold one;
it used to be a database error answered with no `errors`), and the activity list documents
its problem+json answers like every other route."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from support.sales import (
    PROBLEM_JSON,
    SalesApp,
    assert_problem,
    locs,
    sales_app_fixture,
    user_fixture,
)

NUL = "Acme\u0000 Inc"


service = sales_app_fixture()
admin = user_fixture("admin", subject="user-admin")


def _field_error(response: httpx.Response, loc: list[Any]) -> None:
    body = assert_problem(response, 422)
    assert loc in locs(body), body


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/products",
            {"sku": "S-1", "name": NUL, "unit_price": "1", "currency": "EUR"},
            "name",
        ),
        (
            "/api/v1/products",
            {"sku": NUL, "name": "P", "unit_price": "1", "currency": "EUR"},
            "sku",
        ),
        ("/api/v1/deals", {"name": NUL, "amount": "1", "currency": "EUR"}, "name"),
        ("/api/v1/leads", {"company_name": NUL}, "company_name"),
        ("/api/v1/activities", {"kind": "task", "subject": NUL}, "subject"),
    ],
)
async def test_a_nul_character_in_text_is_a_422_naming_the_field(
    admin: httpx.AsyncClient, path: str, body: dict[str, Any], field: str
) -> None:
    _field_error(await admin.post(path, json=body), ["body", field])


async def test_a_nul_character_in_the_lead_search_is_a_422_naming_q(
    admin: httpx.AsyncClient,
) -> None:
    _field_error(await admin.get("/api/v1/leads", params={"q": "a\u0000b"}), ["query", "q"])


async def test_the_activity_list_documents_its_problem_answers(
    service: SalesApp, admin: httpx.AsyncClient
) -> None:
    documented = service.app.openapi()["paths"]["/api/v1/activities"]["get"]["responses"]
    for status in ("400", "401", "403", "422"):
        assert PROBLEM_JSON in documented[status]["content"], status
    refused = await admin.get("/api/v1/activities", params={"cursor": "garbage!!"})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
