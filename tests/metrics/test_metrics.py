"""Prometheus export: work-queue series with client-go's names (G-25), informer series (L)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from kinformer import Client, SharedInformerFactory
from kinformer.metrics import (
    InformerCollector,
    PrometheusMetricsProvider,
    register_informer,
    resource_version_number,
    serve,
    unregister_informer,
)
from kinformer.testing import FakeApiServer
from kinformer.testing._clock import FakeClock
from kinformer.workqueue import RateLimitingQueue, WorkQueue, _metrics as workqueue_metrics

WORKQUEUE_SERIES = {
    "workqueue_depth": "gauge",
    "workqueue_adds": "counter",
    "workqueue_queue_duration_seconds": "histogram",
    "workqueue_work_duration_seconds": "histogram",
    "workqueue_unfinished_work_seconds": "gauge",
    "workqueue_longest_running_processor_seconds": "gauge",
    "workqueue_retries": "counter",
}

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(text: str) -> tuple[dict[str, str], Samples]:
    """``({family: type}, {(sample name, labels): value})`` of an exposition."""
    types: dict[str, str] = {}
    values: Samples = {}
    for family in text_string_to_metric_families(text):
        types[family.name] = family.type
        for sample in family.samples:
            values[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return types, values


def value(values: Samples, series: str, /, **labels: str) -> float:
    return values[(series, frozenset(labels.items()))]


@pytest.fixture
def fresh_global_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` installs the process-wide work-queue provider: give it a fresh process state."""
    monkeypatch.setattr(workqueue_metrics, "_global", workqueue_metrics._GlobalProvider())


@pytest.fixture
def server() -> Iterator[FakeApiServer]:
    with FakeApiServer() as fake:
        yield fake


def configmap(name: str) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "default"},
        "data": {"k": name},
    }


def test_prometheus_provider_g25_client_go_names_buckets_and_values() -> None:
    registry = CollectorRegistry()
    provider = PrometheusMetricsProvider(registry)
    clock = FakeClock()
    queue: WorkQueue[str] = WorkQueue(name="ctrl", clock=clock, metrics_provider=provider)
    try:
        queue.add("a")
        queue.add("b")
        queue.add("a")  # already dirty: no add, no depth change
        clock.advance(0.002)
        item = queue.get()
        clock.advance(0.5)
        queue.done(item)
    finally:
        queue.shutdown()
    types, values = samples(generate_latest(registry).decode())
    assert {name: types[name] for name in WORKQUEUE_SERIES} == WORKQUEUE_SERIES
    assert value(values, "workqueue_adds_total", name="ctrl") == 2
    assert value(values, "workqueue_depth", name="ctrl") == 1
    assert value(values, "workqueue_queue_duration_seconds_count", name="ctrl") == 1
    assert value(values, "workqueue_queue_duration_seconds_sum", name="ctrl") == pytest.approx(
        0.002
    )
    assert value(values, "workqueue_work_duration_seconds_sum", name="ctrl") == pytest.approx(0.5)
    # G-25 buckets: 1e-6 s times 10^k, ten of them (plus +Inf).
    buckets = sorted(
        float(dict(labels)["le"])
        for (name, labels) in values
        if name == "workqueue_work_duration_seconds_bucket"
    )
    assert buckets == [*(10.0**k for k in range(-6, 4)), float("inf")]
    assert value(values, "workqueue_work_duration_seconds_bucket", name="ctrl", le="0.1") == 0
    assert value(values, "workqueue_work_duration_seconds_bucket", name="ctrl", le="1.0") == 1


def test_prometheus_provider_g25_unnamed_queue_records_nothing() -> None:
    registry = CollectorRegistry()
    provider = PrometheusMetricsProvider(registry)
    queue: WorkQueue[str] = WorkQueue(clock=FakeClock(), metrics_provider=provider)
    queue.add("a")
    queue.shutdown()
    _, values = samples(generate_latest(registry).decode())
    assert not [key for key in values if key[0] == "workqueue_adds_total"]


@pytest.mark.parametrize(
    ("rv", "expected"),
    [
        ("0", 0),
        ("4711", 4711),
        ("1234567890123456789", 567890123456789),
        ("", None),
        ("abc", None),
        ("12a", None),
    ],
)
def test_resource_version_number_l2_last_15_digits(rv: str, expected: int | None) -> None:
    assert resource_version_number(rv) == expected


def test_informer_collector_l2_unstarted_informer_reports_unsynced(server: FakeApiServer) -> None:
    registry = CollectorRegistry()
    collector = InformerCollector()
    registry.register(collector)
    with Client.from_kubeconfig(server.kubeconfig_path) as client:
        factory = SharedInformerFactory(client)
        informer = factory.informer("configmaps")
        collector.add(informer)
        collector.add(informer)  # once only
        _, values = samples(generate_latest(registry).decode())
        assert value(values, "kinformer_informer_synced", name="configmaps") == 0
        assert value(values, "kinformer_informer_objects", name="configmaps") == 0
        assert not [key for key in values if key[0] == "kinformer_reflector_lists_total"]
        collector.remove(informer)
        _, values = samples(generate_latest(registry).decode())
        assert not [key for key in values if key[0] == "kinformer_informer_synced"]


@pytest.mark.slow
@pytest.mark.usefixtures("fresh_global_provider")
def test_serve_scrape_shows_workqueue_and_informer_series(server: FakeApiServer) -> None:
    for name in ("a", "b", "c"):
        server.create(configmap(name))
    registry = CollectorRegistry()
    with (
        serve(0, addr="127.0.0.1", registry=registry) as endpoint,
        Client.from_kubeconfig(server.kubeconfig_path) as client,
    ):
        # A named queue created after serve() reports through the global provider.
        clock = FakeClock()
        queue: RateLimitingQueue[str] = RateLimitingQueue(name="sample", clock=clock)
        factory = SharedInformerFactory(client)
        try:
            queue.add("x")
            queue.add("y")
            item = queue.get()
            queue.add_rate_limited(item)
            queue.done(item)

            informer = factory.informer("configmaps")
            informer.add_event_handler(on_add=lambda obj, initial: None)
            register_informer(informer, registry=registry)
            factory.start()
            assert factory.wait_for_cache_sync(timeout=10) == {"configmaps": True}
            server.create(configmap("d"))
            deadline = time.monotonic() + 5
            expected = len(server.list("v1", "ConfigMap"))
            while len(informer.indexer) < expected:
                assert time.monotonic() < deadline
                time.sleep(0.01)

            answer = httpx.get(endpoint.url)
        finally:
            queue.shutdown()
            factory.shutdown()
    assert answer.status_code == 200
    types, values = samples(answer.text)
    assert {name: types[name] for name in WORKQUEUE_SERIES} == WORKQUEUE_SERIES
    assert value(values, "workqueue_adds_total", name="sample") == 2
    assert value(values, "workqueue_retries_total", name="sample") == 1
    assert value(values, "workqueue_depth", name="sample") == 1
    assert value(values, "kinformer_reflector_lists_total", name="configmaps") >= 1
    assert value(values, "kinformer_reflector_watches_total", name="configmaps") >= 1
    assert value(values, "kinformer_reflector_events_total", name="configmaps", type="ADDED") >= 1
    assert value(values, "kinformer_informer_synced", name="configmaps") == 1
    assert value(values, "kinformer_informer_objects", name="configmaps") == expected
    assert value(values, "kinformer_informer_handler_backlog", name="configmaps", handler="0") >= 0
    last_rv = value(values, "kinformer_reflector_last_resource_version", name="configmaps")
    assert 0 < last_rv <= server.revision
    unregister_informer(informer, registry=registry)


@pytest.mark.slow
async def test_informer_collector_l_reads_asyncio_informers(server: FakeApiServer) -> None:
    from kinformer.aio import Client as AsyncClient, SharedInformerFactory as AsyncFactory

    registry = CollectorRegistry()
    collector = InformerCollector()
    registry.register(collector)
    async with (
        AsyncClient.from_kubeconfig(server.kubeconfig_path) as client,
        AsyncFactory(client, namespace="default") as factory,
    ):
        informer = await factory.informer("configmaps")
        collector.add(informer)
        await factory.start()
        assert await factory.wait_for_cache_sync(timeout=10) == {"configmaps": True}
        _, values = samples(generate_latest(registry).decode())
    assert value(values, "kinformer_informer_synced", name="configmaps") == 1
    assert value(values, "kinformer_informer_objects", name="configmaps") == len(
        server.list("v1", "ConfigMap", "default")
    )
    assert value(values, "kinformer_reflector_lists_total", name="configmaps") == 1
