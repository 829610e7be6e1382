"""The CloudEvents envelope is what the official SDK reads."""

from __future__ import annotations

import uuid

import orjson
from cloudevents.core.bindings import kafka

from crm_shared.events import Envelope, new_event, topic_for


def test_topic_naming() -> None:
    assert topic_for("contacts", "contact") == "crm.contacts.contact"


def test_event_is_structured_cloudevent_readable_by_sdk() -> None:
    subject = uuid.uuid4()
    event = new_event(
        service="contacts",
        aggregate="contact",
        action="updated",
        subject=subject,
        data={"id": str(subject), "email": "a@b.io"},
        sequence=4,
        actor="user-1",
        changed=["email"],
    )
    message = kafka.KafkaMessage(
        headers={"content-type": b"application/cloudevents+json"},
        key=str(subject).encode(),
        value=orjson.dumps(event),
    )
    parsed = kafka.from_kafka_event(message)
    assert parsed.get_type() == "crm.contacts.contact.updated"
    assert parsed.get_source() == "crm/contacts"
    assert parsed.get_subject() == str(subject)
    assert parsed.get_extension("sequence") == 4
    assert parsed.get_extension("actor") == "user-1"
    data = parsed.get_data()
    assert isinstance(data, dict)
    assert data["changed"] == ["email"]
    assert event["time"].endswith("Z")
    envelope = Envelope.model_validate_json(orjson.dumps(event))
    assert envelope.data["email"] == "a@b.io"
    assert envelope.id == event["id"]


def test_each_event_gets_its_own_id() -> None:
    def make() -> str:
        event = new_event(
            service="s", aggregate="a", action="x", subject=1, data={}, sequence=1, actor=None
        )
        assert "actor" not in event
        return str(event["id"])

    assert make() != make()
