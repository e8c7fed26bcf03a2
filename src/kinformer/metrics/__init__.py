"""kinformer.metrics: Prometheus export (needs the ``metrics`` extra: ``prometheus-client``).

* work queues: :class:`PrometheusMetricsProvider`, client-go's ``workqueue_*`` series (G-25);
* informers: reflector counters (lists, watches, events by type, relists by reason, last
  resourceVersion) and handler backlog, via :func:`register_informer`;
* :func:`serve`: one line to expose ``/metrics`` over HTTP.

>>> from kinformer import metrics  # doctest: +SKIP
>>> server = metrics.serve(9090)   # doctest: +SKIP
>>> metrics.register_informer(factory.informer("pods"))  # doctest: +SKIP
"""

from __future__ import annotations

try:
    from ._informers import (
        InformerCollector as InformerCollector,
        InstrumentedInformer as InstrumentedInformer,
        resource_version_number as resource_version_number,
    )
    from ._serve import (
        MetricsServer as MetricsServer,
        informer_collector as informer_collector,
        install as install,
        register_informer as register_informer,
        serve as serve,
        unregister_informer as unregister_informer,
        workqueue_metrics_provider as workqueue_metrics_provider,
    )
    from ._workqueue import PrometheusMetricsProvider as PrometheusMetricsProvider
except ModuleNotFoundError as error:  # pragma: no cover - depends on the installed extras
    if error.name != "prometheus_client":
        raise
    raise ImportError(
        "kinformer.metrics needs prometheus-client: pip install 'kinformer[metrics]'"
    ) from error

__all__ = [
    "InformerCollector",
    "InstrumentedInformer",
    "MetricsServer",
    "PrometheusMetricsProvider",
    "informer_collector",
    "install",
    "register_informer",
    "resource_version_number",
    "serve",
    "unregister_informer",
    "workqueue_metrics_provider",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
