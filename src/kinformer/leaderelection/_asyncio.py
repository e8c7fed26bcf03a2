"""``AsyncLeaderElector``: leader election for asyncio, the twin of :mod:`._threads`.

Same loops and callbacks as :class:`~._threads.LeaderElector` (H-6, H-7, H-8), with
``await run()`` and task cancellation in place of ``run()`` / ``stop()``:

* ``on_started_leading()`` may be a coroutine function, whose coroutine runs as a task that
  is cancelled (and awaited) when leadership ends, or a plain function, which is called on
  the event loop and must return quickly (start your own tasks from it);
* cancelling the task that awaits :meth:`AsyncLeaderElector.run` ends leadership like
  ``stop()``: the lease is released if ``release_on_cancel``, ``on_stopped_leading`` is
  called, and the :class:`asyncio.CancelledError` propagates;
* ``on_new_leader(identity)`` is scheduled, never awaited inline (H-8 calls it
  asynchronously).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import final

from .._clock import Clock, RealClock
from ..transport import AsyncClient
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
from ._lease_lock import AsyncLeaseLock

__all__ = ["AsyncLeaderElector"]

logger = logging.getLogger("kinformer.leaderelection")

Callback = Callable[[], object] | Callable[[], Awaitable[object]]


@final
class AsyncLeaderElector:
    """The asyncio twin of :class:`~kinformer.leaderelection.LeaderElector`.

    Args:
        client: the asyncio API client used for the Lease.
        lease_name: the Lease's name.
        namespace: the Lease's namespace.
        identity: this candidate's unique identity.
        lease_duration: seconds non-leaders wait after last seeing the Lease change.
        renew_deadline: how long the leader keeps retrying a renewal before giving up.
        retry_period: the pause between attempts.
        on_started_leading: called (a coroutine runs as a task) when leadership is
            acquired; the task is cancelled when leadership ends.
        on_stopped_leading: called (and awaited, if a coroutine) when :meth:`run` ends,
            always.
        on_new_leader: called with each newly observed leader's identity, asynchronously.
        release_on_cancel: give the Lease up when leadership ends (H-7).
        coordinated: coordinated leader election (alpha, H-11); see the threads twin.
        clock: time source for every wait.
        rng: randomness for the jitter.

    Raises:
        ValueError: with client-go's message for an invalid configuration (H-1).

    Race warning (H-10): nothing fences the leader; see the threads twin.
    """

    def __init__(
        self,
        client: AsyncClient,
        *,
        lease_name: str,
        namespace: str,
        identity: str,
        lease_duration: float = DEFAULT_LEASE_DURATION,
        renew_deadline: float = DEFAULT_RENEW_DEADLINE,
        retry_period: float = DEFAULT_RETRY_PERIOD,
        on_started_leading: Callback,
        on_stopped_leading: Callback,
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
        self._lock = AsyncLeaseLock(client, namespace=namespace, name=lease_name, identity=identity)
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
        self._stop = asyncio.Event()
        self._never = asyncio.Event()
        self._last_result: LockResult | None = None
        self._callbacks: set[asyncio.Task[object]] = set()

    def __repr__(self) -> str:
        return f"AsyncLeaderElector({self._lock.describe()!r}, identity={self._core.identity!r})"

    @property
    def identity(self) -> str:
        """This candidate's identity."""
        return self._core.identity

    @property
    def is_leader(self) -> bool:
        """The last observed holder of the Lease is this candidate (H-9)."""
        return self._core.is_leader

    @property
    def leader(self) -> str:
        """The last observed holder of the Lease, ``""`` if none (H-9)."""
        return self._core.leader

    def check(self, max_tolerable_expired_lease: float = 0.0) -> None:
        """Health check (H-9): raise :class:`LeaderElectionCheckError` if we lead but stale."""
        self._core.check(self._clock.now(), max_tolerable_expired_lease, name=self._lock.name)

    def stop(self) -> None:
        """Ask :meth:`run` to end, as cancelling its task would, but without an exception."""
        self._stop.set()

    async def run(self) -> None:
        """Campaign, lead, and return when leadership is lost or the run is stopped (H-6).

        ``on_stopped_leading`` is called before it returns or propagates, in every case.
        """
        try:
            if not await self._acquire():
                return
            leading = _start(self._on_started_leading)
            try:
                await self._renew()
            finally:
                if leading is not None:
                    leading.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await leading
                if self._release_on_cancel:
                    await self._release()
        finally:
            result = self._on_stopped_leading()
            if inspect.isawaitable(result):
                await result

    # ------------------------------------------------------------------ loops

    async def _acquire(self) -> bool:
        while not self._stop.is_set():
            succeeded = await self._run_flow(self._attempt())
            self._report_transition()
            if succeeded:
                logger.info("successfully acquired lease %s", self._lock.describe())
                return True
            if not await self._sleep(jittered(self._retry_period, self._rng.random())):
                return False
        return False

    async def _renew(self) -> None:
        while True:
            deadline = self._clock.now() + self._renew_deadline
            renewed = await self._renew_round(deadline)
            self._report_transition()
            if not renewed:
                logger.info("failed to renew lease %s", self._lock.describe())
                return
            if not await self._sleep(self._retry_period):
                return

    async def _renew_round(self, deadline: float) -> bool:
        while not self._stop.is_set():
            if await self._run_flow(self._attempt()):
                return True
            wake = min(self._clock.now() + self._retry_period, deadline)
            if not await self._sleep_until(wake) or self._clock.now() >= deadline:
                return False
        return False

    async def _release(self) -> None:
        deadline = self._clock.now() + self._renew_deadline
        while True:
            if await self._run_flow(release(self._core, datetime.now(UTC))):
                return
            last = self._last_result
            if last is None or not last.conflict:
                return
            wake = self._clock.now() + self._retry_period
            if wake >= deadline:
                return
            await self._sleep_until(wake, interruptible=False)

    # ------------------------------------------------------------------ plumbing

    def _attempt(self) -> Flow:
        return self._try(self._core, self._clock.now(), datetime.now(UTC))

    async def _run_flow(self, flow: Flow) -> bool:
        operation = next(flow)
        while True:
            result = await self._perform(operation)
            self._last_result = result
            try:
                operation = flow.send(result)
            except StopIteration as stop:
                return bool(stop.value)

    async def _perform(self, operation: LockOperation) -> LockResult:
        try:
            match operation:
                case GetLease():
                    record = await self._lock.get()
                    return LockResult(now=self._clock.now(), record=record)
                case CreateLease(record):
                    await self._lock.create(record)
                case UpdateLease(record):
                    await self._lock.update(record)
        except Exception as error:
            logger.debug("lease %s: %s failed: %s", self._lock.describe(), operation, error)
            return failed(error, self._clock.now())
        return LockResult(now=self._clock.now())

    def _report_transition(self) -> None:
        leader = self._core.transition_to_report()
        if leader is None or self._on_new_leader is None:
            return
        callback = self._on_new_leader
        task = asyncio.get_running_loop().create_task(_call(callback, leader))
        self._callbacks.add(task)
        task.add_done_callback(self._callbacks.discard)

    async def _sleep(self, seconds: float) -> bool:
        return await self._sleep_until(self._clock.now() + seconds)

    async def _sleep_until(self, deadline: float, *, interruptible: bool = True) -> bool:
        """Wait on the clock until ``deadline``; ``False`` if :meth:`stop` interrupted it."""
        event = self._stop if interruptible else self._never
        while True:
            if event.is_set():
                return False
            remaining = deadline - self._clock.now()
            if remaining <= 0:
                return True
            await self._clock.wait_event(event, remaining)


def _start(callback: Callback) -> asyncio.Task[object] | None:
    """Call ``callback``; a coroutine it returns runs as a task."""
    result = callback()
    if inspect.iscoroutine(result):
        return asyncio.get_running_loop().create_task(result)
    return None


async def _call(callback: Callable[[str], object], leader: str) -> object:
    result = callback(leader)
    if inspect.isawaitable(result):
        return await result
    return result
