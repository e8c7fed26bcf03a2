"""Discovery: fetch what the server serves, cache it, resolve names (client-go ``discovery``).

Asks ``/api`` and ``/apis`` for aggregated discovery (``apidiscovery.k8s.io/v2``, one
request each) with a plain JSON fallback, as client-go does; a server that answers with
the legacy documents (``APIVersions``, ``APIGroupList``) is then walked group-version by
group-version. A group-version that fails (an aggregated API that is down) is skipped with a
warning, as kubectl does.

The result is cached; :meth:`Discovery.resolve` refreshes it once when a name is not found
(a CRD created since), then raises :class:`ResourceNotFoundError` with close matches.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, final

from kinformer._errors import ApiError, TransportError

from ._resolver import DiscoveryIndex, ResourceInfo

__all__ = ["AGGREGATED_ACCEPT", "AsyncDiscovery", "Discovery", "legacy_index"]

AGGREGATED_ACCEPT: Final = (
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
)

_log = logging.getLogger("kinformer.transport")

#: ``fetch(path, accept) -> (content_type, document)``; raises ApiError/TransportError.
Fetch = Callable[[str, str], tuple[str, dict[str, Any]]]
AsyncFetch = Callable[[str, str], Awaitable[tuple[str, dict[str, Any]]]]


def _is_aggregated(content_type: str) -> bool:
    return "as=APIGroupDiscoveryList" in content_type


def legacy_paths(api: Mapping[str, Any], apis: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(group-version, path)`` of every ``APIResourceList`` the legacy documents point to."""
    paths = [(str(v), f"/api/{v}") for v in api.get("versions") or []]
    for group in apis.get("groups") or []:
        for version in group.get("versions") or []:
            group_version = str(version.get("groupVersion", ""))
            paths.append((group_version, f"/apis/{group_version}"))
    return paths


def legacy_index(
    api: Mapping[str, Any], apis: Mapping[str, Any], lists: Mapping[str, Mapping[str, Any]]
) -> DiscoveryIndex:
    """The index of legacy documents: the core group first, then ``apis.groups`` in order."""
    core = {"name": "", "versions": [{"version": str(v)} for v in api.get("versions") or []]}
    return DiscoveryIndex.from_legacy([core, *(apis.get("groups") or [])], lists)


@final
class Discovery:
    """Cached discovery for a threads client (thread-safe)."""

    def __init__(self, fetch: Fetch) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._index: DiscoveryIndex | None = None
        self.fetches = 0

    def index(self, *, refresh: bool = False) -> DiscoveryIndex:
        """The cached index; fetched on first use and when ``refresh`` is true."""
        with self._lock:
            if self._index is None or refresh:
                self._index = self._load()
            return self._index

    def invalidate(self) -> None:
        """Forget the cache; the next call fetches again."""
        with self._lock:
            self._index = None

    def resolve(self, name: str) -> ResourceInfo:
        """The resource ``name`` designates; refreshes once on a miss, then raises."""
        found = self.index().resolve(name)
        if found is None:
            index = self.index(refresh=True)
            found = index.resolve(name)
            if found is None:
                raise index.not_found(name)
        return found

    def _load(self) -> DiscoveryIndex:
        self.fetches += 1
        api_type, api = self._fetch("/api", AGGREGATED_ACCEPT)
        apis_type, apis = self._fetch("/apis", AGGREGATED_ACCEPT)
        if _is_aggregated(api_type) and _is_aggregated(apis_type):
            return DiscoveryIndex.from_aggregated(api, apis)
        lists: dict[str, dict[str, Any]] = {}
        for group_version, path in legacy_paths(api, apis):
            try:
                lists[group_version] = self._fetch(path, "application/json")[1]
            except (ApiError, TransportError) as error:
                _log.warning("couldn't get resource list for %s: %s", group_version, error)
        return legacy_index(api, apis, lists)


@final
class AsyncDiscovery:
    """Cached discovery for an asyncio client (one fetch at a time)."""

    def __init__(self, fetch: AsyncFetch) -> None:
        self._fetch = fetch
        self._lock = asyncio.Lock()
        self._index: DiscoveryIndex | None = None
        self.fetches = 0

    async def index(self, *, refresh: bool = False) -> DiscoveryIndex:
        """The cached index; fetched on first use and when ``refresh`` is true."""
        async with self._lock:
            if self._index is None or refresh:
                self._index = await self._load()
            return self._index

    def invalidate(self) -> None:
        """Forget the cache; the next call fetches again."""
        self._index = None

    async def resolve(self, name: str) -> ResourceInfo:
        """The resource ``name`` designates; refreshes once on a miss, then raises."""
        found = (await self.index()).resolve(name)
        if found is None:
            index = await self.index(refresh=True)
            found = index.resolve(name)
            if found is None:
                raise index.not_found(name)
        return found

    async def _load(self) -> DiscoveryIndex:
        self.fetches += 1
        api_type, api = await self._fetch("/api", AGGREGATED_ACCEPT)
        apis_type, apis = await self._fetch("/apis", AGGREGATED_ACCEPT)
        if _is_aggregated(api_type) and _is_aggregated(apis_type):
            return DiscoveryIndex.from_aggregated(api, apis)
        lists: dict[str, dict[str, Any]] = {}
        for group_version, path in legacy_paths(api, apis):
            try:
                lists[group_version] = (await self._fetch(path, "application/json"))[1]
            except (ApiError, TransportError) as error:
                _log.warning("couldn't get resource list for %s: %s", group_version, error)
        return legacy_index(api, apis, lists)
