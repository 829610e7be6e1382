"""problem+json answers on the proxy path, which carry the request's ids."""

from starlette.types import Send

from crm_shared.problems import ProblemError
from crm_shared.problems import send_problem as send_bare_problem


async def send_problem(
    send: Send, problem: ProblemError, *, request_id: str, traceparent: str | None = None
) -> None:
    """Send `problem` as the whole response, with `X-Request-ID` (and `traceparent`)."""
    ids = [(b"x-request-id", request_id.encode())]
    if traceparent:
        ids.append((b"traceparent", traceparent.encode()))
    await send_bare_problem(send, problem, ids)
