"""``kinformer demo``: the informer machinery at work on a simulated cluster, no cluster needed.

What runs (all in this process):

* an embedded :class:`~kinformer.testing.FakeApiServer` seeded with the simulated cluster of
  :mod:`._simulation` (default 3,000 pods over 10 namespaces and 20 nodes, their deployments,
  ReplicaSets and ConfigMaps);
* a simulation thread writing to it at a modest rate (default 150 writes/s): pods churning and
  being bound to nodes, labels changing, deployments rolling, ConfigMaps edited, node heartbeats;
* a :class:`~kinformer.SharedInformerFactory` with informers for pods (plus an index of pods by
  ``spec.nodeName``), deployments, nodes and ConfigMaps;
* a small controller: handlers put deployment keys on a
  :class:`~kinformer.workqueue.RateLimitingQueue`; two workers reconcile them through the listers
  and the index, and fail on purpose now and then to show rate-limited retries (spec G-15);
* the main thread: samples the informers, injects a fault on a schedule (a dropped watch, a 429
  burst, a compaction forcing ``410 Expired`` and a relist, a TCP reset of every watch; see
  :mod:`._monitor`), reports recoveries, and draws the screen (``rich``, 4 times a second) or
  prints plain lines (every second) when stdout is not a terminal or with ``--plain``.

Ctrl-C or ``--duration`` ends it: the simulation and the workers are joined, the factory shut
down (its threads joined), the server stopped, exit code 0. Nothing printed contains the
server's token: only its URL is shown.
"""

from __future__ import annotations

import argparse
import logging
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TextIO, final

from ..cache._informer_options import strip_managed_fields
from ..cache._informer_threads import SharedIndexInformer
from ..informers._factory import SharedInformerFactory
from ..transport import Client
from ._controller import NODE_INDEX, Controller, node_of, object_key
from ._monitor import (
    FaultSchedule,
    InformerSample,
    PendingFault,
    plain_informer_line,
    rate,
)
from ._simulation import ClusterModel, SimulationOptions
from ._simulation_threads import SimulationThread, inject
from ._views import ControllerView, DemoView, FeedLine, InformerRow, render

if TYPE_CHECKING:
    from ..testing._apiserver._server import FakeApiServer

__all__ = ["add_arguments", "register", "run"]

HELP = "Watch informers cache a simulated cluster live (embedded fake API server, no cluster)."

RESOURCES: Final = ("pods", "deployments", "nodes", "configmaps")
SYNC_TIMEOUT: Final = 120.0
_LOGGER_NAME: Final = "kinformer"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duration", type=float, metavar="SECONDS", help="stop after SECONDS (default: Ctrl-C)"
    )
    parser.add_argument("--pods", type=int, default=3000, help="pods to simulate (default 3000)")
    parser.add_argument("--namespaces", type=int, default=10, help="namespaces (default 10)")
    parser.add_argument("--nodes", type=int, default=20, help="nodes (default 20)")
    parser.add_argument(
        "--writes-per-second",
        type=float,
        default=150.0,
        metavar="N",
        help="simulated writes per second (default 150)",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--plain", action="store_true", help="plain periodic lines instead of the live screen"
    )


def register(
    subcommands: dict[
        str,
        tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]],
    ],
) -> None:
    """Add ``demo`` to the command's table."""
    subcommands["demo"] = (HELP, add_arguments, run)


def _describe_update(old: Any, new: Any) -> str:
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    if old_spec.get("nodeName") != new_spec.get("nodeName"):
        return f"bound to {new_spec.get('nodeName')}"
    old_phase = (old.get("status") or {}).get("phase")
    new_phase = (new.get("status") or {}).get("phase")
    if old_phase != new_phase:
        return f"{old_phase} -> {new_phase}"
    old_labels = old["metadata"].get("labels") or {}
    new_labels = new["metadata"].get("labels") or {}
    if old_labels != new_labels:
        changed = sorted(set(old_labels.items()) ^ set(new_labels.items()))
        return "labels " + ",".join(f"{k}={new_labels.get(k, '-')}" for k, _ in changed[:2])
    if old_spec != new_spec:
        return "spec changed"
    if old.get("data") != new.get("data"):
        return "data changed"
    return "status changed"


@final
class _EventCounter:
    """A handler counting what one informer delivers, feeding the latest events to the screen."""

    def __init__(
        self, resource: str, feed: deque[tuple[float, str, str]], clock: Callable[[], float]
    ) -> None:
        self.resource = resource
        self.initial = 0
        self.events = 0
        self._feed = feed
        self._clock = clock

    def on_add(self, obj: Any, is_in_initial_list: bool) -> None:
        if is_in_initial_list:
            self.initial += 1
            return
        self.events += 1
        self._feed.append((self._clock(), "green", f"added   {self.resource} {object_key(obj)}"))

    def on_update(self, old: Any, new: Any) -> None:
        self.events += 1
        self._feed.append(
            (
                self._clock(),
                "",
                f"updated {self.resource} {object_key(new)}: {_describe_update(old, new)}",
            )
        )

    def on_delete(self, obj: Any) -> None:
        self.events += 1
        key = getattr(obj, "key", None) or object_key(obj)
        self._feed.append((self._clock(), "red", f"deleted {self.resource} {key}"))


@final
class _Output:
    """Plain lines (flushed) or the live screen."""

    def __init__(self, plain: bool, stream: TextIO) -> None:
        self.plain = plain
        self._stream = stream
        self._live: Any = None

    def line(self, elapsed: float, text: str) -> None:
        if self.plain:
            print(f"[{elapsed:6.1f}s] {text}", file=self._stream, flush=True)

    def start_live(self) -> None:
        if not self.plain:
            from rich.console import Console
            from rich.live import Live

            console = Console(file=self._stream)
            self._live = Live(
                console=console,
                auto_refresh=False,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def show(self, view: DemoView) -> None:
        if self._live is not None:
            self._live.update(render(view, console=self._live.console), refresh=True)

    def stop_live(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def final(self, text: str) -> None:
        print(text, file=self._stream, flush=True)


class _FeedLogHandler(logging.Handler):
    """kinformer's log records (warnings and errors) into the feed instead of stderr."""

    def __init__(self, feed: deque[tuple[float, str, str]]) -> None:
        super().__init__(logging.WARNING)
        self._feed = feed
        # The same lines for the plain output, which prints them from the main thread.
        self.lines: deque[str] = deque(maxlen=100)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("kinformer.workqueue"):
            return  # the controller's failures are counted and shown by the demo itself
        text = f"log: {record.getMessage()[:160]}"
        self._feed.append((time.monotonic(), "yellow", text))
        self.lines.append(text)


def run(
    args: argparse.Namespace, *, stop: threading.Event | None = None, stream: TextIO | None = None
) -> int:
    """Run the demo until ``--duration``, Ctrl-C or ``stop`` (tests); returns the exit code."""
    out = _Output(bool(args.plain) or not (stream or sys.stdout).isatty(), stream or sys.stdout)
    try:
        options = SimulationOptions(
            pods=args.pods, namespaces=args.namespaces, nodes=args.nodes, seed=args.seed
        )
    except ValueError as error:
        print(f"kinformer demo: {error}", file=sys.stderr)
        return 2
    if (args.duration is not None and args.duration <= 0) or args.writes_per_second < 0:
        print(
            "kinformer demo: --duration and --writes-per-second must be positive", file=sys.stderr
        )
        return 2
    logger = logging.getLogger(_LOGGER_NAME)
    feed: deque[tuple[float, str, str]] = deque(maxlen=10)
    handler = _FeedLogHandler(feed)
    saved_propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        return _Demo(args, options, out, feed, stop or threading.Event(), handler.lines).run()
    except KeyboardInterrupt:
        # Ctrl-C before the informers started (or a second one while stopping): the `with`
        # blocks have stopped the server; nothing else is running.
        out.final("kinformer demo: interrupted")
        return 0
    finally:
        logger.removeHandler(handler)
        logger.propagate = saved_propagate


@final
class _Demo:
    """One run: the server, the informers, the controller, the simulation and the screen."""

    def __init__(
        self,
        args: argparse.Namespace,
        options: SimulationOptions,
        out: _Output,
        feed: deque[tuple[float, str, str]],
        stop: threading.Event,
        log_lines: deque[str],
    ) -> None:
        self.args = args
        self.log_lines = log_lines
        self.options = options
        self.out = out
        self.feed = feed
        self.faults: deque[tuple[float, str, str]] = deque(maxlen=6)
        self.stop = stop
        self.start = time.monotonic()
        self.duration: float | None = args.duration
        self.informers_started = self.start
        self._injected = 0
        self._recoveries = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def run(self) -> int:
        out = self.out
        model = ClusterModel(self.options, now=time.time())
        # Imported here: the server (aiohttp) is heavy, and only the demo needs it.
        from ..testing._apiserver._server import FakeApiServer

        with FakeApiServer() as server:
            seeded = server.seed(model.initial_objects(time.time()))
            counts = model.counts()
            out.line(
                self.elapsed(),
                f"fake API server at {server.url}: seeded {seeded:,} objects ({counts['pods']:,} pods, "
                f"{counts['deployments.apps']} deployments, {counts['replicasets.apps']} replicasets, "
                f"{counts['nodes']} nodes, {counts['configmaps']} configmaps in {len(model.namespaces)} namespaces)",
            )
            with Client.from_kubeconfig(server.kubeconfig_path) as client:
                return self._run_with(server, client, model)

    def _run_with(self, server: FakeApiServer, client: Client, model: ClusterModel) -> int:
        out = self.out
        factory = SharedInformerFactory(client, transform=strip_managed_fields)
        informers = {
            "pods": factory.informer("pods", indexers={NODE_INDEX: node_of}),
            "deployments": factory.informer("deployments"),
            "nodes": factory.informer("nodes"),
            "configmaps": factory.informer("configmaps"),
        }
        # What the initial lists will hold (the progress bars' totals). The pods come from the
        # model: copying 3,000 pods out of the server only to count them would delay the start.
        expected = {
            resource: model.pod_count
            if resource == "pods"
            else len(server.list(info.api_version, info.kind))
            for resource, info in ((r, client.resolve(r)) for r in RESOURCES)
        }
        clock = time.monotonic
        counters = {
            resource: _EventCounter(client.resolve(resource).singular, self.feed, clock)
            for resource in RESOURCES
        }
        for resource, informer in informers.items():
            informer.add_event_handler(counters[resource])
        controller = Controller(informers["deployments"], informers["pods"], seed=self.options.seed)
        self._controller = controller
        informers["deployments"].add_event_handler(
            on_add=controller.on_deployment_add,
            on_update=controller.on_deployment_update,
            on_delete=controller.on_deployment_delete,
        )
        informers["pods"].add_event_handler(
            on_add=controller.on_pod_add,
            on_update=controller.on_pod_update,
            on_delete=controller.on_pod_delete,
        )
        simulation = SimulationThread(server, model, self.args.writes_per_second)
        schedule = FaultSchedule.for_duration(self.duration)
        out.start_live()
        code = 0
        interrupted = False
        try:
            self.informers_started = time.monotonic()
            factory.start()
            controller.start()
            code = self._loop(
                server, informers, expected, counters, controller, simulation, schedule
            )
        except KeyboardInterrupt:
            interrupted = True
        finally:
            out.stop_live()
            simulation.stop()
            controller.stop()
            factory.shutdown()
        samples = self._samples(informers)
        total_events = sum(s.events for s in samples)
        out.final(
            f"kinformer demo: {'interrupted' if interrupted else 'finished'} after {self.elapsed():.1f}s: "
            f"{simulation.writes:,} writes, {total_events:,} watch events cached, "
            f"{controller.reconciles:,} reconciles ({controller.failures} failures retried), "
            f"{self._injected} faults injected, {self._recoveries} recovered; every thread stopped"
        )
        return code

    def _samples(self, informers: dict[str, SharedIndexInformer]) -> list[InformerSample]:
        samples = []
        for informer in informers.values():
            counters = informer.counters
            events = relists = errors = None
            if counters is not None:
                events = sum(n for kind, n in counters.events.items() if kind != "BOOKMARK")
                relists, errors = counters.relists, counters.errors
            samples.append(
                InformerSample(
                    name=informer.name,
                    synced=informer.has_synced,
                    objects=len(informer.indexer),
                    events=events or 0,
                    lists=counters.lists if counters is not None else 0,
                    watches_opened=counters.watches_opened if counters is not None else 0,
                    relists=dict(relists or {}),
                    errors=dict(errors or {}),
                    backlog=sum(r.backlog for r in informer.registrations),
                )
            )
        return samples

    def _loop(
        self,
        server: FakeApiServer,
        informers: dict[str, SharedIndexInformer],
        expected: dict[str, int],
        counters: dict[str, _EventCounter],
        controller: Controller,
        simulation: SimulationThread,
        schedule: FaultSchedule,
    ) -> int:
        out = self.out
        tick = 1.0 if out.plain else 0.25
        synced_after: dict[str, float] = {}
        synced_at: float | None = None
        pending: PendingFault | None = None
        last_injected: float | None = None
        previous = self._samples(informers)
        previous_at = time.monotonic()
        previous_writes = previous_reconciles = 0
        next_plain = 0.0
        while True:
            now = time.monotonic()
            if self.duration is not None and now - self.start >= self.duration:
                return 0
            samples = self._samples(informers)
            for sample, resource in zip(samples, informers, strict=True):
                if sample.synced and resource not in synced_after:
                    synced_after[resource] = now - self.informers_started
                    counters_now = informers[resource].counters
                    pages = counters_now.list_pages if counters_now is not None else 0
                    out.line(
                        self.elapsed(),
                        f"synced {sample.name}: {sample.objects:,} objects in {synced_after[resource]:.2f}s "
                        f"({pages} list page{'s' * (pages != 1)})",
                    )
            if synced_at is None and len(synced_after) == len(informers):
                synced_at = now
                out.line(
                    self.elapsed(),
                    "all informers synced; starting the simulation and the fault schedule",
                )
                simulation.start()
            if synced_at is None and now - self.start > SYNC_TIMEOUT:
                out.final(f"kinformer demo: informers did not sync within {SYNC_TIMEOUT:.0f}s")
                return 1
            while out.plain and self.log_lines:
                out.line(self.elapsed(), self.log_lines.popleft())
            if synced_at is not None:
                pending, last_injected = self._faults(
                    server, schedule, samples, pending, synced_at, last_injected, now
                )
            window = now - previous_at
            if not out.plain or now >= next_plain:
                rows = [
                    InformerRow(
                        sample=s,
                        events_per_second=rate(p.events, s.events, window),
                        initial_delivered=counters[r].initial,
                        expected=expected[r],
                        synced_after=synced_after.get(r),
                    )
                    for s, p, r in zip(samples, previous, informers, strict=True)
                ]
                controller_view = controller.view(
                    rate(previous_reconciles, controller.reconciles, window)
                )
                if out.plain:
                    next_plain = now + tick
                    for row in rows:
                        out.line(
                            self.elapsed(), plain_informer_line(row.sample, row.events_per_second)
                        )
                    out.line(
                        self.elapsed(),
                        f"controller queue={controller_view.queue_depth} reconciles={controller_view.reconciles} "
                        f"failures={controller_view.failures} retries={controller_view.retries} "
                        f"writes={simulation.writes} ({rate(previous_writes, simulation.writes, window):.0f}/s)",
                    )
                else:
                    self.out.show(
                        self._view(
                            rows,
                            controller_view,
                            simulation,
                            rate(previous_writes, simulation.writes, window),
                        )
                    )
                previous, previous_at = samples, now
                previous_writes, previous_reconciles = simulation.writes, controller.reconciles
            if self.stop.wait(0.25):
                return 0

    def _faults(
        self,
        server: FakeApiServer,
        schedule: FaultSchedule,
        samples: list[InformerSample],
        pending: PendingFault | None,
        synced_at: float,
        last_injected: float | None,
        now: float,
    ) -> tuple[PendingFault | None, float | None]:
        if pending is not None:
            if pending.is_over(samples):
                self._recoveries += 1
                self._fault_line(
                    "green",
                    f"RECOVERED from {pending.kind} after {now - pending.injected_at:.2f}s: {pending.summary(samples)}",
                )
                return None, last_injected
            if schedule.timed_out(pending, now):
                self._fault_line(
                    "red",
                    f"NOT RECOVERED from {pending.kind} after {now - pending.injected_at:.0f}s: {pending.summary(samples)}",
                )
                return None, last_injected
            return pending, last_injected
        kind = schedule.due(
            synced_at=synced_at, now=now, injected=self._injected, last_injected_at=last_injected
        )
        if kind is None:
            return None, last_injected
        before = {s.name: s for s in samples}
        what = inject(server, kind)
        self._injected += 1
        self._fault_line("bold red", f"FAULT {kind}: {what}")
        return PendingFault(kind, now, before), now

    def _fault_line(self, style: str, text: str) -> None:
        self.faults.append((time.monotonic(), style, text))
        self.out.line(self.elapsed(), text)

    def _view(
        self,
        rows: list[InformerRow],
        controller: ControllerView,
        simulation: SimulationThread,
        writes_per_second: float,
    ) -> DemoView:
        events = [FeedLine(t - self.start, style, text) for t, style, text in list(self.feed)]
        failed = [
            FeedLine(t - self.start, "yellow", text)
            for t, text in list(self._controller.failed)[-2:]
        ]
        faults = [FeedLine(t - self.start, style, text) for t, style, text in list(self.faults)]
        return DemoView(
            title=f"kinformer demo: {self.options.pods:,} simulated pods, {len(rows)} informers, a controller",
            elapsed=self.elapsed(),
            duration=self.duration,
            writes=simulation.writes,
            writes_per_second=writes_per_second,
            informers=rows,
            controller=controller,
            events=sorted(events + failed, key=lambda line: line.elapsed)[-10:],
            faults=faults,
        )
