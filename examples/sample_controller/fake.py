"""The sample-controller's fake cluster: a FakeApiServer with the Foo CRD installed.

A real cluster runs kube-controller-manager, whose deployment controller makes Pods and
reports ``status.availableReplicas``; the fake API server has no controllers.
:class:`SimulatedDeploymentController` stands in for it: shortly after a Deployment's
``spec.replicas`` changes, it sets ``status.availableReplicas`` to match (and
``observedGeneration``), through the status subresource, as the real one would once the Pods
were ready.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import yaml

from kinformer import (
    ApiError,
    Client,
    DelayingQueue,
    NotFoundError,
    SharedInformerFactory,
    ShutDown,
    meta_namespace_key,
    split_meta_namespace_key,
)

from .controller import DEPLOYMENTS, FOOS

__all__ = ["HERE", "SimulatedDeploymentController", "install_crd", "load_manifest"]

HERE = Path(__file__).resolve().parent
logger = logging.getLogger("sample-controller.fake")


def load_manifest(name: str) -> dict[str, Any]:
    """One YAML manifest shipped next to this file (``crd.yaml``, ``foo.yaml``)."""
    loaded = yaml.safe_load((HERE / name).read_text())
    assert isinstance(loaded, dict)
    return loaded


def install_crd(client: Client, *, timeout: float = 30.0) -> None:
    """Create the Foo CRD (if missing) and wait until ``foos`` are served.

    An API server needs a moment after the create before it serves the new resource
    (404, then 429 while its storage starts): poll the list until it answers.
    """
    crd = load_manifest("crd.yaml")
    try:
        client.create("customresourcedefinitions.apiextensions.k8s.io", crd)
    except ApiError as error:
        if error.code != 409:
            raise
    deadline = time.monotonic() + timeout
    while True:
        try:
            client.list(FOOS, namespace="default")
            return
        except ApiError as error:
            if error.code not in (404, 429) or time.monotonic() > deadline:
                raise
        time.sleep(0.1)


class SimulatedDeploymentController:
    """Sets each Deployment's ``status.availableReplicas`` to ``spec.replicas`` after ``delay``.

    Built like any kinformer controller: a Deployment informer whose handlers put keys on a
    :class:`~kinformer.DelayingQueue` with ``add_after``, and one worker.
    """

    def __init__(self, client: Client, *, delay: float = 0.5) -> None:
        self._client = client
        self._delay = delay
        self._factory = SharedInformerFactory(client)
        self._queue: DelayingQueue[str] = DelayingQueue(name="simulated-deployments")
        informer = self._factory.informer(DEPLOYMENTS)
        self._lister = informer.lister
        informer.add_event_handler(
            on_add=lambda obj, _initial: self._enqueue(obj),
            on_update=lambda _old, new: self._enqueue(new),
        )
        self._thread = threading.Thread(target=self._work, name="simulated-kcm", daemon=True)

    def _enqueue(self, deployment: Any) -> None:
        self._queue.add_after(meta_namespace_key(deployment), self._delay)

    def start(self) -> None:
        """Start the informer and the worker; returns at once."""
        self._factory.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop the worker and the informer."""
        self._queue.shutdown()
        self._factory.shutdown()
        if self._thread.is_alive():
            self._thread.join()

    def _work(self) -> None:
        while True:
            try:
                key = self._queue.get()
            except ShutDown:
                return
            try:
                self._sync(key)
            except ApiError as error:
                logger.debug("simulated deployment controller: %s: %s", key, error)
                self._queue.add_after(key, self._delay)
            finally:
                self._queue.done(key)

    def _sync(self, key: str) -> None:
        namespace, name = split_meta_namespace_key(key)
        try:
            deployment = self._lister.namespaced(namespace or "").get(name)
        except NotFoundError:
            return
        replicas = deployment["spec"].get("replicas", 1)
        status = deployment.get("status") or {}
        generation = deployment["metadata"].get("generation", 0)
        if (
            status.get("availableReplicas") == replicas
            and status.get("observedGeneration") == generation
        ):
            return
        updated = dict(deployment)
        updated["status"] = {
            **status,
            "observedGeneration": generation,
            "replicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "updatedReplicas": replicas,
        }
        self._client.replace(DEPLOYMENTS, updated, subresource="status")
        logger.info("deployment %s: %d available replicas", key, replicas)
