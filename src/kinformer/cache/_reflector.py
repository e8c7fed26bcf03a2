"""The Reflector's decision core: client-go's list/watch policy as a pure state machine.

Mirrors ``tools/cache/reflector.go`` (``ListAndWatch``, ``list``, ``watch``, ``watchList``,
``handleAnyWatch``, ``startResync``), ``tools/pager/pager.go`` (``ListPager.List``) and
``retry_with_deadline.go``, at client-go v0.36 (spec section A). No I/O, threads, sleeps or
clock reads: the driver passes ``now`` in, randomness comes from an injected
:class:`random.Random`, and the machine answers with the next request to make.

The driver loop (the threads and asyncio drivers are this, plus their way of sleeping and
cancelling)::

    while True:
        match machine.next_action(clock.now()):
            case ListPage() as page:      # page.resource_version, .limit, .continue_token, ...
                try: result = lw.list(page)
                except Exception as error: machine.on_error(error, clock.now())
                else: machine.on_list(result, clock.now())
            case OpenWatch() as request:  # .resource_version, .timeout_seconds, ...
                try:
                    with lw.watch(request) as events:
                        machine.on_watch_opened(clock.now())
                        for event in events:   # meanwhile a timer calls on_watch_tick at watch_tick_due
                            if machine.on_event(event.type, event.object) and not machine.on_watch_tick(clock.now()):
                                break
                except Exception as error: machine.on_error(error, clock.now())
                else: machine.on_watch_closed(clock.now())
            case Sleep(seconds): wait(seconds)        # interrupted by stop()
            case HandleWatchError(error): handler(error)
            case Stop(): return

Why the machine calls the store itself. Every watch event passes through :meth:`on_event`,
so it must be cheap: it reads ``metadata.resourceVersion``, calls ``store.add`` /
``update`` / ``delete`` (or ``bookmark``), assigns the RV, bumps two counters and returns
``False`` — no action object, no enum the driver would have to dispatch on a second time. The
store is an in-memory structure (the DeltaFIFO or the in-order FIFO), not I/O, and letting the
machine own it keeps in one place, and out of both drivers, every rule about the store:
store errors logged and ignored (A-26), ``replace`` after a list or a watch-list and what its
failure means (A-13, A-51), the optional ``bookmark``/``update_resource_version`` hooks, the
watch-list temporary store (A-50) and the resync timer (A-64 … A-66).

Timers while a stream is open. A driver cannot sleep while it waits for the next event, so the
machine exposes :attr:`ReflectorMachine.watch_tick_due`: while a stream is open the driver
calls :meth:`ReflectorMachine.on_watch_tick` at (or after) that time — from a timer task, or a
timer thread holding the same lock as the reader (the machine is not thread-safe, except
:meth:`ReflectorMachine.stop`). Ticks run the resync timer and the stall detector. When
``on_event`` returns ``True`` the driver must tick at once (the machine needs the time, or
wants the stream closed); when ``on_watch_tick`` returns ``False`` the driver closes the
stream and reports how it ended as usual.

Invariants: exactly one outcome is awaited at a time (``_awaiting``); ``last_sync_resource_version``
changes only on a successful list or watch-list ``replace``, or on a processed watch event
(frozen on an RV ""/"0" watch until the first non-ADDED event, A-25); the error handler
receives only list failures, ``replace`` failures and non-retriable watch-open failures (A-34).
"""

from __future__ import annotations

import enum
import logging
import math
import random
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol, TypeAlias, final

from kinformer._errors import (
    ApiError,
    KinformerError,
    RefusedConnectionError,
    is_expired,
    is_internal_error,
    is_too_large_resource_version,
    is_too_many_requests,
)
from kinformer._objects import deletion_handling_meta_namespace_key
from kinformer.cache._backoff import (
    DEFAULT_BACKOFF_RESET,
    REFLECTOR_BACKOFF,
    Backoff,
    BackoffDelay,
)
from kinformer.cache._pager import ListPage, ListPager, PagerResult, UnsupportedListError

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "DEFAULT_STALL_TIMEOUT",
    "INITIAL_EVENTS_END_ANNOTATION",
    "MIN_WATCH_TIMEOUT",
    "STOP",
    "HandleWatchError",
    "ListPage",
    "OpenWatch",
    "ReflectorAction",
    "ReflectorCounters",
    "ReflectorMachine",
    "ReflectorOptions",
    "ReflectorStore",
    "Sleep",
    "Stop",
    "UnexpectedWatchObjectError",
    "UnsupportedListError",
    "VeryShortWatchError",
    "default_watch_error_handler",
]

logger = logging.getLogger("kinformer.reflector")

MIN_WATCH_TIMEOUT: Final = 300.0
"""``defaultMinWatchTimeout`` (5 min); watch ``timeoutSeconds`` is drawn from [min, 2·min)."""

DEFAULT_PAGE_SIZE: Final = 500
"""``tools/pager`` ``defaultPageSize``.

https://github.com/kubernetes/client-go/blob/v0.36.0/tools/pager/pager.go
"""

VERY_SHORT_WATCH: Final = 1.0
"""A stream that ends sooner than this after its request, with no event, is an error (A-27)."""

INTERNAL_ERROR_RESET_PERIOD: Final = 60.0
"""``RetryWithDeadline``'s ``minResetPeriod`` used by the reflector (A-33)."""

DEFAULT_STALL_TIMEOUT: Final = 120.0
"""Default seconds without any event or bookmark after which a watch counts as stalled.

The watch cache sends a bookmark about every 60 s to every watcher that asked for them, and one
about 2 s before ``timeoutSeconds`` ends (golden transcript 05b: at 59.7 s and 73.5 s of a 75 s
watch). Two bookmark periods tolerate one late or lost bookmark (they are best effort) and still
catch a dead stream long before the server-side timeout of 300 to 600 s — which never reaches the
client at all on a half-open TCP connection. The cure is a cheap re-watch from the last RV (no
relist), so a false positive, e.g. a server that sends no bookmarks on a quiet resource, costs
one watch request every two minutes.
"""

INITIAL_EVENTS_END_ANNOTATION: Final = "k8s.io/initial-events-end"
"""The annotation of the BOOKMARK that ends a watch-list's initial events (A-26, A-50)."""

_TABLE_API_VERSIONS: Final = frozenset({"meta.k8s.io/v1", "meta.k8s.io/v1beta1"})

ADDED: Final = "ADDED"
MODIFIED: Final = "MODIFIED"
DELETED: Final = "DELETED"
BOOKMARK: Final = "BOOKMARK"
ERROR: Final = "ERROR"


# --------------------------------------------------------------------------------------------
# The store it feeds, errors it makes up


class ReflectorStore(Protocol):
    """What a reflector writes to (client-go ``ReflectorStore``); DeltaFIFO and RealFIFO fit.

    Optional extras, detected once at construction: ``bookmark(resource_version)`` (called on
    BOOKMARK events, A-26), ``update_resource_version(resource_version)`` (called after every
    processed event, client-go ``ResourceVersionUpdater``), and a ``transformer`` attribute (a
    callable or None; the watch-list temporary store applies it, A-50, A-52). Expected failures
    are :class:`KinformerError` subclasses (``KeyFuncError`` …); anything else propagates.
    """

    def add(self, obj: Any) -> None:
        """A watch ADDED event."""
        ...

    def update(self, obj: Any) -> None:
        """A watch MODIFIED event."""
        ...

    def delete(self, obj: Any) -> None:
        """A watch DELETED event, with the object's final state."""
        ...

    def replace(self, objects: list[Any], resource_version: str) -> None:
        """The whole content after a list or a watch-list, at ``resource_version``."""
        ...

    def resync(self) -> None:
        """A resync tick (A-64)."""
        ...


class VeryShortWatchError(KinformerError):
    """A watch closed less than a second after its request without any event (A-27)."""

    def __init__(self, name: str) -> None:
        super().__init__(
            f"very short watch: {name}: Unexpected watch close - "
            "watch lasted less than a second and no items received"
        )


class UnexpectedWatchObjectError(KinformerError):
    """An ERROR watch event whose object is not a ``Status`` (apimachinery ``FromObject``)."""


def default_watch_error_handler(error: BaseException, *, name: str = "reflector") -> None:
    """client-go ``DefaultWatchErrorHandler`` (A-11): log, never stop the reflector.

    Expired/Gone errors are logged at debug level, ``EOFError`` not at all, anything else as
    an error ("Failed to watch").
    """
    if is_expired(error):
        logger.debug("%s: watch closed with expired resource version: %s", name, error)
    elif not isinstance(error, EOFError):
        logger.error("%s: Failed to watch: %s", name, error)


# --------------------------------------------------------------------------------------------
# Actions the machine asks for


@final
@dataclass(frozen=True, slots=True)
class OpenWatch:
    """Open a watch stream (A-24), or a watch-list stream (A-50: ``send_initial_events``).

    Attributes:
        resource_version: ``resourceVersion`` ("" = not sent).
        timeout_seconds: ``timeoutSeconds``, random in [min, 2·min) (section 1).
        allow_watch_bookmarks: ``allowWatchBookmarks``; always True, as in client-go.
        send_initial_events: ``sendInitialEvents=true`` (watch-list mode only).
        resource_version_match: "NotOlderThan" in watch-list mode, else "" (not sent).
    """

    resource_version: str
    timeout_seconds: int
    allow_watch_bookmarks: bool = True
    send_initial_events: bool = False
    resource_version_match: str = ""


@final
@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` (a backoff delay, or until the next resync), then ask again."""

    seconds: float


@final
@dataclass(frozen=True, slots=True)
class HandleWatchError:
    """Call the watch error handler with ``error`` (A-7, A-11, A-34)."""

    error: BaseException


@final
@dataclass(frozen=True, slots=True)
class Stop:
    """The reflector was stopped: the driver returns."""


STOP: Final = Stop()

ReflectorAction: TypeAlias = ListPage | OpenWatch | Sleep | HandleWatchError | Stop


# --------------------------------------------------------------------------------------------
# Options and counters


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ReflectorOptions:
    """The reflector's knobs (client-go ``ReflectorOptions`` and ``Reflector`` fields).

    Attributes:
        name: used in messages (``VeryShortWatchError``, logs).
        resync_period: seconds between ``store.resync()`` calls during the watch phase; 0
            disables them (A-64).
        should_resync: consulted at every resync tick; ``None`` means always (A-64).
        page_size: client-go ``WatchListPageSize``: a LIST page size that wins over every
            other rule of A-16; 0 lets the reflector choose.
        min_watch_timeout: honoured only above 300 s; ``timeoutSeconds`` is drawn from
            [min, 2·min) (section 1).
        max_internal_error_retry_duration: ``MaxInternalErrorRetryDuration`` (A-33); 0 (the
            default) never re-watches immediately after an internal error.
        backoff: the delay schedule between ListAndWatch iterations and before retriable
            re-watches (A-8, A-10).
        use_watch_list: stream the initial state with ``sendInitialEvents`` instead of LIST
            (A-50 … A-60). client-go turns this on by default since 1.35 (``WatchListClient``
            gate, on in 1.36). kinformer keeps it opt-in: a server that refuses
            ``sendInitialEvents`` (422, feature off, older versions, some proxies) costs one
            failed request before the LIST fallback at *every* relist (A-53, A-55); the
            transformer then runs twice on the initial objects and must be idempotent (A-52),
            a contract users of the default pipeline should not have to know; and the
            default informer queue is the founding document's DeltaFIFO, whose documented
            behaviour is LIST + WATCH. Turn it on against servers known to support it.
        stall_timeout: beyond client-go: seconds without any event or bookmark after which an
            open watch is abandoned and re-opened from the last RV (no relist). ``None``
            disables it. See :data:`DEFAULT_STALL_TIMEOUT` for the default's rationale. To keep
            clock reads off the per-event path, ticks every ``stall_timeout / 4`` compare event
            counts: a stall is declared between ``stall_timeout`` and ``1.25 * stall_timeout``
            after the last event, never earlier.
        expected_gvk: ``(apiVersion, kind)``: events whose object has another apiVersion or
            kind are dropped (A-4); ``None`` (dynamic informers) disables the check.
    """

    name: str = "reflector"
    resync_period: float = 0.0
    should_resync: Callable[[], bool] | None = None
    page_size: int = 0
    min_watch_timeout: float = MIN_WATCH_TIMEOUT
    max_internal_error_retry_duration: float = 0.0
    backoff: Backoff = REFLECTOR_BACKOFF
    use_watch_list: bool = False
    stall_timeout: float | None = DEFAULT_STALL_TIMEOUT
    expected_gvk: tuple[str, str] | None = None


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ReflectorCounters:
    """What the reflector did so far (beyond client-go; the demo and metrics read it).

    Attributes:
        iterations: ListAndWatch iterations started (the first sync included).
        lists: LISTs whose result replaced the store (all pages of one list count once).
        list_pages: LIST requests sent (every page, every retry).
        full_list_fallbacks: pager fallbacks after an expired continue token (A-18).
        watches_requested: watch requests sent (watch-list ones included).
        watches_opened: streams established.
        watch_lists: watch-lists that reached their initial-events-end bookmark.
        watch_list_fallbacks: watch-list attempts that fell back to LIST (A-53).
        events: processed events by type (``ADDED``, ``MODIFIED``, ``DELETED``, ``BOOKMARK``,
            unknown types under their own name).
        skipped_events: events dropped for a missing metadata or an unexpected kind (A-4).
        resyncs: ``store.resync()`` calls.
        stalls: streams abandoned by the stall detector.
        relists: ListAndWatch iterations ended, by reason: ``list-error``,
            ``replace-error``, ``watch-open-error``, ``watch-expired``, ``watch-error``,
            ``very-short-watch``, ``resync-error``.
        errors: errors reported to the machine, by kind (an API status reason, the HTTP code
            when there is none, else the exception's class name).
        sleeps: backoff delays taken.
    """

    iterations: int
    lists: int
    list_pages: int
    full_list_fallbacks: int
    watches_requested: int
    watches_opened: int
    watch_lists: int
    watch_list_fallbacks: int
    events: Mapping[str, int]
    skipped_events: int
    resyncs: int
    stalls: int
    relists: Mapping[str, int]
    errors: Mapping[str, int]
    sleeps: int


# --------------------------------------------------------------------------------------------
# The machine


class _Next(enum.Enum):
    ITERATION = "start a ListAndWatch iteration"
    LIST = "send the pending list page request"
    WATCH = "open a watch (watch phase)"
    WATCH_LIST = "open a watch-list stream"


class _Await(enum.Enum):
    NOTHING = "nothing"
    LIST = "a list outcome"
    WATCH_OPEN = "a watch-open outcome"
    STREAM = "stream events and the stream's end"


# Modes of on_event: 0 is the fast path, so that ``if self._mode:`` is the only extra test.
_FAST: Final = 0
_INITIAL: Final = 1
_CLOSED: Final = 2


def _error_kind(error: BaseException) -> str:
    if isinstance(error, ApiError):
        return error.reason or f"HTTP {error.code}"
    return type(error).__name__


def _is_retriable_open_error(error: BaseException) -> bool:
    """``isWatchErrorRetriable``: connection refused, or 429 (A-46)."""
    return isinstance(error, RefusedConnectionError) or is_too_many_requests(error)


def _error_from_event(obj: Any) -> BaseException:
    """apimachinery ``FromObject`` for an ERROR event's object (A-26)."""
    if (
        isinstance(obj, Mapping)
        and obj.get("kind") == "Status"
        and obj.get("apiVersion") in ("v1", "meta.k8s.io/v1")
    ):
        return ApiError.from_status(obj)
    return UnexpectedWatchObjectError(f"unexpected watch event object: {str(obj)[:200]}")


@final
class ReflectorMachine:
    """client-go's Reflector as a state machine: which request next, and what each outcome means.

    Contract. Call :meth:`next_action` to learn the next request; report its outcome with
    exactly one of :meth:`on_list` / :meth:`on_error` (LIST), :meth:`on_watch_opened` or
    :meth:`on_error` (watch request), then :meth:`on_event` per event and finally
    :meth:`on_watch_closed` or :meth:`on_error` (open stream). Reporting an outcome nobody
    asked for raises :class:`RuntimeError`; after :meth:`stop` every report is ignored
    (an in-flight result is discarded, A-21, A-28) and ``next_action`` returns :data:`STOP`.

    What it decides (spec section A): the RV and page size of every list (A-14 … A-20), the
    pager and its narrow fallback (A-17, A-18), watch options (A-24), per-event store calls
    and RV tracking (A-25, A-26), the three watch outcomes and the internal-error retry
    window (A-27, A-30 … A-33), what reaches the error handler (A-7, A-34), the backoff
    between every iteration (A-6, A-8 … A-10), watch-list streaming (A-50 … A-60), the resync
    timer (A-64 … A-66), and, beyond client-go, stall detection and counters.

    Not thread-safe: one driver thread or task calls it (a timer thread must share the
    reader's lock). :meth:`stop` alone may be called from anywhere.

    Invariants (asserted after every step by the tests' harness): ``_mode`` is not
    ``_CLOSED`` only while ``_awaiting`` is ``STREAM``; ``_in_initial`` (a watch-list attempt
    in progress) and ``_in_watch_phase`` are never both true; ``_resync_due`` is ``inf``
    outside the watch phase; a pending ``_report`` always has a backoff after it
    (``_backoff_pending``); ``_temp`` is empty outside a watch-list attempt; the sticky
    ``_paginated_result`` never goes back to False.
    """

    __slots__ = (
        "_add",
        "_awaiting",
        "_backoff",
        "_backoff_pending",
        "_bookmark",
        "_candidate_rv",
        "_counts",
        "_delete",
        "_empty_stalls",
        "_errors",
        "_expected_gvk",
        "_ie_first",
        "_ie_last",
        "_in_initial",
        "_in_watch_phase",
        "_last_resync_failure",
        "_last_sync_rv",
        "_list_original_rv",
        "_list_retried",
        "_min_watch_timeout",
        "_mode",
        "_n_added",
        "_n_bookmarks",
        "_n_deleted",
        "_n_modified",
        "_next",
        "_next_stall_check",
        "_opts",
        "_other_events",
        "_page_size",
        "_pager",
        "_paginated_result",
        "_phase_start_pending",
        "_progress_at",
        "_progress_count",
        "_relists",
        "_report",
        "_resync_due",
        "_resync_error",
        "_rng",
        "_rv_frozen",
        "_rv_unavailable",
        "_stalled",
        "_stopped",
        "_store",
        "_stream_error",
        "_stream_events",
        "_temp",
        "_transformer",
        "_update",
        "_update_rv",
        "_wake_at",
        "_watch_started",
    )

    def __init__(
        self,
        store: ReflectorStore,
        *,
        now: float,
        options: ReflectorOptions | None = None,
        rng: random.Random | None = None,
    ) -> None:
        """Create a machine that will feed ``store``.

        Args:
            store: the target store (A-1).
            now: the current time: the backoff's first reset time (A-9).
            options: the knobs; defaults are client-go's.
            rng: the source of jitter and watch timeouts; a fresh ``random.Random()`` if None.
        """
        opts = options if options is not None else ReflectorOptions()
        self._opts = opts
        self._rng = rng if rng is not None else random.Random()
        self._backoff = BackoffDelay(
            opts.backoff, reset_interval=DEFAULT_BACKOFF_RESET, rng=self._rng, now=now
        )
        self._min_watch_timeout = max(opts.min_watch_timeout, MIN_WATCH_TIMEOUT)
        self._expected_gvk = opts.expected_gvk
        self._store = store
        self._add = store.add
        self._update = store.update
        self._delete = store.delete
        bookmark = getattr(store, "bookmark", None)
        update_rv = getattr(store, "update_resource_version", None)
        transformer = getattr(store, "transformer", None)
        self._bookmark: Callable[[str], object] | None = bookmark if callable(bookmark) else None
        self._update_rv: Callable[[str], object] | None = update_rv if callable(update_rv) else None
        self._transformer: Callable[[Any], Any] | None = (
            transformer if callable(transformer) else None
        )
        # A-2 state.
        self._last_sync_rv = ""
        self._rv_unavailable = False
        self._paginated_result = False
        # Control: what is awaited, what comes next, what to report, when to wake.
        self._stopped = False
        self._awaiting = _Await.NOTHING
        self._next = _Next.ITERATION
        self._report: BaseException | None = None
        self._backoff_pending = False
        self._wake_at = -math.inf
        # One reflector list(): its original RV, its page size, the A-19 retry, the pager.
        self._list_original_rv = ""
        self._list_retried = False
        self._page_size = 0
        self._pager = ListPager(resource_version="", page_size=0)
        # Watch phase: resync timer, internal-error retry window.
        self._in_watch_phase = False
        self._resync_due = math.inf
        self._resync_error: KinformerError | None = None
        self._last_resync_failure: KinformerError | None = None
        self._ie_first: float | None = None
        self._ie_last = -math.inf
        # The open stream.
        self._mode = _CLOSED
        self._rv_frozen = False
        self._watch_started = 0.0
        self._stream_events = 0
        self._stream_error: BaseException | None = None
        self._stalled = False
        self._empty_stalls = 0
        self._progress_count = 0
        self._progress_at = 0.0
        self._next_stall_check = math.inf
        self._phase_start_pending = False
        # Watch-list.
        self._in_initial = False
        self._temp: dict[str, Any] = {}
        self._candidate_rv = ""
        # Counters.
        self._n_added = 0
        self._n_modified = 0
        self._n_deleted = 0
        self._n_bookmarks = 0
        self._other_events: Counter[str] = Counter()
        self._relists: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()

    # ---------------------------------------------------------------- state read by drivers

    @property
    def last_sync_resource_version(self) -> str:
        """The RV of the last list, watch-list or processed event; "" before the first sync (A-5)."""
        return self._last_sync_rv

    @property
    def is_last_sync_resource_version_unavailable(self) -> bool:
        """True after a list or watch-list failed with expired / too-large RV (A-19, A-53)."""
        return self._rv_unavailable

    @property
    def paginated_result(self) -> bool:
        """Sticky: an RV="0" list came back paginated, so relists keep paging (A-20)."""
        return self._paginated_result

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._stopped

    @property
    def watch_tick_due(self) -> float:
        """When the driver must call :meth:`on_watch_tick` next; ``inf`` if no stream is open."""
        if self._awaiting is not _Await.STREAM:
            return math.inf
        if self._in_watch_phase:
            return min(self._next_stall_check, self._resync_due)
        return self._next_stall_check

    @property
    def resync_due(self) -> float:
        """When the next resync tick is due; ``inf`` outside the watch phase or without resync."""
        return self._resync_due if self._in_watch_phase else math.inf

    def counters(self) -> ReflectorCounters:
        """A snapshot of the counters."""
        counts = self._counts
        return ReflectorCounters(
            iterations=counts["iterations"],
            lists=counts["lists"],
            list_pages=counts["list_pages"],
            full_list_fallbacks=counts["full_list_fallbacks"],
            watches_requested=counts["watches_requested"],
            watches_opened=counts["watches_opened"],
            watch_lists=counts["watch_lists"],
            watch_list_fallbacks=counts["watch_list_fallbacks"],
            events=self._event_counts(),
            skipped_events=counts["skipped_events"],
            resyncs=counts["resyncs"],
            stalls=counts["stalls"],
            relists=dict(self._relists),
            errors=dict(self._errors),
            sleeps=counts["sleeps"],
        )

    def _event_counts(self) -> dict[str, int]:
        counts = {
            ADDED: self._n_added,
            MODIFIED: self._n_modified,
            DELETED: self._n_deleted,
            BOOKMARK: self._n_bookmarks,
        }
        counts.update(self._other_events)
        return {event_type: n for event_type, n in counts.items() if n}

    # ---------------------------------------------------------------- the driver's questions

    def next_action(self, now: float) -> ReflectorAction:
        """The next thing the driver must do (never called while an outcome is awaited)."""
        if self._stopped:
            return STOP
        if self._awaiting is not _Await.NOTHING:
            raise RuntimeError(f"next_action() called while awaiting {self._awaiting.value}")
        if self._report is not None:
            error, self._report = self._report, None
            return HandleWatchError(error)
        if self._backoff_pending:
            # Computed after the handler ran, as wait.BackoffUntil does (sliding, A-6).
            self._backoff_pending = False
            self._counts["sleeps"] += 1
            self._wake_at = now + self._backoff.next_delay(now)
        if now < self._wake_at:
            wake = self._wake_at
            if self._in_watch_phase:
                self._run_resync_timer(now)
                wake = min(wake, self._resync_due)
            return Sleep(wake - now)
        if self._next is _Next.ITERATION:
            self._begin_iteration()
        if self._next is _Next.LIST:
            self._awaiting = _Await.LIST
            self._counts["list_pages"] += 1
            return self._pager.request
        if self._next is _Next.WATCH_LIST:
            return self._open_watch_list(now)
        self._run_resync_timer(now)
        if self._resync_error is not None:
            # A-66 with no stream open: client-go's next stream would end with it at once.
            error, self._resync_error = self._resync_error, None
            self._watch_phase_failed(error, now)
            return self.next_action(now)
        return self._open_watch(now)

    def stop(self) -> None:
        """Stop: ``next_action`` returns :data:`STOP`, in-flight outcomes are discarded.

        Safe to call from any thread; the driver still has to interrupt its own wait.
        """
        self._stopped = True
        self._mode = _CLOSED

    # ---------------------------------------------------------------- LIST outcomes

    def on_list(self, page: Mapping[str, Any], now: float) -> None:
        """A LIST page arrived: a list object (``metadata.resourceVersion``, ``items`` …)."""
        if self._stopped:
            return
        self._expect(_Await.LIST)
        self._awaiting = _Await.NOTHING
        try:
            result = self._pager.on_page(page)
        except UnsupportedListError as error:
            self._list_failed(error, now)
            return
        if result is not None:
            self._list_done(result, now)

    # ---------------------------------------------------------------- watch outcomes

    def on_watch_opened(self, now: float) -> None:
        """The watch request succeeded: events follow."""
        if self._stopped:
            return
        self._expect(_Await.WATCH_OPEN)
        self._awaiting = _Await.STREAM
        self._counts["watches_opened"] += 1
        self._stream_events = 0
        self._stream_error = None
        self._stalled = False
        self._phase_start_pending = False
        self._progress_count = 0
        self._progress_at = now
        self._next_stall_check = self._stall_check_after(now)
        self._mode = _INITIAL if self._in_initial else _FAST

    def on_event(self, event_type: str, obj: Any) -> bool:
        """One watch event (A-26). Hot path: no action object, no clock read.

        Returns:
            True when the driver must call :meth:`on_watch_tick` before reading on (which
            then says whether to keep reading); False normally.
        """
        if self._mode:
            return self._on_special_event(event_type, obj)
        try:
            metadata = obj["metadata"]
            resource_version = metadata.get("resourceVersion", "")
        except (KeyError, TypeError, AttributeError):
            return self._skip(event_type, obj)
        if self._expected_gvk is not None and not self._has_expected_gvk(obj):
            return self._skip(event_type, obj, "of an unexpected kind")
        # Plain int slots, not a Counter (a Counter increment costs ~4x a slot increment), and
        # string literals, not the module constants (a global lookup per comparison).
        try:
            if event_type == "MODIFIED":
                self._n_modified += 1
                self._update(obj)
            elif event_type == "ADDED":
                self._n_added += 1
                self._add(obj)
            elif event_type == "DELETED":
                self._n_deleted += 1
                self._delete(obj)
            elif event_type == "BOOKMARK":
                self._n_bookmarks += 1
                if self._bookmark is not None:
                    self._bookmark(resource_version)
            elif event_type == "ERROR":
                return self._end_stream_with(_error_from_event(obj))
            else:
                self._unknown_event(event_type)
        except KinformerError as error:
            logger.error("%s: store refused a %s event: %s", self._opts.name, event_type, error)
        self._stream_events += 1
        if self._rv_frozen:
            if event_type == "ADDED":
                return False
            self._rv_frozen = False
        self._last_sync_rv = resource_version
        if self._update_rv is not None:
            self._update_rv(resource_version)
        return False

    def on_watch_tick(self, now: float) -> bool:
        """Timers of an open stream (resync, stall); False: close the stream, then report its end.

        Also False when no stream is open (a late timer tick must not keep anything alive).
        """
        if self._mode == _CLOSED:
            return False
        if self._phase_start_pending:
            # The watch-list synced: its stream becomes the watch phase's first stream.
            self._phase_start_pending = False
            self._enter_watch_phase(now)
            self._watch_started = now
            self._stream_events = 0
            self._progress_count = 0
            self._progress_at = now
            self._next_stall_check = self._stall_check_after(now)
        self._run_resync_timer(now)
        if self._resync_error is not None:
            error, self._resync_error = self._resync_error, None
            self._end_stream_with(error)
            return False
        stall_timeout = self._opts.stall_timeout
        if stall_timeout is not None and now >= self._next_stall_check:
            if self._stream_events != self._progress_count:
                self._progress_count = self._stream_events
                self._progress_at = now
            elif now - self._progress_at >= stall_timeout:
                logger.warning(
                    "%s: no watch event or bookmark for %.0f s: re-watching",
                    self._opts.name,
                    now - self._progress_at,
                )
                self._counts["stalls"] += 1
                self._stalled = True
                self._mode = _CLOSED
                return False
            self._next_stall_check = self._stall_check_after(now)
        return True

    def on_watch_closed(self, now: float) -> None:
        """The stream ended without an exception (server timeout, EOF, or closed on request)."""
        if self._stopped:
            return
        self._expect(_Await.STREAM)
        self._awaiting = _Await.NOTHING
        self._mode = _CLOSED
        if self._stalled:
            self._after_stall()
        elif self._stream_error is not None:
            self._stream_failed(self._stream_error, now)
        elif now - self._watch_started < VERY_SHORT_WATCH and self._stream_events == 0:
            self._stream_failed(VeryShortWatchError(self._opts.name), now)
        elif self._in_initial:
            # no initial-events-end bookmark: silently start a new attempt.
            self._next = _Next.WATCH_LIST
        else:
            # clean close: re-watch at once from the last RV.
            self._next = _Next.WATCH

    def on_error(self, error: BaseException, now: float) -> None:
        """The pending request failed, or the open stream ended with ``error``."""
        if self._stopped:
            return
        awaiting = self._awaiting
        if awaiting is _Await.NOTHING:
            raise RuntimeError(f"on_error() called while awaiting nothing: {error!r}")
        self._awaiting = _Await.NOTHING
        if awaiting is _Await.LIST:
            self._count_error(error)
            self._list_failed(error, now)
        elif awaiting is _Await.WATCH_OPEN:
            self._count_error(error)
            if self._in_initial:
                self._watch_list_failed(error, now)
            else:
                self._watch_open_failed(error, now)
        else:
            self._mode = _CLOSED
            if self._stalled:
                # The driver closed the stream on our request; how it broke does not matter.
                self._after_stall()
            elif self._stream_error is not None:
                self._stream_failed(self._stream_error, now)
            else:
                self._count_error(error)
                self._stream_failed(error, now)

    # ---------------------------------------------------------------- iteration and list

    def _begin_iteration(self) -> None:
        self._counts["iterations"] += 1
        if self._opts.use_watch_list:
            self._next = _Next.WATCH_LIST
        else:
            self._start_list()

    def _relist_resource_version(self) -> str:
        """A-14: "" after an unavailable RV, "0" before the first sync, else the last RV."""
        if self._rv_unavailable:
            return ""
        return self._last_sync_rv or "0"

    def _choose_page_size(self, resource_version: str) -> int:
        """A-16, first match wins."""
        if self._opts.page_size:
            return self._opts.page_size
        if self._paginated_result:
            return DEFAULT_PAGE_SIZE
        if resource_version not in ("", "0"):
            return 0
        return DEFAULT_PAGE_SIZE

    def _start_list(self) -> None:
        resource_version = self._relist_resource_version()
        self._list_original_rv = resource_version
        self._list_retried = False
        self._page_size = self._choose_page_size(resource_version)
        self._start_pager(resource_version)

    def _start_pager(self, resource_version: str) -> None:
        """One ``ListPager.List`` call at ``resource_version`` (A-17); A-15: never an RVM."""
        self._pager = ListPager(resource_version=resource_version, page_size=self._page_size)
        self._next = _Next.LIST

    def _list_failed(self, error: BaseException, now: float) -> None:
        if self._pager.on_error(error):
            # an expired continue token: ONE full list at the original RV/RVM.
            self._counts["full_list_fallbacks"] += 1
            return
        if not self._list_retried and (is_expired(error) or is_too_large_resource_version(error)):
            # retry at once with RV "" and the page size already chosen.
            self._rv_unavailable = True
            self._list_retried = True
            self._start_pager(self._relist_resource_version())
            return
        self._end_iteration("list-error", report=error)

    def _list_done(self, result: PagerResult, now: float) -> None:
        """A-20: the list succeeded; replace the store and enter the watch phase."""
        if self._list_original_rv == "0" and result.paginated:
            self._paginated_result = True
        self._rv_unavailable = False
        resource_version = result.resource_version
        try:
            self._store.replace(result.items, resource_version)
        except KinformerError as error:
            self._end_iteration("replace-error", report=error)
            return
        self._counts["lists"] += 1
        self._last_sync_rv = resource_version
        self._enter_watch_phase(now)

    def _end_iteration(self, reason: str, *, report: BaseException | None = None) -> None:
        """ListAndWatch returned: maybe the handler (A-7), then a backoff delay (A-6).

        The delay itself is computed by the next ``next_action``, after the handler ran.
        """
        self._relists[reason] += 1
        self._in_watch_phase = False
        self._in_initial = False
        self._temp = {}
        self._resync_due = math.inf
        self._resync_error = None
        self._report = report
        self._backoff_pending = True
        self._next = _Next.ITERATION

    # ---------------------------------------------------------------- watch phase

    def _enter_watch_phase(self, now: float) -> None:
        """After a list or watch-list: fresh resync timer and retry window (A-33, A-65)."""
        self._in_watch_phase = True
        period = self._opts.resync_period
        self._resync_due = now + period if period > 0 else math.inf
        self._resync_error = None
        self._ie_first = None
        self._ie_last = -math.inf
        self._next = _Next.WATCH

    def _watch_timeout(self) -> int:
        """Section 1: int(min · (1 + U[0, 1)))."""
        return int(self._min_watch_timeout * (self._rng.random() + 1.0))

    def _open_watch(self, now: float) -> OpenWatch:
        """A-24: watch from the last RV with bookmarks and a random timeout."""
        resource_version = self._last_sync_rv
        self._rv_frozen = resource_version in ("", "0")
        self._watch_started = now
        self._awaiting = _Await.WATCH_OPEN
        self._counts["watches_requested"] += 1
        return OpenWatch(resource_version, self._watch_timeout())

    def _watch_open_failed(self, error: BaseException, now: float) -> None:
        """A-31."""
        if _is_retriable_open_error(error):
            self._backoff_pending = True
            self._next = _Next.WATCH
        else:
            self._end_iteration("watch-open-error", report=error)

    def _stream_failed(self, error: BaseException, now: float) -> None:
        if self._in_initial:
            self._watch_list_failed(error, now)
        else:
            self._watch_phase_failed(error, now)

    def _watch_phase_failed(self, error: BaseException, now: float) -> None:
        """A-32: expired → relist; 429 → backoff, re-watch; internal (window open) → re-watch."""
        self._internal_error_seen(error, now)
        if is_expired(error):
            logger.debug("%s: watch closed: %s", self._opts.name, error)
            self._end_iteration("watch-expired")
        elif is_too_many_requests(error):
            self._backoff_pending = True
            self._next = _Next.WATCH
        elif is_internal_error(error) and self._internal_error_retry_allowed(now):
            self._next = _Next.WATCH
        else:
            logger.warning("%s: watch ended with error: %s", self._opts.name, error)
            if isinstance(error, VeryShortWatchError):
                reason = "very-short-watch"
            elif error is self._last_resync_failure:
                reason = "resync-error"
            else:
                reason = "watch-error"
            self._end_iteration(reason)

    def _internal_error_seen(self, error: BaseException, now: float) -> None:
        """``RetryWithDeadline.After`` (A-33)."""
        if not is_internal_error(error):
            return
        if now - self._ie_last >= INTERNAL_ERROR_RESET_PERIOD:
            self._ie_first = None
        if self._ie_first is None:
            self._ie_first = now
        self._ie_last = now

    def _internal_error_retry_allowed(self, now: float) -> bool:
        """``RetryWithDeadline.ShouldRetry`` (A-33)."""
        max_duration = self._opts.max_internal_error_retry_duration
        if max_duration <= 0 or self._ie_first is None:
            return False
        if now - self._ie_first <= max_duration:
            return True
        self._ie_first = None
        self._ie_last = -math.inf
        return False

    def _run_resync_timer(self, now: float) -> None:
        """A-64: on each tick consult ``should_resync``, maybe resync, re-arm a full period."""
        if not self._in_watch_phase or now < self._resync_due:
            return
        self._resync_due = now + self._opts.resync_period
        should_resync = self._opts.should_resync
        if should_resync is None or should_resync():
            self._counts["resyncs"] += 1
            try:
                self._store.resync()
            except KinformerError as error:
                # the resync loop ends; the stream ends with the error.
                self._resync_due = math.inf
                self._resync_error = error
                self._last_resync_failure = error

    # ---------------------------------------------------------------- stream helpers

    def _stall_check_after(self, now: float) -> float:
        stall_timeout = self._opts.stall_timeout
        return math.inf if stall_timeout is None else now + stall_timeout / 4

    def _after_stall(self) -> None:
        """Beyond client-go: a stalled stream is re-opened at once from the last RV.

        Two stalled streams in a row that delivered nothing at all (not even a bookmark) end
        the iteration instead, so the reflector relists: a server that lost its data (etcd
        restored, resourceVersions went backwards) accepts a watch at a resourceVersion it
        has not reached yet and stays silent, and only a list (answered "too large resource
        version", then retried with RV "", A-19) brings the cache back.
        """
        self._empty_stalls = self._empty_stalls + 1 if self._stream_events == 0 else 0
        if self._empty_stalls >= 2 and not self._in_initial:
            self._empty_stalls = 0
            self._end_iteration("stalled twice without any event")
            return
        self._next = _Next.WATCH_LIST if self._in_initial else _Next.WATCH

    def _end_stream_with(self, error: BaseException) -> bool:
        """Stop reading: the stream ends with ``error`` (ERROR event, resync failure …).

        Called at most once per stream: it closes the mode, so no later event or tick gets here.
        """
        self._stream_error = error
        self._count_error(error)
        self._mode = _CLOSED
        return True

    def _skip(self, event_type: str, obj: Any, why: str = "without usable metadata") -> bool:
        """A-4, A-26: drop the event (an ERROR still ends the stream, whatever its object)."""
        if event_type == ERROR:
            return self._end_stream_with(_error_from_event(obj))
        logger.error("%s: skipping a %s event %s", self._opts.name, event_type, why)
        self._counts["skipped_events"] += 1
        return False

    def _unknown_event(self, event_type: str) -> None:
        logger.error("%s: unknown watch event type %r", self._opts.name, event_type)
        self._other_events[event_type] += 1

    def _has_expected_gvk(self, obj: Any) -> bool:
        expected = self._expected_gvk
        return expected is None or (obj.get("apiVersion"), obj.get("kind")) == expected

    def _on_special_event(self, event_type: str, obj: Any) -> bool:
        if self._mode == _CLOSED:
            return True
        return self._on_initial_event(event_type, obj)

    # ---------------------------------------------------------------- watch-list

    def _open_watch_list(self, now: float) -> OpenWatch:
        """A-50: RV "" or the last RV (never "0"), sendInitialEvents, NotOlderThan."""
        resource_version = "" if self._rv_unavailable else self._last_sync_rv
        self._in_initial = True
        self._temp = {}
        self._candidate_rv = ""
        self._watch_started = now
        self._awaiting = _Await.WATCH_OPEN
        self._counts["watches_requested"] += 1
        return OpenWatch(
            resource_version,
            self._watch_timeout(),
            allow_watch_bookmarks=True,
            send_initial_events=True,
            resource_version_match="NotOlderThan",
        )

    def _on_initial_event(self, event_type: str, obj: Any) -> bool:
        """A-50.5: initial events go to the temporary store; the end bookmark completes it."""
        if event_type == ERROR:
            return self._end_stream_with(_error_from_event(obj))
        if (
            isinstance(obj, Mapping)
            and obj.get("kind") == "Table"
            and obj.get("apiVersion") in _TABLE_API_VERSIONS
        ):
            return self._skip(event_type, obj, "with a Table object")
        try:
            metadata = obj["metadata"]
            resource_version = metadata.get("resourceVersion", "")
        except (KeyError, TypeError, AttributeError):
            return self._skip(event_type, obj)
        if not self._has_expected_gvk(obj):
            return self._skip(event_type, obj, "of an unexpected kind")
        end_of_initial_events = False
        try:
            if event_type in (ADDED, MODIFIED):
                key = deletion_handling_meta_namespace_key(obj)
                transformer = self._transformer
                self._temp[key] = obj if transformer is None else transformer(obj)
            elif event_type == DELETED:
                self._temp.pop(deletion_handling_meta_namespace_key(obj), None)
            elif event_type == BOOKMARK:
                annotations = metadata.get("annotations") or {}
                end_of_initial_events = annotations.get(INITIAL_EVENTS_END_ANNOTATION) == "true"
            else:
                self._unknown_event(event_type)
        except KinformerError as error:
            logger.error(
                "%s: temporary store refused a %s event: %s", self._opts.name, event_type, error
            )
        if event_type == ADDED:
            self._n_added += 1
        elif event_type == MODIFIED:
            self._n_modified += 1
        elif event_type == DELETED:
            self._n_deleted += 1
        elif event_type == BOOKMARK:
            self._n_bookmarks += 1
        self._stream_events += 1
        if event_type != ADDED:
            self._candidate_rv = resource_version
        if end_of_initial_events:
            return self._watch_list_synced()
        return False

    def _watch_list_synced(self) -> bool:
        """A-51: replace the store with the temporary store at the bookmark's RV."""
        items = list(self._temp.values())
        self._temp = {}
        self._rv_unavailable = False
        try:
            self._store.replace(items, self._candidate_rv)
        except KinformerError as error:
            # "unable to sync watch-list result": the iteration falls back to LIST.
            return self._end_stream_with(error)
        self._counts["watch_lists"] += 1
        self._last_sync_rv = self._candidate_rv
        self._in_initial = False
        self._rv_frozen = False  # a carried-over stream advances the RV from the start
        self._mode = _FAST
        self._phase_start_pending = True
        return True

    def _watch_list_failed(self, error: BaseException, now: float) -> None:
        """A-53: retriable → backoff, retry; expired/too large → RV "", retry; else LIST."""
        if _is_retriable_open_error(error):
            self._backoff_pending = True
            self._next = _Next.WATCH_LIST
        elif is_expired(error) or is_too_large_resource_version(error):
            self._rv_unavailable = True
            self._next = _Next.WATCH_LIST
        else:
            logger.error(
                "%s: the watch-list request ended with an error, falling back to LIST: %s",
                self._opts.name,
                error,
            )
            self._counts["watch_list_fallbacks"] += 1
            self._in_initial = False
            self._temp = {}  # do not hold the partial snapshot through the LIST
            self._start_list()

    # ---------------------------------------------------------------- misc

    def _expect(self, awaiting: _Await) -> None:
        if self._awaiting is not awaiting:
            raise RuntimeError(
                f"outcome reported while awaiting {self._awaiting.value}, not {awaiting.value}"
            )

    def _count_error(self, error: BaseException) -> None:
        self._errors[_error_kind(error)] += 1

    def __repr__(self) -> str:
        return (
            f"ReflectorMachine(name={self._opts.name!r}, "
            f"last_sync_resource_version={self._last_sync_rv!r}, "
            f"awaiting={self._awaiting.name.lower()}, next={self._next.name.lower()})"
        )
