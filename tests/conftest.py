"""Session fixtures: one stack (infrastructure + every service) per test session, started
only when a test asks for it, so unit tests start nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from support.backend import make_infra, report_line
from support.kafka import KafkaEvents
from support.otlp import OtlpReceiver
from support.stack import build_test_stack, login

from crm_cli.stack import Infra, Stack


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `before_stack` run first. The stack starts with the first test that
    needs it and shares the broker's topics: its contacts service would answer a lead
    conversion that an in-process sales app asked of an in-process contacts app."""
    items.sort(key=lambda item: item.get_closest_marker("before_stack") is None)


def pytest_report_header(config: pytest.Config) -> str:
    """Say which infrastructure backend the stack uses (Docker or embedded)."""
    return report_line()


@pytest.fixture(scope="session")
async def infra(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Infra]:
    """Kafka and PostgreSQL for the session (testcontainers or embedded), started."""
    backend = make_infra(tmp_path_factory.mktemp("infra"))
    await backend.start()
    try:
        yield backend
    finally:
        await backend.stop()


@pytest.fixture(scope="session")
async def otlp() -> AsyncIterator[OtlpReceiver]:
    """An OTLP/HTTP receiver on loopback that the session's stack exports its traces to."""
    receiver = OtlpReceiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


@pytest.fixture(scope="session")
async def stack(
    infra: Infra, otlp: OtlpReceiver, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """Every service and the gateway, migrated, ready and supervised (logs in
    `<pytest tmp>/stack*/logs/<name>.log`), exporting traces to `otlp`."""
    with pytest.MonkeyPatch.context() as env:
        # Service processes inherit these (crm_cli.stack.service_env copies os.environ).
        env.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint)
        env.setenv("OTEL_BSP_SCHEDULE_DELAY", "200")
        # The sales schedulers (overdue activities, untouched leads) look every second.
        env.setenv("SALES_OVERDUE_POLL_SECONDS", "1")
        env.setenv("SALES_AUTOMATION_POLL_SECONDS", "1")
        running = build_test_stack(infra, tmp_path_factory.mktemp("stack"))
        await running.start()
        try:
            yield running
        finally:
            await running.stop()


@pytest.fixture(scope="session")
async def admin_token(stack: Stack) -> str:
    """A bearer token of the first admin, obtained through the gateway login."""
    return await login(stack.gateway_url, stack.admin_email, stack.admin_password)


@pytest.fixture
async def gateway(stack: Stack, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the gateway's base URL, authenticated as the admin."""
    async with httpx.AsyncClient(
        base_url=stack.gateway_url,
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=30,
        trust_env=False,
    ) as client:
        yield client


@pytest.fixture
async def kafka_events(infra: Infra) -> AsyncIterator[KafkaEvents]:
    """Factory of independent raw Kafka readers: `reader = await kafka_events(topic)`.

    Needs only the broker, so shared-library tests can use it without the services."""
    events = KafkaEvents(infra.kafka_bootstrap)
    try:
        yield events
    finally:
        await events.close()
