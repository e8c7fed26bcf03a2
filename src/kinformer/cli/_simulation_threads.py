"""The threads driver of the simulated cluster: writes at a steady rate, and injected faults.

:class:`SimulationThread` applies :class:`~._simulation.ClusterModel`'s writes to a
:class:`~kinformer.testing.FakeApiServer` through its Python API (no HTTP: the server's engine
emits the watch events every informer sees). :func:`inject` runs one of the faults of
:class:`~._monitor.FaultKind` with the server's knobs.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Final, final

from .._errors import ApiError
from ._monitor import FaultKind
from ._simulation import ClusterModel, Create, Delete, Patch, UpdateStatus, Write

if TYPE_CHECKING:
    from ..testing._apiserver._server import FakeApiServer

__all__ = ["SimulationThread", "inject"]


@final
class SimulationThread:
    """The thread that applies the model's writes at ``writes_per_second``."""

    TICK: Final = 0.05

    def __init__(
        self, server: FakeApiServer, model: ClusterModel, writes_per_second: float
    ) -> None:
        self._server = server
        self._model = model
        self._rate = writes_per_second
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="demo-simulation", daemon=True)
        self.writes = 0
        self.rejected = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.ident is not None:  # started (Ctrl-C may come before)
            self._thread.join(timeout=10)

    def _run(self) -> None:
        budget = 0.0
        last = time.monotonic()
        while not self._stop.wait(self.TICK):
            now = time.monotonic()
            budget = min(budget + (now - last) * self._rate, self._rate)  # at most 1 s of backlog
            last = now
            while budget >= 1 and not self._stop.is_set():
                for write in self._model.next_writes(time.time()):
                    self._apply(write)
                    budget -= 1

    def _apply(self, write: Write) -> None:
        server = self._server
        try:
            match write:
                case Create(obj):
                    server.create(obj)
                case Patch(api_version, kind, namespace, name, patch):
                    server.patch(api_version, kind, name, patch, namespace)
                case UpdateStatus(api_version, kind, namespace, name, status):
                    obj = server.get(api_version, kind, name, namespace)
                    obj["status"] = {**(obj.get("status") or {}), **status}
                    server.update_status(obj)
                case Delete(api_version, kind, namespace, name):
                    server.delete(api_version, kind, name, namespace)
            self.writes += 1
        except ApiError:
            # A follow-up of a pod deleted meanwhile (NotFound), as a real controller meets.
            self.rejected += 1


def inject(server: FakeApiServer, kind: FaultKind) -> str:
    """Inject one fault; returns what was done (for the feed)."""
    if kind is FaultKind.DROPPED_WATCH:
        server.drop_watches()
        return "the server ended every watch stream"
    if kind is FaultKind.TOO_MANY_REQUESTS:
        server.fail_next(
            "watch",
            4,
            code=429,
            retry_after=1,
            message="too many requests, please try again later (injected)",
        )
        server.drop_watches()
        return "watches dropped; the next 4 watch requests get 429 Retry-After 1"
    if kind is FaultKind.COMPACTION:
        revision = _compact_behind_watchers(server)
        return f"watches dropped and history compacted at revision {revision}: re-watches get 410 Expired"
    count = server.reset_watches()
    return f"TCP connections of {count} watches reset"


def _compact_behind_watchers(server: FakeApiServer) -> int:
    """Drop the watches, write once, compact: every re-watch is then from before the window.

    The three steps run under the engine's lock so that no informer re-watches in between
    (a re-watch that came first would see nothing expired). ``ApiServerState`` takes the same
    re-entrant lock in each call; ``FakeApiServer`` has no public "expire watches" knob.
    """
    state = server.state
    with state._lock:
        server.drop_watches()
        namespace = "default"
        server.create(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"generateName": "demo-compaction-", "namespace": namespace},
                "data": {"why": "a write after the watches ended, then compacted away"},
            }
        )
        server.compact()
        return server.revision
