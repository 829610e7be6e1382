"""Pure merge of OpenAPI documents: the gateway's own plus each service's owned paths.

Component schemas with the same name but different content are renamed to
`<Service><Name>` in the service's document (and every `$ref` to them rewritten), so
identical shared schemas (e.g. `Problem`) appear once and different ones never clash.
"""

import copy
from collections.abc import Callable, Mapping
from typing import Any

_SCHEMA_REF = "#/components/schemas/"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

Doc = dict[str, Any]


def rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    """A copy of `node` whose `$ref`s to renamed component schemas use the new names."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMA_REF):
                name = value[len(_SCHEMA_REF) :]
                out[key] = _SCHEMA_REF + renames.get(name, name)
            else:
                out[key] = rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [rewrite_refs(item, renames) for item in node]
    return node


def _fresh_name(service: str, name: str, taken: Mapping[str, Any]) -> str:
    base = service[:1].upper() + service[1:] + name
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def plan_renames(existing: Mapping[str, Any], incoming: Mapping[str, Any], service: str) -> dict:
    """Names in `incoming` that must be renamed to merge into `existing`, and their new names.

    Iterates to a fixed point: renaming one schema changes the content of the schemas that
    reference it, which may then differ from their namesakes in `existing` too.
    """
    renames: dict[str, str] = {}
    changed = True
    while changed:
        changed = False
        for name, schema in incoming.items():
            if name in renames or name not in existing:
                continue
            if rewrite_refs(schema, renames) != existing[name]:
                taken = {**existing, **incoming, **{new: None for new in renames.values()}}
                renames[name] = _fresh_name(service, name, taken)
                changed = True
    return renames


def _operations(paths: Mapping[str, Any]) -> list[dict]:
    return [
        op
        for item in paths.values()
        for method, op in item.items()
        if method in _METHODS and isinstance(op, dict)
    ]


def _merge_other_components(target: dict, source: Mapping[str, Any]) -> None:
    # FastAPI only emits schemas and securitySchemes; first definition of a name wins.
    for kind, entries in source.items():
        if kind != "schemas" and isinstance(entries, dict):
            for name, entry in entries.items():
                target.setdefault(kind, {}).setdefault(name, copy.deepcopy(entry))


def merge_documents(
    base: Doc, services: Mapping[str, Doc], owns: Callable[[str, str], bool]
) -> Doc:
    """Merge each service document into a copy of `base`.

    Only paths for which `owns(service, path)` holds are taken from a service. Operation ids
    that collide with ones already present get the service name as a prefix.
    """
    merged = copy.deepcopy(base)
    paths = merged.setdefault("paths", {})
    schemas = merged.setdefault("components", {}).setdefault("schemas", {})
    tags = {tag["name"]: tag for tag in merged.get("tags", [])}
    op_ids = {op.get("operationId") for op in _operations(paths)}
    for service in sorted(services):
        doc = services[service]
        incoming = doc.get("components", {}).get("schemas", {})
        renames = plan_renames(schemas, incoming, service)
        for name, schema in incoming.items():
            schemas.setdefault(renames.get(name, name), rewrite_refs(schema, renames))
        _merge_other_components(merged["components"], doc.get("components", {}))
        owned = {p: item for p, item in doc.get("paths", {}).items() if owns(service, p)}
        owned = rewrite_refs(owned, renames)
        for op in _operations(owned):
            op_id = op.get("operationId")
            if op_id in op_ids:
                op["operationId"] = op_id = f"{service}_{op_id}"
            op_ids.add(op_id)
        paths.update(owned)
        for tag in doc.get("tags", []):
            tags.setdefault(tag["name"], tag)
    if tags:
        merged["tags"] = list(tags.values())
    return merged
