"""Background work every replica runs: a step run again and again until stopped.

Replicas need no leader: each step claims its rows with row locks (`FOR UPDATE SKIP
LOCKED`), so several replicas split the work and a step interrupted by a crash or a stop
rolls back and is done again by whoever runs next.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

import structlog
from fastapi import FastAPI

Step = Callable[[], Awaitable[bool]]


class BackgroundLoop:
    """Runs `step()` in the background until `stop()`: again at once when it says it has
    more to do (True), else after `poll_seconds` or an earlier `wake()`. A failing step is
    logged and tried again after `poll_seconds`; it never ends the loop."""

    def __init__(self, name: str, step: Step, *, poll_seconds: float) -> None:
        self.name = name
        self.poll_seconds = poll_seconds
        self._step = step
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._log = structlog.get_logger(f"crm.{name}")

    def start(self) -> None:
        """Run in the background until stop()."""
        self._task = asyncio.create_task(self._run(), name=self.name)

    def wake(self) -> None:
        """Run the step now rather than at the next poll."""
        self._wake.set()

    async def stop(self) -> None:
        """Stop; a step in progress is cancelled (its transaction rolls back)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                busy = await self._step()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._log.warning("pass interrupted; will retry", error=repr(exc))
                busy = False
            if not busy:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll_seconds)


Hook = Callable[[FastAPI], Awaitable[None]]


def loop_hooks(name: str, make: Callable[[FastAPI], BackgroundLoop]) -> tuple[Hook, Hook]:
    """Startup and shutdown hooks (create_service_app's `startup_hooks`/`shutdown_hooks`)
    that run the loop `make(app)` builds as `app.state.<name>`; the startup hook builds
    it then, so settings read from the environment are read at start-up."""

    async def start(app: FastAPI) -> None:
        loop = make(app)
        setattr(app.state, name, loop)
        loop.start()

    async def stop(app: FastAPI) -> None:
        loop: BackgroundLoop | None = getattr(app.state, name, None)
        if loop is not None:
            await loop.stop()

    return start, stop
