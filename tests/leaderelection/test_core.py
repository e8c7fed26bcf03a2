"""The pure leader-election core: config validation, expiry, tryAcquireOrRenew, release (H)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from kinformer._errors import AlreadyExistsError, ConflictError, NotFoundError, TransportError
from kinformer.leaderelection._core import (
    JITTER_FACTOR,
    CreateLease,
    ElectorCore,
    Flow,
    GetLease,
    LeaderElectionCheckError,
    LeaderElectionRecord,
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

T0 = datetime(2026, 11, 27, 1, 0, 0, tzinfo=UTC)
T1 = datetime(2026, 11, 27, 1, 0, 5, tzinfo=UTC)


def record(holder: str, *, duration: int = 15, transitions: int = 0) -> LeaderElectionRecord:
    return LeaderElectionRecord(
        holder_identity=holder,
        lease_duration_seconds=duration,
        acquire_time=T0,
        renew_time=T0,
        leader_transitions=transitions,
    )


def drive(flow: Flow, results: list[LockResult]) -> tuple[list[LockOperation], bool]:
    """Run ``flow``, answering its operations with ``results`` in order."""
    operations = [next(flow)]
    answers = iter(results)
    try:
        while True:
            operations.append(flow.send(next(answers)))
    except StopIteration as stop:
        return operations, bool(stop.value)


def ok(now: float, read: LeaderElectionRecord | None = None) -> LockResult:
    return LockResult(now=now, record=read)


def not_found(now: float) -> LockResult:
    return failed(NotFoundError('leases.coordination.k8s.io "x" not found'), now)


def conflict(now: float) -> LockResult:
    return failed(ConflictError("the object has been modified"), now)


# ---------------------------------------------------------------------- H-1


def _config(**overrides: object) -> dict[str, object]:
    config: dict[str, object] = {
        "lease_duration": 15.0,
        "renew_deadline": 10.0,
        "retry_period": 2.0,
        "on_started_leading": print,
        "on_stopped_leading": print,
        "identity": "a",
    }
    config.update(overrides)
    return config


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"lease_duration": 10.0}, "leaseDuration must be greater than renewDeadline", id="lease-eq-renew"),
        pytest.param({"lease_duration": 5.0}, "leaseDuration must be greater than renewDeadline", id="lease-lt-renew"),
        pytest.param({"retry_period": 10 / 1.2}, "renewDeadline must be greater than retryPeriod*JitterFactor", id="renew-eq-jittered-retry"),
        pytest.param({"retry_period": 9.0}, "renewDeadline must be greater than retryPeriod*JitterFactor", id="renew-lt-jittered-retry"),
        pytest.param({"lease_duration": 0.0, "renew_deadline": -1.0, "retry_period": -2.0}, "leaseDuration must be greater than zero", id="lease-zero"),
        pytest.param({"lease_duration": 1.0, "renew_deadline": 0.0, "retry_period": -1.0}, "renewDeadline must be greater than zero", id="renew-zero"),
        pytest.param({"retry_period": 0.0}, "retryPeriod must be greater than zero", id="retry-zero"),
        pytest.param({"on_started_leading": None}, "OnStartedLeading callback must not be nil", id="no-started"),
        pytest.param({"on_stopped_leading": None}, "OnStoppedLeading callback must not be nil", id="no-stopped"),
        pytest.param({"identity": ""}, "Lock identity is empty", id="empty-identity"),
        pytest.param({"lease_duration": 10.0, "identity": ""}, "leaseDuration must be greater than renewDeadline", id="order-lease-first"),
    ],
)  # fmt: skip
def test_validate_config_h1_messages_in_order(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError) as caught:
        validate_config(**_config(**overrides))  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_validate_config_h1_accepts_client_go_defaults() -> None:
    validate_config(**_config())  # type: ignore[arg-type]


@pytest.mark.parametrize(("u", "expected"), [(0.0, 2.0), (0.5, 3.2), (0.999, 2.0 + 0.999 * 2.4)])
def test_jittered_h6_adds_up_to_jitter_factor_times_period(u: float, expected: float) -> None:
    assert JITTER_FACTOR == 1.2
    assert jittered(2.0, u) == pytest.approx(expected)


# ---------------------------------------------------------------------- H-5 steps


def test_try_acquire_h5_creates_missing_lease() -> None:
    core = ElectorCore("a", 15.9)
    operations, acquired = drive(
        try_acquire_or_renew(core, 100.0, T0), [not_found(100.1), ok(100.2)]
    )
    created = LeaderElectionRecord("a", 15, T0, T0, 0)
    assert operations == [GetLease(), CreateLease(created)]
    assert acquired
    assert core.observed_record == created
    assert core.observed_time == 100.2
    assert core.is_leader
    assert core.leader == "a"


@pytest.mark.parametrize(
    "error",
    [TransportError("connection refused"), ConflictError("boom")],
    ids=["transport", "conflict"],
)
def test_try_acquire_h5_get_error_fails_without_writing(error: Exception) -> None:
    core = ElectorCore("a", 15)
    operations, acquired = drive(try_acquire_or_renew(core, 100.0, T0), [failed(error, 100.1)])
    assert operations == [GetLease()]
    assert not acquired
    assert core.observed_record is None


def test_try_acquire_h5_create_conflict_fails() -> None:
    core = ElectorCore("b", 15)
    exists = failed(AlreadyExistsError("already exists"), 100.2)
    operations, acquired = drive(try_acquire_or_renew(core, 100.0, T0), [not_found(100.1), exists])
    assert len(operations) == 2
    assert not acquired
    assert core.observed_record is None


def test_try_acquire_h5_held_by_other_and_valid_fails_and_observes() -> None:
    core = ElectorCore("b", 15)
    held = record("a", duration=15, transitions=3)
    operations, acquired = drive(try_acquire_or_renew(core, 100.0, T1), [ok(100.1, held)])
    assert operations == [GetLease()]
    assert not acquired
    assert core.observed_record == held
    assert core.observed_time == 100.1
    assert core.leader == "a"
    assert not core.is_leader


def test_try_acquire_h4_expiry_uses_local_observation_time_not_record_times() -> None:
    # The record's renewTime says "long ago"; only the local observation counts (H-4).
    core = ElectorCore("b", 15)
    held = dataclasses.replace(
        record("a", duration=10), renew_time=datetime(2000, 1, 1, tzinfo=UTC)
    )
    _, acquired = drive(try_acquire_or_renew(core, 100.0, T1), [ok(100.0, held)])
    assert not acquired
    # Same raw record read again 9.9 s later: not re-observed, still valid.
    _, acquired = drive(try_acquire_or_renew(core, 109.9, T1), [ok(109.9, held)])
    assert not acquired
    assert core.observed_time == 100.0
    # At observed_time + leaseDurationSeconds it has expired: take over, transitions + 1.
    operations, acquired = drive(
        try_acquire_or_renew(core, 110.0, T1), [ok(110.0, held), ok(110.1)]
    )
    assert acquired
    assert operations[-1] == UpdateLease(LeaderElectionRecord("b", 15, T1, T1, 1))
    assert core.observed_time == 110.1
    assert core.is_leader


def test_try_acquire_h4_changed_record_restarts_the_expiry_clock() -> None:
    core = ElectorCore("b", 15)
    drive(try_acquire_or_renew(core, 100.0, T1), [ok(100.0, record("a", duration=10))])
    renewed = dataclasses.replace(record("a", duration=10), renew_time=T1)
    _, acquired = drive(try_acquire_or_renew(core, 109.0, T1), [ok(109.0, renewed)])
    assert not acquired
    assert core.observed_time == 109.0
    _, acquired = drive(try_acquire_or_renew(core, 118.9, T1), [ok(118.9, renewed)])
    assert not acquired


def test_try_acquire_h5_released_lease_is_taken_at_once() -> None:
    core = ElectorCore("b", 15)
    released = record("", duration=1, transitions=4)
    operations, acquired = drive(
        try_acquire_or_renew(core, 100.0, T1), [ok(100.0, released), ok(100.1)]
    )
    assert acquired
    assert operations == [GetLease(), UpdateLease(LeaderElectionRecord("b", 15, T1, T1, 5))]


def test_try_acquire_h5_fast_path_renews_with_one_update() -> None:
    core = ElectorCore("a", 15)
    drive(try_acquire_or_renew(core, 100.0, T0), [not_found(100.0), ok(100.0)])
    operations, renewed = drive(try_acquire_or_renew(core, 102.0, T1), [ok(102.1)])
    assert renewed
    assert operations == [UpdateLease(LeaderElectionRecord("a", 15, T0, T1, 0))]
    assert core.observed_time == 102.1


def test_try_acquire_h5_fast_path_failure_falls_back_to_slow_path() -> None:
    core = ElectorCore("a", 15)
    drive(try_acquire_or_renew(core, 100.0, T0), [not_found(100.0), ok(100.0)])
    server_copy = record("a", duration=15, transitions=2)
    operations, renewed = drive(
        try_acquire_or_renew(core, 102.0, T1),
        [conflict(102.0), ok(102.1, server_copy), ok(102.2)],
    )
    assert renewed
    # The slow path keeps the acquireTime and transitions read from the server.
    assert operations == [
        UpdateLease(LeaderElectionRecord("a", 15, T0, T1, 0)),
        GetLease(),
        UpdateLease(LeaderElectionRecord("a", 15, T0, T1, 2)),
    ]


def test_try_acquire_h5_expired_own_lease_skips_fast_path() -> None:
    core = ElectorCore("a", 15)
    drive(try_acquire_or_renew(core, 100.0, T0), [not_found(100.0), ok(100.0)])
    operations, _ = drive(
        try_acquire_or_renew(core, 115.0, T1), [ok(115.0, record("a")), ok(115.1)]
    )
    assert operations[0] == GetLease()


def test_try_acquire_h5_update_conflict_fails() -> None:
    core = ElectorCore("b", 15)
    operations, acquired = drive(
        try_acquire_or_renew(core, 100.0, T1), [ok(100.0, record("")), conflict(100.1)]
    )
    assert not acquired
    assert len(operations) == 2
    assert core.leader == ""


def test_try_acquire_h5_lost_lease_is_observed_as_other_holder() -> None:
    core = ElectorCore("a", 15)
    drive(try_acquire_or_renew(core, 100.0, T0), [not_found(100.0), ok(100.0)])
    taken = record("b", transitions=1)
    operations, renewed = drive(
        try_acquire_or_renew(core, 102.0, T1), [conflict(102.0), ok(102.1, taken)]
    )
    assert not renewed
    assert operations[-1] == GetLease()
    assert core.leader == "b"
    assert not core.is_leader


# ---------------------------------------------------------------------- H-11


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(not_found(100.0), id="missing-lease-is-never-created"),
        pytest.param(failed(TransportError("refused"), 100.0), id="get-error"),
        pytest.param(ok(100.0, record("b")), id="held-by-another"),
        pytest.param(ok(100.0, record("")), id="released-is-not-taken"),
        pytest.param(
            ok(100.0, dataclasses.replace(record("a"), preferred_holder="b")), id="end-of-term"
        ),
    ],
)
def test_try_coordinated_renew_h11_only_renews_its_own_lease(read: LockResult) -> None:
    core = ElectorCore("a", 15)
    operations, renewed = drive(try_coordinated_renew(core, 100.0, T1), [read])
    assert operations == [GetLease()]
    assert not renewed


def test_try_coordinated_renew_h11_renews_keeping_strategy_and_transitions() -> None:
    core = ElectorCore("a", 15)
    held = dataclasses.replace(record("a", transitions=4), strategy="OldestEmulationVersion")
    operations, renewed = drive(
        try_coordinated_renew(core, 100.0, T1), [ok(100.0, held), ok(100.1)]
    )
    assert renewed
    assert operations[-1] == UpdateLease(
        LeaderElectionRecord("a", 15, T0, T1, 4, strategy="OldestEmulationVersion")
    )
    assert core.observed_time == 100.1
    # A failed write fails the attempt.
    _, renewed = drive(try_coordinated_renew(core, 101.0, T1), [ok(101.0, held), conflict(101.1)])
    assert not renewed


def test_try_coordinated_renew_h11_expired_lease_is_not_renewed() -> None:
    core = ElectorCore("a", 15)
    drive(try_coordinated_renew(core, 100.0, T0), [ok(100.0, record("a")), ok(100.0)])
    # Observed at 100.0 (our own write), read unchanged later: expired strictly after 15 s.
    stale = LeaderElectionRecord("a", 15, T0, T0, 0)
    _, renewed = drive(try_coordinated_renew(core, 115.0, T1), [ok(115.0, stale), ok(115.1)])
    assert renewed
    _, renewed = drive(try_coordinated_renew(core, 200.0, T1), [ok(200.0, stale)])
    assert renewed is False


# ---------------------------------------------------------------------- H-7


def _leading(identity: str = "a") -> ElectorCore:
    core = ElectorCore(identity, 15)
    core.set_observed(record(identity, transitions=7), 100.0)
    return core


def test_release_h7_writes_empty_holder_duration_one_transitions_kept() -> None:
    core = _leading()
    operations, done = drive(release(core, T1), [ok(101.0, record("a")), ok(101.1)])
    assert done
    assert operations == [GetLease(), UpdateLease(LeaderElectionRecord("", 1, T1, T1, 7))]
    assert not core.is_leader
    assert core.leader == ""


def test_release_h7_not_the_holder_writes_nothing() -> None:
    core = ElectorCore("a", 15)
    core.set_observed(record("b"), 100.0)
    operations, done = drive(release(core, T1), [ok(101.0, record("b"))])
    assert done
    assert operations == [GetLease()]


@pytest.mark.parametrize(
    "results",
    [
        pytest.param([not_found(101.0)], id="get-fails"),
        pytest.param([ok(101.0, record("a")), conflict(101.1)], id="update-conflict"),
    ],
)
def test_release_h7_failures_report_false(results: list[LockResult]) -> None:
    core = _leading()
    _, done = drive(release(core, T1), results)
    assert not done
    assert core.is_leader


# ---------------------------------------------------------------------- H-8, H-9


def test_transition_to_report_h8_reports_each_new_holder_once() -> None:
    core = ElectorCore("a", 15)
    assert core.transition_to_report() is None  # nothing observed: "" was never reported
    core.set_observed(record("b"), 1.0)
    assert core.transition_to_report() == "b"  # the first observation is reported
    assert core.transition_to_report() is None
    core.set_observed(record("b", transitions=1), 2.0)
    assert core.transition_to_report() is None
    core.set_observed(record("a"), 3.0)
    assert core.transition_to_report() == "a"
    core.set_observed(record(""), 4.0)
    assert core.transition_to_report() == ""


def test_check_h9_only_fails_for_a_stale_leader() -> None:
    core = ElectorCore("a", 15)
    core.check(1000.0, 0.0, name="lease")  # never observed
    core.set_observed(record("b"), 100.0)
    core.check(1000.0, 0.0, name="lease")  # not the leader
    core.set_observed(record("a"), 100.0)
    core.check(115.0, 0.0, name="lease")  # exactly lease duration: fine
    core.check(119.0, 5.0, name="lease")  # within the tolerance
    with pytest.raises(LeaderElectionCheckError) as caught:
        core.check(115.5, 0.0, name="lease")
    assert str(caught.value) == "failed election to renew leadership on lease lease"


def test_is_lease_valid_h4_without_observation_is_false() -> None:
    assert not ElectorCore("a", 15).is_lease_valid(0.0)


def test_lock_result_ok_and_failed_classification() -> None:
    assert ok(1.0).ok
    result = failed(NotFoundError("x"), 2.0)
    assert not result.ok
    assert result.not_found
    assert not result.conflict
    assert conflict(1.0).conflict
    assert not failed(AlreadyExistsError("x"), 1.0).conflict
