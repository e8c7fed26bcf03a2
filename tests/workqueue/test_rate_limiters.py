"""Rate limiters with client-go's exact values (spec G-16..G-20, K-25). Pure: time is passed in."""

from __future__ import annotations

import math
import threading

import pytest

from kinformer.workqueue._rate_limiters import (
    BucketRateLimiter,
    ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter,
    MaxOfRateLimiter,
    RateLimiter,
    WithMaxWaitRateLimiter,
    default_controller_rate_limiter,
    default_item_based_rate_limiter,
)

# -- G-16 per-item exponential --------------------------------------------------------------


def test_exponential_g16_doubles_from_base_per_item() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    assert [limiter.when("one", 0.0) for _ in range(5)] == [0.005, 0.01, 0.02, 0.04, 0.08]
    assert limiter.num_requeues("one") == 5
    assert limiter.when("two", 0.0) == 0.005  # per item
    assert limiter.num_requeues("two") == 1


def test_exponential_g16_forget_resets_the_count() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.001, 1.0)
    limiter.when("one", 0.0)
    limiter.when("one", 0.0)
    limiter.forget("one")
    limiter.forget("never-seen")
    assert limiter.num_requeues("one") == 0
    assert limiter.when("one", 0.0) == 0.001


def test_exponential_g16_client_go_schedule_caps_at_1000s_from_n18() -> None:
    limiter = ItemExponentialFailureRateLimiter(0.005, 1000.0)
    delays = [limiter.when("x", 0.0) for _ in range(20)]
    assert delays[17] == 655.36  # exact: whole nanoseconds, 5 ms · 2^17
    assert delays[18] == 1000.0
    assert delays[19] == 1000.0


def test_exponential_g16_overflow_returns_max_delay() -> None:
    limiter = ItemExponentialFailureRateLimiter(1.0, 5e9)  # cap above int64 ns (≈ 9.2e9 s)
    delays = [limiter.when("x", 0.0) for _ in range(70)]
    assert delays[32] == 2.0**32
    assert delays[33] == 5e9  # 2^33 s > 5e9 s cap
    limiter = ItemExponentialFailureRateLimiter(1.0, 1e12)  # cap beyond Go's int64 range
    delays = [limiter.when("x", 0.0) for _ in range(70)]
    assert delays[33] == 2.0**33  # 8.6e18 ns still fits in an int64
    assert delays[34] == 1e12  # 1.7e19 ns overflows Go's Duration: maxDelay
    assert delays[69] == 1e12  # far beyond any shift width


def test_default_item_based_g19_is_1ms_doubling_capped_at_1000s() -> None:
    limiter = default_item_based_rate_limiter()
    assert [limiter.when("x", 0.0) for _ in range(3)] == [0.001, 0.002, 0.004]
    for _ in range(30):
        last = limiter.when("x", 0.0)
    assert last == 1000.0


# -- G-17 token bucket ----------------------------------------------------------------------


def test_bucket_g17_starts_full_then_reservations_accumulate() -> None:
    bucket = BucketRateLimiter(10.0, 100)
    assert all(bucket.when(i, 0.0) == 0.0 for i in range(100))
    assert [bucket.when("over", 0.0) for _ in range(3)] == [0.1, 0.2, 0.3]


def test_bucket_g17_refills_at_qps_up_to_burst() -> None:
    bucket = BucketRateLimiter(10.0, 2)
    assert [bucket.when("x", 0.0) for _ in range(3)] == [0.0, 0.0, 0.1]  # tokens: -1
    assert bucket.when("x", 0.5) == 0.0  # +5 tokens → 2 (capped), take one → 1
    assert bucket.when("x", 0.5) == 0.0
    assert bucket.when("x", 0.5) == 0.1
    assert bucket.when("x", 100.0) == 0.0
    assert bucket.when("x", 100.0) == 0.0
    assert bucket.when("x", 100.0) == 0.1


def test_bucket_g17_earlier_now_refills_nothing() -> None:
    bucket = BucketRateLimiter(1.0, 1)
    assert bucket.when("x", 10.0) == 0.0
    assert bucket.when("x", 5.0) == 1.0  # went backwards: no refill
    assert bucket.when("x", 5.5) == 1.5


def test_bucket_g17_does_not_track_items() -> None:
    bucket = BucketRateLimiter(1.0, 1)
    bucket.when("x", 0.0)
    bucket.forget("x")
    assert bucket.num_requeues("x") == 0
    assert bucket.when("x", 0.0) == 1.0  # forget did not give the token back


def test_bucket_g17_infinite_rate_and_empty_burst() -> None:
    assert BucketRateLimiter(math.inf, 0).when("x", 0.0) == 0.0
    assert BucketRateLimiter(5.0, 0).when("x", 0.0) == math.inf
    with pytest.raises(ValueError, match="qps"):
        BucketRateLimiter(0.0, 1)


def test_bucket_g17_truncates_to_whole_nanoseconds() -> None:
    bucket = BucketRateLimiter(3.0, 1)
    bucket.when("x", 0.0)
    assert bucket.when("x", 0.0) == 0.333333333


# -- G-18 max-of ----------------------------------------------------------------------------


def test_max_of_g18_asks_every_limiter_and_returns_the_largest() -> None:
    exp = ItemExponentialFailureRateLimiter(0.001, 1.0)
    fast_slow = ItemFastSlowRateLimiter(0.005, 10.0, 1)
    limiter = MaxOfRateLimiter(exp, fast_slow)
    assert limiter.when("x", 0.0) == 0.005
    assert limiter.when("x", 0.0) == 10.0
    assert exp.num_requeues("x") == 2
    assert fast_slow.num_requeues("x") == 2
    exp.when("x", 0.0)
    assert limiter.num_requeues("x") == 3  # the largest count
    limiter.forget("x")
    assert exp.num_requeues("x") == fast_slow.num_requeues("x") == 0


def test_max_of_g18_of_nothing() -> None:
    limiter = MaxOfRateLimiter()
    assert limiter.when("x", 0.0) == 0.0
    assert limiter.num_requeues("x") == 0


# -- G-19 default controller limiter --------------------------------------------------------


def test_default_controller_g19_values() -> None:
    limiter = default_controller_rate_limiter()
    assert [limiter.when("x", 0.0) for _ in range(3)] == [0.005, 0.01, 0.02]
    assert limiter.num_requeues("x") == 3
    limiter.forget("x")
    assert limiter.num_requeues("x") == 0


def test_default_controller_k25_bucket_is_shared_by_all_items() -> None:
    limiter = default_controller_rate_limiter()
    # 100 distinct items, first retry each: 5 ms from the per-item limiter, bucket still free.
    assert {limiter.when(i, 0.0) for i in range(97)} == {0.005}
    # "x" retries: 5, 10, 20 ms — these also take bucket tokens 98, 99, 100.
    assert [limiter.when("x", 0.0) for _ in range(3)] == [0.005, 0.01, 0.02]
    # The 101st and later retries in the burst wait on the bucket: 100 ms, 200 ms, ...
    assert limiter.when("new-1", 0.0) == 0.1
    assert limiter.when("new-2", 0.0) == 0.2
    assert limiter.when("x", 0.0) == 0.3  # bucket wins over x's 40 ms


# -- G-20 fast-slow and max-wait --------------------------------------------------------------


def test_fast_slow_g20_counts_per_item_since_forget() -> None:
    limiter = ItemFastSlowRateLimiter(0.1, 3.0, 2)
    assert [limiter.when("x", 0.0) for _ in range(4)] == [0.1, 0.1, 3.0, 3.0]
    assert limiter.when("y", 0.0) == 0.1
    assert limiter.num_requeues("x") == 4
    limiter.forget("x")
    assert limiter.num_requeues("x") == 0
    assert limiter.when("x", 0.0) == 0.1


def test_with_max_wait_g20_caps_the_delay_and_forwards() -> None:
    inner = ItemExponentialFailureRateLimiter(1.0, 100.0)
    limiter = WithMaxWaitRateLimiter(inner, 3.0)
    assert [limiter.when("x", 0.0) for _ in range(4)] == [1.0, 2.0, 3.0, 3.0]
    assert limiter.num_requeues("x") == 4
    limiter.forget("x")
    assert inner.num_requeues("x") == 0


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(default_controller_rate_limiter, id="max-of"),
        pytest.param(default_item_based_rate_limiter, id="exponential"),
        pytest.param(lambda: ItemFastSlowRateLimiter(0.1, 1.0, 3), id="fast-slow"),
        pytest.param(lambda: BucketRateLimiter(1.0, 1), id="bucket"),
        pytest.param(
            lambda: WithMaxWaitRateLimiter(default_item_based_rate_limiter(), 1.0), id="max-wait"
        ),
    ],
)
def test_rate_limiters_g15_satisfy_the_protocol_and_are_thread_safe(make: object) -> None:
    limiter: RateLimiter = make()  # type: ignore[operator]
    threads = [
        threading.Thread(target=lambda: [limiter.when("x", 0.0) for _ in range(200)])
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert limiter.num_requeues("x") in {0, 800}  # the bucket tracks no item
