"""PATCH bodies are JSON merge patches (RFC 7386) applied to a resource's editable fields."""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """Return `target` with `patch` merged in; neither argument is modified.

    Objects merge key by key (null removes a key); any other patch value, arrays
    included, replaces the target wholesale.
    """
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


def merged(model: type[M], current: dict[str, Any], patch: BaseModel) -> M:
    """`current` with `patch` (only the fields the client sent) merged in, validated as
    `model`: the result must be as valid as a new resource would be (422 otherwise)."""
    document = apply_merge_patch(current, patch.model_dump(mode="json", exclude_unset=True))
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        errors = [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        raise RequestValidationError(errors) from exc
