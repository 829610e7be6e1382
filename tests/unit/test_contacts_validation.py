"""Field rules: emails, phones, domains, custom fields, lengths, and merged PATCH bodies."""

from __future__ import annotations

import uuid

import pytest
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from crm_contacts.api.schemas import CompanyIn, CompanyPatch, ContactIn, ContactPatch
from crm_contacts.domain.consent import ConsentStatus
from crm_contacts.domain.errors import InvalidContactError
from crm_contacts.domain.validation import (
    MAX_CUSTOM_FIELDS,
    check_custom_fields,
    normalize_domain,
    normalize_email,
    normalize_phone,
)
from crm_shared.patching import merged


def test_email_is_normalized_without_dns() -> None:
    assert normalize_email("  Ada.Lovelace@Example.COM ") == "Ada.Lovelace@example.com"


@pytest.mark.parametrize("raw", ["nope", "a@", "@b.io", "a b@c.io", "a@b@c.io"])
def test_invalid_emails_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContactError) as refused:
        normalize_email(raw)
    assert refused.value.field == "email"


@pytest.mark.parametrize(
    ("raw", "phone"),
    [("+1 (555) 123-4567", "+1 (555) 123-4567"), (" 030  1234 567 ", "030 1234 567")],
)
def test_phone_keeps_its_format(raw: str, phone: str) -> None:
    assert normalize_phone(raw) == phone


@pytest.mark.parametrize("raw", ["call me", "12", "+" + "1" * 45, "555-CALL"])
def test_invalid_phones_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContactError):
        normalize_phone(raw)


@pytest.mark.parametrize(
    ("raw", "domain"),
    [
        ("https://www.Acme.com/about", "acme.com"),
        ("acme.co.uk", "acme.co.uk"),
        ("EXAMPLE.org", "example.org"),
    ],
)
def test_domain_is_normalized(raw: str, domain: str) -> None:
    assert normalize_domain(raw) == domain


@pytest.mark.parametrize("raw", ["acme", "not a domain.com", "http://", ".com"])
def test_invalid_domains_are_refused(raw: str) -> None:
    with pytest.raises(InvalidContactError):
        normalize_domain(raw)


def test_custom_fields_limits() -> None:
    assert check_custom_fields({"plan": "gold", "seats": 5}) == {"plan": "gold", "seats": 5}
    with pytest.raises(InvalidContactError):
        check_custom_fields({f"k{i}": i for i in range(MAX_CUSTOM_FIELDS + 1)})
    with pytest.raises(InvalidContactError):
        check_custom_fields({"x" * 65: 1})
    with pytest.raises(InvalidContactError):
        check_custom_fields({"blob": "x" * 20_000})


def test_contact_in_normalizes_and_blanks_become_null() -> None:
    body = ContactIn.model_validate(
        {"first_name": "  Ada ", "last_name": "", "email": "ADA@Example.com", "tags": ["VIP"]}
    )
    assert body.first_name == "Ada"
    assert body.last_name is None
    assert body.email == "ADA@example.com"
    assert body.tags == ["vip"]
    assert body.edits()["consent_email"] is ConsentStatus.UNKNOWN


@pytest.mark.parametrize(
    "body",
    [
        {"first_name": "x" * 101},
        {"title": "x" * 201},
        {"email": "x" * 250 + "@a.io"},
        {"first_name": "Ada", "unknown": 1},
        {"first_name": "Ada", "id": str(uuid.uuid4())},
        {"first_name": "Ada", "lifecycle_stage": "prospect"},
        {"first_name": "Ada", "consent": {"email": "maybe"}},
        {"first_name": "Ada", "company_id": "not-a-uuid"},
        {"first_name": "Ada", "tags": "vip"},
    ],
)
def test_contact_in_refuses_bad_fields(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ContactIn.model_validate(body)


def test_merged_patch_applies_then_validates() -> None:
    current = {"first_name": "Ada", "custom_fields": {"a": 1, "b": 2}, "tags": ["x"]}
    patch = ContactPatch.model_validate({"custom_fields": {"a": None, "c": 3}, "tags": ["Y"]})
    result = merged(ContactIn, current, patch)
    assert result.first_name == "Ada"
    assert result.custom_fields == {"b": 2, "c": 3}
    assert result.tags == ["y"]


def test_merged_patch_null_clears_a_field() -> None:
    current = {"first_name": "Ada", "email": "ada@example.com"}
    result = merged(ContactIn, current, ContactPatch.model_validate({"email": None}))
    assert result.email is None
    assert result.first_name == "Ada"


def test_merged_patch_that_breaks_a_rule_is_a_422() -> None:
    with pytest.raises(RequestValidationError) as refused:
        merged(CompanyIn, {"name": "Acme"}, CompanyPatch.model_validate({"name": None}))
    assert refused.value.errors()[0]["loc"][:2] == ("body", "name")
