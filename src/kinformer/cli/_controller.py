"""The controller of ``kinformer demo``: deployment keys on a work queue, reconciled by workers.

What a client-go controller does (``kubernetes/sample-controller``), on kinformer's API:
handlers on the deployments and pods informers put ``namespace/name`` keys of deployments on a
:class:`~kinformer.workqueue.RateLimitingQueue` (deduplicated while waiting, spec G-1 … G-3);
:func:`~kinformer.workqueue.run_workers` runs the workers; a reconcile reads only the caches
(listers, the namespace index, and the pods-by-node index) and fails now and then on purpose,
so that the queue's rate limiter spaces the retries (spec G-15).
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from typing import Any, Final, final

from .._errors import NotFoundError
from ..cache._informer_threads import SharedIndexInformer
from ..workqueue import RateLimitingQueue, run_workers
from ._views import ControllerView

__all__ = [
    "FAILURE_RATE",
    "NODE_INDEX",
    "WORKERS",
    "Controller",
    "deployment_key_of_pod",
    "node_of",
    "object_key",
]

NODE_INDEX: Final = "by-node"
WORKERS: Final = 2
FAILURE_RATE: Final = 0.05


def node_of(obj: Any) -> list[str]:
    """Index function: the node a pod is bound to (``spec.nodeName``), none when unscheduled."""
    node = (obj.get("spec") or {}).get("nodeName") if isinstance(obj, dict) else None
    return [node] if node else []


def deployment_key_of_pod(pod: Any) -> str | None:
    """``namespace/deployment`` of a pod owned by a deployment's ReplicaSet, else ``None``.

    The ReplicaSet is named ``<deployment>-<pod-template-hash>``, as the deployment
    controller names it.
    """
    if not isinstance(pod, dict):
        return None
    meta = pod.get("metadata") or {}
    template_hash = (meta.get("labels") or {}).get("pod-template-hash")
    for owner in meta.get("ownerReferences") or ():
        name = owner.get("name", "")
        if (
            owner.get("kind") == "ReplicaSet"
            and template_hash
            and name.endswith(f"-{template_hash}")
        ):
            return f"{meta.get('namespace', '')}/{name[: -len(template_hash) - 1]}"
    return None


def object_key(obj: Any) -> str:
    """``namespace/name`` (``name`` for cluster-scoped objects)."""
    meta = (obj.get("metadata") or {}) if isinstance(obj, dict) else {}
    namespace = meta.get("namespace")
    return f"{namespace}/{meta.get('name')}" if namespace else str(meta.get("name"))


class _SimulatedFailure(Exception):
    """The controller fails on purpose to show rate-limited retries."""


@final
class Controller:
    """Deployment keys on a rate-limited queue, reconciled by two workers.

    A reconcile reads the deployment through its lister, its pods through the pods lister (by
    namespace index and label selector) and the by-node index; it counts ready pods. It fails
    on purpose with probability ``FAILURE_RATE``; the item is then retried with the queue's
    rate limiter (``add_rate_limited``), as client-go controllers do (spec G-15).
    """

    def __init__(
        self, deployments: SharedIndexInformer, pods: SharedIndexInformer, *, seed: int
    ) -> None:
        self.queue: RateLimitingQueue[str] = RateLimitingQueue(name="deployments")
        self._deployments = deployments
        self._pods = pods
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.reconciles = 0
        self.failures = 0
        self.retries = 0
        self.last_result = ""
        self.failed: deque[tuple[float, str]] = deque(maxlen=50)
        self._thread: threading.Thread | None = None

    # handlers -------------------------------------------------------------------------------

    def on_deployment_add(self, obj: Any, is_in_initial_list: bool) -> None:
        self.queue.add(object_key(obj))

    def on_deployment_update(self, old: Any, new: Any) -> None:
        self.queue.add(object_key(new))

    def on_deployment_delete(self, obj: Any) -> None:
        # A DeletedFinalStateUnknown carries the key (spec D-16); a plain object its metadata.
        self.queue.add(getattr(obj, "key", None) or object_key(obj))

    def on_pod_add(self, obj: Any, is_in_initial_list: bool) -> None:
        self._enqueue_owner(obj)

    def on_pod_update(self, old: Any, new: Any) -> None:
        self._enqueue_owner(new)

    def on_pod_delete(self, obj: Any) -> None:
        self._enqueue_owner(getattr(obj, "obj", obj))

    def _enqueue_owner(self, pod: Any) -> None:
        key = deployment_key_of_pod(pod)
        if key is not None:
            self.queue.add(key)

    # workers --------------------------------------------------------------------------------

    def start(self) -> None:
        """Run the workers (kinformer's ``run_workers``) in the background."""
        self._thread = threading.Thread(
            target=run_workers,
            args=(self.queue, self._reconcile_and_count),
            kwargs={"workers": WORKERS},
            name="demo-workers",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Shut the queue down; ``run_workers`` returns once every worker has."""
        self.queue.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _reconcile_and_count(self, key: str) -> None:
        """``reconcile`` plus the numbers on screen; ``run_workers`` retries what raises."""
        retry = self.queue.num_requeues(key) > 0
        try:
            result = self.reconcile(key)
        except _SimulatedFailure as error:
            with self._lock:
                self.failures += 1
                self.retries += retry
            attempt = self.queue.num_requeues(key) + 1
            self.failed.append((time.monotonic(), f"{key}: {error}; retry #{attempt} rate-limited"))
            raise
        with self._lock:
            self.reconciles += 1
            self.retries += retry
            self.last_result = result

    def reconcile(self, key: str) -> str:
        namespace, _, name = key.partition("/")
        try:
            deployment = self._deployments.lister.namespaced(namespace).get(name)
        except NotFoundError:
            return f"{key}: deleted, nothing to do"
        match_labels = ((deployment.get("spec") or {}).get("selector") or {}).get(
            "matchLabels"
        ) or {}
        selector = ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))
        pods = self._pods.lister.namespaced(namespace).list(selector)
        ready = sum(1 for pod in pods if _is_ready(pod))
        nodes = {node for pod in pods for node in node_of(pod)}
        busiest = max(
            nodes, key=lambda n: len(self._pods.indexer.index_keys(NODE_INDEX, n)), default=None
        )
        if self._rng.random() < FAILURE_RATE:
            raise _SimulatedFailure("simulated conflict writing status")
        desired = (deployment.get("spec") or {}).get("replicas", 0)
        on_busiest = (
            f", busiest node {busiest} holds {len(self._pods.indexer.index_keys(NODE_INDEX, busiest))} pods"
            if busiest
            else ""
        )
        return f"{key}: {ready}/{desired} ready on {len(nodes)} nodes{on_busiest}"

    def view(self, reconciles_per_second: float) -> ControllerView:
        with self._lock:
            return ControllerView(
                workers=WORKERS,
                queue_depth=len(self.queue),
                reconciles=self.reconciles,
                reconciles_per_second=reconciles_per_second,
                failures=self.failures,
                retries=self.retries,
                last_result=self.last_result,
                busiest_nodes=self._busiest_nodes(),
            )

    def _busiest_nodes(self) -> list[tuple[str, int]]:
        indexer = self._pods.indexer
        counts = [
            (node, len(indexer.index_keys(NODE_INDEX, node)))
            for node in indexer.list_index_func_values(NODE_INDEX)
        ]
        counts.sort(key=lambda item: (-item[1], item[0]))
        return counts[:3]


def _is_ready(pod: Any) -> bool:
    for condition in (pod.get("status") or {}).get("conditions") or ():
        if condition.get("type") == "Ready":
            return bool(condition.get("status") == "True")
    return False
