"""The path routing table."""

import pytest

from crm_gateway.domain.routing import SERVICE_RESOURCES, RoutingTable


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/api/v1/contacts", "contacts"),
        ("/api/v1/contacts/123/timeline", "contacts"),
        ("/api/v1/companies/9", "contacts"),
        ("/api/v1/leads/1/convert", "sales"),
        ("/api/v1/pipelines", "sales"),
        ("/api/v1/deals", "sales"),
        ("/api/v1/activities", "sales"),
        ("/api/v1/products", "sales"),
        ("/api/v1/quotes", "sales"),
        ("/api/v1/forecast", "sales"),
        ("/api/v1/segments/1/members", "marketing"),
        ("/api/v1/campaigns/1/send", "marketing"),
        ("/api/v1/contracts/renewals", "contracts"),
        ("/api/v1/analytics/funnel", "analytics"),
    ],
)
def test_owned_prefixes_route_to_their_service(path: str, service: str) -> None:
    assert RoutingTable.default().resolve(path) == service


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/users",
        "/api/v1/auth/token",
        "/api/v1/api-keys",
        "/api/v1/openapi.json",
        "/api/v1/contactsx",
        "/api/v1/",
        "/api/v2/contacts",
        "/contacts",
        "/healthz",
    ],
)
def test_everything_else_stays_in_the_gateway(path: str) -> None:
    assert RoutingTable.default().resolve(path) is None


def test_every_resource_has_exactly_one_owner() -> None:
    names = [name for names in SERVICE_RESOURCES.values() for name in names]
    assert len(names) == len(set(names))
    table = RoutingTable.default()
    assert table.services == sorted(SERVICE_RESOURCES)
    assert table.owns("sales", "/api/v1/deals/{deal_id}")
    assert not table.owns("contacts", "/api/v1/deals")
