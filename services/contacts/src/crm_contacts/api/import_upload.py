"""Reading an import upload from the request stream: its options, then its CSV records.

Two forms: `multipart/form-data` (option fields first, then the `file` part) or the file
itself as the body (`text/csv`) with the options in the query string (handy for curl
`--data-binary @file.csv` and scripts). Nothing is read before it is needed, and the
file only ever as a stream.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pydantic import ValidationError

from crm_contacts.adapters.import_csv import CsvFormatError, csv_records
from crm_contacts.adapters.import_multipart import UploadFormError, read_form
from crm_contacts.api.import_schemas import ImportOptions
from crm_contacts.domain.custom_fields import FieldSchema
from crm_contacts.domain.import_mapping import CUSTOM_PREFIX, MappedColumn
from crm_contacts.domain.imports import DedupMode
from crm_shared.problems import ProblemError

CSV_TYPES = frozenset({"text/csv", "application/csv", "text/plain"})
MULTIPART = "multipart/form-data"


@dataclass
class Upload:
    """The options of an upload and its records (record 1 is the header)."""

    options: ImportOptions
    records: AsyncIterator[tuple[int, list[str]]]


def invalid(where: str, message: str) -> ProblemError:
    """422 naming the part of the upload at fault."""
    return ProblemError(422, detail=message, errors=[{"loc": ["body", where], "msg": message}])


def _options(values: Mapping[str, Any], source: str) -> ImportOptions:
    try:
        return ImportOptions.model_validate(dict(values))
    except ValidationError as exc:
        errors = [
            {"loc": [source, *map(str, error["loc"])], "msg": error["msg"]}
            for error in exc.errors()
        ]
        raise ProblemError(422, detail="The import options are not valid", errors=errors) from exc


async def _checked(
    records: AsyncIterator[tuple[int, list[str]]],
) -> AsyncIterator[tuple[int, list[str]]]:
    """The records, with a file or form we cannot read answered as 422."""
    try:
        async for record in records:
            yield record
    except CsvFormatError as exc:
        raise invalid("file", f"row {exc.row}: {exc.message}") from exc
    except UploadFormError as exc:
        raise invalid("file", str(exc)) from exc


async def open_upload(request: Request) -> Upload:
    """The upload's options (validated) and its records, read as they arrive."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.partition(";")[0].strip().lower()
    query = dict(request.query_params)
    if media_type == MULTIPART:
        try:
            form = await read_form(content_type, request.stream())
        except UploadFormError as exc:
            raise invalid("file", str(exc)) from exc
        options = _options({**query, **form.fields}, "body")
        if options.filename is None and form.filename:
            options.filename = form.filename[:255]
        chunks = form.file
    elif media_type in CSV_TYPES:
        options = _options(query, "query")
        chunks = request.stream()
    else:
        raise ProblemError(
            415, detail="Send the CSV as multipart/form-data (a `file` part) or as text/csv"
        )
    records = csv_records(chunks, encoding=options.encoding, delimiter=options.delimiter)
    return Upload(options, _checked(records))


def check_custom_fields(columns: list[MappedColumn], schema: FieldSchema, dedup: DedupMode) -> None:
    """422 for a mapped custom field nobody defined, or (unless rows only update
    contacts) a required one no column fills: every row would fail."""
    errors = []
    mapped = {column.custom_key for column in columns if column.is_custom}
    for column in columns:
        if column.custom_key is not None and column.custom_key not in schema.definitions:
            msg = f"no custom field {column.custom_key!r} is defined"
            errors.append({"loc": ["body", "mapping", column.name], "msg": msg})
    if dedup is not DedupMode.UPDATE:
        for key, definition in schema.definitions.items():
            if definition.required and key not in mapped:
                msg = f"custom field {key!r} is required: map a column to {CUSTOM_PREFIX}{key}"
                errors.append({"loc": ["body", "mapping"], "msg": msg})
    if errors:
        raise ProblemError(422, detail="The mapping does not fit the custom fields", errors=errors)
