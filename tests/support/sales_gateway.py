"""What the sales end-to-end tests share: gateway clients of new users holding a role,
and waiting for the contacts service to move a contact's lifecycle stage."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from crm_cli.stack import Stack
from support.stack import login

PASSWORD = "correct-horse-battery"


def gateway_client(stack: Stack, token: str) -> httpx.AsyncClient:
    """A client of the stack's gateway carrying `token`."""
    return httpx.AsyncClient(
        base_url=stack.gateway_url,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
        trust_env=False,
    )


async def user_client(stack: Stack, gateway: httpx.AsyncClient, role: str) -> httpx.AsyncClient:
    """A gateway client logged in as a new user holding `role` (made by the admin)."""
    email = f"{role}-{uuid.uuid4().hex[:10]}@crm.example.com"
    made = await gateway.post(
        "/api/v1/users",
        json={"email": email, "full_name": f"A {role} user", "password": PASSWORD, "roles": [role]},
    )
    assert made.status_code == 201, made.text
    return gateway_client(stack, await login(stack.gateway_url, email, PASSWORD))


async def stage_when(
    client: httpx.AsyncClient, contact_id: str, stage: str, timeout: float = 30
) -> dict[str, Any]:
    """The contact once its lifecycle stage is `stage` (the contacts service gets there by
    consuming the deal's event); fails with the last answer otherwise."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last: Any = None
    while loop.time() < deadline:
        response = await client.get(f"/api/v1/contacts/{contact_id}")
        last = response.json()
        if last.get("lifecycle_stage") == stage:
            return dict(last)
        await asyncio.sleep(0.2)
    raise AssertionError(f"the contact never became {stage}; last seen {last}")
