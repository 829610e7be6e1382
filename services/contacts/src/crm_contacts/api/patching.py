"""PATCH bodies are JSON merge patches applied to the resource's editable fields."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

from crm_contacts.domain.merge_patch import apply_merge_patch

M = TypeVar("M", bound=BaseModel)


def merged(model: type[M], current: dict[str, Any], patch: BaseModel) -> M:
    """`current` with `patch` (only the fields the client sent) merged in, validated as
    `model`: the result must be as valid as a new resource would be (422 otherwise)."""
    document = apply_merge_patch(current, patch.model_dump(mode="json", exclude_unset=True))
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc
