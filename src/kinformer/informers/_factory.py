"""SharedInformerFactory: one shared informer per resource (client-go ``informers/factory.go``,
``dynamicinformer``, ``metadatainformer``; spec E).

Informers are keyed by group, resource and whether they are metadata-only (E-2, E-8, E-9):
asking twice returns the same informer, and the first caller's indexers win. Creating an
informer does not start it; :meth:`SharedInformerFactory.start` starts every informer created
and not yet started (E-5) and never blocks.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, final

from .._clock import Clock
from ..cache._indexer import IndexFunc
from ..cache._informer_options import InformerBase, InformerOptions, Transform
from ..cache._informer_threads import SharedIndexInformer
from ..cache._listers import Lister
from ..transport import Client, ResourceInfo
from ._listwatch import HTTPListerWatcher, ListWatchScope, TweakListOptions

__all__ = [
    "FactoryOptions",
    "InformerKey",
    "SharedInformerFactory",
    "add_missing_indexers",
    "new_informer",
]

InformerT = TypeVar("InformerT", bound=InformerBase)

InformerKey = tuple[str, str, bool]
"""``(group, resource, metadata_only)``: the identity of a shared informer (E-2)."""


@final
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FactoryOptions:
    """What every informer of a factory shares (client-go's factory options, E-1)."""

    resync_period: float = 0.0
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    tweak_list_options: TweakListOptions | None = None
    transform: Transform | None = None
    custom_resync: Mapping[str, float] = dataclasses.field(default_factory=dict)
    informer_options: InformerOptions = dataclasses.field(default_factory=InformerOptions)

    def __post_init__(self) -> None:
        if self.resync_period < 0:
            raise ValueError("resync_period must be >= 0")

    def resync_for(self, info: ResourceInfo) -> float:
        """The custom resync for ``info`` (by ``pods`` or ``deployments.apps``), else the default."""
        for name in (info.group_resource, info.resource):
            if name in self.custom_resync:
                return self.custom_resync[name]
        return self.resync_period

    def scope(self, info: ResourceInfo, *, metadata_only: bool) -> ListWatchScope:
        return ListWatchScope(
            resource=info,
            namespace=self.namespace,
            label_selector=self.label_selector,
            field_selector=self.field_selector,
            tweak_list_options=self.tweak_list_options,
            metadata_only=metadata_only,
        )


def new_informer(
    informer_class: Callable[..., InformerT],
    lister_watcher: object,
    info: ResourceInfo,
    *,
    options: FactoryOptions,
    metadata_only: bool,
    indexers: Mapping[str, IndexFunc] | None,
    clock: Clock | None,
    rng: random.Random | None,
) -> InformerT:
    """A factory's informer for ``info``, of either runtime, with the factory's options (E-2)."""
    informer = informer_class(
        lister_watcher,
        resync_period=options.resync_for(info),
        indexers=indexers,
        options=options.informer_options,
        name=informer_name(info, metadata_only),
        resource=info.singular,
        group=info.group,
        clock=clock,
        rng=rng,
    )
    if options.transform is not None:
        informer.set_transform(options.transform)
    return informer


def add_missing_indexers(informer: InformerBase, indexers: Mapping[str, IndexFunc] | None) -> None:
    """A later request's indexers that the shared informer lacks are added (client-go ignores them)."""
    if indexers:
        missing = {
            name: fn for name, fn in indexers.items() if name not in informer.indexer.indexers
        }
        if missing:
            informer.add_indexers(missing)


def key_of(info: ResourceInfo, metadata_only: bool) -> InformerKey:
    return (info.group, info.resource, metadata_only)


def informer_name(info: ResourceInfo, metadata_only: bool) -> str:
    return info.group_resource + (" (metadata)" if metadata_only else "")


@final
class SharedInformerFactory:
    """Creates and shares informers by kubectl-style resource names (threads).

    >>> # factory = SharedInformerFactory(client, resync_period=30.0)
    >>> # pods = factory.informer("pods"); factory.start(); factory.wait_for_cache_sync(60)

    ``namespace`` limits every informer to one namespace (cluster-scoped resources ignore
    it); ``label_selector``, ``field_selector`` and ``tweak_list_options`` apply to every
    list and watch (A-23); ``transform`` is installed on every informer (E-2);
    ``custom_resync`` maps resource names to resync periods.

    Race warning: :meth:`start` returns before the caches are synced.
    """

    def __init__(
        self,
        client: Client,
        *,
        resync_period: float = 0.0,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        tweak_list_options: TweakListOptions | None = None,
        transform: Transform | None = None,
        custom_resync: Mapping[str, float] | None = None,
        informer_options: InformerOptions | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._options = FactoryOptions(
            resync_period=resync_period,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            tweak_list_options=tweak_list_options,
            transform=transform,
            custom_resync=dict(custom_resync or {}),
            informer_options=informer_options or InformerOptions(),
        )
        self._clock = clock
        self._rng = rng
        self._lock = threading.Lock()
        self._informers: dict[InformerKey, SharedIndexInformer] = {}
        self._started: set[InformerKey] = set()
        self._shutting_down = False

    def __enter__(self) -> SharedInformerFactory:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def __repr__(self) -> str:
        return (
            f"<SharedInformerFactory informers={sorted(i.name for i in self._informers.values())}>"
        )

    @property
    def client(self) -> Client:
        """The client the informers list and watch with."""
        return self._client

    def informer(
        self,
        resource: str | ResourceInfo,
        *,
        indexers: Mapping[str, IndexFunc] | None = None,
        metadata_only: bool = False,
    ) -> SharedIndexInformer:
        """The shared informer for ``resource`` (``"pods"``, ``"deploy"``, ``"foos.example.com"``).

        Created on first request (not started); later requests return it, and their
        ``indexers`` are added to it if they do not clash (client-go ignores them, E-2).
        Unknown names raise :class:`~kinformer.ResourceNotFoundError`.
        """
        info = self._client.resolve(resource)
        key = key_of(info, metadata_only)
        with self._lock:
            informer = self._informers.get(key)
            if informer is None:
                informer = new_informer(
                    SharedIndexInformer,
                    HTTPListerWatcher(
                        self._client, self._options.scope(info, metadata_only=metadata_only)
                    ),
                    info,
                    options=self._options,
                    metadata_only=metadata_only,
                    indexers=indexers,
                    clock=self._clock,
                    rng=self._rng,
                )
                self._informers[key] = informer
            else:
                add_missing_indexers(informer, indexers)
        return informer

    def metadata_informer(
        self, resource: str | ResourceInfo, *, indexers: Mapping[str, IndexFunc] | None = None
    ) -> SharedIndexInformer:
        """A shared informer of ``PartialObjectMetadata``: names, labels, owners only (E-9)."""
        return self.informer(resource, indexers=indexers, metadata_only=True)

    def lister(self, resource: str | ResourceInfo, *, metadata_only: bool = False) -> Lister[Any]:
        """The lister of the shared informer for ``resource`` (creating the informer if needed)."""
        return self.informer(resource, metadata_only=metadata_only).lister

    def start(self) -> None:
        """Start every informer created and not started yet; never blocks (E-5)."""
        with self._lock:
            if self._shutting_down:
                return
            for key, informer in self._informers.items():
                if key not in self._started:
                    informer.start()
                    self._started.add(key)

    def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, bool]:
        """``{resource: synced}`` for every STARTED informer, once all synced or at ``timeout`` (E-6)."""
        with self._lock:
            started = [(k, self._informers[k]) for k in self._started]
        deadline = None if timeout is None else time.monotonic() + timeout
        for _, informer in started:
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not informer.wait_for_sync(remaining):
                break
        return {informer.name: informer.has_synced for _, informer in started}

    def shutdown(self) -> None:
        """Stop every started informer and wait for their threads; no restart (E-7).

        client-go's ``Shutdown`` only waits, and callers must fire the stop signals
        themselves; kinformer stops the informers too.
        """
        with self._lock:
            self._shutting_down = True
            started = [self._informers[k] for k in self._started]
        for informer in started:
            informer.stop()
