"""Token-bucket rate limiting per principal, in memory, bounded in size.

Each gateway process keeps its own buckets: with N replicas the effective limit is N times
the configured one, which is the usual trade for keeping the request path free of I/O.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second flow into a bucket holding at most `burst` tokens."""

    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token; return 0.0 if allowed, else the seconds until one is available."""
        elapsed = now - self.updated
        if elapsed > 0:
            self.tokens = min(self.burst, self.tokens + elapsed * self.rate)
            self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.rate

    def is_full(self, now: float) -> bool:
        """True once the bucket would have refilled: dropping it then changes nothing."""
        return self.tokens + (now - self.updated) * self.rate >= self.burst


def retry_after_seconds(wait: float) -> int:
    """Whole seconds for a `Retry-After` header: rounded up, never below 1."""
    return max(1, math.ceil(wait))


class RateLimiter:
    """Buckets keyed by principal, least recently used first, at most `max_buckets` of them."""

    def __init__(self, *, rate: float, burst: float, max_buckets: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[str, TokenBucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def check(
        self, key: str, now: float, *, rate: float | None = None, burst: float | None = None
    ) -> float:
        """Spend one token of `key`'s bucket; return 0.0 if allowed, else seconds to wait.

        `rate`/`burst` override the defaults for this key (per API key limits); a changed
        limit replaces the bucket.
        """
        rate = rate or self.rate
        burst = burst or self.burst
        bucket = self._buckets.get(key)
        if bucket is None or bucket.rate != rate or bucket.burst != burst:
            if bucket is None and len(self._buckets) >= self.max_buckets:
                self._evict(now)
            bucket = TokenBucket(rate=rate, burst=burst, tokens=burst, updated=now)
            self._buckets[key] = bucket
        else:
            self._buckets.move_to_end(key)
        return bucket.take(now)

    def _evict(self, now: float) -> None:
        """Drop refilled buckets; if every bucket is busy, drop the least recently used."""
        idle = [key for key, bucket in self._buckets.items() if bucket.is_full(now)]
        for key in idle:
            del self._buckets[key]
        while len(self._buckets) >= self.max_buckets:
            self._buckets.popitem(last=False)
