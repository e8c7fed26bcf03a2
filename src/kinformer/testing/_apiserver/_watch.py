"""The engine side of an open watch: filters events, builds lines, queues them for the HTTP layer.

Mirrors the watch cache's ``cacheWatcher`` (``staging/src/k8s.io/apiserver/pkg/storage/
cacher/cache_watcher.go``): events are filtered by namespace and selectors, with the selector
transitions of golden 05d (an object that stops matching is sent as ``DELETED`` carrying its
previous state stamped with the new resourceVersion; one that starts matching as ``ADDED``).

Invariants: ``_pending`` holds complete lines (one JSON object + ``\\n``) in revision order;
after :attr:`closed` becomes true nothing is appended; ``drain`` never blocks. Every method
takes the engine lock (shared with the storage), so offers from writers and drains from the
HTTP thread never interleave inside a line.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Final, final

import orjson

from ._storage import Event, Storage, StorageKey, Stored

__all__ = ["EngineWatch", "Matcher"]

Matcher = Callable[[Stored], bool]
"""True if a stored object passes the watch's label and field selectors."""

_ADDED: Final = b"ADDED"
_MODIFIED: Final = b"MODIFIED"
_DELETED: Final = b"DELETED"
META_PREFIX: Final = b'{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",'


@final
class EngineWatch:
    """An open watch on one resource (implements ``_protocol.Watch``)."""

    def __init__(
        self,
        lock: threading.RLock,
        storage: Storage,
        skey: StorageKey,
        *,
        prefix: bytes,
        namespace: str | None,
        matcher: Matcher | None,
        min_revision: int,
        bookmarks: bool,
        metadata_prefix: bytes | None,
    ) -> None:
        self._lock = lock
        self._storage = storage
        self._skey = skey
        metadata_only = metadata_prefix is not None
        self._prefix = metadata_prefix if metadata_prefix is not None else prefix
        self._namespace = namespace
        self._matcher = matcher
        self._min_revision = min_revision
        self._bookmarks = bookmarks
        self._metadata_only = metadata_only
        self._pending: list[bytes] = []
        self._closed = False
        self._subscribed = False
        self._waker: Callable[[], None] | None = None

    # -- engine side (called under the engine lock) -------------------------------------------

    def subscribe(self) -> None:
        """Start receiving live events."""
        self._storage.subscribers.setdefault(self._skey, set()).add(self)
        self._subscribed = True

    def _raw(self, stored: Stored) -> bytes:
        return stored.meta_raw() if self._metadata_only else stored.raw

    def _push(self, line: bytes) -> None:
        self._pending.append(line)
        if self._waker is not None:
            self._waker()

    def add_initial(self, stored: Stored) -> None:
        """A synthetic ``ADDED`` for an object that exists when the watch starts (05a, 05c)."""
        if self._matcher is None or self._matcher(stored):
            raw = self._raw(stored)
            self._push(b'{"type":"ADDED","object":' + self._prefix + raw[1:] + b"}\n")

    def bookmark_line(self, revision: int, *, initial_events_end: bool = False) -> bytes:
        """A BOOKMARK line: kind, apiVersion and resourceVersion only (05b, 05c)."""
        meta: dict[str, object] = {"resourceVersion": str(revision)}
        if initial_events_end:
            meta["annotations"] = {"k8s.io/initial-events-end": "true"}
        return (
            b'{"type":"BOOKMARK","object":'
            + self._prefix
            + orjson.dumps({"metadata": meta})[1:]
            + b"}\n"
        )

    def end_initial_events(self, revision: int) -> None:
        """The ``k8s.io/initial-events-end`` bookmark (only if bookmarks were asked for)."""
        if self._bookmarks:
            self._push(self.bookmark_line(revision, initial_events_end=True))

    def error(self, status: dict[str, object]) -> None:
        """Queue one ERROR event and close (too old resourceVersion, golden 06a)."""
        self._push(b'{"type":"ERROR","object":' + orjson.dumps(status) + b"}\n")
        self.end()

    def end(self) -> None:
        """The engine ends the watch cleanly (drop, CRD deleted, restart)."""
        if self._closed:
            return
        self._closed = True
        self._unsubscribe()
        if self._waker is not None:
            self._waker()

    def _unsubscribe(self) -> None:
        if self._subscribed:
            self._storage.subscribers.get(self._skey, set()).discard(self)
            self._subscribed = False

    def offer(self, event: Event) -> None:
        """Filter one event and queue its line."""
        if self._closed or event.revision <= self._min_revision:
            return
        new = event.new
        if self._namespace is not None and new.namespace != self._namespace:
            return
        matcher = self._matcher
        if matcher is None:
            kind = event.type.encode()
            self._push(self._line(event, kind, new))
            return
        if event.type == "DELETED":
            if matcher(new):
                self._push(self._line(event, _DELETED, new))
            return
        new_match = matcher(new)
        old_match = event.old is not None and matcher(event.old)
        if new_match and old_match:
            self._push(self._line(event, _MODIFIED, new))
        elif new_match:
            self._push(self._line(event, _ADDED, new))
        elif old_match:
            self._push(self._line(event, _DELETED, event.left()))

    def _line(self, event: Event, kind: bytes, stored: Stored) -> bytes:
        if self._metadata_only:
            return (
                b'{"type":"' + kind + b'","object":' + self._prefix + stored.meta_raw()[1:] + b"}\n"
            )
        return event.line(kind, self._prefix, stored)

    # -- the Watch protocol (HTTP side) -------------------------------------------------------

    @property
    def closed(self) -> bool:
        """True once the engine ended the watch."""
        with self._lock:
            return self._closed

    def drain(self) -> list[bytes]:
        """Remove and return the pending lines."""
        with self._lock:
            lines, self._pending = self._pending, []
            return lines

    def set_waker(self, waker: Callable[[], None]) -> None:
        """``waker()`` is called after lines are queued or the watch ends."""
        with self._lock:
            self._waker = waker
            if self._pending or self._closed:
                waker()

    def bookmark(self) -> None:
        """Queue a BOOKMARK at the current revision, if the client asked for bookmarks.

        A watch from a future resourceVersion gets none until the store reaches it: a
        bookmark must never name a revision the client has not been brought up to.
        """
        with self._lock:
            revision = self._storage.revision
            if self._bookmarks and not self._closed and revision >= self._min_revision:
                self._push(self.bookmark_line(revision))

    def close(self) -> None:
        """The HTTP stream ended: unsubscribe. Idempotent."""
        with self._lock:
            self._closed = True
            self._unsubscribe()
            self._pending = []
