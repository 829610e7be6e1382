"""End-to-end fixtures: an independent reader of the contacts topic, started once."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.events import TopicReader


@pytest.fixture(scope="session")
async def contact_events(stack: Any) -> AsyncIterator[TopicReader]:
    reader = TopicReader(stack.kafka_bootstrap, "crm.contacts.contact")
    await reader.start()
    yield reader
    await reader.stop()
