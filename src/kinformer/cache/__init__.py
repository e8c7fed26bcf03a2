"""kinformer.cache: client-go's ``tools/cache`` — the indexer, the queues, the reflector, the
shared informer, listers and event handlers.
"""

from __future__ import annotations

from .._objects import (
    DeletedFinalStateUnknown as DeletedFinalStateUnknown,
    ExplicitKey as ExplicitKey,
    ObjectName as ObjectName,
    deletion_handling_meta_namespace_key as deletion_handling_meta_namespace_key,
    meta_namespace_key as meta_namespace_key,
    split_meta_namespace_key as split_meta_namespace_key,
)
from ._backoff import Backoff as Backoff
from ._fifo import (
    BookmarkInfo as BookmarkInfo,
    Delta as Delta,
    DeltaFIFO as DeltaFIFO,
    Deltas as Deltas,
    DeltaType as DeltaType,
    ReplacedAllInfo as ReplacedAllInfo,
    SyncAllInfo as SyncAllInfo,
)
from ._handlers import (
    FilteringResourceEventHandler as FilteringResourceEventHandler,
    ResourceEventHandler as ResourceEventHandler,
    ResourceEventHandlerFuncs as ResourceEventHandlerFuncs,
)
from ._indexer import (
    NAMESPACE_INDEX as NAMESPACE_INDEX,
    Indexer as Indexer,
    IndexerConflictError as IndexerConflictError,
    IndexFunc as IndexFunc,
    IndexFuncError as IndexFuncError,
    IndexNotFoundError as IndexNotFoundError,
    meta_namespace_index_func as meta_namespace_index_func,
)
from ._informer import HandlerRegistration as HandlerRegistration
from ._informer_asyncio import AsyncSharedIndexInformer as AsyncSharedIndexInformer
from ._informer_options import (
    InformerOptions as InformerOptions,
    QueueMode as QueueMode,
    strip_managed_fields as strip_managed_fields,
)
from ._informer_threads import SharedIndexInformer as SharedIndexInformer
from ._listers import Lister as Lister, NamespaceLister as NamespaceLister
from ._listwatch import (
    AsyncListerWatcher as AsyncListerWatcher,
    ListerWatcher as ListerWatcher,
)
from ._real_fifo import RealFIFO as RealFIFO
from ._reflector import (
    ReflectorCounters as ReflectorCounters,
    ReflectorMachine as ReflectorMachine,
    ReflectorOptions as ReflectorOptions,
)
from ._reflector_asyncio import AsyncReflector as AsyncReflector
from ._reflector_threads import Reflector as Reflector

__all__ = [
    "NAMESPACE_INDEX",
    "AsyncListerWatcher",
    "AsyncReflector",
    "AsyncSharedIndexInformer",
    "Backoff",
    "BookmarkInfo",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "Deltas",
    "ExplicitKey",
    "FilteringResourceEventHandler",
    "HandlerRegistration",
    "IndexFunc",
    "IndexFuncError",
    "IndexNotFoundError",
    "Indexer",
    "IndexerConflictError",
    "InformerOptions",
    "Lister",
    "ListerWatcher",
    "NamespaceLister",
    "ObjectName",
    "QueueMode",
    "RealFIFO",
    "Reflector",
    "ReflectorCounters",
    "ReflectorMachine",
    "ReflectorOptions",
    "ReplacedAllInfo",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "SharedIndexInformer",
    "SyncAllInfo",
    "deletion_handling_meta_namespace_key",
    "meta_namespace_index_func",
    "meta_namespace_key",
    "split_meta_namespace_key",
    "strip_managed_fields",
]
