"""The running platform: infrastructure, one database per service, every service process."""

from __future__ import annotations

import signal
from types import TracebackType

from crm_cli.stack.config import StackConfig
from crm_cli.stack.infra import Infra
from crm_cli.stack.supervisor import Supervisor


class Stack:
    """Start with `async with Stack(config, infra):` (or start()/stop()).

    With `own_infra=False` the infrastructure is assumed started and is left running on
    stop(): the test suite shares one Kafka and PostgreSQL across fixtures.
    """

    def __init__(self, config: StackConfig, infra: Infra, *, own_infra: bool = True) -> None:
        self.config = config
        self.infra = infra
        self.own_infra = own_infra
        self.database_urls: dict[str, str] = {}
        self._supervisor: Supervisor | None = None

    async def start(self) -> None:
        """Start the infrastructure (if owned), create the databases, start every service."""
        try:
            if self.own_infra:
                await self.infra.start()
            self.database_urls = await self.infra.create_databases(self.config.services)
            self._supervisor = Supervisor(
                self.config,
                kafka_bootstrap=self.infra.kafka_bootstrap,
                database_urls=self.database_urls,
            )
            await self._supervisor.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Stop every service, then (if owned) the broker and PostgreSQL."""
        if self._supervisor is not None:
            await self._supervisor.stop()
        if self.own_infra:
            await self.infra.stop()

    async def __aenter__(self) -> Stack:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def supervisor(self) -> Supervisor:
        """The process supervisor (after start())."""
        if self._supervisor is None:
            raise RuntimeError("the stack is not started")
        return self._supervisor

    @property
    def gateway_url(self) -> str:
        """Base URL of the gateway (the API is under /api/v1)."""
        return self.config.ports.url("gateway")

    @property
    def service_urls(self) -> dict[str, str]:
        """Base URL of every process, gateway included, by name."""
        return {name: self.config.ports.url(name) for name in self.config.services}

    @property
    def kafka_bootstrap(self) -> str:
        """KAFKA_BOOTSTRAP_SERVERS of the stack."""
        return self.infra.kafka_bootstrap

    @property
    def jwt_secret(self) -> str:
        """The HS256 key every service verifies tokens with."""
        return self.config.jwt_secret

    @property
    def admin_email(self) -> str:
        """Email of the first admin user."""
        return self.config.admin_email

    @property
    def admin_password(self) -> str:
        """Password of the first admin user."""
        return self.config.admin_password

    async def wait(self) -> None:
        """Supervise until cancelled."""
        await self.supervisor.wait()

    def kill(self, name: str, sig: int = signal.SIGKILL) -> int:
        """Send `sig` to service `name` and return its pid; the supervisor restarts it
        (follow with `await wait_ready(name)`)."""
        return self.supervisor.kill(name, sig)

    def pause_broker(self) -> None:
        """Freeze Kafka (connections hang, nothing is refused) until resume_broker()."""
        self.infra.pause_broker()

    def resume_broker(self) -> None:
        """Let a paused Kafka run again."""
        self.infra.resume_broker()

    async def restart(self, name: str) -> None:
        """Gracefully restart service `name` and wait until it is ready again."""
        await self.supervisor.restart(name)

    async def wait_ready(self, name: str, *, timeout: float = 60.0) -> None:
        """Wait until service `name` answers /healthz and /readyz."""
        await self.supervisor.wait_ready(name, timeout=timeout)

    def pid(self, name: str) -> int | None:
        """Pid of service `name`'s serve process (None while it is being restarted)."""
        return self.supervisor[name].pid

    def restarts(self, name: str) -> int:
        """How many times the supervisor restarted service `name` after it died."""
        return self.supervisor[name].restarts
