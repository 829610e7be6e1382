"""The local stack's secrets: generated once, kept in `<data_dir>/secrets.json` (mode 0600).

The database outlives a `crm up`, and with it the admin user the gateway created from
CRM_ADMIN_PASSWORD, so the same secrets must come back on every start.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

SECRETS_FILE = "secrets.json"
DEFAULT_ADMIN_EMAIL = "admin@crm.local"
_SHOWN = "admin_password_shown"


class CredentialsError(RuntimeError):
    """The secrets file exists but cannot be used; it is never overwritten silently."""


@dataclass(frozen=True)
class Credentials:
    """What the stack's processes need to sign tokens and create the first admin."""

    jwt_secret: str
    admin_email: str
    admin_password: str
    path: Path
    # True until a start has shown the generated admin password (see mark_password_shown).
    show_password: bool = False


def load_or_create(data_dir: Path, env: Mapping[str, str] | None = None) -> Credentials:
    """Read `<data_dir>/secrets.json`, generating and storing what is missing.

    CRM_JWT_SECRET, CRM_ADMIN_EMAIL and CRM_ADMIN_PASSWORD from `env` win over the file and
    are never written to it.
    """
    env = os.environ if env is None else env
    path = data_dir / SECRETS_FILE
    stored = _read(path)
    before = dict(stored)

    if not env.get("CRM_JWT_SECRET"):
        stored.setdefault("jwt_secret", secrets.token_urlsafe(48))
    if not env.get("CRM_ADMIN_EMAIL"):
        stored.setdefault("admin_email", DEFAULT_ADMIN_EMAIL)
    if not env.get("CRM_ADMIN_PASSWORD") and "admin_password" not in stored:
        stored["admin_password"] = secrets.token_urlsafe(16)
        stored[_SHOWN] = "no"
    if stored != before:
        _write(path, stored)

    return Credentials(
        jwt_secret=env.get("CRM_JWT_SECRET") or stored["jwt_secret"],
        admin_email=env.get("CRM_ADMIN_EMAIL") or stored["admin_email"],
        admin_password=env.get("CRM_ADMIN_PASSWORD") or stored["admin_password"],
        path=path,
        show_password=not env.get("CRM_ADMIN_PASSWORD") and stored.get(_SHOWN) == "no",
    )


def mark_password_shown(credentials: Credentials) -> None:
    """Record that the generated password was printed, so later starts only say where it
    is stored. Until then every start shows it: a first start that failed showed nothing."""
    stored = _read(credentials.path)
    if stored.get(_SHOWN) == "no":
        stored[_SHOWN] = "yes"
        _write(credentials.path, stored)


def admin_login(data_dir: Path, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """(email, password) of the admin from the environment or the secrets file, without
    generating anything: for commands that talk to an already running stack."""
    env = os.environ if env is None else env
    stored = _read(data_dir / SECRETS_FILE)
    email = env.get("CRM_ADMIN_EMAIL") or stored.get("admin_email")
    password = env.get("CRM_ADMIN_PASSWORD") or stored.get("admin_password")
    if not email or not password:
        raise CredentialsError(
            f"no admin login: set CRM_ADMIN_EMAIL and CRM_ADMIN_PASSWORD, or run `crm up` "
            f"with --data-dir {data_dir} first"
        )
    return email, password


def _read(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CredentialsError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise CredentialsError(f"{path} is not a JSON object of strings")
    return data


def _write(path: Path, data: Mapping[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    # Created 0600 from the first byte; os.replace keeps a half-written file from ever
    # taking the real one's place.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, sort_keys=True)
        out.write("\n")
    os.chmod(tmp, 0o600)  # O_CREAT's mode does not apply if a stale tmp file existed
    os.replace(tmp, path)
