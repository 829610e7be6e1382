"""User rules: valid roles, what an admin may do to their own account."""

from collections.abc import Iterable

from crm_shared.auth import ROLES


def normalize_roles(roles: Iterable[str]) -> list[str]:
    """Sorted, de-duplicated roles; ValueError naming any role that does not exist."""
    roles = list(roles)
    unknown = sorted({role for role in roles if role not in ROLES})
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; allowed: {', '.join(ROLES)}")
    return sorted(set(roles))


def self_change_problem(*, deleting: bool, changes: dict[str, object]) -> str | None:
    """Why an admin may not make this change to their own account, or None if fine.

    An admin who deletes, deactivates or un-admins themselves could leave nobody able to
    manage users; another admin has to do it.
    """
    if deleting:
        return "You cannot delete your own account"
    if changes.get("is_active") is False:
        return "You cannot deactivate your own account"
    roles = changes.get("roles")
    if isinstance(roles, list) and "admin" not in roles:
        return "You cannot remove your own admin role"
    return None
