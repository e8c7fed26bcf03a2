"""client-go's reflector backoff (spec A-8, A-9, A-10): schedule, jitter, periodic reset."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings, strategies as st

from kinformer.cache._backoff import (
    DEFAULT_BACKOFF_RESET,
    REFLECTOR_BACKOFF,
    Backoff,
    BackoffDelay,
    jitter,
)

BASES = [0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30.0, 30.0, 30.0]


class FixedRandom(random.Random):
    """``random()`` always returns ``value``: jitter at a chosen point of [0, 1)."""

    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


def test_reflector_backoff_parameters_section_1() -> None:
    assert Backoff(duration=0.8, factor=2.0, jitter=1.0, steps=38, cap=30.0) == REFLECTOR_BACKOFF
    assert DEFAULT_BACKOFF_RESET == 120.0


@pytest.mark.parametrize(("value", "scale"), [(0.0, 1.0), (0.5, 1.5), (0.999, 1.999)])
def test_schedule_doubles_to_the_cap_with_jitter_A_8(value: float, scale: float) -> None:
    delay = BackoffDelay(rng=FixedRandom(value), now=0.0)
    got = [delay.next_delay(0.0) for _ in BASES]
    assert got == pytest.approx([base * scale for base in BASES])


def test_reset_only_after_more_than_the_interval_since_the_last_reset_A_9() -> None:
    delay = BackoffDelay(rng=FixedRandom(0.0), now=0.0)
    assert [delay.next_delay(t) for t in (0.0, 60.0, 120.0)] == pytest.approx([0.8, 1.6, 3.2])
    assert delay.next_delay(120.5) == pytest.approx(0.8)  # > 120 s after construction
    assert delay.next_delay(200.0) == pytest.approx(1.6)
    assert delay.next_delay(240.5) == pytest.approx(3.2)  # exactly 120 s after it: no reset
    assert delay.next_delay(240.6) == pytest.approx(0.8)  # > 120 s after the reset at 120.5


def test_reset_is_periodic_during_a_continuous_outage_A_9_quirk() -> None:
    delay = BackoffDelay(rng=FixedRandom(0.0), now=0.0)
    now, schedule = 0.0, []
    while now < 400.0:
        d = delay.next_delay(now)
        schedule.append(d)
        now += d
    assert schedule.count(0.8) >= 3  # restarts although failures never stopped


def test_zero_factor_is_a_constant_jittered_delay_without_reset() -> None:
    delay = BackoffDelay(
        Backoff(duration=2.0, factor=0.0, jitter=0.5, steps=3, cap=0.0),
        rng=FixedRandom(0.5),
        now=0.0,
    )
    assert [delay.next_delay(t) for t in (0.0, 500.0, 1000.0, 1500.0)] == pytest.approx([2.5] * 4)


def test_zero_reset_interval_freezes_the_schedule() -> None:
    delay = BackoffDelay(REFLECTOR_BACKOFF, reset_interval=0.0, rng=FixedRandom(0.0), now=0.0)
    assert [delay.next_delay(float(t)) for t in range(4)] == pytest.approx([0.8] * 4)


def test_no_jitter_and_no_cap() -> None:
    delay = BackoffDelay(
        Backoff(duration=1.0, factor=3.0, jitter=0.0, steps=3, cap=0.0),
        rng=FixedRandom(0.9),
        now=0.0,
    )
    assert [delay.next_delay(0.0) for _ in range(5)] == [1.0, 3.0, 9.0, 27.0, 27.0]


def test_jitter_with_a_non_positive_factor_means_one() -> None:
    assert jitter(2.0, 0.0, FixedRandom(0.5)) == 3.0
    assert jitter(2.0, -1.0, FixedRandom(0.25)) == 2.5
    assert jitter(2.0, 0.5, FixedRandom(0.5)) == 2.5


def test_repr_shows_the_current_base() -> None:
    delay = BackoffDelay(rng=FixedRandom(0.0), now=0.0)
    delay.next_delay(0.0)
    assert repr(delay) == "BackoffDelay(base=1.6, steps=37)"


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    gaps=st.lists(st.floats(0.0, 90.0, allow_nan=False), min_size=1, max_size=40),
)
def test_every_delay_is_within_base_and_twice_base_A_8_A_9(seed: int, gaps: list[float]) -> None:
    delay = BackoffDelay(rng=random.Random(seed), now=0.0)
    now, last_reset, step = 0.0, 0.0, 0
    for gap in gaps:
        now += gap
        if now - last_reset > DEFAULT_BACKOFF_RESET:
            last_reset, step = now, 0
        base = BASES[min(step, len(BASES) - 1)]
        got = delay.next_delay(now)
        assert base <= got < 2 * base
        assert got < 60.0
        step += 1
