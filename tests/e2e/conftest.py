"""End-to-end fixtures: an independent reader of the contacts topic, started once; readers
of the sales topics and a sales user's gateway client, new for each test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from support.sales_gateway import user_client

from crm_cli.stack import Stack
from tests.e2e.events import TopicReader


@pytest.fixture(scope="session")
async def contact_events(stack: Any) -> AsyncIterator[TopicReader]:
    reader = TopicReader(stack.kafka_bootstrap, "crm.contacts.contact")
    await reader.start()
    yield reader
    await reader.stop()


@asynccontextmanager
async def _reading(stack: Stack, topic: str) -> AsyncIterator[TopicReader]:
    reader = TopicReader(stack.kafka_bootstrap, topic)
    await reader.start()
    try:
        yield reader
    finally:
        await reader.stop()


@pytest.fixture
async def deal_events(stack: Stack) -> AsyncIterator[TopicReader]:
    async with _reading(stack, "crm.sales.deal") as reader:
        yield reader


@pytest.fixture
async def lead_events(stack: Stack) -> AsyncIterator[TopicReader]:
    async with _reading(stack, "crm.sales.lead") as reader:
        yield reader


@pytest.fixture
async def activity_events(stack: Stack) -> AsyncIterator[TopicReader]:
    async with _reading(stack, "crm.sales.activity") as reader:
        yield reader


@pytest.fixture
async def seller(stack: Stack, gateway: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway client of a new user holding the `sales` role."""
    async with await user_client(stack, gateway, "sales") as client:
        yield client
