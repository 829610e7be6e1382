"""The CloudEvents 1.0 envelope (structured mode) of every event on the bus."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from crm_shared.telemetry import current_traceparent

CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"


def topic_for(service: str, aggregate: str) -> str:
    """The topic of one aggregate: `crm.<service>.<aggregate>`."""
    return f"crm.{service}.{aggregate}"


def uuid_or_none(value: object) -> uuid.UUID | None:
    """An id read from another service's event: the UUID, or None when it is missing or
    not a UUID (the consumer decides what a missing id means)."""
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def utc_now_rfc3339() -> str:
    """Now, as RFC 3339 UTC with a Z."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def new_event(
    *,
    service: str,
    aggregate: str,
    action: str,
    subject: object,
    data: dict[str, Any],
    sequence: int,
    actor: str | None,
    changed: list[str] | None = None,
) -> dict[str, Any]:
    """A CloudEvent for `action` on one aggregate; `data` is the resource after the change."""
    if changed is not None:
        data = {**data, "changed": changed}
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": f"crm/{service}",
        "type": f"{topic_for(service, aggregate)}.{action}",
        "subject": str(subject),
        "time": utc_now_rfc3339(),
        "datacontenttype": "application/json",
        "sequence": sequence,
        "data": data,
    }
    if actor:
        event["actor"] = actor
    traceparent = current_traceparent()
    if traceparent:
        event["traceparent"] = traceparent
    return event


class Envelope(BaseModel):
    """An incoming CloudEvent, as a consumer sees it."""

    model_config = ConfigDict(extra="allow")

    specversion: str
    id: str
    source: str
    type: str
    subject: str | None = None
    time: str | None = None
    datacontenttype: str | None = None
    sequence: int | str | None = None
    actor: str | None = None
    traceparent: str | None = None
    data: dict[str, Any] = {}


D = TypeVar("D")


class CloudEvent(BaseModel, Generic[D]):
    """The message on every topic, for the AsyncAPI document: a structured-mode CloudEvent
    whose `data` is the resource after the change (plus `changed` on updates)."""

    specversion: Literal["1.0"]
    id: str
    source: str
    type: str
    subject: str
    time: str
    datacontenttype: Literal["application/json"]
    sequence: int
    actor: str | None = None
    traceparent: str | None = None
    data: D
