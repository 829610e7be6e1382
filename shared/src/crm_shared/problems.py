"""RFC 9457 problem+json errors, for our own errors and for FastAPI's and Starlette's."""

from __future__ import annotations

from collections.abc import Sequence
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import asyncpg
import orjson
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

PROBLEM_MEDIA_TYPE = "application/problem+json"
_log = structlog.get_logger("crm.problems")


class ProblemError(Exception):
    """An error that answers as `application/problem+json` with the given status."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type_: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.type = type_ or "about:blank"
        self.errors = errors
        self.headers = headers
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        """The JSON body of this problem."""
        body: dict[str, Any] = {"type": self.type, "title": self.title, "status": self.status}
        if self.detail:
            body["detail"] = self.detail
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


def problem_response(problem: ProblemError) -> Response:
    """Render a problem as a response."""
    return Response(
        orjson.dumps(problem.body(), default=str),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_MEDIA_TYPE,
    )


async def send_problem(
    send: Send, problem: ProblemError, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """Send `problem` as the whole response straight to ASGI `send` (for middleware)."""
    body = orjson.dumps(problem.body(), default=str)
    head = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
        *headers,
        *(
            (name.lower().encode(), value.encode())
            for name, value in (problem.headers or {}).items()
        ),
    ]
    await send({"type": "http.response.start", "status": problem.status, "headers": head})
    await send({"type": "http.response.body", "body": body})


def not_found(what: str) -> ProblemError:
    """A 404 for the named thing."""
    return ProblemError(404, "Not Found", f"{what} not found")


def _loc(loc: tuple[Any, ...] | list[Any]) -> list[Any]:
    return [part for part in loc]


def _validation_errors(errors: Any) -> list[dict[str, Any]]:
    return [{"loc": _loc(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]


async def _on_problem(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(exc)


async def _on_http(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        ProblemError(exc.status_code, detail=detail, headers=dict(exc.headers or {}))
    )


async def _on_validation(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw_errors = exc.errors()
    errors = _validation_errors(raw_errors)
    malformed = any(e.get("type") == "json_invalid" for e in raw_errors)
    status = 400 if malformed else 422
    detail = "The request body is not valid JSON" if malformed else "The request is not valid"
    return problem_response(ProblemError(status, detail=detail, errors=errors))


def _bad_data(exc: BaseException) -> bool:
    # PostgreSQL's class 22 "data exception": a value it cannot store or compare, such as
    # a NUL character in text. That is bad input, never our fault.
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncpg.DataError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def unexpected_problem(exc: BaseException, query_string: bytes = b"") -> ProblemError:
    """The problem to answer for an exception nothing else handled (logged here);
    `query_string` (the request's, raw) lets a bad value be traced to its parameter."""
    if _bad_data(exc):
        message = "The request holds a value that cannot be stored (such as a NUL character)"
        # The database names no field: a query parameter holding a NUL is the likely one,
        # else the body as a whole.
        query = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
        locs = [["query", name] for name, value in query if "\x00" in value] or [["body"]]
        errors = [{"loc": loc, "msg": message} for loc in locs]
        return ProblemError(422, detail=message, errors=errors)
    # Log the stack trace for operators; never send it to the client.
    _log.error("unhandled error", exc_info=exc)
    return ProblemError(500, detail="An unexpected error occurred")


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    return problem_response(unexpected_problem(exc, request.scope.get("query_string", b"")))


def install_problem_handlers(app: FastAPI) -> None:
    """Make every error of `app` answer as problem+json, without stack traces."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(Exception, _on_unexpected)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"description": HTTPStatus(status).phrase, "content": {PROBLEM_MEDIA_TYPE: {}}}
    for status in (400, 401, 403, 404, 409, 412, 422, 429)
}
