"""Token bucket and the bounded per-principal limiter."""

import pytest

from crm_gateway.domain.rate_limit import RateLimiter, TokenBucket, retry_after_seconds


def test_bucket_allows_burst_then_refuses_until_refilled() -> None:
    bucket = TokenBucket(rate=2.0, burst=3.0, tokens=3.0, updated=0.0)
    assert [bucket.take(0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert bucket.take(0.0) == pytest.approx(0.5)
    # Half a second at 2 tokens/s refills exactly one token.
    assert bucket.take(0.5) == 0.0
    assert bucket.take(0.5) > 0.0


def test_bucket_never_exceeds_burst_after_long_idle() -> None:
    bucket = TokenBucket(rate=10.0, burst=2.0, tokens=0.0, updated=0.0)
    results = [bucket.take(1000.0) for _ in range(3)]
    assert results[:2] == [0.0, 0.0]
    assert results[2] > 0.0


@pytest.mark.parametrize(("wait", "header"), [(0.0001, 1), (0.5, 1), (1.0, 1), (1.01, 2), (3.7, 4)])
def test_retry_after_is_whole_seconds_at_least_one(wait: float, header: int) -> None:
    assert retry_after_seconds(wait) == header


def test_limiter_keeps_principals_apart() -> None:
    limiter = RateLimiter(rate=1.0, burst=1.0)
    assert limiter.check("alice", 0.0) == 0.0
    assert limiter.check("alice", 0.0) > 0.0
    assert limiter.check("bob", 0.0) == 0.0


def test_limiter_per_key_override() -> None:
    limiter = RateLimiter(rate=1000.0, burst=2000.0)
    allowed = [limiter.check("apikey:1", 0.0, rate=2.0, burst=2.0) == 0.0 for _ in range(3)]
    assert allowed == [True, True, False]


def test_limiter_memory_is_bounded_and_keeps_busy_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=1.0, max_buckets=3)
    limiter.check("busy", 0.0)  # empty bucket: not idle, must survive eviction
    for i in range(10):
        limiter.check(f"client-{i}", 0.0)
        assert len(limiter) <= 3
    limiter.check("busy", 0.0)
    assert len(limiter) <= 3


def test_limiter_evicts_refilled_buckets_first() -> None:
    limiter = RateLimiter(rate=1.0, burst=1.0, max_buckets=2)
    limiter.check("old", 0.0)
    limiter.check("recent", 10.0)
    # At t=10.5 "old" has refilled (idle) while "recent" has not; "old" goes.
    limiter.check("new", 10.5)
    assert limiter.check("recent", 10.5) > 0.0
