"""The benchmark harness: seeds the fake API server, drives each runner's process, collects.

For each size the harness seeds one :class:`~kinformer.testing.FakeApiServer` in *this*
process with realistic pods, then runs every runner in a fresh subprocess
(:mod:`._process`), one after the other, so each runner's memory figures are its own and
the server never shares a runner's GIL. Per runner:

1. **baseline**: the runner imports its library and builds its client; RSS is noted.
2. **sync**: list every pod into its cache (wall and CPU seconds, RSS afterwards).
3. **burst**: once its watch is open, the server stalls it, writes ``burst`` modifications
   through the engine's Python API (one bulk write; one MODIFIED each), then releases the
   stream: the runner reads the backlog as fast as it can, and reports when the last event
   is in its cache, with its CPU seconds. (Written live, the engine's ~10k writes/s would
   be the bottleneck: the ``wire`` runner shows the server's delivery rate.)
4. **trickle**: ``trickle`` modifications, one every ``trickle_interval`` seconds, so each
   reaches the runner in its own network read; CPU seconds per event is the figure.
5. **idle**: the runner sleeps ``idle`` seconds with its full cache; CPU used meanwhile.
6. **quit**: current and peak RSS.

Every pod carries the annotation :data:`REVISION_ANNOTATION` from the start, so a
modification changes its value but not the pod's size.
"""

from __future__ import annotations

import gc
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, Final, final

import orjson

from ..testing import FakeApiServer
from ._pods import Pod, make_pods
from ._runners import RUNNERS

__all__ = ["FULL", "QUICK", "REVISION_ANNOTATION", "Plan", "run_plan"]

REVISION_ANNOTATION: Final = "bench.kinformer.io/revision"

Progress = Callable[[str], None]

RUNNER_COMMAND: Final = [sys.executable, "-m", "kinformer.bench._process"]
"""How a runner's fresh process is started (see :mod:`._process`)."""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What to measure.

    Attributes:
        sizes: pods served, one round of every runner per size.
        burst: modifications in the burst (at most one per pod: capped by the size).
        trickle: modifications in the trickle phase.
        trickle_interval: seconds between two trickle modifications.
        idle: seconds of the idle phase.
        runners: runner names (see :data:`~._runners.RUNNERS`), in order.
        timeout: seconds any one phase of a runner may take before it is abandoned.
    """

    sizes: tuple[int, ...]
    burst: int
    trickle: int
    trickle_interval: float
    idle: float
    runners: tuple[str, ...] = tuple(RUNNERS)
    timeout: float = 600.0

    def __post_init__(self) -> None:
        if not self.sizes or min(self.sizes) < 1:
            raise ValueError("sizes must be positive")
        if self.burst < 1 or self.trickle < 1 or self.idle < 0 or self.trickle_interval < 0:
            raise ValueError("burst and trickle must be positive, idle and intervals >= 0")
        unknown = [name for name in self.runners if name not in RUNNERS]
        if unknown:
            raise ValueError(f"unknown runners {unknown}; known: {', '.join(RUNNERS)}")


QUICK: Final = Plan(sizes=(1000,), burst=1000, trickle=100, trickle_interval=0.002, idle=0.5)
"""CI's plan: small and short (no figure is meaningful; it keeps the suite from rotting)."""

FULL: Final = Plan(
    sizes=(10_000, 100_000), burst=20_000, trickle=500, trickle_interval=0.002, idle=10.0
)
"""The published plan."""


@final
class _RunnerProcess:
    """One runner subprocess and its JSON-lines conversation (see :mod:`._process`)."""

    def __init__(self, name: str, stderr: IO[bytes]) -> None:
        self.name = name
        self._proc = subprocess.Popen(
            RUNNER_COMMAND,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
        )
        self._answers: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name=f"bench-{name}", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            self._answers.put(orjson.loads(line))
        self._answers.put(None)

    def send(self, message: dict[str, Any]) -> None:
        assert self._proc.stdin is not None
        self._proc.stdin.write(orjson.dumps(message) + b"\n")
        self._proc.stdin.flush()

    def receive(self, timeout: float) -> dict[str, Any]:
        try:
            answer = self._answers.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError(f"{self.name}: no answer within {timeout:.0f} s") from None
        if answer is None:
            raise RuntimeError(f"{self.name}: the process ended (exit code {self._proc.wait()})")
        if "error" in answer:
            raise RuntimeError(f"{self.name}: {answer['error']}")
        return answer

    def call(self, message: dict[str, Any], timeout: float) -> dict[str, Any]:
        self.send(message)
        return self.receive(timeout)

    def close(self) -> None:
        assert self._proc.stdin is not None
        assert self._proc.stdout is not None
        self._proc.stdin.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._reader.join()
        self._proc.stdout.close()


@final
@dataclass(slots=True)
class _Workload:
    """The pods the server modifies (copies kept by the harness) and the next revision."""

    server: FakeApiServer
    pods: list[Pod]
    revision: int = 0
    cursor: int = field(default=0)

    def _next(self) -> Pod:
        pod = self.pods[self.cursor]
        self.cursor = (self.cursor + 1) % len(self.pods)
        self.revision += 1
        pod["metadata"]["annotations"][REVISION_ANNOTATION] = f"{self.revision:08d}"
        return pod

    def burst(self, count: int) -> float:
        """``count`` modifications in one bulk engine write; returns its seconds."""
        started = time.perf_counter()
        self.server.seed(self._next() for _ in range(count))
        return time.perf_counter() - started

    def trickle(self, count: int, interval: float) -> float:
        """``count`` modifications, one every ``interval`` seconds; returns the seconds."""
        started = time.perf_counter()
        for index in range(count):
            self.server.seed([self._next()])
            time.sleep(max(0.0, started + (index + 1) * interval - time.perf_counter()))
        return time.perf_counter() - started


def _seeded_pods(count: int, sizes: list[int]) -> Iterator[Pod]:
    for pod in make_pods(count):
        pod["metadata"]["annotations"][REVISION_ANNOTATION] = "00000000"
        sizes.append(len(orjson.dumps(pod)))
        yield pod


def _wait_for_watch(server: FakeApiServer, opened_before: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while server.http_stats().watches_opened <= opened_before:
        if time.monotonic() > deadline:
            raise TimeoutError("the runner opened no watch")
        time.sleep(0.01)
    time.sleep(0.05)  # the watch's first read is posted


def _run_runner(
    name: str, server: FakeApiServer, workload: _Workload, size: int, plan: Plan
) -> dict[str, Any]:
    target = {
        "url": server.url,
        "token": server.token,
        "kubeconfig": str(server.kubeconfig_path),
        "objects": size,
        "timeout": plan.timeout,
    }
    with tempfile.TemporaryFile() as stderr:
        process = _RunnerProcess(name, stderr)
        try:
            process.send({"runner": name, "target": target})
            hello = process.receive(plan.timeout)
            if "skipped" in hello:
                return {"skipped": hello["skipped"]}
            opened = server.http_stats().watches_opened
            synced = process.call({"cmd": "sync"}, plan.timeout)
            if synced["objects"] != size:
                raise RuntimeError(f"{name}: cached {synced['objects']} objects, not {size}")
            _wait_for_watch(server, opened, plan.timeout)
            burst_events = min(plan.burst, size)
            # The burst is written while the watch is stalled, then released at once: the
            # runner reads a backlog of pre-serialised lines, so its own speed is measured,
            # not the engine's write rate.
            if server.stall_watches(None) != 1:
                raise RuntimeError(f"{name}: expected exactly one open watch")
            emitted_s = workload.burst(burst_events)
            process.call({"cmd": "arm", "n": burst_events}, plan.timeout)
            server.resume_watches()
            burst = process.receive(plan.timeout)
            process.call({"cmd": "arm", "n": plan.trickle}, plan.timeout)
            workload.trickle(plan.trickle, plan.trickle_interval)
            trickle = process.receive(plan.timeout)
            idle = process.call({"cmd": "idle", "s": plan.idle}, plan.timeout + plan.idle)
            final = process.call({"cmd": "quit"}, plan.timeout)
        except (RuntimeError, TimeoutError) as error:
            stderr.seek(0)
            tail = stderr.read().decode(errors="replace").strip().splitlines()[-5:]
            return {"failed": str(error), "stderr": tail}
        finally:
            process.close()
    return _figures(hello, synced, burst, emitted_s, trickle, idle, final)


def _figures(
    hello: dict[str, Any],
    synced: dict[str, Any],
    burst: dict[str, Any],
    emitted_s: float,
    trickle: dict[str, Any],
    idle: dict[str, Any],
    final: dict[str, Any],
) -> dict[str, Any]:
    objects = synced["objects"]
    burst_s = max(burst["wall_s"], 1e-9)
    return {
        "objects": objects,
        "sync_s": synced["sync_s"],
        "sync_cpu_s": synced["sync_cpu_s"],
        "burst_events": burst["events"],
        "burst_s": burst["wall_s"],
        "burst_events_per_s": burst["events"] / burst_s,
        "burst_cpu_s": burst["cpu_s"],
        "burst_cpu_ms_per_event": 1000 * burst["cpu_s"] / burst["events"],
        "server_burst_write_s": emitted_s,
        "trickle_events": trickle["events"],
        "trickle_s": trickle["wall_s"],
        "trickle_cpu_s": trickle["cpu_s"],
        "trickle_cpu_ms_per_event": 1000 * trickle["cpu_s"] / trickle["events"],
        "idle_s": idle["idle_s"],
        "idle_cpu_s": idle["idle_cpu_s"],
        "idle_cpu_percent": 100 * idle["idle_cpu_s"] / max(idle["idle_s"], 1e-9),
        "rss_baseline_bytes": hello["rss"],
        "rss_synced_bytes": synced["rss"],
        "rss_final_bytes": final["rss"],
        "peak_rss_bytes": final["peak_rss"],
        "rss_per_object_bytes": (synced["rss"] - hello["rss"]) / max(objects, 1),
    }


def run_size(size: int, plan: Plan, progress: Progress) -> dict[str, Any]:
    """Seed a server with ``size`` pods and run every runner of ``plan`` against it."""
    keep = min(plan.burst, size)
    sizes: list[int] = []
    kept: list[Pod] = []
    history = min(plan.burst, size) + plan.trickle + 1_000
    progress(f"{size} pods: building and seeding the fake API server")
    with FakeApiServer(history_limit=history) as server:
        started = time.perf_counter()

        def pods() -> Iterator[Pod]:
            for pod in _seeded_pods(size, sizes):
                if len(kept) < keep:
                    kept.append(pod)
                yield pod

        server.seed(pods())
        seeded_s = time.perf_counter() - started
        # The server's stored pods and the kept copies are millions of containers: frozen,
        # the collector never walks them while the server serves (each full collection
        # would otherwise stall the server for a second at 100k pods).
        gc.collect()
        gc.freeze()
        try:
            workload = _Workload(server, kept)
            json_bytes = sum(sizes) / len(sizes)
            runners: dict[str, Any] = {}
            for name in plan.runners:
                progress(f"{size} pods: {name}")
                runners[name] = _run_runner(name, server, workload, size, plan)
        finally:
            kept.clear()
            gc.unfreeze()
    for name, figures in runners.items():
        if "rss_per_object_bytes" in figures:
            figures["rss_per_object_vs_json"] = figures["rss_per_object_bytes"] / json_bytes
        progress(f"{size} pods: {name}: {_summary(figures)}")
    return {
        "objects": size,
        "json_bytes_per_object": json_bytes,
        "seed_s": seeded_s,
        "burst_events": keep,
        "trickle_events": plan.trickle,
        "trickle_interval_s": plan.trickle_interval,
        "idle_s": plan.idle,
        "runners": runners,
    }


def _summary(figures: dict[str, Any]) -> str:
    if "skipped" in figures:
        return f"skipped ({figures['skipped']})"
    if "failed" in figures:
        return f"FAILED ({figures['failed']})"
    return (
        f"sync {figures['sync_s']:.2f} s, burst {figures['burst_events_per_s']:,.0f} ev/s, "
        f"{figures['rss_per_object_vs_json']:.1f}x JSON"
    )


def run_plan(plan: Plan, progress: Progress) -> dict[str, Any]:
    """Every size of ``plan``; the dictionary the JSON file holds (minus the machine)."""
    sizes = {str(size): run_size(size, plan, progress) for size in plan.sizes}
    return {
        "plan": {
            "sizes": list(plan.sizes),
            "burst": plan.burst,
            "trickle": plan.trickle,
            "trickle_interval_s": plan.trickle_interval,
            "idle_s": plan.idle,
            "runners": list(plan.runners),
        },
        "load_average": list(os.getloadavg()),
        "sizes": sizes,
    }
