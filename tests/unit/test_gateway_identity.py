"""Caller identification: cached JWT checks and API key lookups (with a fake key store)."""

import asyncio
import time
import uuid

import jwt
import pytest

from crm_gateway.domain.api_keys import ApiKeyRecord, generate_key, hash_key
from crm_gateway.domain.ttl_cache import TTLCache
from crm_gateway.proxy.identity import ApiKeyResolver, TokenVerifier
from crm_gateway.proxy.tracing import ProxyTracing
from crm_shared.auth import issue_token
from crm_shared.problems import ProblemError

SECRET = "unit-test-secret-unit-test-secret"


def _resolver(store: "FakeKeyStore", cache_seconds: float = 5.0) -> ApiKeyResolver:
    return ApiKeyResolver(
        store.lookup,
        secret=SECRET,
        issuer="crm-gateway",
        audience="crm",
        cache_seconds=cache_seconds,
    )


def test_token_verifier_accepts_good_tokens_and_caches_them() -> None:
    verifier = TokenVerifier(SECRET, issuer="crm-gateway", audience="crm")
    token = issue_token(SECRET, subject="u1", email="a@b.c", roles=["sales"])
    first = verifier.verify(token)
    assert first.principal.subject == "u1"
    assert first.principal.roles == frozenset({"sales"})
    assert first.token == token
    assert verifier.verify(token) is first


@pytest.mark.parametrize(
    "token",
    [
        issue_token("another-secret-another-secret-123", subject="u", email=None, roles=[]),
        issue_token(SECRET, subject="u", email=None, roles=[], audience="other"),
        issue_token(SECRET, subject="u", email=None, roles=[], ttl_seconds=-5),
        "not.a.jwt",
    ],
    ids=["wrong-secret", "wrong-audience", "expired", "garbage"],
)
def test_token_verifier_refuses_bad_tokens(token: str) -> None:
    verifier = TokenVerifier(SECRET, issuer="crm-gateway", audience="crm")
    with pytest.raises(ProblemError) as caught:
        verifier.verify(token)
    assert caught.value.status == 401


class FakeKeyStore:
    """Key hash -> record, counting lookups; `revoke` removes a key."""

    def __init__(self) -> None:
        self.records: dict[str, ApiKeyRecord] = {}
        self.lookups = 0

    def add(self, roles: tuple[str, ...], rate: float | None = None) -> tuple[str, ApiKeyRecord]:
        key = generate_key()
        record = ApiKeyRecord(uuid.uuid4(), roles, rate)
        self.records[hash_key(key)] = record
        return key, record

    async def lookup(self, key_hash: str) -> ApiKeyRecord | None:
        self.lookups += 1
        await asyncio.sleep(0.01)
        return self.records.get(key_hash)


async def test_api_key_becomes_a_minted_jwt_with_its_roles_and_limit() -> None:
    store = FakeKeyStore()
    key, record = store.add(("integrator",), rate=5.0)
    resolver = _resolver(store)
    identity = await resolver.resolve(key)
    assert identity.principal.subject == f"apikey:{record.id}"
    assert identity.rate_limit == 5.0
    claims = jwt.decode(identity.token, SECRET, algorithms=["HS256"], audience="crm")
    assert claims["sub"] == f"apikey:{record.id}"
    assert claims["roles"] == ["integrator"]
    assert claims["exp"] > time.time() + 60


async def test_concurrent_misses_share_one_lookup_and_hits_need_none() -> None:
    store = FakeKeyStore()
    key, _ = store.add(("sales",))
    resolver = _resolver(store)
    identities = await asyncio.gather(*(resolver.resolve(key) for _ in range(20)))
    assert len({i.token for i in identities}) == 1
    await resolver.resolve(key)
    assert store.lookups == 1


async def test_revocation_takes_effect_within_the_cache_time() -> None:
    store = FakeKeyStore()
    key, _ = store.add(("sales",))
    resolver = _resolver(store, cache_seconds=0.1)
    await resolver.resolve(key)
    store.records.clear()  # revoked by another gateway replica
    await asyncio.sleep(0.15)
    with pytest.raises(ProblemError):
        await resolver.resolve(key)


async def test_forget_revokes_at_once_in_this_process() -> None:
    store = FakeKeyStore()
    key, record = store.add(("sales",))
    resolver = _resolver(store, cache_seconds=60)
    await resolver.resolve(key)
    store.records.clear()
    resolver.forget(record.id)
    with pytest.raises(ProblemError):
        await resolver.resolve(key)


@pytest.mark.parametrize("key", ["", "nope", "crm_" + "a" * 300, "crm_ünïcode"])
async def test_malformed_keys_never_reach_the_store(key: str) -> None:
    store = FakeKeyStore()
    resolver = _resolver(store)
    with pytest.raises(ProblemError):
        await resolver.resolve(key)
    assert store.lookups == 0


def test_ttl_cache_expires_and_stays_bounded() -> None:
    cache: TTLCache[str, int] = TTLCache(max_entries=3)
    cache.put("a", 1, deadline=10.0, now=0.0)
    assert cache.get("a", 5.0) == (True, 1)
    assert cache.get("a", 10.0) == (False, None)
    for i in range(10):
        cache.put(f"k{i}", i, deadline=100.0, now=0.0)
        assert len(cache) <= 3
    assert cache.get("k9", 1.0) == (True, 9)
    cache.discard_if(lambda value: value == 9)
    assert cache.get("k9", 1.0) == (False, None)


def test_traceparent_continues_the_callers_trace_with_a_new_span() -> None:
    tracing = ProxyTracing(recording=False)
    incoming = b"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    span, traceparent = tracing.start("GET", "/api/v1/contacts", incoming)
    assert span is None
    version, trace_id, span_id, flags = traceparent.split("-")
    assert (version, trace_id, flags) == ("00", "4bf92f3577b34da6a3ce929d0e0e4736", "01")
    assert len(span_id) == 16
    assert span_id != "00f067aa0ba902b7"
    _, fresh = tracing.start("GET", "/x", b"00-garbage")
    assert len(fresh.split("-")[1]) == 32
    assert fresh.split("-")[1] != trace_id


def test_recording_tracing_always_yields_a_usable_traceparent() -> None:
    span, traceparent = ProxyTracing(recording=True).start("POST", "/api/v1/deals", None)
    ProxyTracing.finish(span, 201)
    version, trace_id, span_id, _ = traceparent.split("-")
    assert version == "00"
    assert trace_id != "0" * 32
    assert span_id != "0" * 16
