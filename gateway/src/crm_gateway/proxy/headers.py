"""Header rules of a proxy hop (RFC 9110 section 7.6.1), on raw ASGI header lists."""

import os

Headers = list[tuple[bytes, bytes]]

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Never forwarded upstream: the target sets its own Host, and the raw API key must not leave
# the gateway (services get a minted JWT instead); traceparent is replaced by ours; Expect
# was answered by the gateway's own server already (and a 100 Continue from the service
# would be taken for its answer).
_DROP_UPSTREAM = HOP_BY_HOP | {b"host", b"x-api-key", b"authorization", b"traceparent", b"expect"}

# The gateway's own server adds these; the service's copies would be duplicates.
_DROP_DOWNSTREAM = HOP_BY_HOP | {b"date", b"server"}


def _connection_tokens(headers: Headers) -> set[bytes]:
    """Header names listed in `Connection`, which are hop-by-hop for this message only."""
    tokens: set[bytes] = set()
    for name, value in headers:
        if name.lower() == b"connection":
            tokens.update(t.strip().lower() for t in value.split(b","))
    return tokens


def upstream_headers(
    incoming: Headers, *, token: str, request_id: str, traceparent: str | None, client: str | None
) -> Headers:
    """Request headers for the service: end-to-end ones plus auth, request id and trace."""
    drop = _DROP_UPSTREAM | _connection_tokens(incoming) | {b"x-request-id", b"x-forwarded-for"}
    out = [(name, value) for name, value in incoming if name not in drop]
    out.append((b"authorization", b"Bearer " + token.encode()))
    out.append((b"x-request-id", request_id.encode()))
    if traceparent:
        out.append((b"traceparent", traceparent.encode()))
    if client:
        chain = [v for n, v in incoming if n == b"x-forwarded-for"] + [client.encode()]
        out.append((b"x-forwarded-for", b", ".join(chain)))
    return out


def downstream_headers(upstream: Headers, *, request_id: str, traceparent: str | None) -> Headers:
    """Response headers for the client: the service's end-to-end ones, ids made sure of."""
    drop = _DROP_DOWNSTREAM | _connection_tokens(upstream)
    out = [(name.lower(), value) for name, value in upstream if name.lower() not in drop]
    names = {name for name, _ in out}
    if b"x-request-id" not in names:
        out.append((b"x-request-id", request_id.encode()))
    if traceparent and b"traceparent" not in names:
        out.append((b"traceparent", traceparent.encode()))
    return out


def request_id_from(value: bytes | None) -> str:
    """The caller's `X-Request-ID` (printable, at most 128 chars) or a new random one."""
    if value:
        text = value.decode("latin-1")[:128]
        if text.isprintable():
            return text
    return os.urandom(16).hex()  # as unique as uuid4().hex, at a fraction of the cost


def request_head(
    method: str, target: bytes, host: bytes, headers: Headers, body: bytes | None
) -> tuple[bytes, bool]:
    """The HTTP/1.1 request head, and whether the body must be sent chunked.

    `body` is None for a body still streaming in: it keeps the caller's Content-Length if it
    sent one, else goes chunked. A body already whole gets a Content-Length if it lacks one.
    """
    lines = [method.encode(), b" ", target, b" HTTP/1.1\r\nhost: ", host, b"\r\n"]
    has_length = False
    for name, value in headers:
        if name == b"content-length":
            has_length = True
        lines += (name, b": ", value, b"\r\n")
    chunked = False
    if not has_length:
        if body is None:
            lines.append(b"transfer-encoding: chunked\r\n")
            chunked = True
        elif body or method in ("POST", "PUT", "PATCH"):
            lines += (b"content-length: ", str(len(body)).encode(), b"\r\n")
    lines.append(b"\r\n")
    return b"".join(lines), chunked
