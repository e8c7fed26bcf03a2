"""Reflector and informer series: a Prometheus collector over informers' own counters.

client-go's reflector metric hooks are dead code (L-1) and its informer metrics need a
reserved informer identity (L-2); kinformer's reflectors count what they do anyway
(:class:`~kinformer.cache._reflector.ReflectorCounters`), so :class:`InformerCollector`
simply reads those counters at scrape time. Nothing is recorded on the hot path.

Series, each labelled ``name`` (the informer's name, e.g. ``pods`` or
``deployments.apps``; give informers distinct names):

* ``kinformer_reflector_lists_total``: LISTs that replaced the store;
* ``kinformer_reflector_list_pages_total``: LIST requests (every page);
* ``kinformer_reflector_watches_total``: watch streams established;
* ``kinformer_reflector_events_total{type}``: watch events processed, by type;
* ``kinformer_reflector_relists_total{reason}``: ListAndWatch iterations ended, by reason;
* ``kinformer_reflector_errors_total{reason}``: errors, by status reason or class;
* ``kinformer_reflector_last_resource_version``: the last synced resourceVersion as a
  number (L-2: its last 15 digits; absent while the RV is not numeric);
* ``kinformer_informer_synced``: 1 once the informer has synced;
* ``kinformer_informer_objects``: objects in the cache;
* ``kinformer_informer_handler_backlog{handler}``: notifications buffered for each
  registered handler (its index) and not yet delivered; a growing value is a slow handler.

Contract: ``collect`` only reads; it may run on the scrape thread while the informer runs
on its own thread or event loop.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence, Sized
from typing import Final, Protocol, final

from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric

from ..cache._reflector import ReflectorCounters

__all__ = ["InformerCollector", "InstrumentedInformer", "resource_version_number"]

_NUMBER: Final = re.compile(r"[+-]?[0-9]+")


def resource_version_number(resource_version: str) -> int | None:
    """The number client-go's store metric reports for an RV (L-2), or ``None``.

    The last 15 characters parsed as a decimal integer; anything else is not reported.

    >>> resource_version_number("123456")
    123456
    >>> resource_version_number("98765432109876543210")
    432109876543210
    >>> resource_version_number("") is None, resource_version_number("abc") is None
    (True, True)
    """
    tail = resource_version[-15:]
    if not _NUMBER.fullmatch(tail):
        return None
    return int(tail)


class _Registration(Protocol):
    @property
    def backlog(self) -> int: ...


class InstrumentedInformer(Protocol):
    """What the collector reads: both informer flavours have these properties."""

    @property
    def name(self) -> str: ...

    @property
    def counters(self) -> ReflectorCounters | None: ...

    @property
    def registrations(self) -> Sequence[_Registration]: ...

    @property
    def has_synced(self) -> bool: ...

    @property
    def last_sync_resource_version(self) -> str: ...

    @property
    def indexer(self) -> Sized: ...


@final
class InformerCollector:
    """A ``prometheus_client`` collector over any number of informers.

    >>> from prometheus_client import CollectorRegistry
    >>> registry = CollectorRegistry()
    >>> collector = InformerCollector()
    >>> registry.register(collector)
    >>> [metric.name for metric in collector.collect()][:2]
    ['kinformer_reflector_lists', 'kinformer_reflector_list_pages']
    """

    __slots__ = ("_informers", "_lock")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._informers: list[InstrumentedInformer] = []

    def add(self, informer: InstrumentedInformer) -> None:
        """Report ``informer`` from now on (once, however often it is added)."""
        with self._lock:
            if not any(known is informer for known in self._informers):
                self._informers.append(informer)

    def remove(self, informer: InstrumentedInformer) -> None:
        """Stop reporting ``informer`` (no error if it was not reported)."""
        with self._lock:
            self._informers = [known for known in self._informers if known is not informer]

    def collect(self) -> Iterator[Metric]:
        """The current value of every series, read from the informers now."""
        with self._lock:
            informers = list(self._informers)
        lists = CounterMetricFamily(
            "kinformer_reflector_lists", "LISTs whose result replaced the store.", labels=["name"]
        )
        pages = CounterMetricFamily(
            "kinformer_reflector_list_pages", "LIST requests sent (every page).", labels=["name"]
        )
        watches = CounterMetricFamily(
            "kinformer_reflector_watches", "Watch streams established.", labels=["name"]
        )
        events = CounterMetricFamily(
            "kinformer_reflector_events",
            "Watch events processed, by type.",
            labels=["name", "type"],
        )
        relists = CounterMetricFamily(
            "kinformer_reflector_relists",
            "ListAndWatch iterations ended, by reason.",
            labels=["name", "reason"],
        )
        errors = CounterMetricFamily(
            "kinformer_reflector_errors",
            "Errors seen by the reflector, by status reason or exception class.",
            labels=["name", "reason"],
        )
        last_rv = GaugeMetricFamily(
            "kinformer_reflector_last_resource_version",
            "The last synced resourceVersion as a number (its last 15 digits).",
            labels=["name"],
        )
        synced = GaugeMetricFamily(
            "kinformer_informer_synced", "1 once the informer's cache has synced.", labels=["name"]
        )
        objects = GaugeMetricFamily(
            "kinformer_informer_objects", "Objects in the informer's cache.", labels=["name"]
        )
        backlog = GaugeMetricFamily(
            "kinformer_informer_handler_backlog",
            "Notifications buffered for a handler and not yet delivered.",
            labels=["name", "handler"],
        )
        for informer in informers:
            name = informer.name
            counters = informer.counters
            if counters is not None:
                lists.add_metric([name], counters.lists)
                pages.add_metric([name], counters.list_pages)
                watches.add_metric([name], counters.watches_opened)
                for event_type, count in sorted(counters.events.items()):
                    events.add_metric([name, event_type], count)
                for reason, count in sorted(counters.relists.items()):
                    relists.add_metric([name, reason], count)
                for reason, count in sorted(counters.errors.items()):
                    errors.add_metric([name, reason], count)
            number = resource_version_number(informer.last_sync_resource_version)
            if number is not None:
                last_rv.add_metric([name], number)
            synced.add_metric([name], 1.0 if informer.has_synced else 0.0)
            objects.add_metric([name], len(informer.indexer))
            for index, registration in enumerate(informer.registrations):
                backlog.add_metric([name, str(index)], registration.backlog)
        yield from (
            lists,
            pages,
            watches,
            events,
            relists,
            errors,
            last_rv,
            synced,
            objects,
            backlog,
        )
