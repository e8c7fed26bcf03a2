"""Work-queue metrics as Prometheus series with client-go's names (spec G-25).

:class:`PrometheusMetricsProvider` implements :class:`kinformer.workqueue.MetricsProvider`
over ``prometheus_client`` instruments named and described exactly as Kubernetes'
component-base registers them (``staging/src/k8s.io/component-base/metrics/prometheus/
workqueue/metrics.go``), each labelled ``name`` (the queue's name):

==================================================  =========  ======================
series                                              type       hook
==================================================  =========  ======================
``workqueue_depth``                                 gauge      ``add_depth``
``workqueue_adds_total``                            counter    ``inc_adds``
``workqueue_queue_duration_seconds``                histogram  ``observe_queue_duration``
``workqueue_work_duration_seconds``                 histogram  ``observe_work_duration``
``workqueue_unfinished_work_seconds``               gauge      ``set_unfinished_work_seconds``
``workqueue_longest_running_processor_seconds``     gauge      ``set_longest_running_processor_seconds``
``workqueue_retries_total``                         counter    ``inc_retries``
==================================================  =========  ======================

Histograms use :data:`kinformer.workqueue._metrics.HISTOGRAM_BUCKETS` (1e-6 s x 10^k, ten
buckets). Only named queues report, and only once a provider is set (G-25): pass the
provider as ``metrics_provider=`` to a queue, or install it process-wide with
:func:`kinformer.workqueue.set_metrics_provider` (which :func:`kinformer.metrics.serve`
does).
"""

from __future__ import annotations

from typing import Final, final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram

from ..workqueue._metrics import HISTOGRAM_BUCKETS, PROMETHEUS_NAMES

__all__ = ["PrometheusMetricsProvider"]

_HELP: Final = {
    "add_depth": "Current depth of workqueue",
    "inc_adds": "Total number of adds handled by workqueue",
    "observe_queue_duration": (
        "How long in seconds an item stays in workqueue before being requested."
    ),
    "observe_work_duration": "How long in seconds processing an item from workqueue takes.",
    "set_unfinished_work_seconds": (
        "How many seconds of work has done that is in progress and hasn't been observed by "
        "work_duration. Large values indicate stuck threads. One can deduce the number of "
        "stuck threads by observing the rate at which this increases."
    ),
    "set_longest_running_processor_seconds": (
        "How many seconds has the longest running processor for workqueue been running."
    ),
    "inc_retries": "Total number of retries handled by workqueue",
}


@final
class PrometheusMetricsProvider:
    """A :class:`~kinformer.workqueue.MetricsProvider` that feeds ``prometheus_client``.

    Args:
        registry: where the seven series are registered (default: the process-wide
            ``prometheus_client.REGISTRY``). One provider per registry: a second one on the
            same registry raises ``ValueError`` (duplicated series).

    >>> from prometheus_client import CollectorRegistry, generate_latest
    >>> registry = CollectorRegistry()
    >>> provider = PrometheusMetricsProvider(registry)
    >>> provider.inc_adds("controller")
    >>> b'workqueue_adds_total{name="controller"} 1.0' in generate_latest(registry)
    True
    """

    __slots__ = ("_adds", "_depth", "_longest", "_queue", "_retries", "_unfinished", "_work")

    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        def gauge(hook: str) -> Gauge:
            return Gauge(PROMETHEUS_NAMES[hook], _HELP[hook], ["name"], registry=registry)

        def counter(hook: str) -> Counter:
            return Counter(PROMETHEUS_NAMES[hook], _HELP[hook], ["name"], registry=registry)

        def histogram(hook: str) -> Histogram:
            return Histogram(
                PROMETHEUS_NAMES[hook],
                _HELP[hook],
                ["name"],
                registry=registry,
                buckets=HISTOGRAM_BUCKETS,
            )

        self._depth = gauge("add_depth")
        self._adds = counter("inc_adds")
        self._queue = histogram("observe_queue_duration")
        self._work = histogram("observe_work_duration")
        self._unfinished = gauge("set_unfinished_work_seconds")
        self._longest = gauge("set_longest_running_processor_seconds")
        self._retries = counter("inc_retries")

    def add_depth(self, name: str, delta: int) -> None:
        self._depth.labels(name).inc(delta)

    def inc_adds(self, name: str) -> None:
        self._adds.labels(name).inc()

    def observe_queue_duration(self, name: str, seconds: float) -> None:
        self._queue.labels(name).observe(seconds)

    def observe_work_duration(self, name: str, seconds: float) -> None:
        self._work.labels(name).observe(seconds)

    def set_unfinished_work_seconds(self, name: str, seconds: float) -> None:
        self._unfinished.labels(name).set(seconds)

    def set_longest_running_processor_seconds(self, name: str, seconds: float) -> None:
        self._longest.labels(name).set(seconds)

    def inc_retries(self, name: str) -> None:
        self._retries.labels(name).inc()
