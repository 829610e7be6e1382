"""Docker infrastructure for the test suite: Apache Kafka (KRaft) and PostgreSQL containers."""

from __future__ import annotations

import asyncio
from typing import Any

from crm_cli.stack.infra import Infra

KAFKA_IMAGE = "confluentinc/cp-kafka:7.6.1"
POSTGRES_IMAGE = "postgres:16-alpine"
_USER = "crm"
_PASSWORD = "crm"  # noqa: S105 - a throwaway container reachable only from this machine


class DockerInfra(Infra):
    """Testcontainers-managed Kafka and PostgreSQL; needs the `docker` extra and an engine."""

    kind = "docker"

    def __init__(self, *, kafka_image: str = KAFKA_IMAGE, postgres_image: str = POSTGRES_IMAGE):
        self.kafka_image = kafka_image
        self.postgres_image = postgres_image
        self._kafka: Any = None
        self._postgres: Any = None

    async def start(self) -> None:
        # testcontainers is synchronous; pulls and waits happen in threads, side by side.
        await asyncio.gather(
            asyncio.to_thread(self._start_kafka), asyncio.to_thread(self._start_postgres)
        )

    def _start_kafka(self) -> None:
        try:
            from testcontainers.community.kafka import KafkaContainer
        except ImportError:  # testcontainers < 4.15
            from testcontainers.kafka import KafkaContainer

        self._kafka = KafkaContainer(self.kafka_image).with_kraft().start(timeout=120)

    def _start_postgres(self) -> None:
        try:
            from testcontainers.community.postgres import PostgresContainer
        except ImportError:  # testcontainers < 4.15
            from testcontainers.postgres import PostgresContainer

        container = PostgresContainer(
            self.postgres_image, username=_USER, password=_PASSWORD, dbname="postgres", driver=None
        )
        self._postgres = container.start()

    def pause_broker(self) -> None:
        self._kafka_container().pause()

    def resume_broker(self) -> None:
        self._kafka_container().unpause()

    def _kafka_container(self) -> Any:
        if self._kafka is None:
            raise RuntimeError("DockerInfra is not started")
        return self._kafka.get_wrapped_container()

    async def stop(self) -> None:
        for attr in ("_kafka", "_postgres"):
            container = getattr(self, attr)
            if container is not None:
                await asyncio.to_thread(container.stop)
                setattr(self, attr, None)

    @property
    def kafka_bootstrap(self) -> str:
        if self._kafka is None:
            raise RuntimeError("DockerInfra is not started")
        return str(self._kafka.get_bootstrap_server())

    def describe(self) -> str:
        return f"docker: {self.kafka_image} at {self.kafka_bootstrap}, {self.postgres_image}"

    def _address(self) -> str:
        if self._postgres is None:
            raise RuntimeError("DockerInfra is not started")
        host = self._postgres.get_container_host_ip()
        port = self._postgres.get_exposed_port(5432)
        return f"{_USER}:{_PASSWORD}@{host}:{port}"

    def dsn(self, database: str) -> str:
        return f"postgresql://{self._address()}/{database}"

    def database_url(self, database: str) -> str:
        return f"postgresql+asyncpg://{self._address()}/{database}"
