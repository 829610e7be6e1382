"""Which CSV column fills which contact field; every misfit named at once."""

from __future__ import annotations

import pytest

from crm_contacts.domain.import_mapping import MappedColumn, MappingError, resolve_mapping

HEADER = ["First Name", "E-mail", "Org", "Notes", "custom_fields.Score"]


def test_without_a_mapping_headers_that_name_a_field_map_to_it() -> None:
    columns = resolve_mapping(
        ["First Name", "email", "Last-Name", "Notes", "custom_fields.tier"], None
    )
    assert columns == [
        MappedColumn(0, "First Name", "first_name"),
        MappedColumn(1, "email", "email"),
        MappedColumn(2, "Last-Name", "last_name"),
        MappedColumn(4, "custom_fields.tier", "custom_fields.tier"),
    ]
    assert columns[3].custom_key == "tier"
    assert columns[0].custom_key is None


def test_an_explicit_mapping_in_file_order_ignoring_null_targets() -> None:
    mapping = {"Org": "company", "E-mail": "email", "Notes": None, "custom_fields.Score": ""}
    assert resolve_mapping(HEADER, mapping) == [
        MappedColumn(1, "E-mail", "email"),
        MappedColumn(2, "Org", "company"),
    ]


def test_every_problem_is_reported_with_its_column() -> None:
    mapping = {
        "Missing": "email",
        "First Name": "fax",
        "E-mail": "email",
        "Org": "email",
        "Notes": "custom_fields.",
    }
    with pytest.raises(MappingError) as raised:
        resolve_mapping(HEADER, mapping)
    assert raised.value.problems == [
        ("Missing", "column 'Missing' is not in the file's header"),
        ("First Name", "'fax' is not a contact field"),
        ("Org", "'email' is mapped from 'E-mail' already"),
        ("Notes", "'custom_fields.' is not a contact field"),
    ]


def test_a_duplicated_header_cannot_be_mapped_and_nothing_mapped_is_an_error() -> None:
    with pytest.raises(MappingError, match="more than once"):
        resolve_mapping(["email", "email"], {"email": "email"})
    with pytest.raises(MappingError, match="no column of the file is mapped"):
        resolve_mapping(["Notes", "Remarks"], None)
