"""ListerWatchers over HTTP: the reflector's requests as :mod:`kinformer.transport` calls.

client-go ``NewFilteredListWatchFromClient`` (spec A-23): every list and watch carries the
informer's namespace and selectors, then ``tweak_list_options`` may change anything (even
the resourceVersion or the limit) after the reflector filled the options.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from typing import Any, final

from ..cache._listwatch import WatchEventLike
from ..cache._reflector import ListPage, OpenWatch
from ..transport import AsyncClient, Client, ListOptions, ResourceInfo

__all__ = ["AsyncHTTPListerWatcher", "HTTPListerWatcher", "ListWatchScope", "TweakListOptions"]

TweakListOptions = Callable[[ListOptions], ListOptions]


@final
@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class ListWatchScope:
    """What every list and watch of one informer asks for.

    ``namespace`` None means all namespaces (ignored for cluster-scoped resources);
    ``metadata_only`` asks for ``PartialObjectMetadata`` (names, labels, owners only).
    """

    resource: ResourceInfo
    namespace: str | None = None
    label_selector: str | None = None
    field_selector: str | None = None
    tweak_list_options: TweakListOptions | None = None
    metadata_only: bool = False

    def list_options(self, page: ListPage) -> ListOptions:
        return self._tweak(
            ListOptions(
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                resource_version=page.resource_version or None,
                resource_version_match=page.resource_version_match or None,
                limit=page.limit,
                continue_token=page.continue_token or None,
                as_metadata=self.metadata_only,
            )
        )

    def watch_options(self, request: OpenWatch) -> ListOptions:
        return self._tweak(
            ListOptions(
                label_selector=self.label_selector,
                field_selector=self.field_selector,
                resource_version=request.resource_version or None,
                resource_version_match=request.resource_version_match or None,
                timeout_seconds=request.timeout_seconds,
                allow_watch_bookmarks=request.allow_watch_bookmarks,
                send_initial_events=True if request.send_initial_events else None,
                as_metadata=self.metadata_only,
            )
        )

    @property
    def request_namespace(self) -> str | None:
        return self.namespace if self.resource.namespaced else None

    def _tweak(self, options: ListOptions) -> ListOptions:
        return options if self.tweak_list_options is None else self.tweak_list_options(options)


@final
class _Stream:
    """A transport watch as a :class:`~kinformer.cache._listwatch.WatchStream`."""

    __slots__ = ("_events",)

    def __init__(self, events: Any) -> None:
        self._events = events

    def __iter__(self) -> Iterator[WatchEventLike]:
        return iter(self._events)

    def close(self) -> None:
        self._events.close()  # kinformer.transport.WatchEvents.close: safe from any thread


@final
class HTTPListerWatcher:
    """Lists and watches one resource through a threads :class:`~kinformer.transport.Client`."""

    __slots__ = ("_client", "_scope")

    def __init__(self, client: Client, scope: ListWatchScope) -> None:
        self._client = client
        self._scope = scope

    def list(self, page: ListPage) -> Mapping[str, Any]:
        scope = self._scope
        return self._client.list(
            scope.resource, namespace=scope.request_namespace, params=scope.list_options(page)
        )

    @contextmanager
    def watch(self, request: OpenWatch) -> Iterator[_Stream]:
        scope = self._scope
        with self._client.watch(
            scope.resource, namespace=scope.request_namespace, params=scope.watch_options(request)
        ) as events:
            yield _Stream(events)


@final
class _AsyncStream:
    """A transport watch as an :class:`~kinformer.cache._listwatch.AsyncWatchStream`.

    ``close()`` (from another task) cancels the task iterating the stream and turns that
    cancellation into the end of the iteration, so a stalled read ends at once.
    """

    __slots__ = ("_closing", "_events", "_reader")

    def __init__(self, events: Any) -> None:
        self._events = events
        self._reader: asyncio.Task[Any] | None = None
        self._closing = False

    def __aiter__(self) -> AsyncIterator[WatchEventLike]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[WatchEventLike]:
        self._reader = asyncio.current_task()
        try:
            async for event in self._events:
                yield event
        except asyncio.CancelledError:
            reader = self._reader
            if not self._closing or reader is None or reader.cancelling() != 1:
                raise
            reader.uncancel()
        finally:
            self._reader = None

    def close(self) -> None:
        reader = self._reader
        if reader is not None and not self._closing and reader is not asyncio.current_task():
            self._closing = True
            reader.cancel()


@final
class AsyncHTTPListerWatcher:
    """Lists and watches one resource through an :class:`~kinformer.transport.AsyncClient`."""

    __slots__ = ("_client", "_scope")

    def __init__(self, client: AsyncClient, scope: ListWatchScope) -> None:
        self._client = client
        self._scope = scope

    async def list(self, page: ListPage) -> Mapping[str, Any]:
        scope = self._scope
        return await self._client.list(
            scope.resource, namespace=scope.request_namespace, params=scope.list_options(page)
        )

    @asynccontextmanager
    async def watch(self, request: OpenWatch) -> AsyncIterator[_AsyncStream]:
        scope = self._scope
        async with self._client.watch(
            scope.resource, namespace=scope.request_namespace, params=scope.watch_options(request)
        ) as events:
            yield _AsyncStream(events)
