"""The sample-controller's controller: Foo -> an owned Deployment (kubernetes/sample-controller).

The same job as ``controller.go`` of kubernetes/sample-controller, built from kinformer's
public API only:

* two shared informers from one :class:`~kinformer.SharedInformerFactory`: Foos
  (``samplecontroller.k8s.io/v1alpha1``) and Deployments;
* Foo events enqueue the Foo's key; Deployment events enqueue the key of the Foo that
  controls the Deployment (its ownerReference with ``controller: true``), if any;
* a :class:`~kinformer.RateLimitingQueue` named ``foos`` and :func:`~kinformer.run_workers`
  reconcile keys with :meth:`Controller.sync_handler`, retrying failures with back-off;
* ``sync_handler`` reads through listers, creates the Deployment if missing, refuses to
  touch one that another owner controls (a ``Warning`` ``ErrResourceExists`` Event, no
  adoption), scales it to ``spec.replicas``, copies ``status.availableReplicas`` to the
  Foo's status subresource and records a ``Synced`` Event.
"""

from __future__ import annotations

import copy
import logging
import threading
from typing import Any

from kinformer import (
    Client,
    DeletedFinalStateUnknown,
    NotFoundError,
    RateLimitingQueue,
    ResourceInfo,
    SharedInformerFactory,
    meta_namespace_key,
    run_workers,
    split_meta_namespace_key,
)

from .events import NORMAL, WARNING, EventRecorder

__all__ = [
    "CONTROLLER_AGENT_NAME",
    "DEPLOYMENTS",
    "ERR_RESOURCE_EXISTS",
    "FOOS",
    "MESSAGE_RESOURCE_EXISTS",
    "MESSAGE_RESOURCE_SYNCED",
    "SUCCESS_SYNCED",
    "Controller",
    "new_deployment",
]

CONTROLLER_AGENT_NAME = "sample-controller"
#: Event reason when a Foo is synced.
SUCCESS_SYNCED = "Synced"
#: Event reason when a Deployment of the wanted name exists and is not controlled by the Foo.
ERR_RESOURCE_EXISTS = "ErrResourceExists"
#: Go's ``"Resource %q already exists and is not managed by Foo"``.
MESSAGE_RESOURCE_EXISTS = 'Resource "{}" already exists and is not managed by Foo'
MESSAGE_RESOURCE_SYNCED = "Foo synced successfully"

FOOS = ResourceInfo(
    group="samplecontroller.k8s.io", version="v1alpha1", resource="foos", kind="Foo"
)
DEPLOYMENTS = ResourceInfo(group="apps", version="v1", resource="deployments", kind="Deployment")

logger = logging.getLogger("sample-controller")


def controller_of(obj: dict[str, Any]) -> dict[str, Any] | None:
    """The ownerReference with ``controller: true`` (``metav1.GetControllerOf``)."""
    for reference in obj.get("metadata", {}).get("ownerReferences") or ():
        if reference.get("controller"):
            return dict(reference)
    return None


def is_controlled_by(obj: dict[str, Any], owner: dict[str, Any]) -> bool:
    """``metav1.IsControlledBy``: the controller reference points at ``owner``'s uid."""
    reference = controller_of(obj)
    return reference is not None and reference.get("uid") == owner["metadata"].get("uid")


def new_deployment(foo: dict[str, Any]) -> dict[str, Any]:
    """The Deployment a Foo wants: nginx, ``spec.replicas`` copies, controlled by the Foo."""
    meta = foo["metadata"]
    labels = {"app": "nginx", "controller": meta["name"]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": foo["spec"]["deploymentName"],
            "namespace": meta["namespace"],
            "ownerReferences": [
                {
                    "apiVersion": FOOS.api_version,
                    "kind": FOOS.kind,
                    "name": meta["name"],
                    "uid": meta["uid"],
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
        },
        "spec": {
            "replicas": foo["spec"].get("replicas"),
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "nginx", "image": "nginx:latest"}]},
            },
        },
    }


class Controller:
    """Keeps one Deployment per Foo, scaled to the Foo's replicas.

    Args:
        client: the API client for writes (Deployments, Foo status, Events).
        factory: the informer factory; the controller asks it for the Foo and Deployment
            informers, so create the controller before ``factory.start()``.
        recorder: where Events go (default: Events from ``sample-controller``).
    """

    def __init__(
        self,
        client: Client,
        factory: SharedInformerFactory,
        *,
        recorder: EventRecorder | None = None,
    ) -> None:
        self.client = client
        self.factory = factory
        self.recorder = recorder or EventRecorder(client, CONTROLLER_AGENT_NAME)
        self.queue: RateLimitingQueue[str] = RateLimitingQueue(name="foos")
        self.foos = factory.informer(FOOS)
        self.deployments = factory.informer(DEPLOYMENTS)
        self.foos_lister = self.foos.lister
        self.deployments_lister = self.deployments.lister
        self.foos.add_event_handler(
            on_add=lambda foo, _initial: self.enqueue_foo(foo),
            on_update=lambda _old, new: self.enqueue_foo(new),
        )
        self.deployments.add_event_handler(
            on_add=lambda obj, _initial: self.handle_object(obj),
            on_update=self._on_deployment_update,
            on_delete=self.handle_object,
        )

    # ------------------------------------------------------------------ handlers

    def enqueue_foo(self, foo: Any) -> None:
        """Put a Foo's ``namespace/name`` key on the work queue."""
        self.queue.add(meta_namespace_key(foo))

    def _on_deployment_update(self, old: Any, new: Any) -> None:
        # Periodic resyncs send updates with the same resourceVersion: nothing changed.
        if old["metadata"].get("resourceVersion") == new["metadata"].get("resourceVersion"):
            return
        self.handle_object(new)

    def handle_object(self, obj: Any) -> None:
        """Enqueue the Foo that controls a Deployment, if there is one (``handleObject``)."""
        if isinstance(obj, DeletedFinalStateUnknown):
            obj = obj.obj
            if obj is None:
                return
        owner = controller_of(obj)
        if owner is None or owner.get("kind") != FOOS.kind:
            return
        namespace = obj["metadata"].get("namespace", "")
        try:
            foo = self.foos_lister.namespaced(namespace).get(owner["name"])
        except NotFoundError:
            logger.debug("ignoring orphaned object %s/%s", namespace, obj["metadata"]["name"])
            return
        self.enqueue_foo(foo)

    # ------------------------------------------------------------------ reconcile

    def sync_handler(self, key: str) -> None:
        """Bring the world in line with the Foo ``key``; raises to be retried (``syncHandler``)."""
        namespace, name = split_meta_namespace_key(key)
        try:
            foo = self.foos_lister.namespaced(namespace or "").get(name)
        except NotFoundError:
            logger.info("foo %r in work queue no longer exists", key)
            return
        deployment_name = (foo.get("spec") or {}).get("deploymentName")
        if not deployment_name:
            logger.error("%s: deployment name must be specified", key)
            return
        try:
            deployment = self.deployments_lister.namespaced(namespace or "").get(deployment_name)
        except NotFoundError:
            deployment = self.client.create(DEPLOYMENTS, new_deployment(foo), namespace=namespace)
        if not is_controlled_by(deployment, foo):
            message = MESSAGE_RESOURCE_EXISTS.format(deployment_name)
            self.recorder.event(foo, WARNING, ERR_RESOURCE_EXISTS, message)
            raise RuntimeError(message)
        replicas = foo["spec"].get("replicas")
        if replicas is not None and replicas != deployment["spec"].get("replicas"):
            logger.info("foo %s replicas: %s, deployment replicas: %s", key, replicas,
                        deployment["spec"].get("replicas"))  # fmt: skip
            deployment = self.client.replace(DEPLOYMENTS, new_deployment(foo), namespace=namespace)
        self.update_foo_status(foo, deployment)
        self.recorder.event(foo, NORMAL, SUCCESS_SYNCED, MESSAGE_RESOURCE_SYNCED)

    def update_foo_status(self, foo: dict[str, Any], deployment: dict[str, Any]) -> None:
        """Copy ``status.availableReplicas`` to the Foo through its status subresource."""
        available = (deployment.get("status") or {}).get("availableReplicas", 0)
        if (foo.get("status") or {}).get("availableReplicas") == available:
            return
        # Never modify objects from the cache: work on a copy.
        foo_copy = copy.deepcopy(foo)
        foo_copy["status"] = {**(foo_copy.get("status") or {}), "availableReplicas": available}
        self.client.replace(FOOS, foo_copy, subresource="status")

    # ------------------------------------------------------------------ running

    def run(self, stop: threading.Event, *, workers: int = 2, sync_timeout: float = 60.0) -> None:
        """Start the informers, wait for their caches, run ``workers`` until ``stop`` is set.

        Blocks; the informers and the queue are shut down before it returns.
        """
        self.factory.start()
        try:
            synced = self.factory.wait_for_cache_sync(timeout=sync_timeout)
            if not all(synced.values()):
                raise RuntimeError(f"failed to wait for caches to sync: {synced}")
            logger.info("caches synced; starting %d workers", workers)
            runner = threading.Thread(
                target=run_workers,
                args=(self.queue, self.sync_handler),
                kwargs={"workers": workers},
                name="sample-controller-workers",
                daemon=True,
            )
            runner.start()
            stop.wait()
            logger.info("shutting down workers")
            self.queue.shutdown()
            runner.join()
        finally:
            self.queue.shutdown()
            self.factory.shutdown()
