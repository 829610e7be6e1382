"""Header rules of the proxy hop and the request head it writes."""

from crm_gateway.proxy.headers import (
    downstream_headers,
    request_head,
    request_id_from,
    upstream_headers,
)

INCOMING = [
    (b"host", b"gateway.example.com"),
    (b"authorization", b"Bearer caller-token"),
    (b"x-api-key", b"crm_secret"),
    (b"connection", b"keep-alive, x-custom-hop"),
    (b"x-custom-hop", b"1"),
    (b"keep-alive", b"timeout=5"),
    (b"transfer-encoding", b"chunked"),
    (b"te", b"trailers"),
    (b"upgrade", b"h2c"),
    (b"proxy-authorization", b"Basic x"),
    (b"traceparent", b"00-caller-trace"),
    (b"x-request-id", b"caller-id"),
    (b"x-forwarded-for", b"1.2.3.4"),
    (b"content-type", b"application/json"),
    (b"idempotency-key", b"abc"),
    (b"expect", b"100-continue"),
]


def test_upstream_headers_keep_end_to_end_and_replace_identity() -> None:
    out = upstream_headers(
        INCOMING, token="minted", request_id="rid-1", traceparent="00-ours", client="10.0.0.9"
    )
    names = [name for name, _ in out]
    assert dict(out) == {
        b"content-type": b"application/json",
        b"idempotency-key": b"abc",
        b"authorization": b"Bearer minted",
        b"x-request-id": b"rid-1",
        b"traceparent": b"00-ours",
        b"x-forwarded-for": b"1.2.3.4, 10.0.0.9",
    }
    assert len(names) == len(set(names))


def test_downstream_headers_drop_hop_by_hop_and_duplicates_of_ours() -> None:
    upstream = [
        (b"Content-Type", b"application/json"),
        (b"Connection", b"close, X-Private"),
        (b"X-Private", b"1"),
        (b"Transfer-Encoding", b"chunked"),
        (b"Date", b"yesterday"),
        (b"Server", b"uvicorn"),
        (b"traceparent", b"00-service-span"),
        (b"ETag", b'"3"'),
    ]
    out = downstream_headers(upstream, request_id="rid-2", traceparent="00-gateway")
    assert out == [
        (b"content-type", b"application/json"),
        (b"traceparent", b"00-service-span"),
        (b"etag", b'"3"'),
        (b"x-request-id", b"rid-2"),
    ]


def test_request_head_for_whole_and_streamed_bodies() -> None:
    head, chunked = request_head(
        "POST", b"/api/v1/contacts?x=1", b"svc:8101", [(b"content-type", b"a/b")], b"{}"
    )
    assert head == (
        b"POST /api/v1/contacts?x=1 HTTP/1.1\r\nhost: svc:8101\r\n"
        b"content-type: a/b\r\ncontent-length: 2\r\n\r\n"
    )
    assert not chunked
    head, chunked = request_head("PUT", b"/x", b"h", [(b"content-length", b"10")], None)
    assert b"content-length: 10\r\n" in head
    assert b"transfer-encoding" not in head
    assert not chunked
    head, chunked = request_head("POST", b"/x", b"h", [], None)
    assert head.endswith(b"transfer-encoding: chunked\r\n\r\n")
    assert chunked
    head, _ = request_head("GET", b"/x", b"h", [], b"")
    assert head == b"GET /x HTTP/1.1\r\nhost: h\r\n\r\n"


def test_request_id_is_kept_when_sane_else_generated() -> None:
    assert request_id_from(b"abc-123") == "abc-123"
    assert len(request_id_from(b"x" * 500)) == 128
    generated = request_id_from(None)
    assert len(generated) == 32
    assert generated != request_id_from(None)
    assert request_id_from(b"bad\x01id") != "bad\x01id"


def test_only_requests_safe_to_repeat_are_resent_on_a_dropped_connection() -> None:
    from crm_gateway.proxy.transport import _may_resend

    assert _may_resend(b"GET /api/v1/contacts HTTP/1.1\r\nhost: x\r\n\r\n")
    assert _may_resend(b"DELETE /api/v1/contacts/1 HTTP/1.1\r\nhost: x\r\n\r\n")
    assert not _may_resend(b"POST /api/v1/contacts HTTP/1.1\r\nhost: x\r\n\r\n")
    assert not _may_resend(b"PATCH /api/v1/contacts/1 HTTP/1.1\r\nhost: x\r\n\r\n")
    assert _may_resend(b"POST /api/v1/contacts HTTP/1.1\r\nIdempotency-Key: k1\r\n\r\n")
