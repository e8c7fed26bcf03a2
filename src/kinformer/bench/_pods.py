"""Realistic pods for the benchmarks (about 3.8 KB of JSON each), built in code.

Moved here from ``benchmarks/bench_indexer.py`` (same output for the same ``(i, rng)``) so
that the installed ``kinformer bench`` command can build them: labels, annotations,
ownerReferences, managedFields, two containers, volumes, tolerations, conditions and
container statuses, as the API server would send a running pod.

:func:`make_pods` builds ``count`` pods fast: a few hundred distinct templates from
:func:`make_pod`, each copied with its own name, uid, IPs and container ids, so every pod has
the same shape and size but no string is shared between two pods once decoded from JSON.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import orjson

__all__ = ["NAMESPACES", "Pod", "make_pod", "make_pods"]

Pod = dict[str, Any]
NAMESPACES = 50
APPS = 400


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choices("0123456789abcdef", k=n))


def _uid(rng: random.Random) -> str:
    return f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"


def _container(name: str, image: str, port: int, cpu: str, memory: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
        "resources": {
            "limits": {"cpu": cpu, "memory": memory},
            "requests": {"cpu": cpu, "memory": memory},
        },
        "volumeMounts": [
            {"name": "config", "readOnly": True, "mountPath": "/etc/config"},
        ],
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
        "imagePullPolicy": "IfNotPresent",
    }


def _status(name: str, image: str, started: str, rng: random.Random) -> dict[str, Any]:
    return {
        "name": name,
        "state": {"running": {"startedAt": started}},
        "ready": True,
        "restartCount": rng.randrange(3),
        "image": image,
        "imageID": f"{image.split(':')[0]}@sha256:{_hex(rng, 64)}",
        "containerID": f"containerd://{_hex(rng, 64)}",
        "started": True,
    }


def make_pod(i: int, rng: random.Random) -> Pod:
    """One realistic pod, as the API server would send it (about 3.5 KB of JSON)."""
    namespace = f"team-{i % NAMESPACES:02d}"
    app = f"service-{i % APPS:03d}"
    template_hash = _hex(rng, 10)
    name = f"{app}-{template_hash}-{_hex(rng, 5)}"
    started = f"2026-11-{1 + i % 27:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}Z"
    image = f"registry.example.com/{namespace}/{app}:v1.{i % 40}.{i % 7}"
    sidecar = "registry.example.com/platform/envoy:v1.31.2"
    node = f"node-{i % 300:03d}.pool-a.example.internal"
    conditions = [
        {"type": kind, "status": "True", "lastTransitionTime": started}
        for kind in (
            "Initialized",
            "Ready",
            "ContainersReady",
            "PodScheduled",
        )
    ]
    managed_fields = [
        {
            "manager": "kube-controller-manager",
            "operation": "Update",
            "apiVersion": "v1",
            "time": started,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:metadata": {
                    "f:generateName": {},
                    "f:labels": {".": {}, "f:app": {}, "f:pod-template-hash": {}},
                },
            },
        },
        {
            "manager": "kubelet",
            "operation": "Update",
            "apiVersion": "v1",
            "time": started,
            "fieldsType": "FieldsV1",
            "fieldsV1": {
                "f:status": {
                    "f:conditions": {'k:{"type":"Ready"}': {".": {}, "f:status": {}}},
                    "f:containerStatuses": {},
                    "f:podIP": {},
                    "f:startTime": {},
                }
            },
            "subresource": "status",
        },
    ]
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "generateName": f"{app}-{template_hash}-",
            "namespace": namespace,
            "uid": _uid(rng),
            "resourceVersion": str(100_000 + i),
            "creationTimestamp": started,
            "labels": {
                "app": app,
                "app.kubernetes.io/name": app,
                "app.kubernetes.io/part-of": "storefront",
                "pod-template-hash": template_hash,
                "tier": ("frontend", "backend", "worker")[i % 3],
            },
            "annotations": {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "9090",
            },
            "ownerReferences": [
                {
                    "apiVersion": "apps/v1",
                    "kind": "ReplicaSet",
                    "name": f"{app}-{template_hash}",
                    "uid": _uid(rng),
                    "controller": True,
                    "blockOwnerDeletion": True,
                }
            ],
            "managedFields": managed_fields,
        },
        "spec": {
            "volumes": [
                {"name": "config", "configMap": {"name": f"{app}-config", "defaultMode": 420}},
                {"name": "tls", "secret": {"secretName": f"{app}-tls", "defaultMode": 420}},
            ],
            "containers": [
                _container("app", image, 8080, "500m", "512Mi"),
                {
                    "name": "envoy",
                    "image": sidecar,
                    "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                    "imagePullPolicy": "IfNotPresent",
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "nodeName": node,
            "securityContext": {},
            "schedulerName": "default-scheduler",
            "tolerations": [
                {
                    "key": "node.kubernetes.io/not-ready",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
                {
                    "key": "node.kubernetes.io/unreachable",
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": 300,
                },
            ],
            "priority": 0,
            "enableServiceLinks": True,
            "preemptionPolicy": "PreemptLowerPriority",
        },
        "status": {
            "phase": "Running",
            "conditions": conditions,
            "hostIP": f"10.0.{i % 250}.{i % 200}",
            "podIP": f"10.{100 + i % 100}.{i % 250}.{i % 240}",
            "podIPs": [{"ip": f"10.{100 + i % 100}.{i % 250}.{i % 240}"}],
            "startTime": started,
            "containerStatuses": [
                _status("app", image, started, rng),
                _status("envoy", sidecar, started, rng),
            ],
            "qosClass": "Guaranteed",
        },
    }


def make_pods(count: int, *, seed: int = 1, templates: int = 256) -> Iterator[Pod]:
    """``count`` distinct realistic pods: copies of ``templates`` pods from :func:`make_pod`.

    Pod ``i`` is a deep copy of template ``i % templates`` with the name, uid, pod IP and
    container ids of pod ``i``, so keys are unique and every pod is about the same size.
    """
    rng = random.Random(seed)
    blobs = [orjson.dumps(make_pod(i, rng)) for i in range(min(count, templates))]
    for i in range(count):
        pod: Pod = orjson.loads(blobs[i % len(blobs)])
        meta = pod["metadata"]
        meta["name"] = f"{meta['generateName']}{i:07d}"
        meta["uid"] = _uid(rng)
        meta["resourceVersion"] = str(100_000 + i)
        status = pod["status"]
        ip = f"10.{100 + (i >> 16) % 100}.{(i >> 8) & 255}.{i & 255}"
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
        for container in status["containerStatuses"]:
            container["containerID"] = f"containerd://{_hex(rng, 64)}"
        yield pod
