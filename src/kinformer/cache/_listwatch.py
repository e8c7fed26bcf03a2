"""What a reflector needs from the API: list one page, open one watch stream.

Mirrors client-go ``tools/cache/listwatch.go`` (``ListerWatcher``), as two protocols (threads
and asyncio). :mod:`kinformer.informers` builds the HTTP implementations over
:mod:`kinformer.transport`; tests may plug in anything that behaves alike.

A watch stream is an iterator of events (objects with ``type`` and ``object`` attributes,
such as :class:`kinformer.transport.WatchEvent`) with a ``close()`` that may be called from
another thread (threads) or task (asyncio) to end a stalled stream: the blocked iteration then
ends, normally or with an exception.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import AbstractAsyncContextManager, AbstractContextManager
from typing import Any, Protocol

from ._reflector import ListPage, OpenWatch

__all__ = [
    "AsyncListerWatcher",
    "AsyncWatchStream",
    "ListerWatcher",
    "WatchEventLike",
    "WatchStream",
]


class WatchEventLike(Protocol):
    """One decoded watch event."""

    @property
    def type(self) -> str: ...

    @property
    def object(self) -> Any: ...


class WatchStream(Protocol):
    """An open watch: iterate for events; ``close()`` ends it from any thread."""

    def __iter__(self) -> Iterator[WatchEventLike]: ...

    def close(self) -> None: ...


class AsyncWatchStream(Protocol):
    """An open watch: ``async for`` the events; ``close()`` ends it from any task."""

    def __aiter__(self) -> AsyncIterator[WatchEventLike]: ...

    def close(self) -> None: ...


class ListerWatcher(Protocol):
    """The threads flavour: blocking list and watch."""

    def list(self, page: ListPage) -> Mapping[str, Any]:
        """One list page: ``{"metadata": {"resourceVersion", "continue"}, "items": [...]}``."""
        ...

    def watch(self, request: OpenWatch) -> AbstractContextManager[WatchStream]:
        """Open a watch stream; leaving the block closes it."""
        ...


class AsyncListerWatcher(Protocol):
    """The asyncio flavour."""

    async def list(self, page: ListPage) -> Mapping[str, Any]: ...

    def watch(self, request: OpenWatch) -> AbstractAsyncContextManager[AsyncWatchStream]: ...
