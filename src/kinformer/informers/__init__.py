"""kinformer.informers: shared informer factories and the HTTP lister-watchers (client-go
``informers``, ``dynamicinformer``, ``metadatainformer``).
"""

from __future__ import annotations

from ._factory import SharedInformerFactory as SharedInformerFactory
from ._factory_asyncio import AsyncSharedInformerFactory as AsyncSharedInformerFactory
from ._listwatch import (
    AsyncHTTPListerWatcher as AsyncHTTPListerWatcher,
    HTTPListerWatcher as HTTPListerWatcher,
    ListWatchScope as ListWatchScope,
)

__all__ = [
    "AsyncHTTPListerWatcher",
    "AsyncSharedInformerFactory",
    "HTTPListerWatcher",
    "ListWatchScope",
    "SharedInformerFactory",
]
