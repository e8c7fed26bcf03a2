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
from ._backoff import (
    REFLECTOR_BACKOFF as REFLECTOR_BACKOFF,
    Backoff as Backoff,
    BackoffDelay as BackoffDelay,
)
from ._codec import Codec as Codec, CodecError as CodecError, JSONCodec as JSONCodec
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
    Indexers as Indexers,
    IndexFunc as IndexFunc,
    IndexFuncError as IndexFuncError,
    IndexNotFoundError as IndexNotFoundError,
    KeyFunc as KeyFunc,
    Transaction as Transaction,
    TransactionError as TransactionError,
    TransactionType as TransactionType,
    TransformError as TransformError,
    index_func_to_key_func_adapter as index_func_to_key_func_adapter,
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
from ._pager import ListPager as ListPager
from ._real_fifo import RealFIFO as RealFIFO
from ._reflector import (
    STOP as STOP,
    HandleWatchError as HandleWatchError,
    ListPage as ListPage,
    OpenWatch as OpenWatch,
    ReflectorCounters as ReflectorCounters,
    ReflectorMachine as ReflectorMachine,
    ReflectorOptions as ReflectorOptions,
    ReflectorStore as ReflectorStore,
    Sleep as Sleep,
    Stop as Stop,
    default_watch_error_handler as default_watch_error_handler,
)
from ._reflector_asyncio import AsyncReflector as AsyncReflector
from ._reflector_threads import Reflector as Reflector

__all__ = [
    "NAMESPACE_INDEX",
    "REFLECTOR_BACKOFF",
    "STOP",
    "AsyncListerWatcher",
    "AsyncReflector",
    "AsyncSharedIndexInformer",
    "Backoff",
    "BackoffDelay",
    "BookmarkInfo",
    "Codec",
    "CodecError",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "Deltas",
    "ExplicitKey",
    "FilteringResourceEventHandler",
    "HandleWatchError",
    "HandlerRegistration",
    "IndexFunc",
    "IndexFuncError",
    "IndexNotFoundError",
    "Indexer",
    "IndexerConflictError",
    "Indexers",
    "InformerOptions",
    "JSONCodec",
    "KeyFunc",
    "ListPage",
    "ListPager",
    "Lister",
    "ListerWatcher",
    "NamespaceLister",
    "ObjectName",
    "OpenWatch",
    "QueueMode",
    "RealFIFO",
    "Reflector",
    "ReflectorCounters",
    "ReflectorMachine",
    "ReflectorOptions",
    "ReflectorStore",
    "ReplacedAllInfo",
    "ResourceEventHandler",
    "ResourceEventHandlerFuncs",
    "SharedIndexInformer",
    "Sleep",
    "Stop",
    "SyncAllInfo",
    "Transaction",
    "TransactionError",
    "TransactionType",
    "TransformError",
    "default_watch_error_handler",
    "deletion_handling_meta_namespace_key",
    "index_func_to_key_func_adapter",
    "meta_namespace_index_func",
    "meta_namespace_key",
    "split_meta_namespace_key",
    "strip_managed_fields",
]
