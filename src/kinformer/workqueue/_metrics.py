"""Work-queue metric hooks (client-go ``util/workqueue/metrics.go``, spec G-25).

A :class:`MetricsProvider` receives the seven client-go work-queue series, each labelled with
the queue's ``name``: depth, adds, queue duration, work duration, unfinished work seconds,
longest running processor seconds and retries. Exporting them (Prometheus, ...) is the
provider's business; this module only decides *when* each hook fires.

Metrics are recorded only for named queues whose provider is not the no-op one (G-25). A
queue resolves its provider once, at construction: an explicit ``metrics_provider=`` or else
the process-wide provider set by :func:`set_metrics_provider` (first call wins, as with
client-go's ``SetProvider``).

:class:`QueueMetrics` is pure: every call takes ``now`` (seconds on the queue's clock). The
queue drivers call it with their lock held; the drivers also call
:meth:`QueueMetrics.update_unfinished_work` every 500 ms while the queue runs.

Invariants of :class:`QueueMetrics`: ``_add_times`` holds the items added (newly dirty) since
their last ``get``, with the time of the *first* such add; ``_processing_start_times`` holds
the items handed out by ``get`` and not yet ``done``.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from typing import Final, Protocol, final

__all__ = [
    "HISTOGRAM_BUCKETS",
    "PROMETHEUS_NAMES",
    "UNFINISHED_WORK_UPDATE_PERIOD",
    "MetricsProvider",
    "NoopMetricsProvider",
    "QueueMetrics",
    "global_metrics_provider",
    "queue_metrics",
    "set_metrics_provider",
]

#: How often the drivers recompute the unfinished-work gauges (client-go ``queue.go``:
#: ``defaultUnfinishedWorkUpdatePeriod = 500 * time.Millisecond``).
UNFINISHED_WORK_UPDATE_PERIOD: Final = 0.5

#: The Prometheus series of each :class:`MetricsProvider` hook, all labelled ``name``
#: (component-base ``metrics/prometheus/workqueue/metrics.go``, G-25), for exporters.
PROMETHEUS_NAMES: Final = {
    "add_depth": "workqueue_depth",
    "inc_adds": "workqueue_adds_total",
    "observe_queue_duration": "workqueue_queue_duration_seconds",
    "observe_work_duration": "workqueue_work_duration_seconds",
    "set_unfinished_work_seconds": "workqueue_unfinished_work_seconds",
    "set_longest_running_processor_seconds": "workqueue_longest_running_processor_seconds",
    "inc_retries": "workqueue_retries_total",
}

#: Histogram buckets of the two duration series, as the spec records them for component-base
#: (G-25): exponential from 1e-6 s, factor 10, 10 buckets (1e-6 ... 1e3 s).
HISTOGRAM_BUCKETS: Final = tuple(10.0**exponent for exponent in range(-6, 4))


class MetricsProvider(Protocol):
    """Receives work-queue metrics; ``name`` is the queue's name (the Prometheus label).

    Methods are called with the queue's lock held: they must be quick and must not call back
    into the queue.
    """

    def add_depth(self, name: str, delta: int) -> None:
        """``workqueue_depth`` gauge: +1 when an item becomes dirty, -1 when ``get`` returns it."""
        ...

    def inc_adds(self, name: str) -> None:
        """``workqueue_adds_total`` counter: an item became dirty."""
        ...

    def observe_queue_duration(self, name: str, seconds: float) -> None:
        """``workqueue_queue_duration_seconds``: first add since the last get -> get."""
        ...

    def observe_work_duration(self, name: str, seconds: float) -> None:
        """``workqueue_work_duration_seconds``: get -> done."""
        ...

    def set_unfinished_work_seconds(self, name: str, seconds: float) -> None:
        """``workqueue_unfinished_work_seconds``: total age of the items being processed."""
        ...

    def set_longest_running_processor_seconds(self, name: str, seconds: float) -> None:
        """``workqueue_longest_running_processor_seconds``: age of the oldest one."""
        ...

    def inc_retries(self, name: str) -> None:
        """``workqueue_retries_total`` counter: every ``add_after`` / ``add_rate_limited``."""
        ...


@final
class NoopMetricsProvider:
    """The default provider: records nothing, and queues using it skip metrics entirely."""

    __slots__ = ()

    def add_depth(self, name: str, delta: int) -> None:
        pass

    def inc_adds(self, name: str) -> None:
        pass

    def observe_queue_duration(self, name: str, seconds: float) -> None:
        pass

    def observe_work_duration(self, name: str, seconds: float) -> None:
        pass

    def set_unfinished_work_seconds(self, name: str, seconds: float) -> None:
        pass

    def set_longest_running_processor_seconds(self, name: str, seconds: float) -> None:
        pass

    def inc_retries(self, name: str) -> None:
        pass


@final
class _GlobalProvider:
    """The process-wide provider; only the first :meth:`set` takes effect (``sync.Once``)."""

    __slots__ = ("_lock", "_provider", "_set")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._provider: MetricsProvider = NoopMetricsProvider()
        self._set = False

    def set(self, provider: MetricsProvider) -> bool:
        with self._lock:
            if self._set:
                return False
            self._provider = provider
            self._set = True
            return True

    def get(self) -> MetricsProvider:
        return self._provider


_global = _GlobalProvider()


def set_metrics_provider(provider: MetricsProvider) -> bool:
    """Set the provider of queues created from now on without ``metrics_provider=`` (G-25).

    Only the first call takes effect (client-go ``workqueue.SetProvider``); it returns whether
    this call did. Queues created earlier keep the provider they resolved at construction.
    """
    return _global.set(provider)


def global_metrics_provider() -> MetricsProvider:
    """The provider set by :func:`set_metrics_provider`, or a :class:`NoopMetricsProvider`."""
    return _global.get()


@final
class QueueMetrics:
    """Times one named queue's items and feeds a provider (client-go ``defaultQueueMetrics``)."""

    __slots__ = ("_add_times", "_name", "_processing_start_times", "_provider")

    def __init__(self, provider: MetricsProvider, name: str) -> None:
        self._provider = provider
        self._name = name
        self._add_times: dict[Hashable, float] = {}
        self._processing_start_times: dict[Hashable, float] = {}

    def add(self, item: Hashable, now: float) -> None:
        """``item`` became dirty: adds +1, depth +1; start its queue latency if not started."""
        self._provider.inc_adds(self._name)
        self._provider.add_depth(self._name, 1)
        self._add_times.setdefault(item, now)

    def get(self, item: Hashable, now: float) -> None:
        """``get`` returned ``item``: depth -1, observe its queue latency, start its work clock."""
        self._provider.add_depth(self._name, -1)
        self._processing_start_times[item] = now
        start = self._add_times.pop(item, None)
        if start is not None:
            self._provider.observe_queue_duration(self._name, now - start)

    def done(self, item: Hashable, now: float) -> None:
        """``done(item)``: observe its work duration (only if it was being processed)."""
        start = self._processing_start_times.pop(item, None)
        if start is not None:
            self._provider.observe_work_duration(self._name, now - start)

    def retry(self) -> None:
        """``add_after`` was called (including through ``add_rate_limited``)."""
        self._provider.inc_retries(self._name)

    def update_unfinished_work(self, now: float) -> None:
        """Recompute the two gauges over the items currently being processed."""
        total = 0.0
        longest = 0.0
        for start in self._processing_start_times.values():
            age = now - start
            total += age
            longest = max(longest, age)
        self._provider.set_unfinished_work_seconds(self._name, total)
        self._provider.set_longest_running_processor_seconds(self._name, longest)


def queue_metrics(name: str, provider: MetricsProvider | None) -> QueueMetrics | None:
    """The recorder for a queue, or ``None`` when nothing is recorded (G-25).

    ``provider=None`` means the global provider. Unnamed queues and the no-op provider record
    nothing.
    """
    if provider is None:
        provider = global_metrics_provider()
    if not name or isinstance(provider, NoopMetricsProvider):
        return None
    return QueueMetrics(provider, name)
