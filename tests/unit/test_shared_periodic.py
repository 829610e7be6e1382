"""crm_shared.periodic.BackgroundLoop: steps again at once while busy, waits for the poll
or a wake otherwise, survives a failing step, and stops."""

from __future__ import annotations

import asyncio

from crm_shared.periodic import BackgroundLoop


async def test_busy_steps_run_back_to_back_then_the_loop_waits_for_a_wake() -> None:
    calls: list[int] = []
    more = [True, True, False, False]

    async def step() -> bool:
        calls.append(len(calls))
        return more[len(calls) - 1] if len(calls) <= len(more) else False

    loop = BackgroundLoop("test.busy", step, poll_seconds=3600)
    loop.start()
    try:
        await asyncio.sleep(0.05)
        assert len(calls) == 3  # two busy steps, then an idle one: waiting for an hour
        loop.wake()
        await asyncio.sleep(0.05)
        assert len(calls) == 4
    finally:
        await loop.stop()
    await asyncio.sleep(0.02)
    loop.wake()
    assert len(calls) == 4  # stopped: nothing runs any more


async def test_a_failing_step_is_retried_after_the_poll() -> None:
    calls = 0

    async def step() -> bool:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database away")
        return False

    loop = BackgroundLoop("test.failing", step, poll_seconds=0.01)
    loop.start()
    try:
        for _ in range(100):
            if calls >= 3:
                break
            await asyncio.sleep(0.01)
    finally:
        await loop.stop()
    assert calls >= 3
