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
from ._version import __version__ as __version__

__all__ = [
    "AlreadyExistsError",
    "ApiError",
    "BadRequestError",
    "ConfigError",
    "ConflictError",
    "ExpiredError",
    "FIFOClosedError",
    "ForbiddenError",
    "GoneError",
    "InvalidError",
    "KeyFuncError",
    "KinformerError",
    "NotFoundError",
    "ResourceNotFoundError",
    "TooManyRequestsError",
    "TransportError",
    "UnauthorizedError",
    "__version__",
]
