"""Objects, the global revision, the bounded event history and compaction (etcd + watch cache).

Every stored object is serialised ONCE with orjson when it is written. :class:`Stored` keeps
the JSON of the object *without* ``kind`` and ``apiVersion`` (``raw``): it is a built-in list
item as is (golden 04), and a full object (get, watch event) is the type's
``prefix + raw[1:]`` where ``prefix = b'{"kind":"ConfigMap","apiVersion":"v1",'``. The same
bytes therefore serve every version of a resource and every answer shape.

Invariants:

* ``revision`` only grows (except :meth:`Storage.reset`, the etcd wipe); every write (create,
  update, delete) takes the next revision, and the written object's ``resourceVersion`` is it.
* ``history`` holds the events with revision in ``(window_start, revision]``, oldest first, at
  most ``history_limit`` of them; ``window_start`` is the revision of the newest forgotten event
  or the last compaction.
* ``compacted <= window_start``: lists at an exact revision need ``revision >= window_start``.
* ``_sorted[k]`` is ``None`` or the sorted keys of ``objects[k]``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, final

import orjson

__all__ = ["Event", "Storage", "Stored", "Subscriber", "serialise"]

StorageKey = tuple[str, str]

_META_ORDER: Final = (
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
)
_META_RANK: Final = {name: i for i, name in enumerate(_META_ORDER)}
SKIPPED_KEYS: Final = frozenset({"kind", "apiVersion", "metadata"})
"""Keys that ``raw`` leaves out (kind, apiVersion) or writes first (metadata)."""


def ordered_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """``metadata`` with its keys in kube-apiserver's order (unknown keys last)."""
    ordered: dict[str, Any] = {key: meta[key] for key in _META_ORDER if key in meta}
    if len(ordered) != len(meta):
        ordered.update((k, v) for k, v in meta.items() if k not in _META_RANK)
    return ordered


def serialise(obj: dict[str, Any]) -> bytes:
    """``raw`` of an object: its JSON without kind/apiVersion.

    ``metadata`` comes first, then the other fields in their order; ``obj`` is not modified.
    """
    body: dict[str, Any] = {"metadata": ordered_metadata(obj.get("metadata") or {})}
    body.update({key: value for key, value in obj.items() if key not in SKIPPED_KEYS})
    return orjson.dumps(body)


@final
@dataclass(slots=True)
class Stored:
    """One stored object state. Immutable once stored (a write stores a new ``Stored``)."""

    key: str
    namespace: str
    name: str
    rv: int
    uid: str
    raw: bytes
    labels: dict[str, str] | None
    _fields: dict[str, str] | None = None
    _meta: bytes | None = None

    def full(self, prefix: bytes) -> bytes:
        """The whole object's JSON, ``prefix`` naming its kind and apiVersion."""
        return prefix + self.raw[1:]

    def load(self, prefix: bytes) -> dict[str, Any]:
        """A fresh dict of the object (callers may mutate it)."""
        result: dict[str, Any] = orjson.loads(prefix + self.raw[1:])
        return result

    def meta_raw(self) -> bytes:
        """``{"metadata":{...}}``: the PartialObjectMetadata form without kind (golden 10)."""
        if self._meta is None:
            metadata = orjson.loads(self.raw)["metadata"]
            self._meta = orjson.dumps({"metadata": metadata})
        return self._meta

    def fields(self, compute: Callable[[], dict[str, str]]) -> dict[str, str]:
        """The selectable fields, computed once by ``compute``."""
        if self._fields is None:
            self._fields = compute()
        return self._fields


def make_stored(obj: dict[str, Any]) -> Stored:
    """A :class:`Stored` of ``obj`` (whose metadata is complete: name, uid, resourceVersion)."""
    meta = obj["metadata"]
    namespace = meta.get("namespace") or ""
    name = meta["name"]
    labels = meta.get("labels")
    return Stored(
        f"{namespace}/{name}" if namespace else name,
        namespace,
        name,
        int(meta["resourceVersion"]),
        meta.get("uid", ""),
        serialise(obj),
        dict(labels) if isinstance(labels, dict) else None,  # never the caller's dict
    )


@final
@dataclass(slots=True)
class Event:
    """One write, as watchers see it.

    ``new`` is the state after the write; for ``DELETED`` it is the last state stamped with the
    deletion's revision (golden 05a). ``old`` is the state before (None for ``ADDED``).
    """

    revision: int
    storage_key: StorageKey
    type: str
    new: Stored
    old: Stored | None
    _lines: dict[tuple[bytes, bytes, bool], bytes] = field(default_factory=dict)
    _left: Stored | None = None

    def line(self, event_type: bytes, prefix: bytes, stored: Stored) -> bytes:
        """``{"type":...,"object":...}\\n``, built once per (type, prefix, state) and shared."""
        cache_key = (event_type, prefix, stored is self.new)
        cached = self._lines.get(cache_key)
        if cached is None:
            cached = b'{"type":"' + event_type + b'","object":' + prefix + stored.raw[1:] + b"}\n"
            self._lines[cache_key] = cached
        return cached

    def left(self) -> Stored:
        """``old`` stamped with this event's revision: the DELETED of a selector exit (05d)."""
        if self._left is None:
            assert self.old is not None
            obj = orjson.loads(self.old.raw)
            obj["metadata"]["resourceVersion"] = str(self.revision)
            self._left = Stored(
                self.old.key,
                self.old.namespace,
                self.old.name,
                self.revision,
                self.old.uid,
                orjson.dumps(obj),
                self.old.labels,
                self.old._fields,
            )
        return self._left


class Subscriber(Protocol):
    """A watch registered on one storage key."""

    def offer(self, event: Event) -> None:
        """Called (under the engine lock) for every event of the watched storage key."""


@final
class Storage:
    """All objects of all resources, one revision counter, one bounded history.

    Not thread-safe on its own: the engine holds its lock around every call.
    """

    def __init__(self, *, history_limit: int, start_revision: int = 1) -> None:
        self.history_limit = history_limit
        self.revision = start_revision
        self.objects: dict[StorageKey, dict[str, Stored]] = {}
        self._sorted: dict[StorageKey, list[str] | None] = {}
        self.history: deque[Event] = deque()
        self.window_start = start_revision
        self.compacted = 0
        self.subscribers: dict[StorageKey, set[Subscriber]] = {}
        self._past: tuple[tuple[StorageKey, int], dict[str, Stored], list[str]] | None = None

    # -- reads ----------------------------------------------------------------------------------

    def bucket(self, skey: StorageKey) -> dict[str, Stored]:
        """The current objects of one resource, by key (do not mutate)."""
        return self.objects.get(skey) or {}

    def get(self, skey: StorageKey, key: str) -> Stored | None:
        """The current state of one object."""
        return self.bucket(skey).get(key)

    def sorted_keys(self, skey: StorageKey) -> list[str]:
        """Keys of one resource in etcd order (byte order of ``ns/name``)."""
        keys = self._sorted.get(skey)
        if keys is None:
            keys = sorted(self.bucket(skey))
            self._sorted[skey] = keys
        return keys

    def state_at(self, skey: StorageKey, revision: int) -> tuple[dict[str, Stored], list[str]]:
        """The objects of one resource as they were at ``revision`` (>= ``window_start``), and
        their sorted keys.

        Rolls the current state back through the history, newest event first. The last
        answer is cached: a past state never changes, and paging through it asks again.
        """
        cached = self._past
        if cached is not None and cached[0] == (skey, revision):
            return cached[1], cached[2]
        state = dict(self.bucket(skey))
        for event in reversed(self.history):
            if event.revision <= revision:
                break
            if event.storage_key != skey:
                continue
            if event.type == "ADDED":
                state.pop(event.new.key, None)
            elif event.old is not None:
                state[event.old.key] = event.old
        keys = sorted(state)
        self._past = ((skey, revision), state, keys)
        return state, keys

    def events_since(self, skey: StorageKey, revision: int) -> Iterator[Event]:
        """Events of one resource with a revision above ``revision``, oldest first."""
        for event in self.history:
            if event.revision > revision and event.storage_key == skey:
                yield event

    # -- writes ---------------------------------------------------------------------------------

    def next_revision(self) -> int:
        """Take the next revision (the caller stores an object with it)."""
        self.revision += 1
        return self.revision

    def put(self, skey: StorageKey, stored: Stored, old: Stored | None) -> Event:
        """Store ``stored`` (whose ``rv`` is the current revision) and record the event."""
        bucket = self.objects.setdefault(skey, {})
        if stored.key not in bucket:
            self._sorted[skey] = None
        bucket[stored.key] = stored
        return self._record(Event(stored.rv, skey, "MODIFIED" if old else "ADDED", stored, old))

    def remove(self, skey: StorageKey, old: Stored, last: Stored) -> Event:
        """Delete an object; ``last`` is its last state stamped with the current revision."""
        bucket = self.objects.get(skey, {})
        bucket.pop(old.key, None)
        self._sorted[skey] = None
        return self._record(Event(last.rv, skey, "DELETED", last, old))

    def drop_resource(self, skey: StorageKey) -> None:
        """Forget a resource's storage (its objects were deleted first)."""
        self.objects.pop(skey, None)
        self._sorted.pop(skey, None)

    def _record(self, event: Event) -> Event:
        self.history.append(event)
        while len(self.history) > self.history_limit:
            self.window_start = self.history.popleft().revision
        for subscriber in list(self.subscribers.get(event.storage_key, ())):
            subscriber.offer(event)
        return event

    def compact(self, revision: int) -> None:
        """Forget history up to ``revision`` (inclusive): lists and watches before it expire."""
        revision = min(revision, self.revision)
        self.compacted = max(self.compacted, revision)
        while self.history and self.history[0].revision <= revision:
            self.history.popleft()
        self.window_start = max(self.window_start, revision)

    def forget_history(self) -> None:
        """A restart with kept data: a new watch cache starts at the current revision."""
        self.history.clear()
        self.window_start = self.revision
