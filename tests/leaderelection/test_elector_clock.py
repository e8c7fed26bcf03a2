"""Elector timing with a FakeClock (no sleeps), both runtimes: H-6 loops, H-9 check, H-1."""

from __future__ import annotations

import asyncio
import contextlib
import random
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from kinformer.leaderelection import (
    AsyncLeaderElector,
    LeaderElectionCheckError,
    LeaderElector,
)
from kinformer.leaderelection._lease_lock import format_micro_time
from kinformer.testing import FakeApiServer
from kinformer.testing._clock import FakeClock
from kinformer.transport import AsyncClient, Client

from .conftest import FLAVORS, LEASE, NAMESPACE

LEASE_KEY = ("get", "leases")


class HalfRandom(random.Random):
    """Always draws 0.5: the acquire loop then waits retry_period * (1 + 0.5 * 1.2)."""

    def random(self) -> float:
        return 0.5


@dataclass
class Run:
    """One elector run under a FakeClock, in either flavour."""

    flavor: str
    server: FakeApiServer
    clock: FakeClock = field(default_factory=FakeClock)
    events: list[str] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    elector: Any = None
    _runner: Any = None
    _client: Any = None

    def start(self, identity: str = "me", **options: Any) -> None:
        settings: dict[str, Any] = {
            "lease_name": LEASE,
            "namespace": NAMESPACE,
            "identity": identity,
            "lease_duration": 2.0,
            "renew_deadline": 1.5,
            "retry_period": 0.25,
            "clock": self.clock,
            "rng": HalfRandom(),
            "on_new_leader": lambda leader: self.events.append(f"new:{leader}"),
            **options,
        }
        if self.flavor == "threads":
            self._client = Client.from_kubeconfig(self.server.kubeconfig_path)
            self.elector = LeaderElector(
                self._client,
                on_started_leading=lambda lost: self.events.append("started"),
                on_stopped_leading=self._stopped,
                **settings,
            )
            self._runner = threading.Thread(target=self.elector.run, daemon=True)
            self._runner.start()
        else:
            self._client = AsyncClient.from_kubeconfig(self.server.kubeconfig_path)

            async def started() -> None:
                self.events.append("started")

            self.elector = AsyncLeaderElector(
                self._client,
                on_started_leading=started,
                on_stopped_leading=self._stopped,
                **settings,
            )
            self._runner = asyncio.get_running_loop().create_task(self.elector.run())

    def _stopped(self) -> None:
        self.events.append("stopped")
        self.done.set()

    async def waiters(self, count: int = 1) -> None:
        """Until the elector waits on the clock (its requests are done)."""
        await asyncio.to_thread(self.clock.block_until_waiters, count)

    async def advance(self, seconds: float) -> None:
        await self.waiters()
        self.clock.advance(seconds)
        await asyncio.sleep(0)

    async def wait_done(self) -> None:
        assert await asyncio.to_thread(self.done.wait, 5.0)

    async def stop(self) -> None:
        if self.flavor == "threads":
            self.elector.stop()
            await asyncio.to_thread(self._runner.join, 5.0)
        else:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._runner
        assert self.done.is_set()

    async def close(self) -> None:
        if self._runner is not None and not self.done.is_set():
            await self.stop()
        if isinstance(self._client, Client):
            self._client.close()
        elif self._client is not None:
            await self._client.aclose()

    def gets(self) -> int:
        return sum(1 for r in self.server.requests if r.verb == "get" and r.resource == "leases")

    def updates(self) -> int:
        return sum(1 for r in self.server.requests if r.verb == "update" and r.resource == "leases")


@pytest.fixture(params=FLAVORS)
async def run(request: pytest.FixtureRequest) -> AsyncIterator[Run]:
    with FakeApiServer() as server:
        harness = Run(request.param, server)
        try:
            yield harness
        finally:
            await harness.close()


def held_lease(holder: str) -> dict[str, Any]:
    now = format_micro_time(datetime.now(UTC))
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {"name": LEASE, "namespace": NAMESPACE},
        "spec": {
            "holderIdentity": holder,
            "leaseDurationSeconds": 2,
            "acquireTime": now,
            "renewTime": now,
            "leaseTransitions": 0,
        },
    }


async def until(predicate: Callable[[], bool]) -> None:
    for _ in range(500):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not met")


async def test_leader_elector_h6_on_stopped_leading_called_when_never_leading(run: Run) -> None:
    run.server.create(held_lease("other"))
    run.start()
    await run.waiters()
    assert not run.elector.is_leader
    assert run.elector.leader == "other"
    await run.stop()
    assert "started" not in run.events
    assert run.events[-1] == "stopped"
    await until(lambda: "new:other" in run.events)  # H-8: first observation reported


async def test_leader_elector_h6_acquire_retries_after_jittered_retry_period(run: Run) -> None:
    run.server.create(held_lease("other"))
    run.start()
    await run.waiters()
    assert run.gets() == 1
    # The holder keeps renewing (the record changes), so the lease never expires locally.
    run.clock.advance(0.25 * 1.6 - 0.01)  # just short of the jittered wait
    await run.waiters()
    assert run.gets() == 1
    run.clock.advance(0.01)
    await until(lambda: run.gets() == 2)
    await run.waiters()
    # H-4: an unchanged record is not re-observed; 2 s after the first observation the
    # lease has expired locally and is taken over.
    run.clock.advance(0.4)
    await until(lambda: run.gets() == 3)
    await run.waiters()
    assert "started" not in run.events
    run.clock.advance(1.3)
    await until(lambda: "started" in run.events)
    assert run.elector.is_leader
    lease = run.server.get("coordination.k8s.io/v1", "Lease", LEASE, NAMESPACE)
    assert lease["spec"]["holderIdentity"] == "me"
    assert lease["spec"]["leaseTransitions"] == 1


@pytest.mark.slow
async def test_leader_elector_h6_renew_round_retries_until_renew_deadline(run: Run) -> None:
    run.start()
    await until(lambda: "started" in run.events)
    await run.waiters()
    assert run.elector.is_leader
    run.elector.check(0.0)  # H-9: healthy leader
    # From now on every lease update fails: the next round retries every retry period.
    run.server.fail_next("update", 1000, code=500, resource="leases")
    base = run.updates()
    run.clock.advance(0.25)  # the next round starts with an attempt at once
    # Each failed attempt: the fast-path update, then get + update (H-5).
    await until(lambda: run.updates() == base + 2)
    for attempt in range(2, 7):  # attempts 0.25, 0.5, 0.75, 1.0, 1.25 s into the round
        await run.waiters()
        assert not run.done.is_set()
        run.clock.advance(0.25)
        await until(lambda attempt=attempt: run.updates() == base + 2 * attempt)  # type: ignore[misc]
    await run.waiters()
    run.clock.advance(0.25)  # 1.5 s: the renew deadline, leadership is lost without a retry
    await run.wait_done()
    assert run.updates() == base + 2 * 6
    assert run.events.count("started") == 1
    assert run.events[-1] == "stopped"
    # H-9: still the observed leader, so the health check fails once the lease is stale.
    assert run.elector.is_leader
    run.elector.check(1.0)
    run.clock.advance(2.0)
    with pytest.raises(LeaderElectionCheckError, match="failed election to renew leadership"):
        run.elector.check(0.0)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_leader_elector_h1_rejects_invalid_config(flavor: str) -> None:
    kind: Any = LeaderElector if flavor == "threads" else AsyncLeaderElector
    with pytest.raises(ValueError, match=r"^leaseDuration must be greater than renewDeadline$"):
        kind(
            object(),
            lease_name=LEASE,
            namespace=NAMESPACE,
            identity="me",
            lease_duration=10,
            on_started_leading=print,
            on_stopped_leading=print,
        )


async def test_leader_elector_h7_release_retries_conflicts(run: Run) -> None:
    run.start(release_on_cancel=True)
    await until(lambda: "started" in run.events)
    await run.waiters()
    # The release's first write meets a stale resourceVersion: it is retried after a retry
    # period (on the clock), within the renew deadline.
    run.server.fail_next("update", 1, code=409, reason="Conflict", resource="leases")
    base = run.updates()
    run.elector.stop()  # both flavours: end the run without cancelling it
    await until(lambda: run.updates() == base + 1)  # the conflicting release write
    await run.waiters()
    spec = run.server.get("coordination.k8s.io/v1", "Lease", LEASE, NAMESPACE)["spec"]
    assert spec["holderIdentity"] == "me"
    run.clock.advance(0.25)
    await run.wait_done()
    spec = run.server.get("coordination.k8s.io/v1", "Lease", LEASE, NAMESPACE)["spec"]
    assert spec["holderIdentity"] == ""
    assert spec["leaseDurationSeconds"] == 1
    assert not run.elector.is_leader
    assert run.elector.leader == ""
    run.elector.check(0.0)  # not leading: healthy


async def test_leader_elector_h11_coordinated_only_renews_what_the_coordinator_gave(
    run: Run,
) -> None:
    run.start(coordinated=True)
    await run.waiters()
    assert run.gets() == 1
    run.clock.advance(0.4)  # retry (jittered): still no Lease, and none is created
    await until(lambda: run.gets() == 2)
    await run.waiters()
    assert run.server.list("coordination.k8s.io/v1", "Lease", NAMESPACE) == []
    # The coordinator names us holder: the next attempt renews it, we lead, and the first
    # renew round renews it once more at once.
    run.server.create(held_lease("me"))
    run.clock.advance(0.4)
    await until(lambda: "started" in run.events and run.updates() == 2)
    await run.waiters()
    # "End of term": a preferred holder is set; we stop renewing and lose leadership.
    run.server.patch(
        "coordination.k8s.io/v1",
        "Lease",
        LEASE,
        {"spec": {"preferredHolder": "other"}},
        NAMESPACE,
    )
    gets = run.gets()
    run.clock.advance(0.25)
    await until(lambda: run.gets() == gets + 1)
    await run.waiters()
    run.clock.advance(2.0)
    await run.wait_done()
    assert run.updates() == 2
    assert run.events.count("started") == 1
    assert run.events[-1] == "stopped"
