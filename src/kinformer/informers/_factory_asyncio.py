"""AsyncSharedInformerFactory: the asyncio twin of :mod:`._factory` (spec E)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Mapping
from typing import Any, final

from .._clock import Clock
from ..cache._indexer import IndexFunc
from ..cache._informer_asyncio import AsyncSharedIndexInformer
from ..cache._informer_options import InformerOptions, Transform
from ..cache._listers import Lister
from ..transport import AsyncClient, ResourceInfo
from ._factory import FactoryOptions, InformerKey, add_missing_indexers, key_of, new_informer
from ._listwatch import AsyncHTTPListerWatcher, TweakListOptions

__all__ = ["AsyncSharedInformerFactory"]


@final
class AsyncSharedInformerFactory:
    """Creates and shares informers by kubectl-style resource names (asyncio).

    Same options and contract as :class:`kinformer.SharedInformerFactory`; resolving a name
    may query discovery, so :meth:`informer` and :meth:`lister` are coroutines. Use
    ``async with factory:`` to start it and shut it down.
    """

    def __init__(
        self,
        client: AsyncClient,
        *,
        resync_period: float = 0.0,
        namespace: str | None = None,
        label_selector: str | None = None,
        field_selector: str | None = None,
        tweak_list_options: TweakListOptions | None = None,
        transform: Transform | None = None,
        custom_resync: Mapping[str, float] | None = None,
        informer_options: InformerOptions | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._client = client
        self._options = FactoryOptions(
            resync_period=resync_period,
            namespace=namespace,
            label_selector=label_selector,
            field_selector=field_selector,
            tweak_list_options=tweak_list_options,
            transform=transform,
            custom_resync=dict(custom_resync or {}),
            informer_options=informer_options or InformerOptions(),
        )
        self._clock = clock
        self._rng = rng
        self._informers: dict[InformerKey, AsyncSharedIndexInformer] = {}
        self._started: set[InformerKey] = set()
        self._shutting_down = False

    async def __aenter__(self) -> AsyncSharedInformerFactory:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.shutdown()

    def __repr__(self) -> str:
        return f"<AsyncSharedInformerFactory informers={sorted(i.name for i in self._informers.values())}>"

    @property
    def client(self) -> AsyncClient:
        """The client the informers list and watch with."""
        return self._client

    async def informer(
        self,
        resource: str | ResourceInfo,
        *,
        indexers: Mapping[str, IndexFunc] | None = None,
        metadata_only: bool = False,
    ) -> AsyncSharedIndexInformer:
        """The shared informer for ``resource``; see :meth:`kinformer.SharedInformerFactory.informer`."""
        info = await self._client.resolve(resource)
        key = key_of(info, metadata_only)
        informer = self._informers.get(key)
        if informer is None:
            informer = new_informer(
                AsyncSharedIndexInformer,
                AsyncHTTPListerWatcher(
                    self._client, self._options.scope(info, metadata_only=metadata_only)
                ),
                info,
                options=self._options,
                metadata_only=metadata_only,
                indexers=indexers,
                clock=self._clock,
                rng=self._rng,
            )
            self._informers[key] = informer
        else:
            add_missing_indexers(informer, indexers)
        return informer

    async def metadata_informer(
        self, resource: str | ResourceInfo, *, indexers: Mapping[str, IndexFunc] | None = None
    ) -> AsyncSharedIndexInformer:
        """A shared informer of ``PartialObjectMetadata`` (E-9)."""
        return await self.informer(resource, indexers=indexers, metadata_only=True)

    async def lister(
        self, resource: str | ResourceInfo, *, metadata_only: bool = False
    ) -> Lister[Any]:
        """The lister of the shared informer for ``resource``."""
        return (await self.informer(resource, metadata_only=metadata_only)).lister

    async def start(self) -> None:
        """Start every informer created and not started yet; never blocks (E-5)."""
        if self._shutting_down:
            return
        for key, informer in self._informers.items():
            if key not in self._started:
                await informer.start()
                self._started.add(key)

    async def wait_for_cache_sync(self, timeout: float | None = None) -> dict[str, bool]:
        """``{resource: synced}`` for every STARTED informer, once all synced or at ``timeout`` (E-6)."""
        started = [self._informers[k] for k in self._started]
        waits = [informer.wait_for_sync(timeout) for informer in started]
        await asyncio.gather(*waits)
        return {informer.name: informer.has_synced for informer in started}

    async def shutdown(self) -> None:
        """Stop every started informer and await their tasks; no restart (E-7)."""
        self._shutting_down = True
        await asyncio.gather(*(self._informers[k].stop() for k in self._started))
