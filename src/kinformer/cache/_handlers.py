"""Event handlers: the protocol, the keyword adapter and the filtering adapter.

Mirrors client-go ``tools/cache/controller.go`` (``ResourceEventHandler``,
``ResourceEventHandlerFuncs``, ``FilteringResourceEventHandler``; spec D.6).

A handler receives three kinds of notification, per listener in the order they were
distributed (spec D-54):

* ``on_add(obj, is_in_initial_list)`` — ``is_in_initial_list`` is true for the adds of the
  informer's initial list and for the synthetic adds a late registration receives (D-44);
* ``on_update(old, new)`` — ``old is new`` (same resourceVersion) for periodic resyncs;
* ``on_delete(obj)`` — ``obj`` is the final state, or a
  :class:`~kinformer.DeletedFinalStateUnknown` when the deletion was detected by a relist.

Handlers must not mutate the objects they receive: they are the cache's own instances.
Under asyncio, a handler method may be a coroutine function; it is awaited before the next
notification of that listener.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, final, runtime_checkable

from .._objects import DeletedFinalStateUnknown

__all__ = [
    "FilteringResourceEventHandler",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "as_handler",
    "check_unmodified",
    "snapshot",
]


@runtime_checkable
class ResourceEventHandler(Protocol):
    """What an informer calls (spec D.6). Return values are ignored (awaited under asyncio)."""

    def on_add(self, obj: Any, is_in_initial_list: bool) -> object: ...

    def on_update(self, old: Any, new: Any) -> object: ...

    def on_delete(self, obj: Any) -> object: ...


AddFunc = Callable[[Any, bool], object]
UpdateFunc = Callable[[Any, Any], object]
DeleteFunc = Callable[[Any], object]
FilterFunc = Callable[[Any], bool]


@final
@dataclass(frozen=True, slots=True)
class ResourceEventHandlerFuncs:
    """A handler from functions; a missing function ignores its notifications (spec D-71).

    ``on_add`` receives ``(obj, is_in_initial_list)`` (client-go's
    ``ResourceEventHandlerDetailedFuncs``; kinformer has only this form).
    """

    add: AddFunc | None = None
    update: UpdateFunc | None = None
    delete: DeleteFunc | None = None

    def on_add(self, obj: Any, is_in_initial_list: bool) -> object:
        return None if self.add is None else self.add(obj, is_in_initial_list)

    def on_update(self, old: Any, new: Any) -> object:
        return None if self.update is None else self.update(old, new)

    def on_delete(self, obj: Any) -> object:
        return None if self.delete is None else self.delete(obj)


@final
@dataclass(frozen=True, slots=True)
class FilteringResourceEventHandler:
    """Forwards to ``handler`` what passes ``filter``, with client-go's transitions (spec D-70).

    * add / delete: forwarded iff ``filter(obj)``; a tombstone is given to the filter as is;
    * update: both pass → ``on_update(old, new)``; only ``new`` → ``on_add(new, False)``;
      only ``old`` → ``on_delete(old)`` (the plain old object, not a tombstone); neither →
      nothing.
    """

    filter: FilterFunc
    handler: ResourceEventHandler

    def on_add(self, obj: Any, is_in_initial_list: bool) -> object:
        return self.handler.on_add(obj, is_in_initial_list) if self.filter(obj) else None

    def on_update(self, old: Any, new: Any) -> object:
        new_passes = self.filter(new)
        old_passes = self.filter(old)
        if new_passes and old_passes:
            return self.handler.on_update(old, new)
        if new_passes:
            return self.handler.on_add(new, False)
        if old_passes:
            return self.handler.on_delete(old)
        return None

    def on_delete(self, obj: Any) -> object:
        return self.handler.on_delete(obj) if self.filter(obj) else None


def as_handler(
    handler: ResourceEventHandler | None = None,
    *,
    on_add: AddFunc | None = None,
    on_update: UpdateFunc | None = None,
    on_delete: DeleteFunc | None = None,
    filter: FilterFunc | None = None,
) -> ResourceEventHandler:
    """One handler from an object with the three methods, or from keyword functions.

    Raises ``TypeError`` when both or neither are given, or when ``handler`` lacks a method.
    """
    has_funcs = on_add is not None or on_update is not None or on_delete is not None
    if handler is not None and has_funcs:
        raise TypeError(
            "pass either a handler object or on_add/on_update/on_delete functions, not both"
        )
    if handler is None:
        if not has_funcs:
            raise TypeError(
                "add_event_handler needs a handler or at least one of on_add/on_update/on_delete"
            )
        handler = ResourceEventHandlerFuncs(on_add, on_update, on_delete)
    elif not isinstance(handler, ResourceEventHandler):
        raise TypeError(f"{handler!r} has no on_add/on_update/on_delete methods")
    if filter is not None:
        handler = FilteringResourceEventHandler(filter, handler)
    return handler


def notification_key(obj: Any) -> str:
    """A best-effort key for log lines about a notification (never raises)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    if isinstance(obj, dict):
        meta = obj.get("metadata")
        if isinstance(meta, dict):
            namespace = meta.get("namespace")
            name = meta.get("name", "")
            return f"{namespace}/{name}" if namespace else str(name)
    return "<unknown>"


def snapshot(obj: Any) -> Any:
    """A deep copy of ``obj`` for :func:`check_unmodified` (the mutation detector, D-57)."""
    if isinstance(obj, DeletedFinalStateUnknown):
        return None  # tombstones are ignored, as in client-go
    return _deep_copy(obj)


def check_unmodified(obj: Any, copy_before: Any) -> str | None:
    """After a handler returned: restore ``obj`` if it was changed, and say where.

    Returns ``None`` when ``obj`` equals its copy; otherwise puts the copy's content back in
    place (so the cache is repaired for every other reader) and returns a message naming
    the object's key.
    """
    if copy_before is None or obj == copy_before:
        return None
    if isinstance(obj, dict):
        obj.clear()
        obj.update(copy_before)
    return f"cache object {notification_key(obj)} was modified by a handler; restored (handlers must not mutate cached objects)"


def _deep_copy(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _deep_copy(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_deep_copy(v) for v in obj]
    return obj
