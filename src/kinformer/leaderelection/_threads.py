"""``LeaderElector``: leader election for the threads runtime (client-go ``LeaderElector.Run``).

The driver around the pure core (:mod:`._core`): it performs the lock operations the core
asks for on a :class:`~._lease_lock.LeaseLock`, and does every timed wait on the injected
:class:`~kinformer._clock.Clock`, so tests drive it with a ``FakeClock``.

Loops (H-6): the acquire loop tries at once, then every ``retry_period`` jittered by up to
1.2 times ``retry_period``, until it succeeds or :meth:`LeaderElector.stop` is called. Once
leading, ``on_started_leading(lost)`` runs on its own thread; the renew loop then runs
rounds: each round tries at once and every ``retry_period`` until an attempt succeeds or
``renew_deadline`` has passed since the round began; after a success it waits
``retry_period`` and starts the next round. A failed round or ``stop()`` ends leadership:
``lost`` is set, the lease is released if ``release_on_cancel`` (H-7), and ``run`` returns.
``on_stopped_leading()`` is ALWAYS called when ``run`` returns, even if leadership was
never acquired.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import final

from .._clock import Clock, RealClock
from ..transport import Client
from ._core import (
    DEFAULT_LEASE_DURATION,
    DEFAULT_RENEW_DEADLINE,
    DEFAULT_RETRY_PERIOD,
    CreateLease,
    ElectorCore,
    Flow,
    GetLease,
    LockOperation,
    LockResult,
    UpdateLease,
    failed,
    jittered,
    release,
    try_acquire_or_renew,
    try_coordinated_renew,
    validate_config,
)
from ._lease_lock import LeaseLock

__all__ = ["LeaderElector"]

logger = logging.getLogger("kinformer.leaderelection")


@final
class LeaderElector:
    """Elects one leader among the candidates that share a Lease (client-go ``LeaderElector``).

    Args:
        client: the API client used for the Lease.
        lease_name: the Lease's name.
        namespace: the Lease's namespace.
        identity: this candidate's unique identity (e.g. hostname plus a random suffix).
        lease_duration: how long, in seconds, non-leaders wait after last seeing the Lease
            change before they take it over (written in whole seconds).
        renew_deadline: how long the leader keeps retrying a renewal before giving up.
        retry_period: the pause between attempts.
        on_started_leading: called on a new thread when leadership is acquired, with a
            :class:`threading.Event` that is set when leadership ends; the work must stop then.
        on_stopped_leading: called when :meth:`run` returns, always.
        on_new_leader: called on a new thread with the identity of each newly observed
            leader, ours included (H-8).
        release_on_cancel: give the Lease up when leadership ends, so that another
            candidate can take over at once instead of after ``lease_duration`` (H-7).
        coordinated: coordinated leader election (alpha, H-11): a server-side coordinator
            picks the holder; this candidate never creates or takes the Lease, it only
            renews it while it holds it and no ``preferredHolder`` ends its term.
        clock: time source for every wait.
        rng: randomness for the jitter (a seeded :class:`random.Random` in tests).

    Raises:
        ValueError: with client-go's message for an invalid configuration (H-1).

    Race warning (H-10): nothing fences the leader. Around a transition two candidates can
    both believe they lead for a short while (clock-rate differences, API latency); the
    work done under leadership must tolerate that.
    """

    def __init__(
        self,
        client: Client,
        *,
        lease_name: str,
        namespace: str,
        identity: str,
        lease_duration: float = DEFAULT_LEASE_DURATION,
        renew_deadline: float = DEFAULT_RENEW_DEADLINE,
        retry_period: float = DEFAULT_RETRY_PERIOD,
        on_started_leading: Callable[[threading.Event], object],
        on_stopped_leading: Callable[[], object],
        on_new_leader: Callable[[str], object] | None = None,
        release_on_cancel: bool = False,
        coordinated: bool = False,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        validate_config(
            lease_duration=lease_duration,
            renew_deadline=renew_deadline,
            retry_period=retry_period,
            on_started_leading=on_started_leading,
            on_stopped_leading=on_stopped_leading,
            identity=identity,
        )
        self._lock = LeaseLock(client, namespace=namespace, name=lease_name, identity=identity)
        self._core = ElectorCore(identity, lease_duration)
        self._renew_deadline = renew_deadline
        self._retry_period = retry_period
        self._on_started_leading = on_started_leading
        self._on_stopped_leading = on_stopped_leading
        self._on_new_leader = on_new_leader
        self._release_on_cancel = release_on_cancel
        self._try = try_coordinated_renew if coordinated else try_acquire_or_renew
        self._clock: Clock = clock if clock is not None else RealClock()
        self._rng = rng if rng is not None else random.Random()
        self._state_lock = threading.Lock()
        self._wakeup = threading.Condition()
        self._stopping = False
        self._last_result: LockResult | None = None

    def __repr__(self) -> str:
        return f"LeaderElector({self._lock.describe()!r}, identity={self._core.identity!r})"

    @property
    def identity(self) -> str:
        """This candidate's identity."""
        return self._core.identity

    @property
    def is_leader(self) -> bool:
        """The last observed holder of the Lease is this candidate (``IsLeader``, H-9)."""
        with self._state_lock:
            return self._core.is_leader

    @property
    def leader(self) -> str:
        """The last observed holder of the Lease, ``""`` if none (``GetLeader``, H-9)."""
        with self._state_lock:
            return self._core.leader

    def check(self, max_tolerable_expired_lease: float = 0.0) -> None:
        """Health check (H-9): raise if we lead but have not renewed for too long.

        Raises :class:`LeaderElectionCheckError` when this candidate is the observed leader
        and more than ``lease_duration + max_tolerable_expired_lease`` seconds passed since
        the Lease was last observed.
        """
        with self._state_lock:
            self._core.check(self._clock.now(), max_tolerable_expired_lease, name=self._lock.name)

    def stop(self) -> None:
        """Ask :meth:`run` to end (the context cancellation of ``Run(ctx)``); returns at once."""
        with self._wakeup:
            self._stopping = True
            self._wakeup.notify_all()

    def run(self) -> None:
        """Campaign, lead, and return when leadership is lost or :meth:`stop` is called (H-6).

        Blocks. ``on_stopped_leading`` is called before it returns, in every case.
        """
        try:
            if not self._acquire():
                return
            lost = threading.Event()
            threading.Thread(
                target=self._on_started_leading,
                args=(lost,),
                name=f"leader-{self._core.identity}",
                daemon=True,
            ).start()
            try:
                self._renew()
            finally:
                lost.set()
                if self._release_on_cancel:
                    self._release()
        finally:
            self._on_stopped_leading()

    # ------------------------------------------------------------------ loops

    def _acquire(self) -> bool:
        while not self._stopping:
            succeeded = self._run_flow(self._attempt())
            self._report_transition()
            if succeeded:
                logger.info("successfully acquired lease %s", self._lock.describe())
                return True
            if not self._sleep(jittered(self._retry_period, self._rng.random())):
                return False
        return False

    def _renew(self) -> None:
        while True:
            deadline = self._clock.now() + self._renew_deadline
            renewed = self._renew_round(deadline)
            self._report_transition()
            if not renewed:
                logger.info("failed to renew lease %s", self._lock.describe())
                return
            if not self._sleep(self._retry_period):
                return

    def _renew_round(self, deadline: float) -> bool:
        while not self._stopping:
            if self._run_flow(self._attempt()):
                return True
            wake = min(self._clock.now() + self._retry_period, deadline)
            if not self._sleep_until(wake) or self._clock.now() >= deadline:
                return False
        return False

    def _release(self) -> None:
        deadline = self._clock.now() + self._renew_deadline
        while True:
            if self._run_flow(release(self._core, datetime.now(UTC))):
                return
            last = self._last_result
            if last is None or not last.conflict:
                return
            wake = self._clock.now() + self._retry_period
            if wake >= deadline:
                return
            self._sleep_until(wake, interruptible=False)

    # ------------------------------------------------------------------ plumbing

    def _attempt(self) -> Flow:
        return self._try(self._core, self._clock.now(), datetime.now(UTC))

    def _run_flow(self, flow: Flow) -> bool:
        with self._state_lock:
            operation = next(flow)
        while True:
            result = self._perform(operation)
            self._last_result = result
            try:
                with self._state_lock:
                    operation = flow.send(result)
            except StopIteration as stop:
                return bool(stop.value)

    def _perform(self, operation: LockOperation) -> LockResult:
        try:
            match operation:
                case GetLease():
                    record = self._lock.get()
                    return LockResult(now=self._clock.now(), record=record)
                case CreateLease(record):
                    self._lock.create(record)
                case UpdateLease(record):
                    self._lock.update(record)
        except Exception as error:
            logger.debug("lease %s: %s failed: %s", self._lock.describe(), operation, error)
            return failed(error, self._clock.now())
        return LockResult(now=self._clock.now())

    def _report_transition(self) -> None:
        with self._state_lock:
            leader = self._core.transition_to_report()
        if leader is not None and self._on_new_leader is not None:
            threading.Thread(
                target=self._on_new_leader, args=(leader,), name="leader-observer", daemon=True
            ).start()

    def _sleep(self, seconds: float) -> bool:
        return self._sleep_until(self._clock.now() + seconds)

    def _sleep_until(self, deadline: float, *, interruptible: bool = True) -> bool:
        """Wait on the clock until ``deadline``; ``False`` if :meth:`stop` interrupted it."""
        with self._wakeup:
            while True:
                if interruptible and self._stopping:
                    return False
                remaining = deadline - self._clock.now()
                if remaining <= 0:
                    return True
                self._clock.wait(self._wakeup, remaining)
