"""Object keys and tombstones (client-go ``tools/cache/store.go``, ``object-names.go``).

Objects are the API server's JSON decoded to plain dicts. An object's *key* is
``"<namespace>/<name>"``, or ``"<name>"`` for cluster-scoped objects (spec C-1). Keys are the
canonical identity everywhere in kinformer; UIDs are ignored (spec M-5).

Names and namespaces are not validated: a "/" in a name gives an ambiguous key, as in
client-go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, final

from ._errors import KeyFuncError

__all__ = [
    "DeletedFinalStateUnknown",
    "ExplicitKey",
    "ObjectName",
    "deletion_handling_meta_namespace_key",
    "meta_namespace_key",
    "object_meta",
    "split_meta_namespace_key",
]


@final
class ExplicitKey(str):
    """A string that is its own key (client-go ``ExplicitKey``): ``meta_namespace_key`` returns it."""

    __slots__ = ()


@final
@dataclass(frozen=True, slots=True)
class DeletedFinalStateUnknown:
    """A tombstone: the object was deleted but its final state was not observed (spec B-2).

    Produced only when a relist finds that a key disappeared. ``obj`` is the last known state
    (possibly stale) or ``None``.
    """

    key: str
    obj: Any


def object_meta(obj: object) -> Mapping[str, Any] | None:
    """``obj["metadata"]`` if ``obj`` is a mapping with a mapping under ``metadata``, else None."""
    # ``type(x) is dict`` first: decoded JSON is always a dict, and the ABC check costs more
    # than the rest of a key computation (this runs several times per cache write).
    if type(obj) is dict or isinstance(obj, Mapping):
        meta = obj.get("metadata")
        if type(meta) is dict or isinstance(meta, Mapping):
            return meta
    return None


def meta_namespace_key(obj: object) -> str:
    """``"ns/name"`` or ``"name"`` for an object (spec C-1).

    An :class:`ExplicitKey` is returned unchanged. Raises :class:`KeyFuncError` ("object has no
    meta") for anything without a ``metadata`` mapping.

    >>> meta_namespace_key({"metadata": {"namespace": "default", "name": "web-1"}})
    'default/web-1'
    >>> meta_namespace_key({"metadata": {"name": "node-a"}})
    'node-a'
    """
    if isinstance(obj, ExplicitKey):
        return obj
    meta = object_meta(obj)
    if meta is None:
        raise KeyFuncError(obj, f"object has no meta: {_short(obj)}")
    name = meta.get("name") or ""
    namespace = meta.get("namespace")
    if namespace:
        return f"{namespace}/{name}"
    return str(name)


def deletion_handling_meta_namespace_key(obj: object) -> str:
    """A tombstone's ``key``, otherwise :func:`meta_namespace_key` (spec C-2).

    The key function of every informer's indexer.
    """
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    return meta_namespace_key(obj)


def split_meta_namespace_key(key: str) -> tuple[str, str]:
    """``(namespace, name)`` from a key (spec C-3).

    One part gives ``("", part)``; two parts give both, empty parts included
    (``"/x"`` → ``("", "x")``, ``"ns/"`` → ``("ns", "")``); three or more raise ``ValueError``.

    >>> split_meta_namespace_key("default/web-1")
    ('default', 'web-1')
    >>> split_meta_namespace_key("node-a")
    ('', 'node-a')
    """
    parts = key.split("/")
    if len(parts) == 1:
        return "", parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    raise ValueError(f"unexpected key format: {_go_quote(key)}")


@final
@dataclass(frozen=True, slots=True)
class ObjectName:
    """A namespace and a name (spec C-4); ``str()`` is the object's key."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.namespace else self.name

    @classmethod
    def parse(cls, key: str) -> ObjectName:
        """The inverse of ``str()``: :func:`split_meta_namespace_key` (spec C-3)."""
        namespace, name = split_meta_namespace_key(key)
        return cls(namespace, name)

    @classmethod
    def of(cls, obj: object) -> ObjectName:
        """The name of an object or a tombstone (``DeletionHandlingObjectToName``, spec C-4)."""
        return cls.parse(deletion_handling_meta_namespace_key(obj))


_SHORT_LIMIT: Final = 80


def _go_quote(text: str) -> str:
    """``text`` double-quoted with escapes, like Go's ``%q`` (``json.dumps`` differs only in rare escapes)."""
    return json.dumps(text, ensure_ascii=False)


def _short(obj: object) -> str:
    """A bounded ``repr`` for error messages (objects can be megabytes)."""
    text = repr(obj)
    return text if len(text) <= _SHORT_LIMIT else text[: _SHORT_LIMIT - 3] + "..."
