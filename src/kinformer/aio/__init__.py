"""kinformer.aio: the asyncio API, with the same names as :mod:`kinformer`.

>>> from kinformer.aio import Client, SharedInformerFactory  # doctest: +SKIP
>>> async with Client.from_kubeconfig() as client:  # doctest: +SKIP
...     async with SharedInformerFactory(client, resync_period=30.0) as factory:
...         pods = await factory.informer("pods")
...         await factory.start()
...         await factory.wait_for_cache_sync(timeout=60)
"""

from __future__ import annotations

from .._sync import async_wait_for_cache_sync as wait_for_cache_sync
from ..cache._informer_asyncio import AsyncSharedIndexInformer as SharedIndexInformer
from ..cache._reflector_asyncio import AsyncReflector as Reflector
from ..informers._factory_asyncio import AsyncSharedInformerFactory as SharedInformerFactory
from ..informers._listwatch import AsyncHTTPListerWatcher as HTTPListerWatcher
from ..leaderelection import AsyncLeaderElector as LeaderElector
from ..transport import AsyncClient as Client
from ..workqueue import (
    AsyncDelayingQueue as DelayingQueue,
    AsyncRateLimitingQueue as RateLimitingQueue,
    AsyncWorkQueue as WorkQueue,
    run_workers_async as run_workers,
)

__all__ = [
    "Client",
    "DelayingQueue",
    "HTTPListerWatcher",
    "LeaderElector",
    "RateLimitingQueue",
    "Reflector",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "WorkQueue",
    "run_workers",
    "wait_for_cache_sync",
]
