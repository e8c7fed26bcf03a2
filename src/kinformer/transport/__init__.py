"""kinformer.transport: talking to a real API server.

Client configuration (kubeconfig, in-cluster, exec plugins), discovery and kubectl-style
resource names, the threads and asyncio HTTP clients, and the watch-stream decoder.
"""

from __future__ import annotations

from ._auth import KubeAuth as KubeAuth
from ._config import ClientConfig as ClientConfig, ExecConfig as ExecConfig
from ._discovery import AsyncDiscovery as AsyncDiscovery, Discovery as Discovery
from ._exec import ExecPluginError as ExecPluginError
from ._http import AsyncClient as AsyncClient, Client as Client, WatchEvents as WatchEvents
from ._incluster import in_cluster_config as in_cluster_config
from ._kubeconfig import load_kubeconfig as load_kubeconfig
from ._resolver import DiscoveryIndex as DiscoveryIndex, ResourceInfo as ResourceInfo
from ._wire import (
    ListOptions as ListOptions,
    MalformedWatchEventError as MalformedWatchEventError,
    PatchType as PatchType,
    TruncatedWatchStreamError as TruncatedWatchStreamError,
    WatchDecoder as WatchDecoder,
    WatchEvent as WatchEvent,
    WatchStreamError as WatchStreamError,
)

__all__ = [
    "AsyncClient",
    "AsyncDiscovery",
    "Client",
    "ClientConfig",
    "Discovery",
    "DiscoveryIndex",
    "ExecConfig",
    "ExecPluginError",
    "KubeAuth",
    "ListOptions",
    "MalformedWatchEventError",
    "PatchType",
    "ResourceInfo",
    "TruncatedWatchStreamError",
    "WatchDecoder",
    "WatchEvent",
    "WatchEvents",
    "WatchStreamError",
    "in_cluster_config",
    "load_kubeconfig",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
