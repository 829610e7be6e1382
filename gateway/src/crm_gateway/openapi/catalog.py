"""Fetches each service's OpenAPI document and keeps the merged result for a while."""

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
import structlog

from crm_gateway.domain.routing import RoutingTable
from crm_gateway.openapi.merge import Doc, merge_documents

_log = structlog.get_logger("crm.gateway.openapi")
_FETCH_TIMEOUT = 2.0
# With a service missing, look again soon: it is probably still starting.
_INCOMPLETE_TTL = 3.0

SECURITY_SCHEMES: dict[str, Any] = {
    "HTTPBearer": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Token from POST /api/v1/auth/token",
    },
    "OAuth2Password": {
        "type": "oauth2",
        "flows": {"password": {"tokenUrl": "/api/v1/auth/token", "scopes": {}}},
    },
    "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
}


def with_security(doc: Doc) -> Doc:
    """`doc` with the gateway's security schemes, any of which authenticates a call."""
    components = doc.setdefault("components", {})
    components["securitySchemes"] = {**components.get("securitySchemes", {}), **SECURITY_SCHEMES}
    doc["security"] = [{name: []} for name in SECURITY_SCHEMES]
    return doc


class OpenApiCatalog:
    """The merged document, rebuilt at most every `ttl` seconds."""

    def __init__(
        self,
        client: Callable[[], httpx.AsyncClient],
        base_urls: Mapping[str, str],
        table: RoutingTable,
        ttl: float,
    ) -> None:
        self._client, self._urls, self._table, self._ttl = client, base_urls, table, ttl
        self._cached: tuple[float, Doc] | None = None
        self._lock = asyncio.Lock()

    async def document(self, base: Callable[[], Doc]) -> Doc:
        """The merged document; `base` builds the gateway's own part."""
        async with self._lock:
            now = time.monotonic()
            if self._cached and self._cached[0] > now:
                return self._cached[1]
            found = await asyncio.gather(*(self._fetch(s) for s in self._table.services))
            docs = {
                service: doc
                for service, doc in zip(self._table.services, found, strict=True)
                if doc
            }
            merged = with_security(merge_documents(base(), docs, self._table.owns))
            ttl = self._ttl if len(docs) == len(self._table.services) else _INCOMPLETE_TTL
            self._cached = (now + min(ttl, self._ttl), merged)
            return merged

    async def _fetch(self, service: str) -> Doc | None:
        url = f"{self._urls[service]}/openapi.json"
        try:
            response = await self._client().get(url, timeout=_FETCH_TIMEOUT)
            response.raise_for_status()
            doc = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            _log.info("service openapi unavailable", service=service, error=repr(exc))
            return None
        return doc if isinstance(doc, dict) else None
