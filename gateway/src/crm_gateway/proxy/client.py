"""The one shared HTTP client of the process, tuned for many small keep-alive requests."""

import httpx

from crm_gateway.proxy.transport import PooledHttp11Transport


def new_client(
    *, max_connections: int, connect_timeout: float, timeout: float
) -> httpx.AsyncClient:
    """An AsyncClient with a large keep-alive pool, no env proxies and no default headers.

    httpx adds `Accept-Encoding: gzip` and friends by default; a proxy must forward exactly
    what the caller sent (else it could receive compressed bytes it never asked for).
    """
    client = httpx.AsyncClient(
        transport=PooledHttp11Transport(max_connections_per_host=max_connections),
        timeout=httpx.Timeout(timeout, connect=connect_timeout),
        trust_env=False,
        follow_redirects=False,
    )
    client.headers.clear()
    return client
