"""kinformer: Kubernetes informers for Python.

client-go's informer machinery (reflector, DeltaFIFO, indexed cache, shared informers,
factory, listers, work queues) with a threads API (``kinformer``) and an asyncio API
(``kinformer.aio``). See ``docs/`` and the README.
"""

from __future__ import annotations

from ._errors import (
    AlreadyExistsError as AlreadyExistsError,
    ApiError as ApiError,
    BadRequestError as BadRequestError,
    ConfigError as ConfigError,
    ConflictError as ConflictError,
    ExpiredError as ExpiredError,
    FIFOClosedError as FIFOClosedError,
    ForbiddenError as ForbiddenError,
    GoneError as GoneError,
    InvalidError as InvalidError,
    KeyFuncError as KeyFuncError,
    KinformerError as KinformerError,
    NotFoundError as NotFoundError,
    ResourceNotFoundError as ResourceNotFoundError,
    TooManyRequestsError as TooManyRequestsError,
    TransportError as TransportError,
    UnauthorizedError as UnauthorizedError,
)
from ._objects import (
    DeletedFinalStateUnknown as DeletedFinalStateUnknown,
    ObjectName as ObjectName,
    deletion_handling_meta_namespace_key as deletion_handling_meta_namespace_key,
    meta_namespace_key as meta_namespace_key,
    split_meta_namespace_key as split_meta_namespace_key,
)
from ._sync import wait_for_cache_sync as wait_for_cache_sync
from ._version import __version__ as __version__
from .cache import (
    NAMESPACE_INDEX as NAMESPACE_INDEX,
    Delta as Delta,
    DeltaFIFO as DeltaFIFO,
    DeltaType as DeltaType,
    HandlerRegistration as HandlerRegistration,
    Indexer as Indexer,
    InformerOptions as InformerOptions,
    Lister as Lister,
    NamespaceLister as NamespaceLister,
    RealFIFO as RealFIFO,
    Reflector as Reflector,
    ResourceEventHandler as ResourceEventHandler,
    SharedIndexInformer as SharedIndexInformer,
    strip_managed_fields as strip_managed_fields,
)
from .informers import (
    HTTPListerWatcher as HTTPListerWatcher,
    SharedInformerFactory as SharedInformerFactory,
)
from .leaderelection import LeaderElector as LeaderElector
from .transport import Client as Client, ClientConfig as ClientConfig, ResourceInfo as ResourceInfo
from .workqueue import (
    DelayingQueue as DelayingQueue,
    RateLimitingQueue as RateLimitingQueue,
    ShutDown as ShutDown,
    WorkQueue as WorkQueue,
    default_controller_rate_limiter as default_controller_rate_limiter,
    run_workers as run_workers,
)

__all__ = [
    "NAMESPACE_INDEX",
    "AlreadyExistsError",
    "ApiError",
    "BadRequestError",
    "Client",
    "ClientConfig",
    "ConfigError",
    "ConflictError",
    "DelayingQueue",
    "DeletedFinalStateUnknown",
    "Delta",
    "DeltaFIFO",
    "DeltaType",
    "ExpiredError",
    "FIFOClosedError",
    "ForbiddenError",
    "GoneError",
    "HTTPListerWatcher",
    "HandlerRegistration",
    "Indexer",
    "InformerOptions",
    "InvalidError",
    "KeyFuncError",
    "KinformerError",
    "LeaderElector",
    "Lister",
    "NamespaceLister",
    "NotFoundError",
    "ObjectName",
    "RateLimitingQueue",
    "RealFIFO",
    "Reflector",
    "ResourceEventHandler",
    "ResourceInfo",
    "ResourceNotFoundError",
    "SharedIndexInformer",
    "SharedInformerFactory",
    "ShutDown",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "WorkQueue",
    "__version__",
    "default_controller_rate_limiter",
    "deletion_handling_meta_namespace_key",
    "meta_namespace_key",
    "run_workers",
    "split_meta_namespace_key",
    "strip_managed_fields",
    "wait_for_cache_sync",
]
