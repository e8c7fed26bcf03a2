"""kinformer.leaderelection: leader election on ``coordination.k8s.io/v1`` Leases.

client-go's ``tools/leaderelection`` (spec section H) for both runtimes: candidates that
share a Lease elect one leader, which renews the Lease before its renew deadline and gives it
up on shutdown if asked to. Expiry is judged with each candidate's local clock (H-4).

>>> import threading
>>> from kinformer import Client  # doctest: +SKIP
>>> elector = LeaderElector(  # doctest: +SKIP
...     Client.from_kubeconfig(), lease_name="my-controller", namespace="default",
...     identity="pod-a", on_started_leading=lambda lost: run_controller(lost),
...     on_stopped_leading=lambda: print("stopped leading"), release_on_cancel=True)
>>> threading.Thread(target=elector.run).start()  # doctest: +SKIP
"""

from __future__ import annotations

from ._asyncio import AsyncLeaderElector as AsyncLeaderElector
from ._core import (
    DEFAULT_LEASE_DURATION as DEFAULT_LEASE_DURATION,
    DEFAULT_RENEW_DEADLINE as DEFAULT_RENEW_DEADLINE,
    DEFAULT_RETRY_PERIOD as DEFAULT_RETRY_PERIOD,
    JITTER_FACTOR as JITTER_FACTOR,
    LeaderElectionCheckError as LeaderElectionCheckError,
    LeaderElectionRecord as LeaderElectionRecord,
)
from ._lease_lock import (
    AsyncLeaseLock as AsyncLeaseLock,
    LeaseLock as LeaseLock,
    check_lock_type as check_lock_type,
)
from ._threads import LeaderElector as LeaderElector

__all__ = [
    "DEFAULT_LEASE_DURATION",
    "DEFAULT_RENEW_DEADLINE",
    "DEFAULT_RETRY_PERIOD",
    "JITTER_FACTOR",
    "AsyncLeaderElector",
    "AsyncLeaseLock",
    "LeaderElectionCheckError",
    "LeaderElectionRecord",
    "LeaderElector",
    "LeaseLock",
    "check_lock_type",
]

for _name in (
    "AsyncLeaderElector",
    "AsyncLeaseLock",
    "LeaderElectionCheckError",
    "LeaderElectionRecord",
    "LeaseLock",
    "LeaderElector",
    "check_lock_type",
):
    globals()[_name].__module__ = __name__
del _name
