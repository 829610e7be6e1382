"""Merging service OpenAPI documents into the gateway's."""

from typing import Any

from crm_gateway.domain.routing import RoutingTable
from crm_gateway.openapi.merge import merge_documents, plan_renames, rewrite_refs

OWNS = RoutingTable.default().owns
PROBLEM = {"type": "object", "properties": {"title": {"type": "string"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _op(op_id: str, schema: str) -> dict[str, Any]:
    content = {"application/json": {"schema": _ref(schema)}}
    return {"operationId": op_id, "responses": {"200": {"content": content}}}


def _gateway() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "CRM", "version": "1"},
        "paths": {"/api/v1/users": {"get": _op("list_users", "User")}},
        "components": {"schemas": {"User": {"type": "object"}, "Problem": PROBLEM}},
    }


def _contacts() -> dict[str, Any]:
    return {
        "paths": {
            "/api/v1/contacts": {"get": _op("list_contacts", "Page")},
            "/healthz": {"get": _op("healthz", "Problem")},
            "/api/v1/deals": {"get": _op("sneaky", "Page")},
        },
        "components": {
            "schemas": {
                "Problem": PROBLEM,
                "Item": {"type": "object", "properties": {"name": {"type": "string"}}},
                "Page": {"type": "object", "properties": {"items": {"items": _ref("Item")}}},
            }
        },
        "tags": [{"name": "contacts"}],
    }


def _sales() -> dict[str, Any]:
    return {
        "paths": {"/api/v1/deals": {"get": _op("list_users", "Page")}},
        "components": {
            "schemas": {
                "Problem": PROBLEM,
                "Item": {"type": "object", "properties": {"amount": {"type": "string"}}},
                "Page": {"type": "object", "properties": {"items": {"items": _ref("Item")}}},
            }
        },
    }


def test_only_owned_paths_are_taken() -> None:
    merged = merge_documents(_gateway(), {"contacts": _contacts()}, OWNS)
    assert set(merged["paths"]) == {"/api/v1/users", "/api/v1/contacts"}
    assert merged["tags"] == [{"name": "contacts"}]


def test_identical_schemas_are_shared_and_different_ones_renamed() -> None:
    merged = merge_documents(_gateway(), {"contacts": _contacts(), "sales": _sales()}, OWNS)
    schemas = merged["components"]["schemas"]
    assert schemas["Problem"] == PROBLEM
    assert "ContactsProblem" not in schemas
    assert "SalesProblem" not in schemas
    assert schemas["Item"]["properties"] == {"name": {"type": "string"}}
    assert schemas["SalesItem"]["properties"] == {"amount": {"type": "string"}}
    # Page itself is identical text, but it points at a renamed Item, so it is renamed too.
    assert schemas["SalesPage"]["properties"]["items"]["items"] == _ref("SalesItem")
    deals = merged["paths"]["/api/v1/deals"]["get"]
    assert deals["responses"]["200"]["content"]["application/json"]["schema"] == _ref("SalesPage")


def test_colliding_operation_ids_get_service_prefix() -> None:
    merged = merge_documents(_gateway(), {"sales": _sales()}, OWNS)
    assert merged["paths"]["/api/v1/users"]["get"]["operationId"] == "list_users"
    assert merged["paths"]["/api/v1/deals"]["get"]["operationId"] == "sales_list_users"


def test_merge_does_not_mutate_inputs_and_is_deterministic() -> None:
    base, services = _gateway(), {"sales": _sales(), "contacts": _contacts()}
    first = merge_documents(base, services, OWNS)
    assert base == _gateway()
    assert services == {"sales": _sales(), "contacts": _contacts()}
    assert merge_documents(base, dict(reversed(services.items())), OWNS) == first


def test_rewrite_refs_and_plan_renames() -> None:
    node = {"a": [_ref("X"), {"$ref": "#/components/schemas/Y"}], "$ref": "other#/x"}
    assert rewrite_refs(node, {"X": "SvcX"}) == {
        "a": [_ref("SvcX"), _ref("Y")],
        "$ref": "other#/x",
    }
    assert plan_renames({"X": {"type": "string"}}, {"X": {"type": "integer"}}, "svc") == {
        "X": "SvcX"
    }
    assert plan_renames({"X": {"type": "string"}}, {"X": {"type": "string"}}, "svc") == {}
