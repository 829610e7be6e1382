"""Merge rules without a database: the request checks, which value each field keeps,
tags, lifecycle stage, consent, custom fields, and companies."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from crm_contacts.api.merge import ATTEMPTS, DEADLOCK, run_in_transaction
from crm_contacts.domain.company import Company, CompanySize
from crm_contacts.domain.company_merge import merge_companies
from crm_contacts.domain.consent import Consent, ConsentStatus
from crm_contacts.domain.contact import Contact
from crm_contacts.domain.contact_merge import (
    CHOOSABLE,
    merge_contacts,
    most_advanced_stage,
    most_restrictive_consent,
)
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.domain.merge import (
    MAX_DUPLICATES,
    InvalidMergeError,
    MergeRequest,
    pick,
    pick_custom_fields,
)
from crm_contacts.domain.tags import MAX_TAGS
from crm_contacts.domain.timeline import TimelineKind

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NOW = T0 + timedelta(days=1)
Stage = LifecycleStage


def _contact(**fields: Any) -> Contact:
    return Contact(id=uuid.uuid4(), created_at=T0, updated_at=T0, **fields)


def _request(primary: Any, *duplicates: Any, **choices: Any) -> MergeRequest:
    return MergeRequest(
        primary.id, tuple(d.id for d in duplicates), {k: v.id for k, v in choices.items()}
    )


def _check(primary_id: uuid.UUID, duplicate_ids: list[uuid.UUID], **choices: Any) -> None:
    MergeRequest(primary_id, tuple(duplicate_ids), choices).check(CHOOSABLE, custom_fields=True)


# --- the request ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("duplicates", "loc"),
    [
        (0, ("duplicate_ids",)),
        (MAX_DUPLICATES + 1, ("duplicate_ids",)),
    ],
)
def test_a_merge_names_one_to_twenty_duplicates(duplicates: int, loc: tuple[Any, ...]) -> None:
    with pytest.raises(InvalidMergeError) as caught:
        _check(uuid.uuid4(), [uuid.uuid4() for _ in range(duplicates)])
    assert caught.value.loc == loc
    _check(uuid.uuid4(), [uuid.uuid4() for _ in range(MAX_DUPLICATES)])  # the limit itself is fine


def test_the_primary_cannot_be_a_duplicate_and_no_id_comes_twice() -> None:
    primary, other = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(InvalidMergeError) as caught:
        _check(primary, [other, primary])
    assert caught.value.loc == ("duplicate_ids", 1)
    with pytest.raises(InvalidMergeError) as caught:
        _check(primary, [other, other])
    assert (caught.value.loc, str(caught.value)) == (("duplicate_ids", 1), "listed twice")


@pytest.mark.parametrize("field", ["tags", "lifecycle_stage", "consent", "nope", "custom_fields."])
def test_choices_name_choosable_fields_only(field: str) -> None:
    primary, other = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(InvalidMergeError) as caught:
        _check(primary, [other], **{field: other})
    assert caught.value.loc == ("field_choices", field)


def test_a_choice_names_a_record_of_the_merge() -> None:
    primary, other = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(InvalidMergeError) as caught:
        _check(primary, [other], email=uuid.uuid4())
    assert caught.value.loc == ("field_choices", "email")
    _check(primary, [other], email=other, **{"custom_fields.plan": primary})


# --- picking values ---------------------------------------------------------------------


def test_pick_keeps_the_survivors_value_else_the_first_duplicate_with_one() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    assert pick([(a, "mine"), (b, "theirs")], None) == "mine"
    assert pick([(a, None), (b, ""), (c, "third")], None) == "third"
    assert pick([(a, None), (b, False)], None) is False  # False and 0 are values
    assert pick([(a, None), (b, None)], None) is None


def test_a_choice_wins_even_when_its_value_is_empty() -> None:
    a, b = uuid.uuid4(), uuid.uuid4()
    assert pick([(a, "mine"), (b, "theirs")], b) == "theirs"
    assert pick([(a, "mine"), (b, None)], b) is None


def test_custom_fields_merge_key_by_key() -> None:
    a, b, c = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    records = [
        (a, {"custom_fields": {"plan": "gold", "seats": None}}),
        (b, {"custom_fields": {"plan": "silver", "seats": 5, "region": "eu"}}),
        (c, {"custom_fields": {"seats": 9, "vip": False}}),
    ]
    merged = pick_custom_fields(records, {"custom_fields.region": c})
    # region: c has none and was chosen, so it goes; seats: first that has one.
    assert merged == {"plan": "gold", "seats": 5, "vip": False}
    assert pick_custom_fields(records, {"custom_fields.plan": b})["plan"] == "silver"


# --- contacts ---------------------------------------------------------------------------


def test_empty_fields_are_filled_from_duplicates_in_order() -> None:
    survivor = _contact(first_name="Ada", email=None, phone=None, tags=["vip"])
    first = _contact(first_name="Augusta", phone="+44 20 7946 0000", tags=["math"])
    second = _contact(email="ada@example.com", phone="+1 555 0100", title="Countess")

    revision = merge_contacts(survivor, [first, second], _request(survivor, first, second), now=NOW)

    assert survivor.first_name == "Ada"  # the survivor's own value stays
    assert survivor.phone == "+44 20 7946 0000"  # the first duplicate's, not the second's
    assert (survivor.email, survivor.title) == ("ada@example.com", "Countess")
    assert survivor.tags == ["vip", "math"]
    assert (survivor.version, survivor.updated_at) == (2, NOW)
    assert sorted(revision.changed) == ["email", "phone", "tags", "title"]
    (entry,) = revision.entries
    assert entry.kind is TimelineKind.MERGED
    assert entry.details["merged_ids"] == [str(first.id), str(second.id)]
    assert entry.details["changes"]["phone"] == {"from": None, "to": "+44 20 7946 0000"}


def test_field_choices_override_the_fill_rule() -> None:
    survivor = _contact(first_name="Ada", email="old@example.com", title="Countess")
    duplicate = _contact(first_name="Augusta", email="new@example.com", title=None)
    request = _request(survivor, duplicate, email=duplicate, title=duplicate)

    merge_contacts(survivor, [duplicate], request, now=NOW)

    assert (survivor.first_name, survivor.email, survivor.title) == ("Ada", "new@example.com", None)


def test_custom_fields_and_the_choice_of_one_key() -> None:
    survivor = _contact(first_name="A", custom_fields={"plan": "gold"})
    duplicate = _contact(first_name="B", custom_fields={"plan": "silver", "seats": 3})
    request = MergeRequest(survivor.id, (duplicate.id,), {"custom_fields.plan": duplicate.id})

    merge_contacts(survivor, [duplicate], request, now=NOW)

    assert survivor.custom_fields == {"plan": "silver", "seats": 3}


@pytest.mark.parametrize(
    ("stages", "expected"),
    [
        ([Stage.LEAD, Stage.CUSTOMER, Stage.SUBSCRIBER], Stage.CUSTOMER),
        ([Stage.OTHER, Stage.LEAD], Stage.LEAD),
        ([None, Stage.OTHER], Stage.OTHER),
        ([Stage.EVANGELIST, Stage.OPPORTUNITY], Stage.EVANGELIST),
        ([None, None], None),
    ],
)
def test_the_most_advanced_stage_wins(
    stages: list[LifecycleStage | None], expected: LifecycleStage | None
) -> None:
    assert most_advanced_stage(stages) == expected


def test_the_most_restrictive_consent_wins_and_ties_keep_the_survivors() -> None:
    granted_late = Consent(ConsentStatus.GRANTED, T0 + timedelta(days=30))
    denied_early = Consent(ConsentStatus.DENIED, T0)
    unknown = Consent()
    assert most_restrictive_consent([granted_late, denied_early, unknown]) == denied_early
    assert most_restrictive_consent([unknown, granted_late]) == granted_late
    mine = Consent(ConsentStatus.GRANTED, T0)
    assert most_restrictive_consent([mine, granted_late]) is mine


def test_a_merge_records_the_consent_change() -> None:
    survivor = _contact(first_name="A", consent=Consent(ConsentStatus.GRANTED, T0))
    duplicate = _contact(first_name="B", consent=Consent(ConsentStatus.DENIED, T0))
    revision = merge_contacts(survivor, [duplicate], _request(survivor, duplicate), now=NOW)
    assert survivor.consent.email is ConsentStatus.DENIED
    assert "consent" in revision.changed


def test_erased_contacts_cannot_be_merged() -> None:
    survivor, erased = _contact(first_name="A"), _contact(erased=True)
    with pytest.raises(InvalidMergeError) as caught:
        merge_contacts(survivor, [erased], _request(survivor, erased), now=NOW)
    assert caught.value.loc == ("duplicate_ids", 0)
    assert survivor.version == 1  # nothing changed
    with pytest.raises(InvalidMergeError) as caught:
        merge_contacts(erased, [survivor], _request(erased, survivor), now=NOW)
    assert caught.value.loc == ("primary_id",)


def test_too_many_tags_together_are_refused() -> None:
    survivor = _contact(first_name="A", tags=[f"a{i}" for i in range(MAX_TAGS)])
    duplicate = _contact(first_name="B", tags=["one-more"])
    with pytest.raises(InvalidMergeError, match="tags"):
        merge_contacts(survivor, [duplicate], _request(survivor, duplicate), now=NOW)
    assert survivor.tags == [f"a{i}" for i in range(MAX_TAGS)]


def test_choices_cannot_leave_a_contact_without_name_or_email() -> None:
    survivor = _contact(first_name="Ada")
    duplicate = _contact(email="x@example.com")
    request = _request(survivor, duplicate, first_name=duplicate, email=survivor)
    with pytest.raises(InvalidMergeError) as caught:
        merge_contacts(survivor, [duplicate], request, now=NOW)
    assert caught.value.loc == ("field_choices",)


def test_a_merge_that_changes_no_field_still_makes_a_new_version() -> None:
    survivor = _contact(first_name="Ada", email="ada@example.com")
    duplicate = _contact(first_name="Ada")
    revision = merge_contacts(survivor, [duplicate], _request(survivor, duplicate), now=NOW)
    assert (revision.changed, survivor.version) == ([], 2)


# --- companies --------------------------------------------------------------------------


def _company(**fields: Any) -> Company:
    return Company(id=uuid.uuid4(), created_at=T0, updated_at=T0, **fields)


def test_companies_fill_empty_fields_and_follow_choices() -> None:
    survivor = _company(name="Initech", domain=None, size=None)
    first = _company(name="Initech Inc", domain="initech.com", size=CompanySize.S_51_200)
    second = _company(name="INITECH", industry="Software", domain="initech.io")
    request = _request(survivor, first, second, name=second)

    changed = merge_companies(survivor, [first, second], request, now=NOW)

    assert (survivor.name, survivor.domain, survivor.industry) == (
        "INITECH",
        "initech.com",
        "Software",
    )
    assert survivor.size is CompanySize.S_51_200
    assert sorted(changed) == ["domain", "industry", "name", "size"]
    assert survivor.version == 2


def test_a_company_merge_without_changes_still_makes_a_new_version() -> None:
    survivor, duplicate = _company(name="A"), _company(name="B")
    assert merge_companies(survivor, [duplicate], _request(survivor, duplicate), now=NOW) == []
    assert (survivor.version, survivor.updated_at) == (2, NOW)


# --- retrying a deadlocked merge --------------------------------------------------------


class _PgError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


class _Session:
    """Just enough of an AsyncSession: begin() runs the block; a block may fail."""

    def __init__(self) -> None:
        self.transactions = 0

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[None]:
        self.transactions += 1
        yield


def _failing(sqlstate: str, times: int) -> Any:
    calls = 0

    async def work() -> str:
        nonlocal calls
        calls += 1
        if calls <= times:
            raise DBAPIError("UPDATE", {}, _PgError(sqlstate))
        return "merged"

    return work


async def test_a_deadlocked_merge_runs_again() -> None:
    session = _Session()
    assert await run_in_transaction(session, _failing(DEADLOCK, ATTEMPTS - 1)) == "merged"
    assert session.transactions == ATTEMPTS


async def test_other_database_errors_and_endless_deadlocks_are_not_retried_forever() -> None:
    session = _Session()
    with pytest.raises(DBAPIError):
        await run_in_transaction(session, _failing("23505", 1))
    assert session.transactions == 1
    with pytest.raises(DBAPIError):
        await run_in_transaction(_Session(), _failing(DEADLOCK, ATTEMPTS))
