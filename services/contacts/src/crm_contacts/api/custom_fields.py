"""Custom field definitions for contacts and companies (admins define, everyone reads).

`/contacts/custom-fields` and `/companies/custom-fields`, with the same five operations
each. Deleting a field answers at once; its values are then removed in the background
(adapters/custom_field_purge), each changed record publishing its `updated` event.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from crm_contacts.adapters.custom_field_definitions import get_definition, list_definitions
from crm_contacts.api.custom_field_changes import define_field, retire_field, revise_field
from crm_contacts.api.custom_field_schemas import CustomFieldIn, CustomFieldOut, CustomFieldPatch
from crm_contacts.api.deps import API_PREFIX, Reader, ReadSession
from crm_contacts.api.loading import etag
from crm_contacts.domain.custom_fields import KEY_PATTERN, ObjectType
from crm_shared.auth import Principal, require_roles
from crm_shared.db import DatabaseDep
from crm_shared.pagination import Page
from crm_shared.problems import PROBLEM_RESPONSES, not_found
from crm_shared.versioning import IfMatch

router = APIRouter(prefix=API_PREFIX, responses=PROBLEM_RESPONSES)

# Only admins change the data model (require_roles lets admins through, nobody else here).
Admin = Annotated[Principal, require_roles("admin")]
FieldKey = Annotated[str, Path(pattern=KEY_PATTERN, description="The field's key")]


def _add_routes(object_type: ObjectType) -> None:
    base = f"/{object_type.plural}/custom-fields"
    tags: list[str | Enum] = [object_type.plural]
    name = object_type.value

    @router.get(base, tags=tags, operation_id=f"list_{name}_custom_fields")
    async def list_fields(_: Reader, session: ReadSession) -> Page[CustomFieldOut]:
        """Every custom field defined for this object, oldest first."""
        found = await list_definitions(session, object_type)
        return Page(items=[CustomFieldOut.of(d) for d in found], next_cursor=None)

    @router.post(base, status_code=201, tags=tags, operation_id=f"create_{name}_custom_field")
    async def create_field(
        body: CustomFieldIn, db: DatabaseDep, _: Admin, response: Response
    ) -> CustomFieldOut:
        """Define a field (admins). 409 if the key exists, or if `unique` and stored
        records already share a value, or stored values of the key do not fit the type."""
        stored = await define_field(db, object_type, body)
        response.headers["Location"] = f"{API_PREFIX}{base}/{body.key}"
        response.headers["ETag"] = etag(stored.version)
        return CustomFieldOut.of(stored)

    @router.get(f"{base}/{{key}}", tags=tags, operation_id=f"get_{name}_custom_field")
    async def get_field(
        key: FieldKey, _: Reader, session: ReadSession, response: Response
    ) -> CustomFieldOut:
        """One custom field."""
        stored = await get_definition(session, object_type, key)
        if stored is None or stored.deleting:
            raise not_found("custom field")
        response.headers["ETag"] = etag(stored.version)
        return CustomFieldOut.of(stored)

    @router.patch(f"{base}/{{key}}", tags=tags, operation_id=f"update_{name}_custom_field")
    async def update_field(
        key: FieldKey,
        body: CustomFieldPatch,
        db: DatabaseDep,
        _: Admin,
        if_match: IfMatch,
        response: Response,
    ) -> CustomFieldOut:
        """Merge-patch a field (admins): label, description, required, unique, more
        options. The type is fixed and options are never removed (409)."""
        stored = await revise_field(db, object_type, key, body, if_match)
        response.headers["ETag"] = etag(stored.version)
        return CustomFieldOut.of(stored)

    @router.delete(
        f"{base}/{{key}}", status_code=204, tags=tags, operation_id=f"delete_{name}_custom_field"
    )
    async def delete_field(
        key: FieldKey, db: DatabaseDep, principal: Admin, if_match: IfMatch, request: Request
    ) -> None:
        """Delete a field (admins). Writes refuse it at once; its values are removed from
        every record in the background, each record publishing `updated`."""
        stored = await retire_field(db, object_type, key, if_match)
        request.app.state.custom_field_purges.schedule(
            object_type, stored.definition, principal.subject
        )


for _object_type in ObjectType:
    _add_routes(_object_type)
