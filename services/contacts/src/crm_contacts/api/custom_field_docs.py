"""The service's OpenAPI document, with the custom fields defined right now.

Every `custom_fields` property of a contact or company schema carries a marker
(domain.custom_fields.custom_fields_marker); serving /openapi.json replaces each with a
reference to a component listing the defined fields and their types. Definitions come
from the schema cache (custom_field_store), so the document changes as soon as they do;
the gateway's merged document follows when its cache expires.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route

from crm_contacts.adapters.custom_field_store import load_schema
from crm_contacts.domain.custom_field_values import MAX_TEXT_LENGTH
from crm_contacts.domain.custom_fields import (
    SCHEMA_MARKER,
    FieldDefinition,
    FieldSchema,
    FieldType,
    ObjectType,
)

_REF = "#/components/schemas/"
_VARIANTS = {"": "", "in": "In", "patch": "Patch"}


def _value_schema(field: FieldDefinition) -> dict[str, Any]:
    options = list(field.options)
    by_type: dict[FieldType, dict[str, Any]] = {
        FieldType.TEXT: {"type": "string", "maxLength": MAX_TEXT_LENGTH},
        FieldType.NUMBER: {"type": "number"},
        FieldType.DATE: {"type": "string", "format": "date"},
        FieldType.BOOLEAN: {"type": "boolean"},
        FieldType.SINGLE_SELECT: {"type": "string", "enum": options},
        FieldType.MULTI_SELECT: {
            "type": "array",
            "items": {"type": "string", "enum": options},
            "uniqueItems": True,
        },
    }
    notes = [field.description or "", "Required." if field.required else ""]
    notes.append("Unique." if field.unique else "")
    schema = {"title": field.label, **by_type[field.type]}
    if description := " ".join(n for n in notes if n):
        schema["description"] = description
    return schema


def _component(object_type: ObjectType, variant: str, schema: FieldSchema) -> dict[str, Any]:
    properties = {}
    for key, field in schema.definitions.items():
        value = _value_schema(field)
        properties[key] = {"anyOf": [value, {"type": "null"}]} if variant == "patch" else value
    component: dict[str, Any] = {
        "type": "object",
        "title": _name(object_type, variant),
        "description": f"Custom fields defined for {object_type.value}s"
        f" (GET /api/v1/{object_type.plural}/custom-fields)",
        "properties": properties,
        "additionalProperties": False,
    }
    required = [k for k, f in schema.definitions.items() if f.required]
    if variant == "in" and required:
        component["required"] = required
    return component


def _name(object_type: ObjectType, variant: str) -> str:
    return f"{object_type.value.title()}CustomFields{_VARIANTS[variant]}"


def _replace_markers(node: Any, used: set[tuple[ObjectType, str]]) -> Any:
    if isinstance(node, list):
        return [_replace_markers(item, used) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(tag := node.get(SCHEMA_MARKER), str):
        object_type, variant = ObjectType(tag.partition(":")[0]), tag.partition(":")[2]
        used.add((object_type, variant))
        ref = {"$ref": _REF + _name(object_type, variant)}
        kept = {k: node[k] for k in ("title", "description", "default") if k in node}
        return {**kept, **({"anyOf": [ref, {"type": "null"}]} if variant == "patch" else ref)}
    return {key: _replace_markers(value, used) for key, value in node.items()}


def with_custom_fields(doc: Mapping[str, Any], schemas: Mapping[ObjectType, FieldSchema]) -> dict:
    """A copy of `doc` whose custom_fields properties describe the defined fields."""
    used: set[tuple[ObjectType, str]] = set()
    patched: dict[str, Any] = _replace_markers(copy.deepcopy(dict(doc)), used)
    components = patched.setdefault("components", {}).setdefault("schemas", {})
    for object_type, variant in sorted(used):
        components[_name(object_type, variant)] = _component(
            object_type, variant, schemas[object_type]
        )
    return patched


def install_custom_field_docs(app: FastAPI) -> None:
    """Serve app.openapi_url with the current custom fields (in place of FastAPI's)."""
    last: list[Any] = [None, None]  # the schemas the cached document was made from, and it

    async def openapi(request: Request) -> JSONResponse:
        schemas = {t: await load_schema(request.app.state.db, t) for t in ObjectType}
        key = [schemas[t] for t in ObjectType]
        if last[0] != key:
            last[:] = [key, with_custom_fields(app.openapi(), schemas)]
        return JSONResponse(last[1])

    routes = app.router.routes
    for index, route in enumerate(routes):
        if isinstance(route, Route) and route.path == app.openapi_url:
            routes[index] = Route(app.openapi_url, openapi, include_in_schema=False)
