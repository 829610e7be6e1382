"""Every service process of the stack: started in parallel, supervised, stopped together."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Mapping

from crm_cli.stack.config import StackConfig, service_env
from crm_cli.stack.ports import ensure_free
from crm_cli.stack.service import ServiceProcess, StackError


class Supervisor:
    """Runs `migrate` then `serve` for each service of `config` and keeps them running."""

    def __init__(
        self, config: StackConfig, *, kafka_bootstrap: str, database_urls: Mapping[str, str]
    ) -> None:
        self.config = config
        self.services = {
            name: ServiceProcess(
                name,
                module=config.module(name),
                port=config.ports.services[name],
                env=service_env(
                    config,
                    name,
                    kafka_bootstrap=kafka_bootstrap,
                    database_url=database_urls[name],
                ),
                log_path=config.log_dir / f"{name}.log",
            )
            for name in config.services
        }
        self._watchers: list[asyncio.Task[None]] = []

    def __getitem__(self, name: str) -> ServiceProcess:
        try:
            return self.services[name]
        except KeyError:
            raise KeyError(f"no service {name!r}; services: {', '.join(self.services)}") from None

    async def start(self, *, timeout: float = 120.0) -> None:
        """Bring every service up at once (migrate, serve, ready); then supervise them.

        On any failure everything started so far is stopped and StackError is raised.
        """
        for service in self.services.values():
            ensure_free(service.port, what=service.name)
        try:
            async with asyncio.timeout(timeout), asyncio.TaskGroup() as group:
                # A TaskGroup cancels the other services' start-up as soon as one fails.
                for service in self.services.values():
                    group.create_task(self._bring_up(service))
        except BaseException as exc:
            await self.stop()
            if isinstance(exc, TimeoutError):
                raise StackError(f"the stack did not become ready within {timeout}s") from exc
            if isinstance(exc, BaseExceptionGroup):
                raise _first_failure(exc) from exc
            raise
        self._watchers = [
            asyncio.create_task(s.supervise(), name=f"supervise-{s.name}")
            for s in self.services.values()
        ]

    @staticmethod
    async def _bring_up(service: ServiceProcess) -> None:
        await service.migrate()
        await service.start()
        await service.wait_ready(fail_fast=True)

    async def wait(self) -> None:
        """Block while supervising (until the task running this is cancelled)."""
        await asyncio.gather(*self._watchers)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to service `name` (the supervisor will restart it); its old pid."""
        return self[name].kill(sig)

    async def restart(self, name: str) -> None:
        """Gracefully restart service `name` and wait until it is ready."""
        await self[name].restart()

    async def wait_ready(self, name: str, *, timeout: float = 60.0) -> None:
        """Wait until service `name` answers /healthz and /readyz."""
        await self[name].wait_ready(timeout=timeout)

    async def stop(self, *, timeout: float = 10.0) -> None:
        """Stop supervising, then SIGTERM every service (SIGKILL after `timeout`)."""
        for watcher in self._watchers:
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)
        self._watchers = []
        await asyncio.gather(*(s.stop(timeout=timeout) for s in self.services.values()))


def _first_failure(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error worth showing from a failed start-up: a StackError (it carries the log)."""
    errors = list(group.exceptions)
    return next((e for e in errors if isinstance(e, StackError)), errors[0])


__all__ = ["StackError", "Supervisor"]
