"""The indexed, thread-safe object cache (client-go ``store.go``, ``index.go``, ``thread_safe_store.go``).

An :class:`Indexer` maps keys (spec C-1, C-2) to the stored objects and keeps any number of
named *indexes*: an :data:`IndexFunc` maps an object to a list of string values, and the index
``name`` maps each value to the set of keys whose objects produce it (spec C-13).
Unlike client-go, each value's key set is a map key → stored object, so that
:meth:`Indexer.by_index` copies the objects out without a lookup per key.
It is the informer's cache; listers and controllers read it.

The *stored form* of an object is the object itself, or, with a :class:`~kinformer.cache._codec.Codec`
(the compact mode), its encoding: every read decodes, so readers get new objects.

Invariants (asserted by the tests after every step of a random state machine):

* ``_items`` maps each key to the stored form of the object last written under it (without a
  codec, that very instance, never a copy).
* ``_indexers`` and ``_indices`` have the same names. For every name ``n``, every key ``k`` of
  ``_items`` and every value ``v`` in ``_indexers[n](obj)``, where ``obj`` is the object last
  written under ``k``: ``_indices[n][v][k] is _items[k]``; and every key of every value map
  is in ``_items`` with ``v`` among its values.
* ``_values`` is ``None`` without a codec. With one, it keeps the index values computed when
  each object was written: if ``_specs`` is empty, ``_values`` is empty; otherwise it has the
  keys of ``_items`` and ``_values[k][i]`` is (as a tuple) what the function of ``_specs[i]``
  returned for the object under ``k``. Tuples of strings, not lists: the cyclic garbage
  collector stops tracking them, so 100k cached objects do not add 300k containers to every
  full collection (measured with 100k pods: 45 ms per full collection with lists, 5 ms with
  tuples). Compact updates and deletes unindex with these, so they never decode a stored
  object to run index functions on it. (Without a codec, keeping them costs more on
  adds and relists than it saves on updates and deletes: measured in ``benchmarks/``.)
* No value map is empty: a map that loses its last key is removed (spec C-14).
* ``_indexers`` and ``_specs`` are never mutated, only replaced, so a reference read once is a
  consistent snapshot; index names are never removed, only appended to ``_specs``. ``_specs``
  holds, per name, the function of ``_indexers`` and the value map of ``_indices``.
* Every write either completes or raises with the store unchanged: index values (and the
  encoding) are all computed before anything is mutated (client-go panics half-way instead,
  spec C-15). A :meth:`Indexer.transaction` applies this per write of its batch (spec C-21).

Concurrency: one :class:`threading.Lock` guards all state. Writes mutate under it; reads copy
out what they return under it (new lists), so no reader ever observes a half-applied write,
including the writes of a :meth:`Indexer.transaction` batch. Index functions run while the lock
is held and must not call back into the indexer; key functions, the transform, encoding and
decoding run outside it. The lock is never held across I/O, so both the threads and the asyncio
drivers use the same class (call it from the event loop; writes are short).
"""

from __future__ import annotations

import builtins
import enum
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Generic, TypeAlias, TypeVar, final

from .._errors import KeyFuncError, KinformerError
from .._objects import deletion_handling_meta_namespace_key, object_meta
from ._codec import Codec, CodecError

__all__ = [
    "NAMESPACE_INDEX",
    "IndexFunc",
    "IndexFuncError",
    "IndexNotFoundError",
    "Indexer",
    "IndexerConflictError",
    "Indexers",
    "KeyFunc",
    "Transaction",
    "TransactionError",
    "TransactionType",
    "TransformError",
    "index_func_to_key_func_adapter",
    "meta_namespace_index_func",
]

T = TypeVar("T")

KeyFunc: TypeAlias = Callable[[Any], str]
"""An object → its key. May raise; errors surface as :class:`KeyFuncError` (spec C-6)."""

IndexFunc: TypeAlias = Callable[[Any], list[str]]
"""An object → its values in one index: possibly none, possibly several (spec C-13). May raise."""

Indexers: TypeAlias = Mapping[str, IndexFunc]
"""Index name → :data:`IndexFunc` (client-go ``Indexers``)."""

NAMESPACE_INDEX: Final = "namespace"
"""The name of the index by namespace that every informer registers (spec C-19)."""


def meta_namespace_index_func(obj: object) -> list[str]:
    """``[namespace]`` of an object; cluster-scoped objects index under ``""`` (spec C-19).

    Raises ``ValueError`` ("object has no meta") for anything without a ``metadata`` mapping,
    as client-go's ``MetaNamespaceIndexFunc`` returns an error.

    >>> meta_namespace_index_func({"metadata": {"namespace": "default", "name": "web-1"}})
    ['default']
    >>> meta_namespace_index_func({"metadata": {"name": "node-a"}})
    ['']
    """
    meta = object_meta(obj)
    if meta is None:
        raise ValueError("object has no meta")
    return [meta.get("namespace") or ""]


def index_func_to_key_func_adapter(index_func: IndexFunc) -> KeyFunc:
    """A key function from an index function that yields exactly one value (spec C-5).

    The key is that value. No value raises :class:`KeyFuncError` "unexpected empty indexKeys",
    several raise "too many keys: [...]".

    >>> key_of = index_func_to_key_func_adapter(lambda obj: [obj["metadata"]["uid"]])
    >>> key_of({"metadata": {"uid": "6f1c"}})
    '6f1c'
    """

    def key_func(obj: object) -> str:
        values = index_func(obj)
        if len(values) == 1:
            return values[0]
        if not values:
            raise KeyFuncError(obj, "unexpected empty indexKeys")
        raise KeyFuncError(obj, f"too many keys: {values}")

    return key_func


class IndexNotFoundError(KinformerError, LookupError):
    """A read named an index that was never registered (spec C-16, C-17)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"Index with name {name} does not exist")
        self.name = name


class IndexerConflictError(KinformerError, ValueError):
    """:meth:`Indexer.add_indexers` named indexes that already exist (spec C-18); nothing was added."""

    def __init__(self, names: Sequence[str]) -> None:
        super().__init__(f"indexer conflict: {', '.join(names)}")
        self.names = tuple(names)


class IndexFuncError(KinformerError):
    """An index function raised (``__cause__`` is its exception).

    During a write client-go panics (spec C-15); kinformer raises this instead, and the store
    is exactly as it was before the write. ``key`` is ``None`` when the object was only queried
    (:meth:`Indexer.index`, spec C-16).
    """

    def __init__(self, index_name: str, key: str | None, error: BaseException) -> None:
        where = f"for key {key!r} " if key is not None else ""
        super().__init__(
            f"unable to calculate an index entry {where}on index {index_name!r}: {error}"
        )
        self.index_name = index_name
        self.key = key


class TransformError(KinformerError):
    """The indexer's ``transform`` raised (spec C-6); ``__cause__`` is its exception."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"transforming: {error}")


class TransactionType(enum.StrEnum):
    """What a :class:`Transaction` does (client-go ``TransactionType``)."""

    ADD = "Add"
    UPDATE = "Update"
    DELETE = "Delete"


@final
@dataclass(frozen=True, slots=True)
class Transaction:
    """One write of an :meth:`Indexer.transaction` batch (spec C-21).

    ``obj`` is the object to add or update, or the object (or tombstone) to delete.
    """

    type: TransactionType
    obj: Any


@final
class TransactionError(KinformerError):
    """Some writes of a :meth:`Indexer.transaction` batch failed and were skipped (spec C-21).

    The others were applied. ``successful_indices`` are the positions (in the batch) of the
    applied writes, ascending; ``errors`` are the failures in batch order, each a
    :class:`KeyFuncError`, :class:`TransformError`, :class:`~kinformer.cache._codec.CodecError`
    or :class:`IndexFuncError`.
    """

    def __init__(
        self, successful_indices: list[int], total_transactions: int, errors: list[KinformerError]
    ) -> None:
        failed = total_transactions - len(successful_indices)
        super().__init__(
            f"failed to apply {failed} of {total_transactions} transactions: {errors[0]}"
        )
        self.successful_indices = successful_indices
        self.total_transactions = total_transactions
        self.errors = errors


# One index: value → (key → stored form), ordered by insertion. Holding the stored forms (not
# only the keys, as client-go does) makes by_index a C-level copy of the values: 6x faster
# than looking every key up in _items, measured with 1000 pods per value (benchmarks/).
_Index: TypeAlias = dict[str, dict[str, Any]]
# One registered index: its name, its function and its value map. A tuple of these is the
# write path's view of the indexes (no dict lookups per write).
_Spec: TypeAlias = tuple[str, IndexFunc, _Index]
# Per key, the values of each index (in _specs order) computed when its object was written.
_Values: TypeAlias = tuple[Sequence[str], ...]
_KeptValues: TypeAlias = "dict[str, _Values] | None"
# (key, object to index, its stored form), the input of Indexer._build_compact.
_Entry: TypeAlias = tuple[str, Any, Any]
# Per index, the values to remove the key from and the values to add it to.
_Change: TypeAlias = tuple[_Index, Sequence[str], Sequence[str]]
_NO_VALUES: Final[_Values] = ()
_NO_STRINGS: Final[tuple[str, ...]] = ()


@final
class Indexer(Generic[T]):
    """A thread-safe store of objects by key, with named indexes (client-go ``Indexer``).

    Writes (:meth:`add`, :meth:`update`, :meth:`delete`, :meth:`replace`,
    :meth:`transaction`) are upserts or removals by key (spec C-6, C-7). Each one updates every
    index (spec C-14) and either completes or raises with the store unchanged (a transaction:
    each of its writes, spec C-21). Reads (:meth:`get_by_key`, :meth:`list`, :meth:`by_index`,
    ...) return new lists, consistent with one point in time; orders are unspecified except
    :meth:`index_keys`, which is sorted (spec C-9, C-17).

    Without a ``codec``, objects are stored as given, never copied (after the optional
    ``transform``), and reads return the stored instances: callers and readers must not mutate
    them (spec C-8). With a ``codec`` (the compact mode), the store keeps each object encoded
    and every read, including the objects returned by :meth:`add`, :meth:`update` and
    :meth:`delete`, decodes a new object: readers may mutate what they get, the cache does not
    change (a deviation from C-8 that costs one decode per object read).

    In the compact mode, index values are computed once, when an object is written, and kept:
    an update or delete unindexes the key from the values its stored object produced then,
    without decoding it to call the index functions again (client-go calls them on the old
    object; with pure index functions the result is the same). Without a codec, as in
    client-go, they run on the old object too.

    ``None`` is not a valid object: :meth:`get_by_key` answers ``None`` for a missing key.
    Index functions run under the indexer's lock: they must be pure functions of the object,
    must not call the indexer (that would deadlock), and must return a list they do not mutate
    later.

    Args:
        key_func: The key of an object. Defaults to
            :func:`~kinformer._objects.deletion_handling_meta_namespace_key`, the informers' key
            function (spec C-2). Exceptions other than :class:`KeyFuncError` are wrapped in one.
        indexers: The initial indexes, name → :data:`IndexFunc`. More can be added later with
            :meth:`add_indexers`.
        transform: Applied to every object added, updated or replaced, after its key is computed
            from the original (spec C-6), for example to drop ``metadata.managedFields``.
            Exceptions are wrapped in :class:`TransformError`. Not applied to deletes.
        codec: Store objects encoded with it (for example
            :class:`~kinformer.cache._codec.JSONCodec`: about 1.1x the JSON size per pod
            instead of 4.8x). Keys, resource versions and index values are computed from the
            object before it is encoded. Encoding errors are wrapped in
            :class:`~kinformer.cache._codec.CodecError`.

    >>> pods: Indexer[dict[str, Any]] = Indexer(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
    >>> pods.add({"metadata": {"namespace": "default", "name": "web-1", "resourceVersion": "7"}})
    >>> pods.add({"metadata": {"namespace": "kube-system", "name": "dns", "resourceVersion": "8"}})
    >>> pods.index_keys(NAMESPACE_INDEX, "default")
    ['default/web-1']
    >>> sorted(pods.list_index_func_values(NAMESPACE_INDEX))
    ['default', 'kube-system']
    >>> pods.get_by_key("kube-system/dns")["metadata"]["resourceVersion"]
    '8'
    >>> pods.last_store_sync_resource_version
    '8'
    >>> pods.by_index("node", "n1")
    Traceback (most recent call last):
        ...
    kinformer.cache._indexer.IndexNotFoundError: Index with name node does not exist

    The compact mode returns a new object on every read:

    >>> from kinformer.cache._codec import JSONCodec
    >>> compact: Indexer[dict[str, Any]] = Indexer(codec=JSONCodec())
    >>> compact.add({"metadata": {"namespace": "default", "name": "web-1"}})
    >>> mine = compact.get_by_key("default/web-1")
    >>> mine["metadata"]["name"] = "changed"
    >>> compact.get_by_key("default/web-1")
    {'metadata': {'namespace': 'default', 'name': 'web-1'}}
    """

    __slots__ = (
        "_codec",
        "_indexers",
        "_indices",
        "_items",
        "_key_func",
        "_last_rv",
        "_lock",
        "_specs",
        "_transform",
        "_values",
    )

    def __init__(
        self,
        *,
        key_func: KeyFunc = deletion_handling_meta_namespace_key,
        indexers: Indexers | None = None,
        transform: Callable[[T], T] | None = None,
        codec: Codec[T] | None = None,
    ) -> None:
        self._key_func = key_func
        self._transform = transform
        self._codec = codec
        self._lock = threading.Lock()
        # key → stored form.
        self._items: dict[str, Any] = {}
        # With a codec: key → index values per _specs entry, computed at write time.
        self._values: dict[str, _Values] | None = None if codec is None else {}
        # name → IndexFunc; replaced (never mutated) by add_indexers, so references are snapshots.
        self._indexers: dict[str, IndexFunc] = dict(indexers or {})
        # name → value → key → stored form; one entry per name of _indexers.
        self._indices: dict[str, _Index] = {name: {} for name in self._indexers}
        self._specs: tuple[_Spec, ...] = self._make_specs(self._indexers, self._indices)
        # spec C-20: the RV of the last write or bookmark, "" before any.
        self._last_rv = ""

    def __repr__(self) -> str:
        compact = " compact" if self._codec is not None else ""
        return f"<Indexer items={len(self._items)} indexes={sorted(self._indexers)}{compact}>"

    @property
    def codec(self) -> Codec[T] | None:
        """The codec of the compact mode, or ``None`` when objects are stored as given."""
        return self._codec

    # ----------------------------------------------------------------------------------- writes

    def add(self, obj: T) -> T | None:
        """Store ``obj`` under its key; return the object it replaced, or ``None`` (spec C-6).

        Same as :meth:`update`: both are upserts (client-go too), only the name differs.

        Raises:
            KeyFuncError: The key function failed.
            TransformError: The transform failed.
            CodecError: The codec could not encode ``obj``.
            IndexFuncError: An index function failed on ``obj`` (or, without a codec, on the
                object it replaces).
        """
        return self.update(obj)

    def update(self, obj: T) -> T | None:
        """Store ``obj`` under its key; return the object it replaced, or ``None`` (spec C-6).

        Every index moves the key from the replaced object's values to ``obj``'s (spec C-14).
        Sets the last store-sync RV to ``obj``'s ``metadata.resourceVersion`` (as received,
        before the transform) when it has metadata (spec C-20). In the compact mode the
        replaced object is decoded for the caller.

        Raises:
            KeyFuncError: The key function failed.
            TransformError: The transform failed.
            CodecError: The codec could not encode ``obj``.
            IndexFuncError: An index function failed on ``obj`` (or, without a codec, on the
                object it replaces).
        """
        key = self._key_of(obj)
        rv = _resource_version(obj)
        if self._transform is not None:
            obj = _transformed(self._transform, obj)
        codec = self._codec
        if codec is None:
            with self._lock:
                old = self._store(key, obj, obj)
                if rv is not None:
                    self._last_rv = rv
            return old  # type: ignore[no-any-return]
        stored = _encoded(codec, obj)
        with self._lock:
            old = self._store(key, stored, obj)
            if rv is not None:
                self._last_rv = rv
        return None if old is None else codec.decode(old)

    def delete(self, obj: object) -> T | None:
        """Remove the object with ``obj``'s key; return it, or ``None`` if there was none (spec C-7).

        ``obj`` may be a tombstone (:class:`~kinformer._objects.DeletedFinalStateUnknown`) with
        the default key function. Removing an absent key is not an error. ``obj`` serves only
        for its key and its resource version (spec C-20); the indexes are updated from the
        stored object (in the compact mode, from the index values kept for it).

        Raises:
            KeyFuncError: The key function failed.
            IndexFuncError: Without a codec, an index function failed on the stored object.
        """
        key = self._key_of(obj)
        rv = _resource_version(obj)
        with self._lock:
            old = self._remove(key)
            if rv is not None:
                self._last_rv = rv
        codec = self._codec
        if codec is None or old is None:
            return old  # type: ignore[no-any-return]
        return codec.decode(old)

    def replace(self, objects: Iterable[T], resource_version: str) -> None:
        """Make the store hold exactly ``objects`` and rebuild every index (spec C-10).

        With duplicate keys the last object wins. Sets the last store-sync RV to
        ``resource_version``, even ``""`` (spec C-20). Atomic: on any error nothing changes.
        The new content and indexes are built before the lock is taken, so reads and other
        writes are not blocked while a large list is indexed.

        Raises:
            KeyFuncError: The key function failed on one of ``objects``.
            TransformError: The transform failed on one of ``objects``.
            CodecError: The codec could not encode one of ``objects``.
            IndexFuncError: An index function failed on one of ``objects``.
        """
        key_of, transform, codec = self._key_of, self._transform, self._codec
        objs: dict[str, T] = {}
        for obj in objects:
            key = key_of(obj)
            objs[key] = obj if transform is None else _transformed(transform, obj)
        items: dict[str, Any] = (
            objs if codec is None else {key: _encoded(codec, obj) for key, obj in objs.items()}
        )

        def build(indexers: Mapping[str, IndexFunc]) -> tuple[dict[str, _Index], _KeptValues]:
            if codec is None:
                return self._build_indices(indexers, items), None
            return self._build_compact(
                indexers, zip(objs, objs.values(), items.values(), strict=True)
            )

        indexers = self._indexers
        indices, values = build(indexers)
        with self._lock:
            if self._indexers is not indexers:
                # add_indexers ran meanwhile (rare): index again with the full set.
                indexers = self._indexers
                indices, values = build(indexers)
            self._items = items
            self._values = values
            self._indices = indices
            self._specs = self._make_specs(indexers, indices)
            self._last_rv = resource_version

    def transaction(self, transactions: Iterable[Transaction]) -> None:
        """Apply a batch of writes in order, as one atomic step for readers (spec C-21).

        Keys (and transforms and encodings of adds and updates) are computed first, without the
        lock; then every write runs under one lock acquisition, so readers see none or all of
        the batch. A write that fails (key, transform, codec or index function) is skipped,
        leaving the store as the earlier writes made it, and the others are still applied. The
        last store-sync RV follows the applied writes, as if each was done alone (spec C-20).

        Raises:
            TransactionError: Some writes failed; it lists which ones succeeded and why the
                others failed.
        """
        transform, codec = self._transform, self._codec
        # (position, type, key, object, stored form, resource version) per write that got a key.
        prepared: list[tuple[int, TransactionType, str, Any, Any, str | None]] = []
        failures: list[tuple[int, KinformerError]] = []
        total = 0
        for position, txn in enumerate(transactions):
            total += 1
            obj = stored = txn.obj
            try:
                key = self._key_of(obj)
                rv = _resource_version(obj)
                if txn.type is not TransactionType.DELETE:
                    if transform is not None:
                        obj = stored = _transformed(transform, obj)
                    if codec is not None:
                        stored = _encoded(codec, obj)
            except (KeyFuncError, TransformError, CodecError) as error:
                failures.append((position, error))
                continue
            prepared.append((position, txn.type, key, obj, stored, rv))
        successful: list[int] = []
        with self._lock:
            last_rv = self._last_rv
            for position, kind, key, obj, stored, rv in prepared:
                try:
                    if kind is TransactionType.DELETE:
                        self._remove(key)
                    else:
                        self._store(key, stored, obj)
                except IndexFuncError as error:
                    failures.append((position, error))
                    continue
                successful.append(position)
                if rv is not None:
                    last_rv = rv
            self._last_rv = last_rv  # once: lock-free readers never see a mid-batch RV
        if failures:
            failures.sort(key=lambda failure: failure[0])
            raise TransactionError(successful, total, [error for _, error in failures])

    def bookmark(self, resource_version: str) -> None:
        """Record ``resource_version`` as the last store-sync RV without a write (spec C-12)."""
        with self._lock:
            self._last_rv = resource_version

    def add_indexers(self, indexers: Indexers) -> None:
        """Register more indexes and index every stored object in them at once (spec C-18).

        Works at any time, also after objects are stored (client-go ≥ v0.30). In the compact
        mode every stored object is decoded once (one at a time) to compute its new values.

        Raises:
            IndexerConflictError: Some names already exist; it names them all, and nothing was
                added.
            IndexFuncError: A new index function failed on a stored object; nothing was added.
        """
        with self._lock:
            clashes = sorted(name for name in indexers if name in self._indexers)
            if clashes:
                raise IndexerConflictError(clashes)
            added = dict(indexers)
            items, codec, old_values = self._items, self._codec, self._values
            if codec is None or old_values is None:
                new_indices = self._build_indices(added, items)
            else:
                decode = codec.decode
                new_indices, new_values = self._build_compact(
                    added, ((key, decode(s), s) for key, s in items.items())
                )
                if new_values:
                    self._values = {
                        key: old_values.get(key, _NO_VALUES) + values
                        for key, values in new_values.items()
                    }
            all_indexers = {**self._indexers, **added}
            all_indices = {**self._indices, **new_indices}
            self._indexers = all_indexers
            self._indices = all_indices
            self._specs = self._make_specs(all_indexers, all_indices)

    # ------------------------------------------------------------------------------------ reads

    def get(self, obj: object) -> T | None:
        """The stored object with ``obj``'s key, or ``None`` (spec C-8).

        Raises:
            KeyFuncError: The key function failed.
        """
        return self.get_by_key(self._key_of(obj))

    def get_by_key(self, key: str) -> T | None:
        """The object under ``key``, or ``None`` (spec C-8).

        The stored instance itself, or a new decoded object in the compact mode.
        """
        with self._lock:
            stored = self._items.get(key)
        codec = self._codec
        if codec is None or stored is None:
            return stored
        return codec.decode(stored)

    def list(self) -> builtins.list[T]:
        """All stored objects, in unspecified order (spec C-9)."""
        with self._lock:
            stored = list(self._items.values())
        return self._decoded(stored)

    def list_keys(self) -> builtins.list[str]:
        """All keys, in unspecified order (spec C-9)."""
        with self._lock:
            return list(self._items)

    def index(self, name: str, obj: object) -> builtins.list[T]:
        """Stored objects sharing at least one value of index ``name`` with ``obj`` (spec C-16).

        Each object appears once; unspecified order. ``obj`` itself need not be stored.

        Raises:
            IndexNotFoundError: ``name`` is not a registered index.
            IndexFuncError: The index function failed on ``obj``.
        """
        index_func = self._indexers.get(name)
        if index_func is None:
            raise IndexNotFoundError(name)
        try:
            values = index_func(obj)
        except Exception as error:
            raise IndexFuncError(name, None, error) from error
        with self._lock:
            index = self._indices[name]
            if len(values) == 1:
                members = index.get(values[0])
                stored = [] if members is None else list(members.values())
            else:
                merged: dict[str, Any] = {}
                for value in values:
                    members = index.get(value)
                    if members is not None:
                        merged.update(members)
                stored = list(merged.values())
        return self._decoded(stored)

    def by_index(self, name: str, value: str) -> builtins.list[T]:
        """Stored objects with ``value`` among their values in index ``name`` (spec C-17).

        Unspecified order; an unknown value gives ``[]``.

        Raises:
            IndexNotFoundError: ``name`` is not a registered index.
        """
        with self._lock:
            index = self._indices.get(name)
            if index is None:
                raise IndexNotFoundError(name)
            members = index.get(value)
            stored = [] if members is None else list(members.values())
        return self._decoded(stored)

    def index_keys(self, name: str, value: str) -> builtins.list[str]:
        """Keys of the objects with ``value`` in index ``name``, sorted ascending (spec C-17).

        Raises:
            IndexNotFoundError: ``name`` is not a registered index.
        """
        with self._lock:
            index = self._indices.get(name)
            if index is None:
                raise IndexNotFoundError(name)
            return sorted(index.get(value, ()))

    def list_index_func_values(self, name: str) -> builtins.list[str]:
        """Values of index ``name`` that map to at least one key, unspecified order (spec C-17).

        An unknown index gives ``[]``, not an error (client-go does the same).
        """
        with self._lock:
            return list(self._indices.get(name, ()))

    @property
    def indexers(self) -> Mapping[str, IndexFunc]:
        """The registered indexes, name → function: a read-only snapshot (spec C-17)."""
        return MappingProxyType(self._indexers)

    @property
    def last_store_sync_resource_version(self) -> str:
        """The RV of the last write or bookmark, ``""`` before any (spec C-12, C-20).

        Client-go answers ``""`` while its ``AtomicFIFO`` gate is off; kinformer always tracks.
        """
        return self._last_rv

    def __len__(self) -> int:
        """The number of stored objects."""
        with self._lock:
            return len(self._items)

    def __contains__(self, key: object) -> bool:
        """Whether an object is stored under ``key`` (a key, not an object)."""
        with self._lock:
            return key in self._items

    # -------------------------------------------------------------------------------- internals

    def _key_of(self, obj: object) -> str:
        try:
            return self._key_func(obj)
        except KeyFuncError:
            raise
        except Exception as error:
            raise KeyFuncError(obj, str(error)) from error

    def _decoded(self, stored: builtins.list[Any]) -> builtins.list[T]:
        """Readers' objects from stored forms, outside the lock (decoding is pure)."""
        codec = self._codec
        if codec is None:
            return stored
        return builtins.list(map(codec.decode, stored))

    def _store(self, key: str, stored: Any, obj: Any) -> Any:
        """Upsert under the lock: compute every index change, then mutate (spec C-14).

        ``stored`` is ``obj``'s stored form. Returns the stored form it replaced, or ``None``.
        """
        items = self._items
        old = items.get(key)
        specs = self._specs
        if not specs:
            items[key] = stored
            return old
        kept = self._values
        if kept is not None:
            return self._store_compact(key, stored, obj, old, kept)
        changes: builtins.list[_Change] = []
        old_values: Sequence[str]
        for name, index_func, index in specs:
            try:
                new_values = index_func(obj)
                old_values = _NO_STRINGS if old is None else index_func(old)
            except Exception as error:
                raise IndexFuncError(name, key, error) from error
            if len(new_values) == 1 and len(old_values) == 1 and new_values[0] == old_values[0]:
                # spec C-14, the common case: one unchanged value. The key stays in its value
                # map, only the object it maps to is refreshed (nothing removed or re-added).
                old_values = _NO_STRINGS
            changes.append((index, old_values, new_values))
        items[key] = obj
        for changed, removed, added in changes:
            _unindex(changed, key, removed)
            _index(changed, key, obj, added)
        return old

    def _store_compact(
        self, key: str, stored: Any, obj: Any, old: Any, kept: dict[str, _Values]
    ) -> Any:
        """:meth:`_store` with kept values: only ``obj``'s are computed, the old ones are kept."""
        specs = self._specs
        new_values: builtins.list[Sequence[str]] = []
        for name, index_func, _ in specs:
            try:
                new_values.append(tuple(index_func(obj)))
            except Exception as error:
                raise IndexFuncError(name, key, error) from error
        self._items[key] = stored
        if old is None:
            for (_, _, index), added in zip(specs, new_values, strict=True):
                _index(index, key, stored, added)
        else:
            for (_, _, index), removed, added in zip(specs, kept[key], new_values, strict=True):
                if len(added) == 1 and len(removed) == 1 and added[0] == removed[0]:
                    index[added[0]][key] = stored  # spec C-14: one unchanged value
                else:
                    _unindex(index, key, removed)
                    _index(index, key, stored, added)
        kept[key] = tuple(new_values)
        return old

    def _remove(self, key: str) -> Any:
        """Delete under the lock: compute the stored object's values, then mutate (spec C-14).

        In the compact mode the kept values serve and no index function runs. Returns the
        stored form it removed, or ``None``.
        """
        items = self._items
        old = items.get(key)
        if old is None:
            return None
        specs = self._specs
        kept = self._values
        if kept is not None:
            for (_, _, index), removed in zip(specs, kept.pop(key, _NO_VALUES), strict=True):
                _unindex(index, key, removed)
        elif specs:
            all_values: builtins.list[builtins.list[str]] = []
            for name, index_func, _ in specs:
                try:
                    all_values.append(index_func(old))
                except Exception as error:
                    raise IndexFuncError(name, key, error) from error
            for (_, _, index), values in zip(specs, all_values, strict=True):
                _unindex(index, key, values)
        del items[key]
        return old

    @staticmethod
    def _build_indices(
        indexers: Mapping[str, IndexFunc], items: Mapping[str, object]
    ) -> dict[str, _Index]:
        indices: dict[str, _Index] = {}
        for name, index_func in indexers.items():
            index: _Index = {}
            for key, obj in items.items():
                try:
                    values = index_func(obj)
                except Exception as error:
                    raise IndexFuncError(name, key, error) from error
                _index(index, key, obj, values)
            indices[name] = index
        return indices

    @staticmethod
    def _build_compact(
        indexers: Mapping[str, IndexFunc], entries: Iterable[_Entry]
    ) -> tuple[dict[str, _Index], dict[str, _Values]]:
        """Value maps and kept values of ``indexers`` for ``entries`` (key, object, stored form).

        Raises:
            IndexFuncError: An index function failed; nothing else was changed.
        """
        funcs = tuple(indexers.items())
        indices: dict[str, _Index] = {name: {} for name in indexers}
        values: dict[str, _Values] = {}
        if not funcs:
            return indices, values
        targets = tuple(indices.values())
        for key, obj, stored in entries:
            per_index: builtins.list[Sequence[str]] = []
            for name, index_func in funcs:
                try:
                    per_index.append(tuple(index_func(obj)))
                except Exception as error:
                    raise IndexFuncError(name, key, error) from error
            for index, added in zip(targets, per_index, strict=True):
                _index(index, key, stored, added)
            values[key] = tuple(per_index)
        return indices, values

    @staticmethod
    def _make_specs(
        indexers: Mapping[str, IndexFunc], indices: Mapping[str, _Index]
    ) -> tuple[_Spec, ...]:
        return tuple((name, index_func, indices[name]) for name, index_func in indexers.items())


def _index(index: _Index, key: str, stored: object, values: Sequence[str]) -> None:
    for value in values:
        members = index.get(value)
        if members is None:
            index[value] = {key: stored}
        else:
            members[key] = stored


def _unindex(index: _Index, key: str, values: Sequence[str]) -> None:
    # A value listed twice finds its map already gone the second time.
    for value in values:
        members = index.get(value)
        if members is not None:
            members.pop(key, None)
            if not members:
                del index[value]  # spec C-14: no empty value sets.


def _transformed(transform: Callable[[T], T], obj: T) -> T:
    try:
        return transform(obj)
    except Exception as error:
        raise TransformError(error) from error


def _encoded(codec: Codec[T], obj: T) -> Any:
    try:
        return codec.encode(obj)
    except Exception as error:
        raise CodecError(error) from error


def _resource_version(obj: object) -> str | None:
    """``metadata.resourceVersion`` (``""`` if unset), or ``None`` without metadata (spec C-20)."""
    meta = object_meta(obj)
    if meta is None:
        return None
    rv = meta.get("resourceVersion")
    return rv if isinstance(rv, str) else ""
