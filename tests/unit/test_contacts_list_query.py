"""Reading a contact list's query string (domain.list_query) and typo corrections."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from crm_contacts.adapters.search_keys import after_prefix
from crm_contacts.domain.custom_fields import FieldDefinition, FieldType
from crm_contacts.domain.list_query import ListQueryError, ListRequest, parse_list_query
from crm_contacts.domain.typos import Correction, corrections, full_names
from crm_contacts.domain.windows import merge_windows

CUSTOM = {
    "score": FieldDefinition("score", "Score", FieldType.NUMBER),
    "renewal": FieldDefinition("renewal", "Renewal", FieldType.DATE),
    "segment": FieldDefinition(
        "segment", "Segment", FieldType.SINGLE_SELECT, options=("smb", "enterprise")
    ),
    "topics": FieldDefinition(
        "topics", "Topics", FieldType.MULTI_SELECT, options=("ai", "crm", "erp")
    ),
}


def parse(query: str) -> ListRequest:
    pairs = [tuple(p.split("=", 1)) for p in query.split("&") if p]
    return parse_list_query(pairs, CUSTOM)  # type: ignore[arg-type]


def errors(query: str) -> dict[str, str]:
    with pytest.raises(ListQueryError) as caught:
        parse(query)
    return {e["loc"][-1]: e["msg"] for e in caught.value.errors}


def only_filter(query: str) -> tuple[str, str, tuple[Any, ...]]:
    (found,) = parse(query).filters
    return found.field, found.op, found.values


def test_defaults() -> None:
    request = parse("")
    assert (request.q, request.filters, request.limit, request.cursor) == (None, (), 50, None)
    assert (request.sort.field, request.sort.descending) == ("created_at", False)


def test_q_is_trimmed_and_inner_spaces_collapse() -> None:
    assert parse("q=  John   Smith ").q == "John Smith"


def test_several_stages_by_comma_or_repeat() -> None:
    assert only_filter("lifecycle_stage=lead,Customer") == (
        "lifecycle_stage",
        "eq",
        ("lead", "customer"),
    )
    assert only_filter("lifecycle_stage=lead&lifecycle_stage=customer")[2] == ("lead", "customer")


def test_tags_are_normalized() -> None:
    assert only_filter("tag=VIP,Trial")[2] == ("vip", "trial")


def test_names_and_email_compare_lowercase_with_prefix() -> None:
    assert only_filter("last_name=McDonald") == ("last_name", "eq", ("mcdonald",))
    assert only_filter("email.prefix=Jo") == ("email", "prefix", ("jo",))
    assert only_filter("email_domain=@Acme.com") == ("email_domain", "eq", ("acme.com",))
    assert only_filter("phone=+1 (555) 010-9999") == ("phone", "eq", ("15550109999",))


def test_time_ranges_read_dates_and_times_as_utc() -> None:
    assert only_filter("created_at.gte=2024-03-01")[2] == (datetime(2024, 3, 1, tzinfo=UTC),)
    moment = only_filter("updated_at.lte=2024-03-01T10:30:00+02:00")[2][0]
    assert moment == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)


def test_ids() -> None:
    owner = uuid.uuid4()
    assert only_filter(f"owner_id={owner}")[2] == (owner,)


def test_custom_fields_equality_and_ranges_in_stored_form() -> None:
    assert only_filter("custom.score.gte=1,234.5")[2] == (1234.5,)
    assert only_filter("custom.renewal.lte=2027-01-31")[2] == ("2027-01-31",)
    assert only_filter("custom.segment=SMB")[2] == ("smb",)
    assert only_filter("custom.topics=ai&custom.topics=crm")[2] == (["ai"], ["crm"])


def test_sorts() -> None:
    assert parse("sort=-updated_at").sort.token == "-updated_at"
    custom = parse("sort=custom.score").sort
    assert custom.custom is CUSTOM["score"]
    assert not custom.descending


def test_every_mistake_is_named_at_once() -> None:
    found = errors("colour=red&custom.nope=1&lifecycle_stage=zombie&limit=500&owner_id=x")
    assert set(found) == {"colour", "custom.nope", "lifecycle_stage", "limit", "owner_id"}
    assert "unknown filter" in found["colour"]
    assert "no custom field 'nope'" in found["custom.nope"]


@pytest.mark.parametrize(
    ("query", "name"),
    [
        ("sort=phone", "sort"),  # not sortable
        ("sort=custom.topics", "sort"),  # a set of options has no order
        ("q=jo&sort=last_name", "sort"),  # search results are ranked
        ("first_name.gte=a", "first_name.gte"),  # names have no range operator
        ("custom.segment.gte=smb", "custom.segment.gte"),
        ("custom.score=abc", "custom.score"),
        ("custom.score.gte=1&custom.score.gte=2", "custom.score.gte"),  # one bound only
        ("created_at=2024-01-01", "created_at"),  # ranges only
        ("created_at.gte=yesterday", "created_at.gte"),
        ("phone=12", "phone"),
        ("limit=0", "limit"),
        ("q=", "q"),
        ("cursor=a&cursor=b", "cursor"),
    ],
)
def test_bad_parameters(query: str, name: str) -> None:
    assert name in errors(query)


def test_corrections_allow_more_edits_in_longer_words() -> None:
    known = ["john", "jon", "joan", "jonas", "williams", "william", "willis", "miller"]
    assert corrections("jonh", known) == [Correction(1, "john"), Correction(1, "jon")]
    assert [c.name for c in corrections("wiliams", known)] == ["williams", "william"]
    assert corrections("zzzz", known) == []


def test_full_names_take_either_word_order() -> None:
    first = [Correction(1, "john")]
    last = [Correction(0, "smith"), Correction(1, "smyth")]
    assert full_names(first, last) == [
        Correction(1, "john smith"),
        Correction(1, "smith john"),
        Correction(2, "john smyth"),
        Correction(2, "smyth john"),
    ]


def test_after_prefix_bounds_a_prefix_range() -> None:
    assert after_prefix("jo") == "jp"
    assert after_prefix("az") == "a{"
    assert after_prefix("") is None


def test_merge_windows_lists_owned_rows_up_to_the_frontier() -> None:
    rows = [
        (0, "ann", 1, True),
        (0, "anna", 2, True),  # source 0 filled its window of 2: it may hold more
        (1, "amy", 3, True),
        (1, "anne", 4, False),  # listed under another key
        (1, "annz", 5, True),  # past source 0's last row: not yet known to come next
    ]
    assert merge_windows(rows, window=2) == ([("amy", 3), ("ann", 1), ("anna", 2)], ("anna", 2))


def test_merge_windows_without_full_windows_is_complete() -> None:
    rows = [(0, "b", 2, True), (1, "a", 1, True), (1, "c", 3, False)]
    assert merge_windows(rows, window=5) == ([("a", 1), ("b", 2)], None)
