"""A CSV row read with the API's rules, and what each row of a batch then does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from crm_contacts.domain.contact import Contact
from crm_contacts.domain.custom_fields import FieldDefinition, FieldSchema, FieldType
from crm_contacts.domain.import_mapping import resolve_mapping
from crm_contacts.domain.imports import CompanyRef, DedupMode, RowOutcome
from crm_contacts.domain.lifecycle import LifecycleStage
from crm_contacts.imports.plan import PlanContext, plan_batch
from crm_contacts.imports.reading import until_repeated_email
from crm_contacts.imports.rows import read_row

NOW = datetime(2026, 1, 1, tzinfo=UTC)
SCHEMA = FieldSchema(
    {
        "region": FieldDefinition("region", "Region", FieldType.TEXT, required=True),
        "renewal": FieldDefinition("renewal", "Renewal", FieldType.DATE),
    }
)
HEADER = ["Name", "Mail", "Stage", "Tags", "Org", "Region", "Renewal"]
COLUMNS = resolve_mapping(
    HEADER,
    {
        "Name": "first_name",
        "Mail": "email",
        "Stage": "lifecycle_stage",
        "Tags": "tags",
        "Org": "company",
        "Region": "custom_fields.region",
        "Renewal": "custom_fields.renewal",
    },
)


def row(number: int, *cells: str) -> object:
    return read_row(number, list(cells), COLUMNS, len(HEADER), SCHEMA)


def ctx(dedup: DedupMode = DedupMode.SKIP, *, is_admin: bool = False) -> PlanContext:
    return PlanContext(uuid.uuid4(), dedup, COLUMNS, SCHEMA, is_admin, NOW)


def test_a_good_row_is_normalized_like_an_api_request() -> None:
    draft = row(2, " Ada ", "Ada@EXAMPLE.com", "lead", "VIP; big  deal;", "Acme", "EMEA", "")
    assert draft.problems == []
    assert draft.fields == {
        "first_name": "Ada",
        "email": "Ada@example.com",
        "lifecycle_stage": LifecycleStage.LEAD,
        "tags": ["vip", "big deal"],
    }
    assert draft.custom == {"region": "EMEA"}
    assert draft.company == CompanyRef("Acme", None)


def test_every_bad_cell_is_reported_against_its_column() -> None:
    draft = row(7, "Ada", "nope", "prospect", "", "", "EMEA", "2025-02-30", "spill")
    columns = [problem.column for problem in draft.problems]
    assert columns == [None, "Renewal", "Mail", "Stage"]
    assert all(problem.row == 7 for problem in draft.problems)
    assert "8 cells" in draft.problems[0].message
    assert not draft.problems[2].message.startswith("Value error")


def test_a_short_row_is_read_as_blank_cells() -> None:
    draft = row(3, "Ada")
    assert (draft.problems, draft.fields) == ([], {"first_name": "Ada"})


def test_plan_creates_skips_updates_and_fails_rows() -> None:
    existing = Contact.register({"first_name": "Old", "email": "x@example.com"}, now=NOW)[0]
    drafts = [
        row(2, "New", "x@example.com", "", "", "", "EMEA", ""),
        row(3, "Yan", "y@example.com", "", "", "Acme", "EMEA", ""),
        row(4, "Cy", "c@example.com", "", "", "", "", ""),
        row(5, "", "", "", "", "", "EMEA", ""),
    ]
    company_ids = {CompanyRef("Acme", None).key: uuid.uuid4()}
    plan = plan_batch(drafts, ctx(), existing={"x@example.com": existing}, company_ids=company_ids)
    assert [new.row for new in plan.creates] == [3]
    assert plan.creates[0].contact.company_id == company_ids["n:acme"]
    assert plan.creates[0].contact.custom_fields == {"region": "EMEA"}
    assert [(p.row, p.column, p.outcome) for p in plan.problems] == [
        (2, "Mail", RowOutcome.SKIPPED),
        (4, "Region", RowOutcome.FAILED),
        (5, None, RowOutcome.FAILED),
    ]
    counts = plan.counts
    assert (counts.processed, counts.skipped, counts.failed) == (4, 1, 2)


def test_plan_updates_with_non_empty_cells_and_the_stage_rule() -> None:
    def existing() -> Contact:
        contact = Contact.register(
            {
                "first_name": "Old",
                "email": "x@example.com",
                "tags": ["a"],
                "lifecycle_stage": LifecycleStage.CUSTOMER,
                "custom_fields": {"region": "EMEA", "renewal": "2025-01-01"},
            },
            now=NOW,
        )[0]
        return contact

    forward = row(2, "", "X@example.com", "", "b", "", "APAC", "")
    plan = plan_batch(
        [forward], ctx(DedupMode.UPDATE), existing={"x@example.com": existing()}, company_ids={}
    )
    (update,) = plan.updates
    contact = update.contact
    assert (contact.first_name, contact.email, contact.tags) == ("Old", "x@example.com", ["a", "b"])
    assert contact.custom_fields == {"region": "APAC", "renewal": "2025-01-01"}
    assert sorted(update.revision.changed) == ["custom_fields", "tags"]
    backward = row(3, "", "x@example.com", "lead", "", "", "", "")
    refused = plan_batch(
        [backward], ctx(DedupMode.UPDATE), existing={"x@example.com": existing()}, company_ids={}
    )
    assert [(p.row, p.column) for p in refused.problems] == [(3, "Stage")]
    allowed = plan_batch(
        [row(3, "", "x@example.com", "lead", "", "", "", "")],
        ctx(DedupMode.UPDATE, is_admin=True),
        existing={"x@example.com": existing()},
        company_ids={},
    )
    assert allowed.updates[0].contact.lifecycle_stage is LifecycleStage.LEAD
    same = row(4, "Old", "x@example.com", "", "a", "", "EMEA", "")
    unchanged = plan_batch(
        [same], ctx(DedupMode.UPDATE), existing={"x@example.com": existing()}, company_ids={}
    )
    assert (unchanged.updates, unchanged.counts.unchanged) == ([], 1)


def test_a_batch_ends_before_an_email_it_already_has() -> None:
    drafts = [
        row(2, "A", "a@example.com", "", "", "", "EMEA", ""),
        row(3, "B", "", "", "", "", "EMEA", ""),
        row(4, "C", "c@example.com", "", "", "", "EMEA", ""),
        row(5, "A2", "A@example.com", "", "", "", "EMEA", ""),
    ]
    assert [d.row for d in until_repeated_email(drafts)] == [2, 3, 4]
    assert [d.row for d in until_repeated_email(drafts[1:])] == [3, 4, 5]
