"""problem+json answers written straight to ASGI `send`, for the request path."""

import orjson
from starlette.types import Send

from crm_shared.problems import PROBLEM_MEDIA_TYPE, ProblemError

_CONTENT_TYPE = (b"content-type", PROBLEM_MEDIA_TYPE.encode())


async def send_problem(
    send: Send, problem: ProblemError, *, request_id: str, traceparent: str | None = None
) -> None:
    """Send `problem` as the whole response, with `X-Request-ID` (and `traceparent`)."""
    body = orjson.dumps(problem.body())
    headers = [
        _CONTENT_TYPE,
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]
    if traceparent:
        headers.append((b"traceparent", traceparent.encode()))
    for name, value in (problem.headers or {}).items():
        headers.append((name.lower().encode(), value.encode()))
    await send({"type": "http.response.start", "status": problem.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
