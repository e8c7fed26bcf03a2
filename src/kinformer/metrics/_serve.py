"""One-line Prometheus export: :func:`serve` and :func:`register_informer`.

``serve(port)`` installs the work-queue provider process-wide (so named queues created
afterwards report, G-25), registers the informer collector, and starts
``prometheus_client``'s HTTP server on a daemon thread. ``register_informer(informer)`` adds
an informer's reflector and handler series. Both use ``prometheus_client.REGISTRY`` unless
given another registry, and may be called in either order.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self, final
from wsgiref.simple_server import WSGIServer

from prometheus_client import REGISTRY, CollectorRegistry, start_http_server

from ..workqueue._metrics import set_metrics_provider
from ._informers import InformerCollector, InstrumentedInformer
from ._workqueue import PrometheusMetricsProvider

__all__ = [
    "MetricsServer",
    "informer_collector",
    "install",
    "register_informer",
    "serve",
    "unregister_informer",
    "workqueue_metrics_provider",
]

_lock = threading.Lock()
_collectors: dict[int, tuple[CollectorRegistry, InformerCollector]] = {}
_providers: dict[int, tuple[CollectorRegistry, PrometheusMetricsProvider]] = {}


def informer_collector(registry: CollectorRegistry = REGISTRY) -> InformerCollector:
    """The :class:`InformerCollector` of ``registry``, registered on first use."""
    with _lock:
        entry = _collectors.get(id(registry))
        if entry is None:
            collector = InformerCollector()
            registry.register(collector)
            entry = _collectors[id(registry)] = (registry, collector)
        return entry[1]


def workqueue_metrics_provider(
    registry: CollectorRegistry = REGISTRY,
) -> PrometheusMetricsProvider:
    """The :class:`PrometheusMetricsProvider` of ``registry``, created on first use."""
    with _lock:
        entry = _providers.get(id(registry))
        if entry is None:
            entry = _providers[id(registry)] = (registry, PrometheusMetricsProvider(registry))
        return entry[1]


def install(registry: CollectorRegistry = REGISTRY) -> PrometheusMetricsProvider:
    """Make named work queues created from now on report to ``registry`` (G-25).

    Sets the process-wide work-queue provider, which only the first call of
    :func:`kinformer.workqueue.set_metrics_provider` can do; returns the provider, which
    can also be passed as ``metrics_provider=`` to a queue explicitly.
    """
    provider = workqueue_metrics_provider(registry)
    set_metrics_provider(provider)
    informer_collector(registry)
    return provider


def register_informer(
    informer: InstrumentedInformer, *, registry: CollectorRegistry = REGISTRY
) -> None:
    """Export ``informer``'s reflector and handler series (see :mod:`._informers`)."""
    informer_collector(registry).add(informer)


def unregister_informer(
    informer: InstrumentedInformer, *, registry: CollectorRegistry = REGISTRY
) -> None:
    """Stop exporting ``informer``'s series."""
    informer_collector(registry).remove(informer)


@final
class MetricsServer:
    """The running ``/metrics`` endpoint that :func:`serve` started; close it when done."""

    __slots__ = ("_server", "_thread", "host", "port")

    def __init__(self, server: WSGIServer, thread: threading.Thread, host: str) -> None:
        self._server = server
        self._thread = thread
        self.host = host
        self.port: int = server.server_port

    @property
    def url(self) -> str:
        """Where to scrape, e.g. ``http://127.0.0.1:9090/metrics``."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0") else self.host
        return f"http://{host}:{self.port}/metrics"

    def close(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MetricsServer({self.url!r})"


def serve(
    port: int, *, addr: str = "0.0.0.0", registry: CollectorRegistry = REGISTRY
) -> MetricsServer:
    """Serve ``registry`` on ``http://addr:port/metrics`` (``port=0``: a free port).

    Also calls :func:`install`, so named work queues created afterwards report. Returns the
    running server (its ``port`` and ``url``); it runs on a daemon thread until closed.

    Race warning: queues created *before* the first ``serve``/``install`` keep the provider
    they resolved then (the no-op one); create queues after, or pass
    ``metrics_provider=workqueue_metrics_provider()`` to them.
    """
    install(registry)
    server, thread = start_http_server(port, addr=addr, registry=registry)
    return MetricsServer(server, thread, addr)
