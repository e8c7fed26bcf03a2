"""Lease locks: record <-> Lease mapping, MicroTime, get/create/update semantics (H-2, H-3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from kinformer._errors import AlreadyExistsError, ConflictError, NotFoundError
from kinformer.leaderelection import (
    AsyncLeaderElector,
    AsyncLeaseLock,
    LeaderElectionRecord,
    LeaderElector,
    LeaseLock,
    check_lock_type,
)
from kinformer.leaderelection._lease_lock import (
    format_micro_time,
    lease_spec_to_record,
    parse_micro_time,
    record_to_lease_spec,
)
from kinformer.testing import FakeApiServer
from kinformer.transport import AsyncClient, Client

T0 = datetime(2026, 11, 27, 1, 2, 3, 456789, tzinfo=UTC)


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as fake:
        yield fake


@pytest.mark.parametrize(
    ("lock_type", "message"),
    [
        ("endpoints", "endpoints lock is removed, migrate to endpointsleases"),
        ("configmaps", "configmaps lock is removed, migrate to configmapsleases"),
        ("endpointsleases", "endpointsleases lock is removed, migrate to leases"),
        ("configmapsleases", "configmapsleases lock is removed, migrate to leases"),
        ("secrets", "Invalid lock-type secrets"),
    ],
)
def test_check_lock_type_h2_only_leases_remain(lock_type: str, message: str) -> None:
    check_lock_type("leases")
    with pytest.raises(ValueError) as caught:
        check_lock_type(lock_type)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (T0, "2026-11-27T01:02:03.456789Z"),
        (datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC), "2026-11-27T01:02:03.000000Z"),
        (
            datetime(2026, 11, 27, 3, 2, 3, 5, tzinfo=timezone(timedelta(hours=2))),
            "2026-11-27T01:02:03.000005Z",
        ),
    ],
)
def test_format_micro_time_h2_exactly_six_digits_utc(moment: datetime, text: str) -> None:
    assert format_micro_time(moment) == text
    assert parse_micro_time(text) == moment


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("2026-11-27T01:02:03Z", datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)),
        ("2026-11-27T01:02:03", datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)),
        ("2030-01-02T05:04:05.123456+02:00", datetime(2030, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
    ],
)
def test_parse_micro_time_h2_any_rfc3339(text: str | None, expected: datetime | None) -> None:
    assert parse_micro_time(text) == expected


def test_record_to_lease_spec_h2_optional_fields_only_when_set() -> None:
    plain = LeaderElectionRecord("a", 15, T0, T0, 3)
    assert record_to_lease_spec(plain) == {
        "holderIdentity": "a",
        "leaseDurationSeconds": 15,
        "acquireTime": "2026-11-27T01:02:03.456789Z",
        "renewTime": "2026-11-27T01:02:03.456789Z",
        "leaseTransitions": 3,
    }
    coordinated = LeaderElectionRecord("a", 15, None, None, 0, "OldestEmulationVersion", "b")
    spec = record_to_lease_spec(coordinated)
    assert spec["strategy"] == "OldestEmulationVersion"
    assert spec["preferredHolder"] == "b"
    assert spec["acquireTime"] is None
    assert lease_spec_to_record(spec) == coordinated
    assert lease_spec_to_record(record_to_lease_spec(plain)) == plain


@pytest.mark.parametrize(
    "spec", [None, {}, {"holderIdentity": None}], ids=["none", "empty", "null"]
)
def test_lease_spec_to_record_h2_missing_fields_are_zero(spec: Any) -> None:
    assert lease_spec_to_record(spec) == LeaderElectionRecord("", 0, None, None, 0)


def test_lease_lock_h3_get_create_update_against_the_server(server: FakeApiServer) -> None:
    with Client.from_kubeconfig(server.kubeconfig_path) as client:
        lock = LeaseLock(client, namespace="default", name="ctl", identity="a", labels={"x": "1"})
        other = LeaseLock(client, namespace="default", name="ctl", identity="b")
        assert lock.describe() == "default/ctl"
        assert "identity='a'" in repr(lock)
        with pytest.raises(RuntimeError, match="lease not initialized, call get or create first"):
            lock.update(LeaderElectionRecord("a", 15, T0, T0))
        with pytest.raises(NotFoundError):
            lock.get()
        lock.create(LeaderElectionRecord("a", 15, T0, T0))
        with pytest.raises(AlreadyExistsError):
            other.create(LeaderElectionRecord("b", 15, T0, T0))
        stored = server.get("coordination.k8s.io/v1", "Lease", "ctl", "default")
        assert stored["metadata"]["labels"] == {"x": "1"}
        assert stored["spec"]["renewTime"] == "2026-11-27T01:02:03.456789Z"
        # b reads, a renews: b's update carries the stale resourceVersion (H-3).
        assert other.get() == LeaderElectionRecord("a", 15, T0, T0)
        later = T0 + timedelta(seconds=2)
        lock.update(LeaderElectionRecord("a", 15, T0, later))
        with pytest.raises(ConflictError):
            other.update(LeaderElectionRecord("b", 15, later, later, 1))
        assert other.get().renew_time == later
        other.update(LeaderElectionRecord("b", 15, later, later, 1))
        stored = server.get("coordination.k8s.io/v1", "Lease", "ctl", "default")
        assert stored["spec"]["holderIdentity"] == "b"
        assert stored["metadata"]["labels"] == {"x": "1"}
        # The labelled lock merges its labels back on update.
        server.patch(
            "coordination.k8s.io/v1", "Lease", "ctl", {"metadata": {"labels": None}}, "default"
        )
        lock.get()
        lock.update(LeaderElectionRecord("a", 15, later, later, 2))
        stored = server.get("coordination.k8s.io/v1", "Lease", "ctl", "default")
        assert stored["metadata"]["labels"] == {"x": "1"}
        assert re.fullmatch(r".*\.\d{6}Z", stored["spec"]["acquireTime"])


async def test_async_lease_lock_h3_get_create_update(server: FakeApiServer) -> None:
    async with AsyncClient.from_kubeconfig(server.kubeconfig_path) as client:
        lock = AsyncLeaseLock(client, namespace="default", name="ctl", identity="a")
        other = AsyncLeaseLock(client, namespace="default", name="ctl", identity="b")
        with pytest.raises(NotFoundError):
            await lock.get()
        await lock.create(LeaderElectionRecord("a", 15, T0, T0))
        assert await other.get() == LeaderElectionRecord("a", 15, T0, T0)
        await lock.update(LeaderElectionRecord("a", 15, T0, T0 + timedelta(seconds=1)))
        with pytest.raises(ConflictError):
            await other.update(LeaderElectionRecord("b", 15, T0, T0, 1))


@pytest.mark.parametrize("kind", [LeaderElector, AsyncLeaderElector])
def test_leader_elector_h9_identity_and_repr(kind: Any) -> None:
    elector = kind(
        object(),
        lease_name="ctl",
        namespace="ns",
        identity="me",
        on_started_leading=print,
        on_stopped_leading=print,
    )
    assert elector.identity == "me"
    assert elector.leader == ""
    assert not elector.is_leader
    assert "'ns/ctl'" in repr(elector)
    elector.check(0.0)
