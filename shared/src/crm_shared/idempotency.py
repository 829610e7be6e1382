"""`Idempotency-Key` on POST: the first response is stored and replayed for retries."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Table, delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_shared.auth import verify_token
from crm_shared.db import Database, new_metadata
from crm_shared.problems import ProblemError, send_problem

KEYS: Table = new_metadata().tables["idempotency_keys"]
# A request that never finished (its process died) stops blocking retries after this long.
ABANDONED_AFTER = timedelta(seconds=60)
# How long a stored response can be replayed; clients retry within minutes, not days.
KEPT_FOR = timedelta(hours=24)


async def purge_expired(db: Database) -> int:
    """Delete stored responses older than KEPT_FOR; returns how many."""
    async with db.engine.begin() as conn:
        result = await conn.execute(
            delete(KEYS).where(KEYS.c.created_at < datetime.now(UTC) - KEPT_FOR)
        )
    return int(result.rowcount or 0)


_FORGET = text(
    "DELETE FROM idempotency_keys WHERE position(convert_to(:needle, 'UTF8') in response_body) > 0"
)


async def forget_responses_mentioning(session: AsyncSession, needle: str) -> None:
    """Delete stored responses whose body contains `text` (e.g. an erased person's id),
    in the caller's transaction: an erased person must not come back by a replay."""
    await session.execute(_FORGET, {"needle": needle})


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return dict(scope["headers"])


class IdempotencyMiddleware:
    """Replays the stored response of a POST that carried an already-used Idempotency-Key."""

    def __init__(self, app: ASGIApp, streamed: Collection[str] = ()) -> None:
        self.app = app
        # Bulk uploads are never buffered: their key stands for the request on its own.
        self.streamed = frozenset(streamed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        key = headers.get(b"idempotency-key")
        if key is None:
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        principal = self._principal(state.settings, headers.get(b"authorization"))
        if principal is None or len(key) > 200:
            await self.app(scope, receive, send)  # the route answers 401 / we don't key it
            return
        streamed = scope["path"] in self.streamed
        body, more = b"", not streamed
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        request_hash = hashlib.sha256(scope["path"].encode() + b"\n" + body).hexdigest()
        db: Database = state.db
        claimed, row = await self._claim(db, principal, key.decode("latin-1"), request_hash)
        if not claimed:
            await self._answer_existing(send, row, request_hash)
            return
        upstream = receive if streamed else None
        await self._run_and_store(scope, body, send, db, principal, key.decode("latin-1"), upstream)

    @staticmethod
    def _principal(settings: Any, authorization: bytes | None) -> str | None:
        if not authorization or not authorization.lower().startswith(b"bearer "):
            return None
        try:
            principal = verify_token(
                settings.jwt_key(),
                authorization[7:].decode("latin-1"),
                issuer=settings.jwt_issuer,
                audience=settings.jwt_audience,
            )
        except ProblemError:
            return None
        return principal.subject

    @staticmethod
    async def _claim(db: Database, principal: str, key: str, request_hash: str) -> tuple[bool, Any]:
        async with db.engine.begin() as conn:
            inserted = await conn.execute(
                insert(KEYS)
                .values(principal=principal, key=key, request_hash=request_hash)
                .on_conflict_do_nothing()
                .returning(KEYS.c.key)
            )
            if inserted.first() is not None:
                return True, None
            row = (
                await conn.execute(
                    select(KEYS).where(KEYS.c.principal == principal, KEYS.c.key == key)
                )
            ).first()
            stale = (
                row is not None
                and row.status_code is None
                and (row.created_at < datetime.now(UTC) - ABANDONED_AFTER)
            )
            if stale:
                await conn.execute(
                    update(KEYS)
                    .where(KEYS.c.principal == principal, KEYS.c.key == key)
                    .values(request_hash=request_hash, created_at=datetime.now(UTC))
                )
                return True, None
            return False, row

    @staticmethod
    async def _answer_existing(send: Send, row: Any, request_hash: str) -> None:
        if row is None:
            await send_problem(
                send, ProblemError(409, detail="This Idempotency-Key is being used; retry shortly")
            )
        elif row.request_hash != request_hash:
            await send_problem(
                send,
                ProblemError(422, detail="This Idempotency-Key was used for a different request"),
            )
        elif row.status_code is None:
            await send_problem(
                send,
                ProblemError(409, detail="A request with this Idempotency-Key is still running"),
            )
        else:
            stored = [(k.encode(), v.encode()) for k, v in row.response_headers]
            stored.append((b"idempotent-replayed", b"true"))
            await send(
                {"type": "http.response.start", "status": row.status_code, "headers": stored}
            )
            await send({"type": "http.response.body", "body": row.response_body})

    async def _run_and_store(
        self,
        scope: Scope,
        body: bytes,
        send: Send,
        db: Database,
        principal: str,
        key: str,
        upstream: Receive | None = None,
    ) -> None:
        sent = False

        async def replay_receive() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status = 500
        response_headers: list[tuple[bytes, bytes]] = []
        chunks: list[bytes] = []
        stored = False
        where = (KEYS.c.principal == principal, KEYS.c.key == key)

        async def store() -> None:
            nonlocal stored
            kept = [
                (k.decode("latin-1"), v.decode("latin-1"))
                for k, v in response_headers
                if k.lower() not in (b"x-request-id", b"traceparent")
            ]
            async with db.engine.begin() as conn:
                await conn.execute(
                    update(KEYS)
                    .where(*where)
                    .values(
                        status_code=status,
                        response_headers=orjson.loads(orjson.dumps(kept)),
                        response_body=b"".join(chunks),
                    )
                )
            stored = True

        async def capture(message: Message) -> None:
            nonlocal status, response_headers
            if message["type"] == "http.response.start":
                status = message["status"]
                response_headers = list(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
                # Stored before the client sees the end of the response, so a retry sent
                # the moment it arrives is replayed rather than told "still running".
                if not message.get("more_body", False) and status < 500:
                    await store()
            await send(message)

        try:
            await self.app(scope, upstream or replay_receive, capture)
        finally:
            if not stored:
                async with db.engine.begin() as conn:
                    await conn.execute(delete(KEYS).where(*where))  # let a retry run it again
