"""The upload's request body in the OpenAPI document: the route reads the request stream
itself (FastAPI never parses it), so its two accepted forms are described here."""

from __future__ import annotations

from typing import Any

from crm_contacts.domain.imports import DedupMode

_CSV_SCHEMA = {"type": "string", "format": "binary"}
UPLOAD_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "mapping": {"type": "string", "description": "JSON: column -> field"},
                        "dedup": {"type": "string", "enum": [m.value for m in DedupMode]},
                        "dry_run": {"type": "boolean"},
                        "encoding": {"type": "string", "default": "utf-8"},
                        "delimiter": {"type": "string", "default": ","},
                        "file": _CSV_SCHEMA,
                    },
                },
                "encoding": {"file": {"contentType": "text/csv"}},
            },
            "text/csv": {"schema": _CSV_SCHEMA},
        },
    },
    "parameters": [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in ("mapping", "dedup", "dry_run", "encoding", "delimiter", "filename")
    ],
}
