"""Soak harness: informers of both runtimes under steady churn and periodic faults.

:func:`run_soak` starts a :class:`~kinformer.testing.FakeApiServer`, one threads informer
(:class:`kinformer.SharedInformerFactory`) and one asyncio informer
(:class:`kinformer.aio.SharedInformerFactory`) on the ConfigMaps of one namespace, a writer
thread that creates, patches and deletes ConfigMaps over a bounded set of names (the object
count stays bounded, so any growth is a leak), and a fault schedule that cycles through the
fake server's knobs (dropped and reset watches, compaction, a cut watch, 5xx and 429 on watch
and list). Every ``sample_interval`` seconds it records one :class:`Sample` (RSS, sockets and
file descriptors of the process, threads, asyncio tasks, handler backlog, events handled).

:func:`check_trends` fits a least-squares line over the second half of the samples (the
process is warm by then) and reports every metric whose fitted rise over that window exceeds
its tolerance. After the churn stops, :func:`run_soak` also checks that both caches converge
to the server's state (no corrupted cache after an hour of faults).

Used by ``scripts/soak`` (long runs, CSV and plot) and ``tests/soak/test_soak.py`` (CI).
"""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kinformer import Client, SharedInformerFactory
from kinformer.aio import Client as AsyncClient, SharedInformerFactory as AsyncSharedInformerFactory
from kinformer.testing import FakeApiServer

NAMESPACE = "soak"
NAMES = 60


@dataclass(frozen=True, slots=True)
class Sample:
    """One measurement of the whole process (the fake server runs in it too)."""

    seconds: float
    rss_kb: int
    sockets: int
    fds: int
    threads: int
    tasks: int
    backlog: int
    events: int
    faults: int
    writes: int


METRICS = ("rss_kb", "sockets", "fds", "threads", "tasks", "backlog")


@dataclass(frozen=True, slots=True)
class Tolerance:
    """How much a metric may rise over the fitted second half: ``absolute + relative*mean``."""

    absolute: float
    relative: float = 0.0


DEFAULT_TOLERANCES: dict[str, Tolerance] = {
    "rss_kb": Tolerance(absolute=6 * 1024, relative=0.05),
    "sockets": Tolerance(absolute=3),
    "fds": Tolerance(absolute=3),
    "threads": Tolerance(absolute=3),
    "tasks": Tolerance(absolute=3),
    "backlog": Tolerance(absolute=40),
}


@dataclass(frozen=True, slots=True)
class Trend:
    """The least-squares fit of one metric over the second half of a run."""

    metric: str
    slope_per_minute: float
    rise: float
    allowed: float
    mean: float
    first: float
    last: float

    @property
    def ok(self) -> bool:
        return self.rise <= self.allowed


@dataclass(frozen=True, slots=True)
class SoakResult:
    samples: list[Sample]
    trends: list[Trend]
    converged: bool
    converge_seconds: float
    events: int
    faults: int
    writes: int
    duration: float

    @property
    def ok(self) -> bool:
        return self.converged and all(trend.ok for trend in self.trends)


def rss_kb() -> int:
    """Resident set size of this process in KiB (``VmRSS`` of /proc/self/status)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")  # pragma: no cover - Linux only


def open_descriptors() -> tuple[int, int]:
    """``(sockets, all descriptors)`` of this process, counted in /proc/self/fd."""
    sockets = total = 0
    for entry in os.scandir("/proc/self/fd"):
        try:
            target = os.readlink(entry.path)
        except OSError:  # closed between the listing and the readlink
            continue
        total += 1
        sockets += target.startswith("socket:")
    return sockets, total


def fit(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of ``points`` (``0.0`` for fewer than two distinct x)."""
    n = len(points)
    if n < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / n
    mean_y = sum(y for _, y in points) / n
    var = sum((x - mean_x) ** 2 for x, _ in points)
    if var == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / var


def check_trends(
    samples: Sequence[Sample], tolerances: dict[str, Tolerance] | None = None
) -> list[Trend]:
    """Fit each metric over the second half of ``samples``; see :class:`Tolerance`."""
    tolerances = DEFAULT_TOLERANCES if tolerances is None else tolerances
    warm = list(samples[len(samples) // 2 :])
    trends = []
    for metric in METRICS:
        points = [(s.seconds, float(getattr(s, metric))) for s in warm]
        slope = fit(points)
        span = points[-1][0] - points[0][0] if points else 0.0
        mean = sum(y for _, y in points) / len(points) if points else 0.0
        tolerance = tolerances[metric]
        trends.append(
            Trend(
                metric=metric,
                slope_per_minute=slope * 60,
                rise=slope * span,
                allowed=tolerance.absolute + tolerance.relative * mean,
                mean=mean,
                first=points[0][1] if points else 0.0,
                last=points[-1][1] if points else 0.0,
            )
        )
    return trends


class _Counter:
    """A thread-safe event counter used as the informers' handler."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0

    def _bump(self) -> None:
        with self._lock:
            self.count += 1

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        self._bump()

    def on_update(self, old: Any, new: Any) -> None:
        self._bump()

    def on_delete(self, obj: Any) -> None:
        self._bump()


def _configmap(name: str, value: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"v": str(value % 7)}},
        "data": {"v": str(value), "pad": "x" * (value % 512)},
    }


def _compact_then_fail_list(server: FakeApiServer) -> None:
    server.compact()
    server.fail_next("list", 1, code=503)


def _faults(server: FakeApiServer) -> list[Callable[[], object]]:
    return [
        server.drop_watches,
        server.reset_watches,
        server.compact,
        lambda: server.cut_next_response("watch"),
        lambda: server.fail_next("watch", 2, code=500, reason="InternalError"),
        lambda: _compact_then_fail_list(server),
        lambda: server.fail_next("watch", 1, code=429, retry_after=1),
        server.reset_watches,
    ]


def _names(objects: Sequence[dict[str, Any]]) -> dict[str, str]:
    return {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in objects}


def run_soak(
    seconds: float,
    *,
    sample_interval: float = 2.0,
    write_interval: float = 0.05,
    fault_interval: float = 5.0,
    seed: int = 1,
    csv_path: Path | None = None,
    on_sample: Callable[[Sample], None] | None = None,
    tolerances: dict[str, Tolerance] | None = None,
) -> SoakResult:
    """Run the soak for ``seconds`` of real time and return the samples and their trends."""
    kinformer_logger = logging.getLogger("kinformer")
    saved_level = kinformer_logger.level
    kinformer_logger.setLevel(logging.CRITICAL)  # the faults are expected: keep the log quiet
    try:
        return _run_soak(
            seconds,
            sample_interval=sample_interval,
            write_interval=write_interval,
            fault_interval=fault_interval,
            seed=seed,
            csv_path=csv_path,
            on_sample=on_sample,
            tolerances=tolerances,
        )
    finally:
        kinformer_logger.setLevel(saved_level)  # later tests assert on kinformer's warnings


def _run_soak(
    seconds: float,
    *,
    sample_interval: float,
    write_interval: float,
    fault_interval: float,
    seed: int,
    csv_path: Path | None,
    on_sample: Callable[[Sample], None] | None,
    tolerances: dict[str, Tolerance] | None,
) -> SoakResult:
    rng = random.Random(seed)
    samples: list[Sample] = []
    stop = threading.Event()
    writes = faults = 0
    with FakeApiServer() as server:
        server.state.create(
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}
        )
        client = Client.from_kubeconfig(server.kubeconfig_path)
        factory = SharedInformerFactory(client, namespace=NAMESPACE)
        threads_counter = _Counter()
        threads_informer = factory.informer("configmaps")
        threads_reg = threads_informer.add_event_handler(threads_counter)
        factory.start()

        loop = asyncio.new_event_loop()
        loop_thread = threading.Thread(target=loop.run_forever, name="soak-loop", daemon=True)
        loop_thread.start()

        def run(coro: Any, timeout: float = 30.0) -> Any:
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

        async_counter = _Counter()

        async def start_async() -> tuple[Any, Any, Any, Any]:
            aclient = AsyncClient.from_kubeconfig(server.kubeconfig_path)
            afactory = AsyncSharedInformerFactory(aclient, namespace=NAMESPACE)
            informer = await afactory.informer("configmaps")
            reg = informer.add_event_handler(async_counter)
            await afactory.start()
            return aclient, afactory, informer, reg

        aclient, afactory, async_informer, async_reg = run(start_async())
        assert factory.wait_for_cache_sync(30) == {"configmaps": True}
        assert run(afactory.wait_for_cache_sync(30)) == {"configmaps": True}

        async def count_tasks() -> int:
            return len(asyncio.all_tasks())

        def writer() -> None:
            nonlocal writes
            value = 0
            while not stop.wait(write_interval):
                name = f"cm-{rng.randrange(NAMES)}"
                value += 1
                try:
                    roll = rng.random()
                    if roll < 0.2:
                        server.state.delete("v1", "ConfigMap", name, NAMESPACE)
                    else:
                        try:
                            server.state.patch(
                                "v1",
                                "ConfigMap",
                                name,
                                {"data": {"v": str(value)}},
                                namespace=NAMESPACE,
                            )
                        except Exception:  # not found: create it
                            server.state.create(_configmap(name, value))
                    writes += 1
                except Exception:
                    continue

        writer_thread = threading.Thread(target=writer, name="soak-writer", daemon=True)
        fault_list = _faults(server)
        start = time.monotonic()
        writer_thread.start()
        handle = open(csv_path, "w", newline="") if csv_path is not None else None  # noqa: SIM115
        try:
            out = csv.writer(handle) if handle is not None else None
            if out is not None:
                out.writerow([f.name for f in dataclasses.fields(Sample)])
            next_sample = start
            next_fault = start + fault_interval
            while True:
                now = time.monotonic()
                if now - start >= seconds:
                    break
                if now >= next_fault:
                    fault_list[faults % len(fault_list)]()
                    faults += 1
                    next_fault += fault_interval
                if now >= next_sample:
                    sockets, fds = open_descriptors()
                    sample = Sample(
                        seconds=round(now - start, 3),
                        rss_kb=rss_kb(),
                        sockets=sockets,
                        fds=fds,
                        threads=threading.active_count(),
                        tasks=run(count_tasks()),
                        backlog=threads_reg.backlog + async_reg.backlog,
                        events=threads_counter.count + async_counter.count,
                        faults=faults,
                        writes=writes,
                    )
                    samples.append(sample)
                    if out is not None and handle is not None:
                        out.writerow(dataclasses.astuple(sample))
                        handle.flush()
                    if on_sample is not None:
                        on_sample(sample)
                    next_sample += sample_interval
                time.sleep(min(0.05, max(0.0, min(next_sample, next_fault) - time.monotonic())))
        finally:
            stop.set()
            writer_thread.join(10)
            if handle is not None:
                handle.close()
        churn_end = time.monotonic()
        converged = _converged(server, threads_informer, async_informer, run)
        converge_seconds = time.monotonic() - churn_end
        factory.shutdown()
        client.close()
        run(afactory.shutdown())
        run(aclient.aclose())
        loop.call_soon_threadsafe(loop.stop)
        loop_thread.join(10)
        loop.close()
    duration = time.monotonic() - start
    return SoakResult(
        samples=samples,
        trends=check_trends(samples, tolerances),
        converged=converged,
        converge_seconds=converge_seconds,
        events=threads_counter.count + async_counter.count,
        faults=faults,
        writes=writes,
        duration=duration,
    )


def _converged(
    server: FakeApiServer, threads_informer: Any, async_informer: Any, run: Callable[..., Any]
) -> bool:
    """Both caches equal the server's ConfigMaps (names and resourceVersions) within 30 s."""

    async def async_view() -> dict[str, str]:
        return _names(async_informer.indexer.list())

    deadline = time.monotonic() + 30
    while True:
        want = _names(server.state.list("v1", "ConfigMap", NAMESPACE))
        if _names(threads_informer.indexer.list()) == want and run(async_view()) == want:
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def format_report(result: SoakResult) -> str:
    """A plain-text table of the run and its trends."""
    lines = [
        f"duration {result.duration:.0f} s, {len(result.samples)} samples, {result.writes} writes, "
        f"{result.faults} faults, {result.events} handler events, "
        f"caches converged: {'yes' if result.converged else 'NO'} "
        f"({result.converge_seconds:.1f} s after the churn stopped)",
        f"{'metric':<8} {'first':>10} {'last':>10} {'mean':>10} {'slope/min':>10} "
        f"{'rise':>9} {'allowed':>9}  verdict",
    ]
    for t in result.trends:
        lines.append(
            f"{t.metric:<8} {t.first:>10.0f} {t.last:>10.0f} {t.mean:>10.1f} "
            f"{t.slope_per_minute:>10.2f} {t.rise:>9.1f} {t.allowed:>9.1f}  "
            f"{'ok' if t.ok else 'RISING'}"
        )
    return "\n".join(lines)


def plot(samples: Sequence[Sample], path: Path) -> bool:
    """Plot every metric against time into ``path``; False when matplotlib is missing."""
    try:
        import matplotlib  # type: ignore[import-not-found,unused-ignore]

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return False
    xs = [s.seconds / 60 for s in samples]
    figure, axes = plt.subplots(len(METRICS), 1, figsize=(8, 11), sharex=True)
    labels = {
        "rss_kb": "RSS (MiB)",
        "sockets": "sockets",
        "fds": "file descriptors",
        "threads": "threads",
        "tasks": "asyncio tasks",
        "backlog": "handler backlog",
    }
    for axis, metric in zip(axes, METRICS, strict=True):
        ys = [getattr(s, metric) / (1024 if metric == "rss_kb" else 1) for s in samples]
        axis.plot(xs, ys, linewidth=1)
        axis.set_ylabel(labels[metric])
        axis.set_ylim(bottom=0, top=max(ys) * 1.2 + 1)
        axis.grid(alpha=0.3)
    axes[-1].set_xlabel("minutes")
    figure.suptitle("kinformer soak: threads + asyncio informers, churn and faults")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return True
