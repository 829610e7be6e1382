"""`crm up` secrets: generated once into a 0600 file, then reused; the env wins."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from rich.console import Console

from crm_cli.credentials import (
    DEFAULT_ADMIN_EMAIL,
    Credentials,
    CredentialsError,
    admin_login,
    load_or_create,
    mark_password_shown,
)
from crm_cli.ui import login_panel


def test_first_start_generates_and_stores_secrets_readable_only_by_the_owner(
    tmp_path: Path,
) -> None:
    creds = load_or_create(tmp_path / ".crm", env={})

    assert creds.path == tmp_path / ".crm" / "secrets.json"
    assert stat.S_IMODE(creds.path.stat().st_mode) == 0o600
    assert creds.admin_email == DEFAULT_ADMIN_EMAIL
    assert len(creds.jwt_secret) >= 32
    assert len(creds.admin_password) >= 16
    assert creds.show_password is True
    stored = json.loads(creds.path.read_text())
    assert stored == {
        "jwt_secret": creds.jwt_secret,
        "admin_email": creds.admin_email,
        "admin_password": creds.admin_password,
        "admin_password_shown": "no",
    }


def test_later_starts_reuse_the_stored_secrets_without_rewriting(tmp_path: Path) -> None:
    first = load_or_create(tmp_path, env={})
    mark_password_shown(first)
    mtime = first.path.stat().st_mtime_ns

    second = load_or_create(tmp_path, env={})

    assert (second.jwt_secret, second.admin_email, second.admin_password) == (
        first.jwt_secret,
        first.admin_email,
        first.admin_password,
    )
    assert second.show_password is False
    assert first.path.stat().st_mtime_ns == mtime
    assert stat.S_IMODE(first.path.stat().st_mode) == 0o600


def test_the_password_is_shown_until_a_start_has_shown_it(tmp_path: Path) -> None:
    # A first start that failed before printing must not lose the only chance to show it.
    assert load_or_create(tmp_path, env={}).show_password is True
    creds = load_or_create(tmp_path, env={})
    assert creds.show_password is True

    mark_password_shown(creds)

    assert load_or_create(tmp_path, env={}).show_password is False


def test_two_data_dirs_get_different_secrets(tmp_path: Path) -> None:
    a = load_or_create(tmp_path / "a", env={})
    b = load_or_create(tmp_path / "b", env={})
    assert a.jwt_secret != b.jwt_secret
    assert a.admin_password != b.admin_password


def test_environment_wins_and_is_never_written_to_the_file(tmp_path: Path) -> None:
    env = {
        "CRM_JWT_SECRET": "from-env-secret",
        "CRM_ADMIN_EMAIL": "boss@example.com",
        "CRM_ADMIN_PASSWORD": "from-env-password",
    }
    creds = load_or_create(tmp_path, env=env)

    assert (creds.jwt_secret, creds.admin_email, creds.admin_password) == (
        "from-env-secret",
        "boss@example.com",
        "from-env-password",
    )
    assert creds.show_password is False
    assert not creds.path.exists()


def test_only_the_missing_admin_password_is_generated(tmp_path: Path) -> None:
    creds = load_or_create(tmp_path, env={"CRM_ADMIN_EMAIL": "boss@example.com"})

    assert creds.admin_email == "boss@example.com"
    assert creds.show_password is True
    assert "boss@example.com" not in creds.path.read_text()


def test_a_corrupt_secrets_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "secrets.json"
    path.write_text("{not json")

    with pytest.raises(CredentialsError, match="cannot read"):
        load_or_create(tmp_path, env={})
    assert path.read_text() == "{not json"


def test_admin_login_reads_the_file_and_never_generates(tmp_path: Path) -> None:
    with pytest.raises(CredentialsError, match="no admin login"):
        admin_login(tmp_path, env={})
    assert not (tmp_path / "secrets.json").exists()

    creds = load_or_create(tmp_path, env={})
    assert admin_login(tmp_path, env={}) == (creds.admin_email, creds.admin_password)


def test_login_panel_shows_the_password_only_while_it_has_not_been_shown(tmp_path: Path) -> None:
    def render(creds: Credentials) -> str:
        console = Console(record=True, width=200)
        console.print(login_panel(creds, env={}))
        return console.export_text()

    creds = load_or_create(tmp_path, env={})
    assert creds.admin_password in render(creds)

    mark_password_shown(creds)
    later = load_or_create(tmp_path, env={})
    text = render(later)
    assert later.admin_password not in text
    assert f"stored in {later.path}" in text
