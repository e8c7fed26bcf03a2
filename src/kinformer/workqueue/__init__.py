"""kinformer.workqueue: work queues and rate limiters (client-go ``util/workqueue``).

Controllers put keys on a queue from their event handlers; workers take them off, reconcile,
and retry failures with rate limiting (spec section G):

* :class:`WorkQueue` / :class:`AsyncWorkQueue`: deduplicating FIFO with processing tracking;
* :class:`DelayingQueue` / :class:`AsyncDelayingQueue`: plus ``add_after(item, seconds)``;
* :class:`RateLimitingQueue` / :class:`AsyncRateLimitingQueue`: plus ``add_rate_limited``,
  ``forget``, ``num_requeues`` over a :class:`RateLimiter`;
* rate limiters with client-go's values, e.g. :func:`default_controller_rate_limiter`;
* :func:`run_workers` / :func:`run_workers_async`: N workers over a reconcile function;
* :func:`parallelize_until`; metric hooks (:class:`MetricsProvider`,
  :func:`set_metrics_provider`).

>>> queue: RateLimitingQueue[str] = RateLimitingQueue()
>>> queue.add("default/web-1")
>>> item = queue.get()
>>> queue.forget(item)
>>> queue.done(item)
>>> queue.shutdown()
"""

from __future__ import annotations

from ._asyncio import (
    AsyncDelayingQueue as AsyncDelayingQueue,
    AsyncRateLimitingQueue as AsyncRateLimitingQueue,
    AsyncWorkQueue as AsyncWorkQueue,
)
from ._metrics import (
    MetricsProvider as MetricsProvider,
    NoopMetricsProvider as NoopMetricsProvider,
    set_metrics_provider as set_metrics_provider,
)
from ._parallelizer import parallelize_until as parallelize_until
from ._queue import ShutDown as ShutDown
from ._rate_limiters import (
    BucketRateLimiter as BucketRateLimiter,
    ItemExponentialFailureRateLimiter as ItemExponentialFailureRateLimiter,
    ItemFastSlowRateLimiter as ItemFastSlowRateLimiter,
    MaxOfRateLimiter as MaxOfRateLimiter,
    RateLimiter as RateLimiter,
    WithMaxWaitRateLimiter as WithMaxWaitRateLimiter,
    default_controller_rate_limiter as default_controller_rate_limiter,
    default_item_based_rate_limiter as default_item_based_rate_limiter,
)
from ._threads import (
    DelayingQueue as DelayingQueue,
    RateLimitingQueue as RateLimitingQueue,
    WorkQueue as WorkQueue,
)
from ._workers import (
    process_next_work_item as process_next_work_item,
    process_next_work_item_async as process_next_work_item_async,
    run_workers as run_workers,
    run_workers_async as run_workers_async,
)

__all__ = [
    "AsyncDelayingQueue",
    "AsyncRateLimitingQueue",
    "AsyncWorkQueue",
    "BucketRateLimiter",
    "DelayingQueue",
    "ItemExponentialFailureRateLimiter",
    "ItemFastSlowRateLimiter",
    "MaxOfRateLimiter",
    "MetricsProvider",
    "NoopMetricsProvider",
    "RateLimiter",
    "RateLimitingQueue",
    "ShutDown",
    "WithMaxWaitRateLimiter",
    "WorkQueue",
    "default_controller_rate_limiter",
    "default_item_based_rate_limiter",
    "parallelize_until",
    "process_next_work_item",
    "process_next_work_item_async",
    "run_workers",
    "run_workers_async",
    "set_metrics_provider",
]

# Public objects present themselves as kinformer.workqueue.X (httpx/trio).
for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
