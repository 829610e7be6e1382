"""JSON merge patch (RFC 7386), the meaning of every PATCH body."""

from __future__ import annotations

from typing import Any


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
