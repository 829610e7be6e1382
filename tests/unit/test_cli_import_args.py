"""`crm import` arguments: --map pairs and the upload's query parameters."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from crm_cli.imports import ImportRequest, parse_mapping


def test_map_pairs_split_at_the_last_equals_sign() -> None:
    assert parse_mapping([]) is None
    assert parse_mapping(["E-mail=email", "a=b=custom_fields.x"]) == {
        "E-mail": "email",
        "a=b": "custom_fields.x",
    }


@pytest.mark.parametrize("pair", ["email", "=email", "Email="])
def test_a_pair_without_both_sides_is_refused(pair: str) -> None:
    with pytest.raises(ValueError, match="COLUMN=FIELD"):
        parse_mapping([pair])


def test_the_request_becomes_query_parameters() -> None:
    request = ImportRequest(Path("/data/people.csv"), {"E-mail": "email"}, "update", True)
    params = request.params()
    assert orjson.loads(params.pop("mapping")) == {"E-mail": "email"}
    assert params == {
        "dedup": "update",
        "dry_run": "true",
        "encoding": "utf-8",
        "delimiter": ",",
        "filename": "people.csv",
    }
    assert "mapping" not in ImportRequest(Path("x.csv")).params()
