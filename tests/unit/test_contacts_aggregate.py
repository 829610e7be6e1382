"""The contact aggregate: what each change does to it and what the timeline records."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_contacts.domain.consent import ConsentStatus
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.errors import (
    BackwardStageMoveError,
    ContactErasedError,
    InvalidContactError,
)
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.domain.timeline import TimelineKind

T0 = datetime(2025, 1, 1, tzinfo=UTC)
T1 = T0 + timedelta(minutes=5)


def _fields(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": None,
        "title": None,
        "company_id": None,
        "lifecycle_stage": LifecycleStage.LEAD,
        "owner_id": None,
        "tags": ["vip"],
        "custom_fields": {"plan": "gold"},
        "consent_email": ConsentStatus.UNKNOWN,
    }
    return {**fields, **overrides}


def _contact(**overrides: Any) -> Contact:
    contact, _ = Contact.register(_fields(**overrides), now=T0)
    return contact


def test_register_sets_fields_version_and_created_entry() -> None:
    contact, entry = Contact.register(_fields(consent_email=ConsentStatus.GRANTED), now=T0)
    assert (contact.first_name, contact.version, contact.erased) == ("Ada", 1, False)
    assert contact.created_at == contact.updated_at == T0
    assert contact.consent.email is ConsentStatus.GRANTED
    assert contact.consent.updated_at == T0
    assert entry.kind is TimelineKind.CREATED


def test_unknown_consent_has_no_time() -> None:
    assert _contact().consent.updated_at is None


def test_needs_a_name_or_an_email() -> None:
    with pytest.raises(InvalidContactError):
        Contact.register(_fields(first_name=None, last_name=None, email=None), now=T0)
    assert _contact(first_name=None, last_name=None).email == "ada@example.com"
    assert _contact(email=None, first_name=None).last_name == "Lovelace"


def test_revise_reports_changed_fields_and_bumps_version() -> None:
    contact = _contact()
    revision = contact.revise(_fields(title="Countess"), is_admin=False, now=T1)
    assert revision.changed == ["title"]
    assert (contact.version, contact.updated_at, contact.title) == (2, T1, "Countess")
    [entry] = revision.entries
    assert entry.kind is TimelineKind.UPDATED
    assert entry.details["changes"]["title"] == {"from": None, "to": "Countess"}


def test_revise_without_changes_changes_nothing() -> None:
    contact = _contact()
    revision = contact.revise(_fields(), is_admin=False, now=T1)
    assert revision.changed == []
    assert revision.entries == []
    assert (contact.version, contact.updated_at) == (1, T0)


def test_revise_stage_forward_gets_its_own_entry() -> None:
    contact = _contact()
    revision = contact.revise(
        _fields(lifecycle_stage=LifecycleStage.CUSTOMER, title="CTO"), is_admin=False, now=T1
    )
    assert revision.changed == ["title", "lifecycle_stage"]
    kinds = [entry.kind for entry in revision.entries]
    assert kinds == [TimelineKind.UPDATED, TimelineKind.STAGE_CHANGED]
    stage = revision.entries[1].details
    assert stage == {"from": "lead", "to": "customer", "override": False}
    assert contact.version == 2


def test_revise_stage_backwards_needs_admin() -> None:
    contact = _contact(lifecycle_stage=LifecycleStage.CUSTOMER)
    with pytest.raises(BackwardStageMoveError):
        contact.revise(_fields(lifecycle_stage=LifecycleStage.LEAD), is_admin=False, now=T1)
    revision = contact.revise(_fields(lifecycle_stage=LifecycleStage.LEAD), is_admin=True, now=T1)
    assert contact.lifecycle_stage is LifecycleStage.LEAD
    assert revision.entries[-1].details["override"] is True


def test_revise_consent_change_stamps_time() -> None:
    contact = _contact()
    revision = contact.revise(_fields(consent_email=ConsentStatus.DENIED), is_admin=False, now=T1)
    assert revision.changed == ["consent"]
    assert contact.consent.email is ConsentStatus.DENIED
    assert contact.consent.updated_at == T1


def test_revise_cannot_remove_name_and_email() -> None:
    contact = _contact()
    with pytest.raises(InvalidContactError):
        contact.revise(_fields(first_name=None, last_name=None, email=None), is_admin=False, now=T1)


def test_editable_is_the_merge_patch_base() -> None:
    company = uuid.uuid4()
    editable = _contact(company_id=company).editable()
    assert editable["company_id"] == str(company)
    assert editable["lifecycle_stage"] == "lead"
    assert editable["consent"] == {"email": "unknown"}
    assert "phone" not in editable  # null fields are absent, as after a merge patch


def test_tag_and_untag_are_idempotent() -> None:
    contact = _contact()
    entry = contact.tag("new", now=T1)
    assert entry is not None
    assert entry.details == {"tag": "new"}
    assert contact.tag("new", now=T1) is None
    assert (contact.tags, contact.version) == (["vip", "new"], 2)
    assert contact.untag("vip", now=T1) is not None
    assert contact.untag("vip", now=T1) is None
    assert (contact.tags, contact.version) == (["new"], 3)


def test_advance_stage_is_forward_only() -> None:
    contact = _contact()
    cause = {"event_id": "e1"}
    entry = contact.advance_stage(LifecycleStage.OPPORTUNITY, now=T1, cause=cause)
    assert entry is not None
    assert entry.details["cause"] == cause
    assert (contact.lifecycle_stage, contact.version) == (LifecycleStage.OPPORTUNITY, 2)
    assert contact.advance_stage(LifecycleStage.SALES_QUALIFIED_LEAD, now=T1, cause=cause) is None
    assert (contact.lifecycle_stage, contact.version) == (LifecycleStage.OPPORTUNITY, 2)


def test_erase_blanks_personal_data_and_keeps_a_tombstone() -> None:
    contact = _contact(phone="+1 555 0100", title="Countess")
    entry = contact.erase(now=T1)
    assert entry is not None
    assert entry.kind is TimelineKind.ERASED
    assert contact.erased is True
    assert [contact.first_name, contact.last_name, contact.email, contact.phone, contact.title] == [
        None
    ] * 5
    assert (contact.tags, contact.custom_fields, contact.version) == ([], {}, 2)
    assert contact.lifecycle_stage is LifecycleStage.LEAD
    assert contact.erase(now=T1) is None


def test_erased_contact_cannot_change() -> None:
    contact = _contact()
    contact.erase(now=T1)
    with pytest.raises(ContactErasedError):
        contact.revise(_fields(), is_admin=True, now=T1)
    with pytest.raises(ContactErasedError):
        contact.tag("x", now=T1)
    with pytest.raises(ContactErasedError):
        contact.note_added(uuid.uuid4(), now=T1)
    assert contact.advance_stage(LifecycleStage.CUSTOMER, now=T1, cause={}) is None
