"""Polling a service's /healthz and /readyz."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

POLL_SECONDS = 0.1


def new_client() -> httpx.AsyncClient:
    """A client for loopback probes that ignores proxy settings from the environment."""
    return httpx.AsyncClient(timeout=2.0, trust_env=False)


async def answers_ok(client: httpx.AsyncClient, url: str) -> bool:
    """True when GET `url` answers 200; False on any other status or a connection error."""
    try:
        response = await client.get(url)
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def wait_until_ok(
    client: httpx.AsyncClient,
    url: str,
    *,
    timeout: float,
    gave_up: Callable[[], str | None] = lambda: None,
) -> None:
    """Poll `url` until it answers 200.

    Raises TimeoutError after `timeout` seconds, or RuntimeError as soon as `gave_up()`
    returns a reason (e.g. the process exited), so a crash does not cost the whole timeout.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await answers_ok(client, url):
        reason = gave_up()
        if reason is not None:
            raise RuntimeError(f"{url}: {reason}")
        if loop.time() > deadline:
            raise TimeoutError(f"{url} did not answer 200 within {timeout}s")
        await asyncio.sleep(POLL_SECONDS)
