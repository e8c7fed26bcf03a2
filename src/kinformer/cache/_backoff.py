"""client-go's reflector backoff: ``wait.Backoff`` with ``DelayWithReset`` (spec A-8, A-9, A-10).

Mirrors apimachinery ``pkg/util/wait/backoff.go`` (``Backoff``, ``delay``, ``Jitter``,
``DelayWithReset``/``backoffManager.Step``) with the reflector's parameters from
``tools/cache/reflector.go`` (``defaultBackoffInit`` 800 ms, ``defaultBackoffMax`` 30 s, factor 2,
jitter 1.0, ``defaultBackoffReset`` 2 min). Pure: time is passed in as ``now`` and randomness
comes from an injected :class:`random.Random`, so schedules are reproducible in tests.

With the defaults, the n-th delay since the last reset lies in ``[b, 2b)`` for the bases
0.8, 1.6, 3.2, 6.4, 12.8, 25.6 s, then in ``[30, 60)`` for ever (A-8). The schedule restarts
from 0.8 s whenever a delay is requested more than ``reset_interval`` after the *last reset*
(construction counts as the first reset). QUIRK (A-9): this is periodic, not "2 minutes without
failures": even a continuous outage starts again at 0.8 s every two minutes.

>>> import random
>>> delay = BackoffDelay(rng=random.Random(1), now=0.0)
>>> [round(delay.next_delay(0.0), 2) for _ in range(8)]
[0.91, 2.96, 5.64, 8.03, 19.14, 37.11, 49.55, 53.66]
>>> round(delay.next_delay(121.0), 2)  # more than 2 min since the last reset: back to 0.8 s
0.88
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from typing import Final, final

__all__ = [
    "DEFAULT_BACKOFF_RESET",
    "REFLECTOR_BACKOFF",
    "Backoff",
    "BackoffDelay",
    "jitter",
]


@final
@dataclass(frozen=True, slots=True)
class Backoff:
    """The parameters of an exponential backoff (apimachinery ``wait.Backoff``).

    Attributes:
        duration: the first base delay in seconds.
        factor: each step multiplies the base by this, while ``steps`` remain and the cap is
            not reached; 0 keeps the base constant.
        jitter: each returned delay is ``base + U[0, 1) * jitter * base``; 0 or less: none.
        steps: how many times the base may still change; below 1 the base is frozen.
        cap: a base that would exceed ``cap`` becomes ``cap`` and ``steps`` drops to 0;
            0 means no cap.
    """

    duration: float = 0.8
    factor: float = 2.0
    jitter: float = 1.0
    steps: int = 38
    cap: float = 30.0


REFLECTOR_BACKOFF: Final = Backoff(
    duration=0.8, factor=2.0, jitter=1.0, steps=math.ceil(30.0 / 0.8), cap=30.0
)
"""The reflector's backoff (section 1): 800 ms, x2, jitter 1.0, 38 steps, cap 30 s.

https://github.com/kubernetes/client-go/blob/v0.36.0/tools/cache/reflector.go
(``defaultBackoffInit``, ``defaultBackoffMax``).
"""

DEFAULT_BACKOFF_RESET: Final = 120.0
"""Seconds after the last reset at which the schedule restarts (``defaultBackoffReset``, A-9)."""


def jitter(duration: float, max_factor: float, rng: random.Random) -> float:
    """``duration + U[0, 1) * max_factor * duration``; a factor <= 0 means 1.0 (``wait.Jitter``)."""
    if max_factor <= 0.0:
        max_factor = 1.0
    return duration + rng.random() * max_factor * duration


@final
class BackoffDelay:
    """A delay function that resets itself periodically (``Backoff.DelayWithReset``, A-8, A-9).

    Every call to :meth:`next_delay` advances the schedule. Before computing a delay, the
    schedule is reset to ``backoff`` if strictly more than ``reset_interval`` seconds passed
    since the last reset; the first reset time is the ``now`` given to the constructor.
    As in apimachinery, a ``factor`` <= 0 gives a plain delay function that never resets, and a
    ``reset_interval`` <= 0 gives a constant (jittered) ``duration``.

    Not thread-safe: the reflector machine that owns it is driven by one thread or task.

    Invariants: ``_steps >= 0``; once a step has been taken, ``_duration <= cap`` when
    ``cap > 0``; ``_last_reset`` never decreases while ``now`` does not.
    """

    __slots__ = ("_duration", "_initial", "_last_reset", "_reset_interval", "_rng", "_steps")

    def __init__(
        self,
        backoff: Backoff = REFLECTOR_BACKOFF,
        *,
        reset_interval: float = DEFAULT_BACKOFF_RESET,
        rng: random.Random,
        now: float,
    ) -> None:
        """Start a schedule at ``backoff.duration``.

        Args:
            backoff: the parameters; the reflector's by default.
            reset_interval: seconds after the last reset at which the schedule restarts.
            rng: the source of jitter (inject a seeded one in tests).
            now: the current time, the first "last reset".
        """
        if backoff.factor <= 0:
            reset_interval = math.inf
        elif reset_interval <= 0:
            backoff = replace(backoff, steps=0, factor=0.0)
            reset_interval = math.inf
        self._initial = backoff
        self._reset_interval = reset_interval
        self._rng = rng
        self._last_reset = now
        self._duration = backoff.duration
        self._steps = backoff.steps

    def next_delay(self, now: float) -> float:
        """The next delay in seconds, after a periodic reset if one is due (A-9)."""
        if now - self._last_reset > self._reset_interval:
            self._duration = self._initial.duration
            self._steps = self._initial.steps
            self._last_reset = now
        return self._step()

    def _step(self) -> float:
        """apimachinery ``delay()``: the jittered current base, then advance the base."""
        params = self._initial
        duration = self._duration
        if self._steps < 1:
            return jitter(duration, params.jitter, self._rng) if params.jitter > 0 else duration
        self._steps -= 1
        if params.factor != 0:
            following = duration * params.factor
            if 0 < params.cap < following:
                following = params.cap
                self._steps = 0
            self._duration = following
        if params.jitter > 0:
            duration = jitter(duration, params.jitter, self._rng)
        return duration

    def __repr__(self) -> str:
        return f"BackoffDelay(base={self._duration!r}, steps={self._steps!r})"
