"""SREs follow one request across services: the spans of one trace reach the collector."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import orjson
from aiokafka import AIOKafkaProducer
from support.otlp import OtlpReceiver

from crm_shared.events import new_event

SERVER, PRODUCER, CONSUMER = 2, 4, 5  # OTLP SpanKind values


async def test_one_trace_spans_gateway_service_outbox(
    gateway: httpx.AsyncClient, otlp: OtlpReceiver
) -> None:
    trace_id = uuid.uuid4().hex
    response = await gateway.post(
        "/api/v1/contacts",
        json={"first_name": "Span", "last_name": trace_id[:10]},
        headers={"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"},
    )
    assert response.status_code == 201, response.text
    await otlp.wait_for(trace_id, lambda s: s.service == "gateway")
    await otlp.wait_for(trace_id, lambda s: s.service == "contacts" and s.kind == SERVER)
    # The relay's publish span continues the request's trace through the outbox row.
    publish = await otlp.wait_for(
        trace_id, lambda s: s.service == "contacts" and s.kind == PRODUCER
    )
    assert "crm.contacts.contact" in publish.name


async def test_consumer_continues_the_producers_trace(
    stack: Any, gateway: httpx.AsyncClient, otlp: OtlpReceiver
) -> None:
    created = await gateway.post("/api/v1/contacts", json={"first_name": "Consumed"})
    assert created.status_code == 201
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    deal_id = str(uuid.uuid4())
    event = new_event(
        service="sales",
        aggregate="deal",
        action="created",
        subject=deal_id,
        data={"id": deal_id, "contact_id": created.json()["id"]},
        sequence=1,
        actor="test",
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        await producer.send_and_wait(
            "crm.sales.deal",
            orjson.dumps(event),
            key=deal_id.encode(),
            headers=[
                ("content-type", b"application/cloudevents+json"),
                ("traceparent", traceparent.encode()),
            ],
        )
    finally:
        await producer.stop()
    consumed = await otlp.wait_for(
        trace_id, lambda s: s.service == "contacts" and s.kind == CONSUMER, timeout=60
    )
    assert "crm.sales.deal" in consumed.name


async def test_a_lead_conversion_is_one_trace_across_both_services(
    stack: Any, gateway: httpx.AsyncClient, otlp: OtlpReceiver
) -> None:
    """The saga's hops (request, event to contacts, contacts' answer, the deal opened)
    all continue the trace of the request that started it."""
    made = await gateway.post(
        "/api/v1/leads",
        json={"first_name": "Trace", "email": f"trace.{uuid.uuid4().hex[:8]}@example.com"},
    )
    assert made.status_code == 201, made.text
    trace_id = uuid.uuid4().hex
    converted = await gateway.post(
        f"/api/v1/leads/{made.json()['id']}/convert",
        json={"deal": {"name": "Traced", "amount": "10.00", "currency": "EUR"}},
        headers={"traceparent": f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"},
    )
    assert converted.status_code == 202, converted.text

    def hop(service: str, kind: int, topic: str) -> Any:
        return otlp.wait_for(
            trace_id,
            lambda s: s.service == service and s.kind == kind and topic in s.name,
            timeout=60,
        )

    await otlp.wait_for(trace_id, lambda s: s.service == "gateway")
    await hop("sales", PRODUCER, "crm.sales.lead")  # conversion_requested, via the outbox
    await hop("contacts", CONSUMER, "crm.sales.lead")
    await hop("contacts", PRODUCER, "crm.contacts.contact")  # the contact, the answer
    await hop("sales", CONSUMER, "crm.contacts.contact")
    await hop("sales", PRODUCER, "crm.sales.deal")  # the deal opened for it
