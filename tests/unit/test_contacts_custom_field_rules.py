"""Custom field rules without a database: values per type, CSV cells, the OpenAPI
rewrite, and the SQL the per-field indexes are built on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.dialects import postgresql

from crm_contacts.adapters.custom_field_sql import (
    create_index_sql,
    create_statistics_sql,
    equals_condition,
    index_sql_expression,
    value_expression,
)
from crm_contacts.adapters.tables import companies, contacts
from crm_contacts.api.custom_field_docs import with_custom_fields
from crm_contacts.api.custom_field_schemas import CustomFieldIn
from crm_contacts.domain.custom_fields import (
    CustomFieldsInvalid,
    FieldDefinition,
    FieldSchema,
    FieldType,
    ObjectType,
    custom_fields_marker,
)

TIER = FieldDefinition("tier", "Tier", FieldType.SINGLE_SELECT, options=("Gold", "Silver"))
TOPICS = FieldDefinition("topics", "Topics", FieldType.MULTI_SELECT, options=("ai", "crm"))
SEATS = FieldDefinition("seats", "Seats", FieldType.NUMBER, required=True)
RENEWS = FieldDefinition("renews", "Renews", FieldType.DATE)
ACTIVE = FieldDefinition("active", "Active", FieldType.BOOLEAN)
NOTE = FieldDefinition("note", "Note", FieldType.TEXT)
SCHEMA = FieldSchema({f.key: f for f in (TIER, TOPICS, SEATS, RENEWS, ACTIVE, NOTE)})


@pytest.mark.parametrize(
    ("field", "raw", "stored"),
    [
        (NOTE, "  hi  ", "hi"),
        (NOTE, "   ", None),
        (SEATS, 5, 5),
        (SEATS, 5.0, 5),
        (SEATS, "12.50", 12.5),
        (SEATS, -0.25, -0.25),
        (RENEWS, "2024-02-29", "2024-02-29"),
        (ACTIVE, False, False),
        (TIER, "silver", "Silver"),
        (TOPICS, ["crm", "AI", "crm"], ["ai", "crm"]),
        (TOPICS, [], None),
    ],
)
def test_values_take_their_stored_form(field: FieldDefinition, raw: Any, stored: Any) -> None:
    assert field.normalize(raw) == stored


@pytest.mark.parametrize(
    ("field", "raw"),
    [
        (NOTE, 5),
        (NOTE, "x" * 501),
        (SEATS, True),
        (SEATS, "five"),
        (SEATS, float("nan")),
        (SEATS, 10**15),
        (RENEWS, "2023-02-29"),
        (RENEWS, "29/02/2024"),
        (RENEWS, "20240229"),
        (ACTIVE, "true"),
        (ACTIVE, 1),
        (TIER, "Bronze"),
        (TIER, ["Gold"]),
        (TOPICS, "ai"),
        (TOPICS, ["ai", "ml"]),
    ],
)
def test_values_of_the_wrong_kind_are_refused(field: FieldDefinition, raw: Any) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        field.normalize(raw)


def test_check_reports_every_error_and_keeps_good_values() -> None:
    stored, errors = SCHEMA.check({"tier": "gold", "renews": "soon", "nope": 1, "note": None})
    assert stored == {"tier": "Gold"}
    assert {e.key for e in errors} == {"renews", "nope", "seats"}
    missing = next(e for e in errors if e.key == "seats")
    assert "required" in missing.msg


def test_a_bad_required_value_is_reported_once() -> None:
    _, errors = SCHEMA.check({"seats": "many"})
    assert [e.key for e in errors] == ["seats"]


def test_validate_raises_with_the_errors() -> None:
    assert SCHEMA.validate({"seats": "3"}) == {"seats": 3}
    with pytest.raises(CustomFieldsInvalid) as caught:
        SCHEMA.validate({"seats": None, "active": "no"})
    assert sorted(e.key for e in caught.value.errors) == ["active", "seats"]


def test_an_empty_schema_refuses_every_key() -> None:
    assert FieldSchema().validate({}) == {}
    with pytest.raises(CustomFieldsInvalid):
        FieldSchema().validate({"plan": "gold"})


@pytest.mark.parametrize(
    ("key", "cell", "value"),
    [
        ("seats", "1,234.5", 1234.5),
        ("seats", " 42 ", 42),
        ("seats", "-1,000", -1000),
        ("active", "Yes", True),
        ("active", "0", False),
        ("topics", "crm; AI |", ["ai", "crm"]),
        ("tier", "GOLD", "Gold"),
        ("renews", "2025-01-31", "2025-01-31"),
        ("note", "  ", None),
        ("seats", "", None),
    ],
)
def test_csv_cells_parse_to_stored_values(key: str, cell: str, value: Any) -> None:
    assert SCHEMA.parse_text(key, cell) == value


@pytest.mark.parametrize(
    ("key", "cell"),
    [("seats", "1,5"), ("seats", "12,34"), ("active", "maybe"), ("renews", "31/01/2025")],
)
def test_bad_csv_cells_say_why(key: str, cell: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        SCHEMA.parse_text(key, cell)


def test_csv_cells_of_unknown_fields_are_refused() -> None:
    with pytest.raises(ValueError, match="no custom field"):
        SCHEMA.parse_text("nope", "x")


@pytest.mark.parametrize(
    "body",
    [
        {"key": "Tier", "label": "T", "type": "text"},
        {"key": "1tier", "label": "T", "type": "text"},
        {"key": "t" * 41, "label": "T", "type": "text"},
        {"key": "tier", "label": "T", "type": "single_select"},
        {"key": "tier", "label": "T", "type": "number", "options": ["1"]},
        {"key": "tier", "label": "T", "type": "multi_select", "options": ["a|b"]},
        {"key": "tier", "label": "T", "type": "multi_select", "options": ["a"], "unique": True},
    ],
)
def test_bad_definitions_are_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        CustomFieldIn.model_validate(body)


def _sql(element: Any) -> str:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    return str(element.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_queries_and_indexes_share_one_expression() -> None:
    number = _sql(value_expression(contacts, SEATS))
    assert number == "CAST(contacts.custom_fields ->> 'seats' AS NUMERIC)"
    assert index_sql_expression(SEATS) == "((custom_fields ->> 'seats')::numeric)"
    assert _sql(value_expression(companies, RENEWS)) == "companies.custom_fields ->> 'renews'"
    assert create_index_sql(contacts, SEATS, unique=True) == (
        "CREATE UNIQUE INDEX CONCURRENTLY uq_contacts_cf_seats"
        " ON contacts (((custom_fields ->> 'seats')::numeric)) WHERE NOT erased"
    )
    assert create_index_sql(companies, RENEWS, unique=False) == (
        "CREATE INDEX CONCURRENTLY ix_companies_cf_renews"
        " ON companies (((custom_fields ->> 'renews')), id)"
    )
    assert create_statistics_sql(contacts, SEATS) == (
        "CREATE STATISTICS IF NOT EXISTS st_contacts_cf_seats"
        " ON ((custom_fields ->> 'seats')::numeric) FROM contacts"
    )


def test_equality_is_containment_and_a_multi_select_matches_one_option() -> None:
    condition = equals_condition(contacts, TOPICS, "ai")
    assert condition.right.value == {"topics": ["ai"]}  # type: ignore[attr-defined]
    assert "@>" in str(condition)


def test_keys_never_reach_sql_unchecked() -> None:
    bad = FieldDefinition("x'; drop table contacts; --", "x", FieldType.TEXT)
    with pytest.raises(ValueError, match="not a custom field key"):
        value_expression(contacts, bad)


def test_openapi_lists_the_defined_fields_where_marked() -> None:
    doc = {
        "components": {
            "schemas": {
                "ContactData": {
                    "properties": {
                        "custom_fields": {
                            "type": "object",
                            "title": "Custom Fields",
                            **custom_fields_marker(ObjectType.CONTACT),
                        }
                    }
                },
                "ContactIn": {
                    "properties": {"custom_fields": custom_fields_marker(ObjectType.CONTACT, "in")}
                },
            }
        }
    }
    schemas = {ObjectType.CONTACT: SCHEMA, ObjectType.COMPANY: FieldSchema()}
    out = with_custom_fields(doc, schemas)["components"]["schemas"]
    assert out["ContactData"]["properties"]["custom_fields"] == {
        "title": "Custom Fields",
        "$ref": "#/components/schemas/ContactCustomFields",
    }
    served = out["ContactCustomFields"]
    assert served["additionalProperties"] is False
    assert served["properties"]["tier"]["enum"] == ["Gold", "Silver"]
    assert served["properties"]["renews"]["format"] == "date"
    assert "required" not in served
    assert out["ContactCustomFieldsIn"]["required"] == ["seats"]
    assert "CompanyCustomFields" not in out
    assert "x-crm-custom-fields" in str(doc)  # the input is left alone
