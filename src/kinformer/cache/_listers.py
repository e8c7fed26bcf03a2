"""Listers: read-only views of an informer's cache (client-go ``tools/cache/listers.go``,
``listers/generic_helpers.go``; spec F.1).

A lister never talks to the API server: it reads the indexer, which converges to the server's
state. What it returns are the cache's own objects: do not mutate them.

>>> from kinformer.cache._indexer import Indexer, NAMESPACE_INDEX, meta_namespace_index_func
>>> indexer = Indexer(indexers={NAMESPACE_INDEX: meta_namespace_index_func})
>>> indexer.add({"metadata": {"namespace": "default", "name": "web-1", "labels": {"app": "web"}}})
>>> pods = Lister(indexer, resource="pod")
>>> [p["metadata"]["name"] for p in pods.list(label_selector="app=web")]
['web-1']
>>> pods.namespaced("default").get("web-2")
Traceback (most recent call last):
...
kinformer._errors.NotFoundError: pod "web-2" not found
"""

from __future__ import annotations

import builtins
import logging
from typing import Any, Generic, TypeVar, final

from .. import labels
from .._errors import KeyFuncError, NotFoundError
from .._objects import object_meta
from ._indexer import NAMESPACE_INDEX, Indexer, IndexNotFoundError

__all__ = ["Lister", "NamespaceLister"]

T = TypeVar("T")
_log = logging.getLogger("kinformer.lister")

LabelSelectorLike = labels.Selector | str | None


def _selector(label_selector: LabelSelectorLike) -> labels.Selector:
    if label_selector is None:
        return labels.everything()
    if isinstance(label_selector, str):
        return labels.parse(label_selector)
    return label_selector


def _matching(objects: list[T], selector: labels.Selector) -> list[T]:
    """Spec F-1: objects whose labels match; an object without metadata is an error."""
    if selector.empty:
        return objects
    matches = selector.matches
    result: list[T] = []
    for obj in objects:
        meta = object_meta(obj)
        if meta is None:
            raise KeyFuncError(obj, "object has no meta")
        if matches(meta.get("labels")):
            result.append(obj)
    return result


def _not_found(resource: str, group: str, name: str) -> NotFoundError:
    """The API server's NotFound for a lister miss (spec F-3): ``pod "web-1" not found``."""
    qualified = f"{resource}.{group}" if group else resource
    status: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": f'{qualified} "{name}" not found',
        "reason": "NotFound",
        "details": {"name": name, "group": group, "kind": resource},
        "code": 404,
    }
    return NotFoundError(status["message"], status=status)


@final
class Lister(Generic[T]):
    """All objects of one resource in an informer's cache (spec F-1 … F-3).

    ``resource`` names the resource in NotFound messages: client-go's listers use the lowercase
    singular kind (``pod``, ``deployment`` with ``group="apps"``).
    """

    __slots__ = ("_group", "_indexer", "_resource")

    def __init__(self, indexer: Indexer[T], *, resource: str, group: str = "") -> None:
        self._indexer = indexer
        self._resource = resource
        self._group = group

    def __repr__(self) -> str:
        qualified = f"{self._resource}.{self._group}" if self._group else self._resource
        return f"<Lister {qualified} objects={len(self._indexer)}>"

    @property
    def indexer(self) -> Indexer[T]:
        """The cache this lister reads."""
        return self._indexer

    def list(self, label_selector: LabelSelectorLike = None) -> list[T]:
        """Every cached object whose labels match (all of them for no selector) (spec F-1).

        ``label_selector`` is a selector string (``"app=web,tier!=db"``) or a parsed
        :class:`kinformer.labels.Selector`; an invalid string raises
        :class:`kinformer.labels.SelectorParseError`. Order is unspecified.
        """
        selector = _selector(label_selector)
        if selector.matches_nothing:
            return []
        return _matching(self._indexer.list(), selector)

    def get(self, name: str) -> T:
        """The cluster-scoped object ``name`` (key = name); raises :class:`NotFoundError` (F-3)."""
        obj = self._indexer.get_by_key(name)
        if obj is None:
            raise _not_found(self._resource, self._group, name)
        return obj

    def namespaced(self, namespace: str) -> NamespaceLister[T]:
        """The objects of one namespace (client-go ``Pods(ns)``)."""
        return NamespaceLister(self._indexer, namespace, resource=self._resource, group=self._group)

    def by_index(
        self, index_name: str, value: str, label_selector: LabelSelectorLike = None
    ) -> builtins.list[T]:
        """Cached objects whose ``index_name`` values include ``value``, filtered by labels."""
        selector = _selector(label_selector)
        if selector.matches_nothing:
            return []
        return _matching(self._indexer.by_index(index_name, value), selector)


@final
class NamespaceLister(Generic[T]):
    """The objects of one namespace in an informer's cache (spec F-2, F-3)."""

    __slots__ = ("_group", "_indexer", "_namespace", "_resource")

    def __init__(
        self, indexer: Indexer[T], namespace: str, *, resource: str, group: str = ""
    ) -> None:
        self._indexer = indexer
        self._namespace = namespace
        self._resource = resource
        self._group = group

    def __repr__(self) -> str:
        return f"<NamespaceLister {self._resource} namespace={self._namespace!r}>"

    def list(self, label_selector: LabelSelectorLike = None) -> list[T]:
        """Objects of this namespace whose labels match (spec F-2).

        Uses the ``namespace`` index; without it, scans every object (with a warning). The
        namespace ``""`` means all namespaces.
        """
        selector = _selector(label_selector)
        if selector.matches_nothing:
            return []
        if not self._namespace:
            return _matching(self._indexer.list(), selector)
        try:
            objects = self._indexer.by_index(NAMESPACE_INDEX, self._namespace)
        except IndexNotFoundError:
            _log.warning(
                "cannot retrieve list by namespace index: the %r index does not exist",
                NAMESPACE_INDEX,
            )
            objects = [obj for obj in self._indexer.list() if _namespace_of(obj) == self._namespace]
        return _matching(objects, selector)

    def get(self, name: str) -> T:
        """The object ``namespace/name``; raises :class:`NotFoundError` (spec F-3)."""
        obj = self._indexer.get_by_key(f"{self._namespace}/{name}")
        if obj is None:
            raise _not_found(self._resource, self._group, name)
        return obj


def _namespace_of(obj: Any) -> str:
    meta = object_meta(obj)
    return str(meta.get("namespace") or "") if meta is not None else ""
