"""Three candidates against the FakeApiServer, both runtimes (H-5 .. H-8).

Short durations (lease 2 s, renew deadline 1.5 s, retry 0.25 s) keep these under a few
seconds each; they run in real time because the point is the interplay of real requests,
real conflicts and three clocks.
"""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from kinformer.leaderelection import JITTER_FACTOR
from kinformer.testing import FakeApiServer

from .conftest import LEASE, NAMESPACE, Candidates

LEASE_DURATION = 2.0
RETRY_PERIOD = 0.25
# Scheduling slack for real-time bounds on a shared 2-core machine.
SLACK = 1.0
# Failover bound: the lease duration plus one jittered retry period (H-6), plus slack.
FAILOVER = LEASE_DURATION + RETRY_PERIOD * (1 + JITTER_FACTOR) + SLACK
MICRO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


def lease_spec(server: FakeApiServer) -> dict[str, object]:
    spec = server.get("coordination.k8s.io/v1", "Lease", LEASE, NAMESPACE)["spec"]
    assert isinstance(spec, dict)
    return spec


async def wait_until(predicate: object, timeout: float = 5.0) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


@pytest.mark.slow
async def test_leader_elector_h6_three_candidates_one_leader_and_failover(
    candidates: Candidates, server: FakeApiServer
) -> None:
    for name in ("a", "b", "c"):
        await candidates.start(name)
    first = await candidates.wait_for_leader()
    await asyncio.sleep(0.6)  # a few renew rounds
    assert candidates.leaders() == [first]
    spec = lease_spec(server)
    assert spec["holderIdentity"] == first
    assert spec["leaseDurationSeconds"] == 2
    assert spec["leaseTransitions"] == 0
    assert isinstance(spec["renewTime"], str)
    assert MICRO_TIME.match(spec["renewTime"])
    assert isinstance(spec["acquireTime"], str)
    assert MICRO_TIME.match(spec["acquireTime"])
    # H-8: every candidate reported the leader it observed.
    await wait_until(lambda: all(c.new_leaders == [first] for c in candidates.members.values()))

    # The leader stops without releasing: another takes over once the lease expired.
    stopped = time.monotonic()
    await candidates.stop(first)
    second = await candidates.wait_for_leader(exclude=first)
    took = candidates.members[second].intervals[-1][0] - stopped
    assert took <= FAILOVER
    assert took >= LEASE_DURATION - RETRY_PERIOD * (1 + JITTER_FACTOR)  # it did wait (H-4)
    spec = lease_spec(server)
    assert spec["holderIdentity"] == second
    assert spec["leaseTransitions"] == 1
    remaining = next(n for n in ("a", "b", "c") if n not in (first, second))
    await wait_until(lambda: candidates.members[remaining].new_leaders == [first, second])
    candidates.assert_never_two_leaders()


@pytest.mark.slow
async def test_leader_elector_h7_release_on_cancel_hands_over_at_once(
    candidates: Candidates, server: FakeApiServer
) -> None:
    for name in ("a", "b", "c"):
        await candidates.start(name, release_on_cancel=True)
    first = await candidates.wait_for_leader()
    stopped = time.monotonic()
    await candidates.stop(first)
    # The lease was released cleanly: no holder, duration 1 s, transitions kept.
    elector = candidates.members[first].elector
    assert not elector.is_leader
    second = await candidates.wait_for_leader(exclude=first)
    # A released lease is taken on the next attempt, long before the 2 s lease would expire.
    assert candidates.members[second].intervals[-1][0] - stopped < 1.5
    spec = lease_spec(server)
    assert spec["holderIdentity"] == second
    assert spec["leaseTransitions"] == 1
    candidates.assert_never_two_leaders()
    # Shut the others down, then the leader: it releases too.
    remaining = next(n for n in ("a", "b", "c") if n not in (first, second))
    await candidates.stop(remaining)
    await candidates.stop(second)
    spec = lease_spec(server)
    assert spec["holderIdentity"] == ""
    assert spec["leaseDurationSeconds"] == 1
    assert spec["leaseTransitions"] == 1


@pytest.mark.slow
async def test_leader_elector_h6_leader_cut_off_from_api_server_steps_down(
    candidates: Candidates, server: FakeApiServer
) -> None:
    for name in ("a", "b", "c"):
        await candidates.start(name)
    first = await candidates.wait_for_leader()
    cut = time.monotonic()
    candidates.cut_off(first)
    # The leader cannot renew: it gives up after the renew deadline and run() returns.
    member = candidates.members[first]
    await asyncio.to_thread(member.stopped_leading.wait, 5.0)
    assert member.stopped_at is not None
    assert member.stopped_at - cut <= 1.5 + RETRY_PERIOD + SLACK
    await wait_until(lambda: not member.leading, timeout=2.0)
    second = await candidates.wait_for_leader(exclude=first)
    assert candidates.members[second].intervals[-1][0] - cut <= FAILOVER
    assert lease_spec(server)["holderIdentity"] == second
    candidates.assert_never_two_leaders()
