"""Rate limiters for retries (client-go ``util/workqueue/default_rate_limiters.go``, G-15..G-20).

A :class:`RateLimiter` answers "how long should this item wait before its next retry?" and
remembers per-item failure counts until :meth:`RateLimiter.forget`. Time is passed in: ``when``
takes ``now`` (seconds on the caller's clock), which only the token bucket uses.

Every limiter here is safe to share between threads: the stateful ones hold one
``threading.Lock`` for the duration of a call and never call out while holding it.

Values copied from client-go (``default_rate_limiters.go``,
https://github.com/kubernetes/client-go/blob/v0.36.0/util/workqueue/default_rate_limiters.go):
``DefaultControllerRateLimiter`` = max(5 ms·2^n capped at 1000 s, 10 qps with burst 100),
``DefaultItemBasedRateLimiter`` = 1 ms·2^n capped at 1000 s.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Hashable
from typing import Final, Protocol, final

__all__ = [
    "BucketRateLimiter",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "RateLimiter",
    "WithMaxWaitRateLimiter",
    "default_controller_rate_limiter",
    "default_item_based_rate_limiter",
]

_NS_PER_SECOND: Final = 1_000_000_000
_MAX_DURATION_NS: Final = 2**63 - 1  # Go's time.Duration is an int64 of nanoseconds


class RateLimiter(Protocol):
    """Decides retry delays (client-go ``TypedRateLimiter``)."""

    def when(self, item: Hashable, now: float) -> float:
        """Seconds ``item`` should wait before its next retry; counts one more retry."""
        ...

    def forget(self, item: Hashable) -> None:
        """Stop tracking ``item`` (it succeeded): its retry count goes back to 0."""
        ...

    def num_requeues(self, item: Hashable) -> int:
        """How many times ``item`` was rate limited since it was last forgotten."""
        ...


@final
class ItemExponentialFailureRateLimiter:
    """``base · 2^n`` seconds, where n counts ``when`` calls for the item since ``forget`` (G-16).

    Capped at ``max_delay``, also when the computation would overflow Go's ``time.Duration``.
    Delays are whole nanoseconds, as in Go.

    >>> limiter = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    >>> [limiter.when("x", 0.0) for _ in range(4)], limiter.num_requeues("x")
    ([0.005, 0.01, 0.02, 0.04], 4)
    """

    __slots__ = ("_base_ns", "_failures", "_lock", "_max_ns")

    def __init__(self, base_delay: float, max_delay: float) -> None:
        self._base_ns = round(base_delay * _NS_PER_SECOND)
        self._max_ns = round(max_delay * _NS_PER_SECOND)
        self._failures: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def when(self, item: Hashable, now: float) -> float:
        with self._lock:
            exp = self._failures.get(item, 0)
            self._failures[item] = exp + 1
        # Python integers do not overflow: compare against Go's limit instead (G-16).
        backoff_ns = self._base_ns << exp if exp < 64 else _MAX_DURATION_NS + 1
        if backoff_ns > _MAX_DURATION_NS or backoff_ns > self._max_ns:
            return self._max_ns / _NS_PER_SECOND
        return backoff_ns / _NS_PER_SECOND

    def forget(self, item: Hashable) -> None:
        with self._lock:
            self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        with self._lock:
            return self._failures.get(item, 0)


@final
class ItemFastSlowRateLimiter:
    """``fast_delay`` for the first ``max_fast_attempts`` retries of an item, then ``slow_delay`` (G-20).

    >>> limiter = ItemFastSlowRateLimiter(0.1, 5.0, 2)
    >>> [limiter.when("x", 0.0) for _ in range(3)]
    [0.1, 0.1, 5.0]
    """

    __slots__ = ("_failures", "_fast", "_lock", "_max_fast", "_slow")

    def __init__(self, fast_delay: float, slow_delay: float, max_fast_attempts: int) -> None:
        self._fast = fast_delay
        self._slow = slow_delay
        self._max_fast = max_fast_attempts
        self._failures: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def when(self, item: Hashable, now: float) -> float:
        with self._lock:
            failures = self._failures.get(item, 0) + 1
            self._failures[item] = failures
        return self._fast if failures <= self._max_fast else self._slow

    def forget(self, item: Hashable) -> None:
        with self._lock:
            self._failures.pop(item, None)

    def num_requeues(self, item: Hashable) -> int:
        with self._lock:
            return self._failures.get(item, 0)


@final
class BucketRateLimiter:
    """A token bucket shared by all items: ``qps`` tokens per second, ``burst`` at most (G-17).

    Semantics of ``golang.org/x/time/rate.Limiter.Reserve``: the bucket starts full; each
    ``when`` takes one token, possibly going into debt, and returns the time until that token
    exists (0 while tokens remain). Reservations accumulate, so the k-th call beyond the burst
    in a short time waits about ``k / qps``. ``qps=math.inf`` never delays. With ``burst < 1`` no reservation can succeed and
    ``when`` returns ``math.inf`` (Go's ``InfDuration``). Items are not tracked:
    ``num_requeues`` is 0 and ``forget`` does nothing.

    >>> bucket = BucketRateLimiter(10.0, 2)
    >>> [bucket.when(i, 0.0) for i in range(4)]
    [0.0, 0.0, 0.1, 0.2]
    >>> bucket.when("late", 1.0)  # 1 s refilled 10 tokens, capped at the burst
    0.0
    """

    __slots__ = ("_burst", "_last", "_lock", "_qps", "_tokens")

    def __init__(self, qps: float, burst: int) -> None:
        if not qps > 0:
            raise ValueError(f"qps must be positive, not {qps!r}")
        self._qps = qps
        self._burst = burst
        self._tokens = float(burst)
        self._last: float | None = None  # None: never reserved (Go's zero time)
        self._lock = threading.Lock()

    def when(self, item: Hashable, now: float) -> float:
        if self._qps == math.inf:
            return 0.0  # rate.Inf: every reservation succeeds at once
        if self._burst < 1:
            return math.inf  # the reservation fails; Go's Delay() is InfDuration
        with self._lock:
            if self._last is None:
                tokens = float(self._burst)  # the bucket starts full
            else:
                elapsed = max(now - self._last, 0.0)
                tokens = min(self._tokens + elapsed * self._qps, float(self._burst))
            tokens -= 1.0
            self._tokens = tokens
            self._last = now
        if tokens >= 0:
            return 0.0
        # durationFromTokens: truncated to whole nanoseconds, as time.Duration is.
        return int(_NS_PER_SECOND * (-tokens / self._qps)) / _NS_PER_SECOND

    def forget(self, item: Hashable) -> None:
        pass

    def num_requeues(self, item: Hashable) -> int:
        return 0


@final
class MaxOfRateLimiter:
    """The largest delay of several limiters; every limiter is asked every time (G-18).

    ``num_requeues`` is the largest of the limiters' counts; ``forget`` forwards to all.
    """

    __slots__ = ("_limiters",)

    def __init__(self, *limiters: RateLimiter) -> None:
        self._limiters = limiters

    def when(self, item: Hashable, now: float) -> float:
        delay = 0.0
        for limiter in self._limiters:
            delay = max(delay, limiter.when(item, now))
        return delay

    def forget(self, item: Hashable) -> None:
        for limiter in self._limiters:
            limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return max((limiter.num_requeues(item) for limiter in self._limiters), default=0)


@final
class WithMaxWaitRateLimiter:
    """Another limiter's delay, capped at ``max_delay`` (G-20)."""

    __slots__ = ("_limiter", "_max_delay")

    def __init__(self, limiter: RateLimiter, max_delay: float) -> None:
        self._limiter = limiter
        self._max_delay = max_delay

    def when(self, item: Hashable, now: float) -> float:
        return min(self._limiter.when(item, now), self._max_delay)

    def forget(self, item: Hashable) -> None:
        self._limiter.forget(item)

    def num_requeues(self, item: Hashable) -> int:
        return self._limiter.num_requeues(item)


def default_controller_rate_limiter() -> MaxOfRateLimiter:
    """client-go's ``DefaultControllerRateLimiter`` (G-19).

    The larger of a per-item exponential backoff (5 ms · 2^n, capped at 1000 s) and an overall
    token bucket (10 qps, burst 100). Every retry takes a bucket token, whatever the item.
    """
    return MaxOfRateLimiter(
        ItemExponentialFailureRateLimiter(0.005, 1000.0),
        BucketRateLimiter(10.0, 100),
    )


def default_item_based_rate_limiter() -> ItemExponentialFailureRateLimiter:
    """client-go's ``DefaultItemBasedRateLimiter``: 1 ms · 2^n, capped at 1000 s (G-19)."""
    return ItemExponentialFailureRateLimiter(0.001, 1000.0)
