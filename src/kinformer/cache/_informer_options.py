"""Options shared by both informer drivers, and the queue they build (spec D-31, 0.4).

Kept apart from the drivers so that the threads and asyncio informers build their queue,
indexer and reflector options the same way.
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal, final

from .._clock import Clock, RealClock
from ._codec import JSONCodec
from ._fifo import DeltaFIFO
from ._indexer import NAMESPACE_INDEX, Indexer, IndexFunc, meta_namespace_index_func
from ._informer import HandlerRegistration, InformerCore
from ._listers import Lister
from ._real_fifo import RealFIFO
from ._reflector import DEFAULT_STALL_TIMEOUT, ReflectorCounters, ReflectorOptions

__all__ = [
    "InformerBase",
    "InformerOptions",
    "QueueMode",
    "build_queue",
    "new_indexer",
    "strip_managed_fields",
]

QueueMode = Literal["delta_fifo", "in_order"]
"""``"delta_fifo"``: the founding document's DeltaFIFO (client-go mode D, the default);
``"in_order"``: the in-order FIFO client-go informers use since 1.33 (mode A of 1.36: one
``ReplacedAll`` per relist, ``SyncAll`` per resync, bookmarks reach the store)."""

QUEUE_MODES: Final = ("delta_fifo", "in_order")

Transform = Callable[[Any], Any]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class InformerOptions:
    """How an informer lists, watches and queues; every field has client-go's default.

    Attributes:
        queue: see :data:`QueueMode`.
        page_size: LIST page size that wins over the reflector's own rules (A-16); 0 = auto.
        use_watch_list: stream the initial list with ``sendInitialEvents`` (A-50 …).
        stall_timeout: seconds without an event or bookmark before a watch is re-opened.
        min_watch_timeout: the lower bound of the random watch ``timeoutSeconds``.
        gc_freeze: keep Python's cyclic garbage collector off the cache (on by default): the
            collector is paused while a list is fetched and stored, and what exists is then
            moved to its permanent generation (:func:`gc.freeze`), again every 1,000 watch
            events. A cache of 100k pods is ~3M tracked containers; without this the
            collector's full collections take half the sync time and most of the CPU per event
            (measured, benchmarks/README.md). API objects have no cycles and are still freed by
            reference counting; cyclic garbage already old at a freeze is never collected. It is
            process-wide (see :mod:`kinformer.cache._gc`): turn it off if your process relies
            on collecting long-lived reference cycles.
        detect_mutations: the mutation detector (client-go ``KUBE_CACHE_MUTATION_DETECTOR``,
            D-57): each object given to ``on_add``/``on_update`` is copied before the call
            and compared after it; a handler that changed it is logged as an error and the
            object is restored in place. Costs a deep copy per notification: for tests and
            debugging. Defaults to the environment variable
            ``KINFORMER_CACHE_MUTATION_DETECTOR`` (or ``KUBE_CACHE_MUTATION_DETECTOR``) being
            ``true``.
        compact: keep the cache's objects as compact JSON bytes (``JSONCodec``) instead of
            dicts: about 1.1x the JSON size per object instead of 4.8x, for one JSON decode
            per object read (``get``, ``list``, ``by_index``, listers; each read returns a new
            object, so handlers and controllers cannot corrupt the cache).
    """

    queue: QueueMode = "delta_fifo"
    page_size: int = 0
    use_watch_list: bool = False
    stall_timeout: float | None = DEFAULT_STALL_TIMEOUT
    min_watch_timeout: float = 300.0
    gc_freeze: bool = True
    detect_mutations: bool = dataclasses.field(default_factory=lambda: mutation_detector_from_env())
    compact: bool = False

    def __post_init__(self) -> None:
        if self.queue not in QUEUE_MODES:
            raise ValueError(f"queue must be one of {QUEUE_MODES}, not {self.queue!r}")

    def reflector_options(
        self, *, name: str, resync_period: float, should_resync: Callable[[], bool]
    ) -> ReflectorOptions:
        """The reflector's options for an informer named ``name``."""
        return ReflectorOptions(
            name=name,
            resync_period=resync_period,
            should_resync=should_resync,
            page_size=self.page_size,
            use_watch_list=self.use_watch_list,
            stall_timeout=self.stall_timeout,
            min_watch_timeout=self.min_watch_timeout,
        )


def mutation_detector_from_env(environ: Mapping[str, str] | None = None) -> bool:
    """Whether the environment turns the mutation detector on (``true``, any case)."""
    env = os.environ if environ is None else environ
    for name in ("KINFORMER_CACHE_MUTATION_DETECTOR", "KUBE_CACHE_MUTATION_DETECTOR"):
        if env.get(name, "").strip().lower() == "true":
            return True
    return False


def new_indexer(indexers: Mapping[str, IndexFunc] | None, *, compact: bool = False) -> Indexer[Any]:
    """An informer's indexer: the ``namespace`` index plus ``indexers`` (spec E-3, D-30).

    ``compact`` stores the objects encoded with a :class:`~kinformer.cache._codec.JSONCodec`.
    """
    all_indexers: dict[str, IndexFunc] = {NAMESPACE_INDEX: meta_namespace_index_func}
    if indexers:
        all_indexers.update(indexers)
    return Indexer(indexers=all_indexers, codec=JSONCodec() if compact else None)


def build_queue(
    mode: QueueMode, indexer: Indexer[Any], transform: Transform | None
) -> DeltaFIFO | RealFIFO:
    """The informer's queue (spec D-31): known objects = the indexer, Replaced deltas emitted."""
    if mode == "in_order":
        return RealFIFO(atomic=True, transformer=transform)
    return DeltaFIFO(known_objects=indexer, emit_delta_type_replaced=True, transformer=transform)


def strip_managed_fields(obj: Any) -> Any:
    """A ready transform: drop ``metadata.managedFields`` (often half of an object's size).

    Idempotent, as transforms must be (spec A-52). Returns a shallow copy of the object and
    of its metadata, so a caller's dict is never changed in place.
    """
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict) and "managedFields" in meta:
            obj = copy.copy(obj)
            meta = dict(meta)
            del meta["managedFields"]
            obj["metadata"] = meta
    return obj


class InformerBase:
    """State and configuration both informer drivers share (spec D-30 … D-37).

    Subclasses set ``self._reflector`` when they start and implement the lifecycle.
    """

    _reflector: Any

    def __init__(
        self,
        *,
        resync_period: float,
        indexers: Mapping[str, IndexFunc] | None,
        options: InformerOptions | None,
        name: str,
        resource: str,
        group: str,
        clock: Clock | None,
    ) -> None:
        self._options = options if options is not None else InformerOptions()
        self._name = name
        self._clock: Clock = clock if clock is not None else RealClock()
        self._indexer = new_indexer(indexers, compact=self._options.compact)
        self._lister: Lister[Any] = Lister(self._indexer, resource=resource, group=group)
        self._queue: DeltaFIFO | RealFIFO | None = None
        self._core = InformerCore(
            self._indexer, resync_period=resync_period, is_synced=self._queue_synced
        )
        self._transform: Transform | None = None
        self._watch_error_handler: Callable[[BaseException], object] | None = None
        self._reflector = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._name} objects={len(self._indexer)} synced={self.has_synced}>"

    @property
    def name(self) -> str:
        """The informer's name (logs, metrics, the demo)."""
        return self._name

    @property
    def indexer(self) -> Indexer[Any]:
        """The cache. Read it; writing to it bypasses notifications (D-35)."""
        return self._indexer

    @property
    def lister(self) -> Lister[Any]:
        """A :class:`~kinformer.cache.Lister` over the cache."""
        return self._lister

    @property
    def has_synced(self) -> bool:
        """True once the initial list was processed into the cache (D-32)."""
        return self._queue_synced()

    @property
    def last_sync_resource_version(self) -> str:
        """The reflector's last resourceVersion; "" before start (D-37)."""
        reflector = self._reflector
        return str(reflector.last_sync_resource_version) if reflector is not None else ""

    @property
    def counters(self) -> ReflectorCounters | None:
        """What the reflector did so far (lists, watches, events, relists, errors), once started."""
        reflector = self._reflector
        return reflector.counters if reflector is not None else None

    @property
    def is_stopped(self) -> bool:
        """True once stopped; no handler can be added any more (D-33)."""
        return self._core.stopped

    @property
    def registrations(self) -> list[HandlerRegistration]:
        """The current handler registrations (their ``backlog`` shows slow handlers)."""
        return self._core.registrations

    def _queue_synced(self) -> bool:
        queue = self._queue
        return queue is not None and queue.has_synced

    def set_transform(self, transform: Transform | None) -> None:
        """Transform objects before they enter the queue and the cache (before start only, D-34).

        :func:`strip_managed_fields` is a ready one. A transform must be idempotent (A-52).
        """
        self._before_start("set_transform")
        self._transform = transform

    def set_watch_error_handler(self, handler: Callable[[BaseException], object] | None) -> None:
        """Called with list failures and non-retriable watch-open failures (before start, D-34)."""
        self._before_start("set_watch_error_handler")
        self._watch_error_handler = handler

    def add_indexers(self, indexers: Mapping[str, IndexFunc]) -> None:
        """Add indexes, also after start; rejected whole on a name clash (D-36, C-18)."""
        if self._core.stopped:
            raise RuntimeError("indexer was not added because it has stopped already")
        self._indexer.add_indexers(indexers)

    def remove_event_handler(self, registration: HandlerRegistration) -> None:
        """Unregister; idempotent; undelivered notifications are dropped (D-46)."""
        self._core.unregister(registration)

    def _before_start(self, what: str) -> None:
        if self._core.started:
            raise RuntimeError(f"{what}: informer has already started")

    def _reflector_options(self) -> ReflectorOptions:
        core, clock = self._core, self._clock
        return self._options.reflector_options(
            name=self._name,
            resync_period=core.resync_check_period,
            should_resync=lambda: core.should_resync(clock.now()),
        )
