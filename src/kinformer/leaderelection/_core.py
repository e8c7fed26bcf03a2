"""Leader election, the pure core (client-go ``tools/leaderelection/leaderelection.go``).

Everything the elector *decides* lives here, with no I/O, threads, tasks or clock reads:

* :func:`validate_config` checks the durations and callbacks with client-go's messages (H-1);
* :class:`LeaderElectionRecord` is the lock's content (H-2);
* :class:`ElectorCore` holds what the candidate observed (record, local observation time,
  last reported leader) and judges expiry with the LOCAL clock (H-4), answers
  ``is_leader`` / ``leader`` / :meth:`~ElectorCore.check` (H-9) and reports leader changes
  (H-8);
* :func:`try_acquire_or_renew` is the decision procedure of one attempt (H-5), written as a
  generator in the style of httpx's ``auth_flow``: it yields the lock operations to perform
  (:class:`GetLease`, :class:`CreateLease`, :class:`UpdateLease`) and the driver sends back a
  :class:`LockResult`; the generator's return value says whether the attempt succeeded;
* :func:`try_coordinated_renew` replaces it for coordinated (alpha) elections (H-11): it
  never creates or takes a Lease, it only renews one a server-side coordinator gave us;
* :func:`release` is the release procedure (H-7), a generator of the same shape;
* :func:`jittered` is ``wait.Jitter`` with client-go's factor 1.2 (H-6).

Time: ``now`` values are seconds on the driver's monotonic clock; ``wall`` values are the
UTC :class:`~datetime.datetime` written into ``acquireTime`` / ``renewTime``. Those wall times
are never trusted for expiry (H-4).

Invariants of :class:`ElectorCore`: ``observed_time`` is ``None`` iff ``observed_record`` is
``None``; ``_observed_raw`` is the last record *read* from the server (``None`` before the
first read), which is what H-4's "raw record changed" compares against.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Final, final

from .._errors import ConflictError, KinformerError, NotFoundError

__all__ = [
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY_PERIOD",
    "JITTER_FACTOR",
    "CreateLease",
    "ElectorCore",
    "GetLease",
    "LeaderElectionCheckError",
    "LeaderElectionRecord",
    "LockOperation",
    "LockResult",
    "UpdateLease",
    "failed",
    "jittered",
    "release",
    "try_acquire_or_renew",
    "try_coordinated_renew",
    "validate_config",
]

#: ``leaderelection.JitterFactor``: the acquire loop waits ``retry_period`` plus up to 1.2 times
#: it (https://github.com/kubernetes/client-go/blob/v0.36.0/tools/leaderelection/leaderelection.go#L70).
JITTER_FACTOR: Final = 1.2

#: The "core" defaults that client-go documents for its components (not enforced): 15 s lease,
#: 10 s renew deadline, 2 s retry period (leaderelection.go comments, spec section 1).
DEFAULT_LEASE_DURATION: Final = 15.0
DEFAULT_RENEW_DEADLINE: Final = 10.0
DEFAULT_RETRY_PERIOD: Final = 2.0


class LeaderElectionCheckError(KinformerError):
    """The health check failed: we lead but have not renewed for too long (H-9)."""


def validate_config(
    *,
    lease_duration: float,
    renew_deadline: float,
    retry_period: float,
    on_started_leading: Callable[..., object] | None,
    on_stopped_leading: Callable[..., object] | None,
    identity: str,
) -> None:
    """Raise :class:`ValueError` with client-go's message for the first bad setting (H-1).

    The order is ``NewLeaderElector``'s: lease vs renew deadline, renew deadline vs jittered
    retry period, then non-positive durations, missing callbacks, empty identity.

    >>> validate_config(lease_duration=10, renew_deadline=10, retry_period=2,
    ...                 on_started_leading=print, on_stopped_leading=print, identity="a")
    Traceback (most recent call last):
    ...
    ValueError: leaseDuration must be greater than renewDeadline
    """
    if lease_duration <= renew_deadline:
        raise ValueError("leaseDuration must be greater than renewDeadline")
    if renew_deadline <= JITTER_FACTOR * retry_period:
        raise ValueError("renewDeadline must be greater than retryPeriod*JitterFactor")
    if lease_duration <= 0:
        raise ValueError("leaseDuration must be greater than zero")
    if renew_deadline <= 0:
        raise ValueError("renewDeadline must be greater than zero")
    if retry_period <= 0:
        raise ValueError("retryPeriod must be greater than zero")
    if on_started_leading is None:
        raise ValueError("OnStartedLeading callback must not be nil")
    if on_stopped_leading is None:
        raise ValueError("OnStoppedLeading callback must not be nil")
    if not identity:
        raise ValueError("Lock identity is empty")


def jittered(period: float, u: float, factor: float = JITTER_FACTOR) -> float:
    """``wait.Jitter(period, factor)`` for a uniform draw ``u`` in [0, 1): ``period·(1 + u·factor)``.

    >>> jittered(2.0, 0.5)
    3.2
    """
    return period + u * factor * period


@dataclass(frozen=True, slots=True)
class LeaderElectionRecord:
    """What a lock holds (client-go ``resourcelock.LeaderElectionRecord``, H-2).

    Attributes:
        holder_identity: who holds the lease; ``""`` once released.
        lease_duration_seconds: how long, in whole seconds, others must wait after last
            *seeing* the record change before they may take it (H-4).
        acquire_time: when the holder acquired it (UTC; informative only).
        renew_time: when the holder last renewed it (UTC; informative only).
        leader_transitions: how many times the holder changed.
        strategy: the coordinated-election strategy, written only if non-empty.
        preferred_holder: the coordinated-election preferred holder, written only if
            non-empty.
    """

    holder_identity: str
    lease_duration_seconds: int
    acquire_time: datetime | None
    renew_time: datetime | None
    leader_transitions: int = 0
    strategy: str = ""
    preferred_holder: str = ""


# ---------------------------------------------------------------------- lock operations


@dataclass(frozen=True, slots=True)
class GetLease:
    """Read the lock (``Lock.Get``); the lock remembers the object it read (H-3)."""


@dataclass(frozen=True, slots=True)
class CreateLease:
    """Create the lock holding ``record`` (``Lock.Create``)."""

    record: LeaderElectionRecord


@dataclass(frozen=True, slots=True)
class UpdateLease:
    """Replace the remembered lock's record with ``record`` (``Lock.Update``, H-3)."""

    record: LeaderElectionRecord


LockOperation = GetLease | CreateLease | UpdateLease


@dataclass(frozen=True, slots=True)
class LockResult:
    """The outcome of one :data:`LockOperation`, as the driver reports it.

    Attributes:
        now: the driver's clock right after the operation finished.
        record: for a successful :class:`GetLease`, the record read.
        error: the exception the operation raised, ``None`` on success.
        not_found: the error was a 404 NotFound.
        conflict: the error was a 409 Conflict (a stale resourceVersion).
    """

    now: float
    record: LeaderElectionRecord | None = None
    error: BaseException | None = None
    not_found: bool = False
    conflict: bool = False

    @property
    def ok(self) -> bool:
        """The operation succeeded."""
        return self.error is None


def failed(error: BaseException, now: float) -> LockResult:
    """The :class:`LockResult` of an operation that raised ``error``."""
    return LockResult(
        now=now,
        error=error,
        not_found=isinstance(error, NotFoundError),
        conflict=isinstance(error, ConflictError),
    )


# ---------------------------------------------------------------------- the elector's memory


@final
class ElectorCore:
    """What one candidate observed, and the judgements made from it (H-4, H-8, H-9).

    Args:
        identity: this candidate's identity (the lock's ``holderIdentity`` when it leads).
        lease_duration: the configured lease duration in seconds; written into records
            in whole seconds, and used by :meth:`check`.
    """

    __slots__ = (
        "_observed_raw",
        "identity",
        "lease_duration",
        "observed_record",
        "observed_time",
        "reported_leader",
    )

    def __init__(self, identity: str, lease_duration: float) -> None:
        self.identity = identity
        self.lease_duration = lease_duration
        self.observed_record: LeaderElectionRecord | None = None
        self.observed_time: float | None = None
        self.reported_leader = ""
        self._observed_raw: LeaderElectionRecord | None = None

    @property
    def leader(self) -> str:
        """The observed holder (``GetLeader``); ``""`` before anything was observed (H-9)."""
        record = self.observed_record
        return record.holder_identity if record is not None else ""

    @property
    def is_leader(self) -> bool:
        """The observed holder is this candidate (``IsLeader``, H-9)."""
        return self.leader == self.identity

    def set_observed(self, record: LeaderElectionRecord, now: float) -> None:
        """Remember ``record`` as observed at ``now`` (``setObservedRecord``)."""
        self.observed_record = record
        self.observed_time = now

    def observe_read(self, record: LeaderElectionRecord, now: float) -> None:
        """A record read from the server: observe it only if it changed since the last read (H-4)."""
        if record != self._observed_raw:
            self.set_observed(record, now)
            self._observed_raw = record

    def is_lease_valid(self, now: float) -> bool:
        """``observed_time + leaseDurationSeconds (from the record) > now``: the local clock only (H-4)."""
        if self.observed_record is None or self.observed_time is None:
            return False
        return self.observed_time + self.observed_record.lease_duration_seconds > now

    def new_record(self, wall: datetime) -> LeaderElectionRecord:
        """The record this candidate writes to take or renew the lease at ``wall`` (H-5)."""
        return LeaderElectionRecord(
            holder_identity=self.identity,
            lease_duration_seconds=int(self.lease_duration),
            acquire_time=wall,
            renew_time=wall,
        )

    def transition_to_report(self) -> str | None:
        """The new leader to report to ``on_new_leader``, if the observed holder changed (H-8).

        Calling it marks the holder as reported (``maybeReportTransition``).
        """
        leader = self.leader
        if leader == self.reported_leader:
            return None
        self.reported_leader = leader
        return leader

    def check(self, now: float, max_tolerable_expired_lease: float, *, name: str) -> None:
        """Raise :class:`LeaderElectionCheckError` if we lead but last observed too long ago (H-9).

        The tolerance is the lease duration plus ``max_tolerable_expired_lease`` seconds.
        """
        if not self.is_leader or self.observed_time is None:
            return
        if now - self.observed_time > self.lease_duration + max_tolerable_expired_lease:
            raise LeaderElectionCheckError(f"failed election to renew leadership on lease {name}")


# ---------------------------------------------------------------------- procedures

Flow = Generator[LockOperation, LockResult, bool]


def try_acquire_or_renew(core: ElectorCore, now: float, wall: datetime) -> Flow:
    """One attempt to acquire or renew the lease (``tryAcquireOrRenew``, H-5).

    ``now`` and ``wall`` are read once, when the attempt starts. Yields lock operations;
    returns ``True`` when this candidate holds the lease afterwards.
    """
    record = core.new_record(wall)
    # 1. Fast path: the observed holder is us and the lease is still valid.
    if core.is_leader and core.is_lease_valid(now):
        observed = core.observed_record
        assert observed is not None  # is_lease_valid implies a record
        record = dataclasses.replace(
            record,
            acquire_time=observed.acquire_time,
            leader_transitions=observed.leader_transitions,
        )
        result = yield UpdateLease(record)
        if result.ok:
            core.set_observed(record, result.now)
            return True
        record = core.new_record(wall)
    # 2. Get, or create when there is none.
    result = yield GetLease()
    if not result.ok:
        if not result.not_found:
            return False
        created = yield CreateLease(record)
        if not created.ok:
            return False
        core.set_observed(record, created.now)
        return True
    old = result.record
    assert old is not None  # a successful get carries the record
    # 3. Observe the record if it changed (local time of the observation).
    core.observe_read(old, result.now)
    # 4. Held by someone else and not expired: fail.
    if old.holder_identity and core.is_lease_valid(now) and not core.is_leader:
        return False
    # 5. Keep acquireTime and transitions when we already hold it; count a transition otherwise.
    if core.is_leader:
        record = dataclasses.replace(
            record, acquire_time=old.acquire_time, leader_transitions=old.leader_transitions
        )
    else:
        record = dataclasses.replace(record, leader_transitions=old.leader_transitions + 1)
    # 6. Update; the observed record is what was written.
    updated = yield UpdateLease(record)
    if not updated.ok:
        return False
    core.set_observed(record, updated.now)
    return True


def try_coordinated_renew(core: ElectorCore, now: float, wall: datetime) -> Flow:
    """One renewal attempt of a coordinated election (``tryCoordinatedRenew``, H-11).

    A server-side coordinator picks the holder; the candidate only renews a Lease it holds:
    a missing Lease, an expired one, one held by another, or one marked "end of term" (a
    ``preferredHolder`` set) all fail, so the Lease runs out and the coordinator moves on.
    """
    result = yield GetLease()
    if not result.ok:
        return False
    old = result.record
    assert old is not None  # a successful get carries the record
    core.observe_read(old, result.now)
    observed_time = core.observed_time
    assert observed_time is not None  # just observed
    if observed_time + old.lease_duration_seconds < now:
        return False  # expired
    if not core.is_leader:
        return False  # held by another
    if old.preferred_holder:
        return False  # "end of term": let it expire
    record = dataclasses.replace(
        core.new_record(wall),
        acquire_time=old.acquire_time,
        leader_transitions=old.leader_transitions,
        strategy=old.strategy,
    )
    updated = yield UpdateLease(record)
    if not updated.ok:
        return False
    core.set_observed(record, updated.now)
    return True


def release(core: ElectorCore, wall: datetime) -> Flow:
    """One attempt to give the lease up (``release``, H-7).

    Reads the lock (to update its resourceVersion) and, if we are still the observed holder,
    writes ``{holderIdentity "", leaseDurationSeconds 1, acquire = renew = wall, transitions
    kept}``. Returns ``True`` when there is nothing more to do: released, or not ours. A
    failed read or write returns ``False``; the driver retries conflicts within the renew
    deadline.
    """
    result = yield GetLease()
    if not result.ok:
        return False
    if not core.is_leader:
        return True
    observed = core.observed_record
    assert observed is not None  # is_leader implies a record
    record = LeaderElectionRecord(
        holder_identity="",
        lease_duration_seconds=1,
        acquire_time=wall,
        renew_time=wall,
        leader_transitions=observed.leader_transitions,
    )
    updated = yield UpdateLease(record)
    if not updated.ok:
        return False
    core.set_observed(record, updated.now)
    return True
