"""Run leader-election candidates of either flavour against a FakeApiServer.

A :class:`Candidates` harness starts electors as threads (``LeaderElector.run`` on a thread,
stopped with ``stop()``) or as asyncio tasks (``AsyncLeaderElector.run``, stopped by
cancelling the task), and records each candidate's leadership intervals as the callbacks see
them, so tests can assert that at most one candidate leads at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from kinformer.leaderelection import AsyncLeaderElector, LeaderElector
from kinformer.testing import FakeApiServer
from kinformer.transport import AsyncClient, Client, ClientConfig

FLAVORS = ("threads", "asyncio")
NAMESPACE = "default"
LEASE = "my-controller"


@dataclass
class Candidate:
    identity: str
    token: str
    elector: LeaderElector | AsyncLeaderElector
    client: Client | AsyncClient
    runner: threading.Thread | asyncio.Task[None]
    intervals: list[list[float]] = field(default_factory=list)
    new_leaders: list[str] = field(default_factory=list)
    stopped_leading: threading.Event = field(default_factory=threading.Event)
    stopped_at: float | None = None

    @property
    def leading(self) -> bool:
        return bool(self.intervals) and len(self.intervals[-1]) == 1


@dataclass
class Candidates:
    flavor: str
    server: FakeApiServer
    members: dict[str, Candidate] = field(default_factory=dict)

    async def start(self, identity: str, **options: Any) -> Candidate:
        token = secrets.token_urlsafe(16)
        self.server.add_token(token, user=identity)
        config = ClientConfig(server=self.server.url, token=token)
        settings: dict[str, Any] = {
            "lease_name": LEASE,
            "namespace": NAMESPACE,
            "identity": identity,
            "lease_duration": 2.0,
            "renew_deadline": 1.5,
            "retry_period": 0.25,
            **options,
        }
        candidate: Candidate
        if self.flavor == "threads":
            client = Client(config, timeout=5.0)

            def started(lost: threading.Event) -> None:
                candidate.intervals.append([time.monotonic()])
                lost.wait()
                candidate.intervals[-1].append(time.monotonic())

            def stopped() -> None:
                candidate.stopped_at = time.monotonic()
                candidate.stopped_leading.set()

            elector = LeaderElector(
                client,
                on_started_leading=started,
                on_stopped_leading=stopped,
                on_new_leader=lambda leader: candidate.new_leaders.append(leader),
                **settings,
            )
            thread = threading.Thread(target=elector.run, name=identity, daemon=True)
            candidate = Candidate(identity, token, elector, client, thread)
            thread.start()
        else:
            aclient = AsyncClient(config, timeout=5.0)

            async def astarted() -> None:
                candidate.intervals.append([time.monotonic()])
                try:
                    await asyncio.Future()
                finally:
                    candidate.intervals[-1].append(time.monotonic())

            def astopped() -> None:
                candidate.stopped_at = time.monotonic()
                candidate.stopped_leading.set()

            aelector = AsyncLeaderElector(
                aclient,
                on_started_leading=astarted,
                on_stopped_leading=astopped,
                on_new_leader=lambda leader: candidate.new_leaders.append(leader),
                **settings,
            )
            task = asyncio.get_running_loop().create_task(aelector.run())
            candidate = Candidate(identity, token, aelector, aclient, task)
        self.members[identity] = candidate
        return candidate

    async def stop(self, identity: str) -> None:
        """Stop one candidate: ``stop()`` for threads, task cancellation for asyncio."""
        candidate = self.members[identity]
        runner = candidate.runner
        if isinstance(runner, threading.Thread):
            candidate.elector.stop()
            await asyncio.to_thread(runner.join, 10.0)
            assert not runner.is_alive()
        else:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        assert candidate.stopped_leading.is_set()

    def cut_off(self, identity: str) -> None:
        """The candidate loses the API server: every request it sends is refused (403)."""
        candidate = self.members[identity]
        self.server.add_token(candidate.token, user=identity, verbs=())

    def leaders(self) -> list[str]:
        return [c.identity for c in self.members.values() if c.leading]

    async def wait_for_leader(self, *, exclude: str = "", timeout: float = 10.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leaders = [name for name in self.leaders() if name != exclude]
            if leaders:
                return leaders[0]
            await asyncio.sleep(0.01)
        raise AssertionError(f"no leader other than {exclude!r} after {timeout}s")

    def assert_never_two_leaders(self) -> None:
        """Leadership intervals of different candidates never overlap (H-6 with H-10's margin)."""
        now = time.monotonic()
        spans = sorted(
            (interval[0], interval[1] if len(interval) == 2 else now, c.identity)
            for c in self.members.values()
            for interval in c.intervals
        )
        for (_, end, who), (start, _, next_who) in itertools.pairwise(spans):
            assert end <= start, f"{who} still led when {next_who} started"

    async def close(self) -> None:
        for identity, candidate in self.members.items():
            runner = candidate.runner
            if isinstance(runner, threading.Thread):
                if runner.is_alive():
                    await self.stop(identity)
                client = candidate.client
                assert isinstance(client, Client)
                client.close()
            else:
                if not runner.done():
                    await self.stop(identity)
                aclient = candidate.client
                assert isinstance(aclient, AsyncClient)
                await aclient.aclose()


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as fake:
        yield fake


@pytest.fixture(params=FLAVORS)
async def candidates(
    request: pytest.FixtureRequest, server: FakeApiServer
) -> AsyncIterator[Candidates]:
    harness = Candidates(request.param, server)
    try:
        yield harness
    finally:
        await harness.close()
