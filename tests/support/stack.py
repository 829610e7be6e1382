"""The test session's stack: free ports, fresh secrets, debug-friendly logs."""

from __future__ import annotations

import secrets
from pathlib import Path

import httpx

from crm_cli.stack import Infra, Ports, Stack, StackConfig

ADMIN_EMAIL = "admin@crm.example.com"


def build_test_stack(infra: Infra, data_dir: Path) -> Stack:
    """A Stack on `infra` (started and stopped by its own fixture), on free ports."""
    config = StackConfig(
        data_dir=data_dir,
        ports=Ports.free(),
        jwt_secret=secrets.token_urlsafe(48),
        admin_email=ADMIN_EMAIL,
        admin_password=secrets.token_urlsafe(16),
        log_level="INFO",
    )
    return Stack(config, infra, own_infra=False)


async def login(gateway_url: str, email: str, password: str) -> str:
    """An access token from the gateway's `POST /api/v1/auth/token`."""
    async with httpx.AsyncClient(base_url=gateway_url, trust_env=False, timeout=30) as client:
        response = await client.post(
            "/api/v1/auth/token", data={"username": email, "password": password}
        )
    assert response.status_code == 200, f"login failed: {response.status_code} {response.text}"
    return str(response.json()["access_token"])
