"""Importing a CSV of contacts as any API client would: stream the file to
`POST /api/v1/contacts/imports` (the body is the file itself, `text/csv`, options in the
query), then follow the import until it finishes and fetch its row report."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Generator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

IMPORTS = "/api/v1/contacts/imports"
CHUNK_BYTES = 256 * 1024
FINISHED = frozenset({"completed", "failed", "cancelled"})


class ImportFailedError(RuntimeError):
    """The service refused the upload or the login; the message says why."""


@dataclass(frozen=True)
class ImportRequest:
    """What to import and how (see `crm import --help`)."""

    path: Path
    mapping: dict[str, str] | None = None
    dedup: str = "skip"
    dry_run: bool = False
    encoding: str = "utf-8"
    delimiter: str = ","

    def params(self) -> dict[str, str]:
        """The upload's query parameters."""
        params = {
            "dedup": self.dedup,
            "dry_run": "true" if self.dry_run else "false",
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "filename": self.path.name,
        }
        if self.mapping is not None:
            params["mapping"] = json.dumps(self.mapping)
        return params


@dataclass
class ImportResult:
    """The finished import and the first rows of its report."""

    job: dict[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)


def parse_mapping(pairs: Sequence[str]) -> dict[str, str] | None:
    """`["E-mail=email", "Org=company"]` as a mapping; None when there is none.

    The field is after the last `=`, so a column name may itself hold one.
    """
    if not pairs:
        return None
    mapping: dict[str, str] = {}
    for pair in pairs:
        column, separator, target = pair.rpartition("=")
        if not separator or not column or not target:
            raise ValueError(f"--map takes COLUMN=FIELD, not {pair!r}")
        mapping[column] = target
    return mapping


class LoginAuth(httpx.Auth):
    """Bearer tokens from `POST /api/v1/auth/token`, fetched again when one expires
    (tokens last minutes; a big import is followed for longer)."""

    requires_response_body = True  # the login's JSON, and a 401 to retry after

    def __init__(self, email: str, password: str) -> None:
        self._form = {"username": email, "password": password}
        self._token: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Log in when needed, send the request; once more after a 401 (not an upload)."""
        if self._token is None:
            self._token = yield from self._login(request)
        request.headers["Authorization"] = f"Bearer {self._token}"
        response = yield request
        if response.status_code == 401 and request.method == "GET":
            self._token = yield from self._login(request)
            request.headers["Authorization"] = f"Bearer {self._token}"
            yield request

    def _login(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, str]:
        url = request.url.copy_with(path="/api/v1/auth/token", query=None)
        response = yield httpx.Request("POST", url, data=self._form)
        if response.status_code != 200:
            raise ImportFailedError(f"login failed: {response.status_code} {response.text}")
        return str(response.json()["access_token"])


async def _file_chunks(path: Path, on_bytes: Callable[[int], None]) -> AsyncIterator[bytes]:
    with path.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, CHUNK_BYTES):
            on_bytes(len(chunk))
            yield chunk


def _refusal(response: httpx.Response) -> ImportFailedError:
    try:
        body = response.json()
    except ValueError:
        return ImportFailedError(f"{response.status_code}: {response.text[:500]}")
    lines = [f"{response.status_code} {body.get('detail') or body.get('title')}"]
    for error in body.get("errors") or []:
        lines.append(f"  {'.'.join(map(str, error.get('loc', [])))}: {error.get('msg')}")
    return ImportFailedError("\n".join(lines))


async def upload(
    client: httpx.AsyncClient, request: ImportRequest, on_bytes: Callable[[int], None]
) -> dict[str, Any]:
    """Stream the file; the import as the service answered (202), never the whole file
    in memory. `on_bytes` is told the size of every chunk sent."""
    size = request.path.stat().st_size
    response = await client.post(
        IMPORTS,
        params=request.params(),
        content=_file_chunks(request.path, on_bytes),
        headers={"Content-Type": "text/csv", "Content-Length": str(size)},
    )
    if response.status_code != 202:
        raise _refusal(response)
    return dict(response.json())


async def follow(
    client: httpx.AsyncClient,
    import_id: str,
    on_update: Callable[[dict[str, Any]], None],
    *,
    poll_seconds: float = 0.5,
) -> dict[str, Any]:
    """Poll the import until it finishes, telling `on_update` each state; the last one."""
    while True:
        response = await client.get(f"{IMPORTS}/{import_id}")
        if response.status_code != 200:
            raise _refusal(response)
        job = dict(response.json())
        on_update(job)
        if job["status"] in FINISHED:
            return job
        await asyncio.sleep(poll_seconds)


async def first_problems(
    client: httpx.AsyncClient, import_id: str, *, limit: int
) -> list[dict[str, Any]]:
    """The first `limit` rows of the import's report (the rest: follow its cursor)."""
    response = await client.get(f"{IMPORTS}/{import_id}/errors", params={"limit": limit})
    if response.status_code != 200:
        raise _refusal(response)
    return list(response.json()["items"])
