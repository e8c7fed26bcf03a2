"""The simulated cluster of ``kinformer demo``: initial objects and a stream of writes.

Pure: no I/O, no threads, no clock reads (time is passed in as ``now``, seconds since the
epoch, only to write timestamps). Randomness comes from one ``random.Random(seed)``, so a seed
replays the same cluster and the same writes.

The model mirrors what the controllers of a real cluster do to the objects an informer sees:

* namespaces of teams, each with deployments; every deployment owns its current ReplicaSet,
  which owns the pods (``ownerReferences``, ``pod-template-hash``), and two ConfigMaps;
* nodes with zones, capacity and a ``Ready`` condition; every running pod is bound to one;
* writes: pods churning (a pod deleted, its replacement created ``Pending``, then bound to a
  node, then ``Running``), label changes, rolling updates (new ReplicaSet, pods replaced one at
  a time, then the old ReplicaSet scaled to zero and the deployment's status updated),
  ConfigMap edits and node heartbeats.

Invariants (``ClusterModel.check()`` asserts them; the tests call it): every pod of the model
belongs to the ReplicaSet its name says; a deployment's ``pods`` are exactly the model pods whose
ReplicaSet belongs to it; the pod count stays the requested one (a replacement is created in
the same step as the deletion).
"""

from __future__ import annotations

import random
import time
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Final, final

__all__ = [
    "ClusterModel",
    "Create",
    "Delete",
    "Patch",
    "SimulationOptions",
    "UpdateStatus",
    "Write",
]

Object = dict[str, Any]

# kube's SafeEncodeString alphabet (apimachinery util/rand): no vowels, no look-alikes.
_ALPHABET: Final = "bcdfghjklmnpqrstvwxz2456789"
_TEAMS: Final = (
    "payments", "checkout", "search", "frontend", "inventory", "identity", "analytics",
    "shipping", "notifications", "platform", "billing", "catalog", "reviews", "media",
)  # fmt: skip
_APPS: Final = (
    "api", "web", "worker", "gateway", "cache", "indexer", "scheduler", "exporter", "sync",
    "consumer", "renderer", "auth", "ledger", "mailer",
)  # fmt: skip
_ZONES: Final = ("eu-west-1a", "eu-west-1b", "eu-west-1c")
_INSTANCE_TYPES: Final = ("m6i.2xlarge", "m6i.4xlarge", "c6i.4xlarge")
_REGISTRY: Final = "registry.example.com"


def _ts(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SimulationOptions:
    """The shape of the simulated cluster.

    Attributes:
        pods: pods to keep running (replacements are created as pods are deleted).
        namespaces: team namespaces the deployments spread over.
        nodes: nodes the pods are bound to.
        seed: the random seed (same seed, same cluster, same writes).
    """

    pods: int = 3000
    namespaces: int = 10
    nodes: int = 20
    seed: int = 0

    def __post_init__(self) -> None:
        if self.pods < 1 or self.namespaces < 1 or self.nodes < 1:
            raise ValueError("pods, namespaces and nodes must be at least 1")

    @property
    def deployments(self) -> int:
        """About 40 pods per deployment, at least one per namespace, capped by the pod count."""
        return max(min(self.namespaces, self.pods), min(self.pods, self.pods // 40))


@final
@dataclass(frozen=True, slots=True)
class Create:
    """Create ``obj``."""

    obj: Object


@final
@dataclass(frozen=True, slots=True)
class Patch:
    """Merge-patch an object (spec or metadata; ``status`` needs :class:`UpdateStatus`)."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    patch: Object


@final
@dataclass(frozen=True, slots=True)
class UpdateStatus:
    """Merge ``status`` into the object's status through the status subresource."""

    api_version: str
    kind: str
    namespace: str | None
    name: str
    status: Object


@final
@dataclass(frozen=True, slots=True)
class Delete:
    """Delete an object."""

    api_version: str
    kind: str
    namespace: str | None
    name: str


Write = Create | Patch | UpdateStatus | Delete


@dataclass(slots=True)
class _Deployment:
    namespace: str
    name: str
    replicas: int
    version: int
    rs: str  # the current ReplicaSet's pod-template-hash
    old_rs: str | None = None  # the ReplicaSet being replaced during a rollout
    pods: dict[str, str] = field(default_factory=dict)  # pod name -> its ReplicaSet hash
    uid: str = ""
    rs_uids: dict[str, str] = field(default_factory=dict)


@final
class ClusterModel:
    """The simulated cluster: :meth:`initial_objects` once, then :meth:`next_writes` forever.

    Not thread-safe: one driver thread owns it.
    """

    def __init__(self, options: SimulationOptions, *, now: float) -> None:
        self.options = options
        self._rng = random.Random(options.seed)
        self._start = now
        self.namespaces = [self._namespace_name(i) for i in range(options.namespaces)]
        self.nodes = [f"node-{self._word(5)}" for _ in range(options.nodes)]
        self.deployments: list[_Deployment] = []
        self._pod_node: dict[tuple[str, str], str] = {}
        # Follow-ups of earlier writes (bind, then start), one step later each.
        self._pending: deque[list[Write]] = deque()
        self._rollouts: list[_Deployment] = []
        self.writes = 0
        self._build()

    # ------------------------------------------------------------------ names and counts

    def _namespace_name(self, i: int) -> str:
        base = _TEAMS[i % len(_TEAMS)]
        return base if i < len(_TEAMS) else f"{base}-{i // len(_TEAMS) + 1}"

    def _word(self, length: int) -> str:
        return "".join(self._rng.choice(_ALPHABET) for _ in range(length))

    def _uid(self) -> str:
        bits = self._rng.getrandbits(128)
        text = f"{bits:032x}"
        return f"{text[:8]}-{text[8:12]}-4{text[13:16]}-a{text[17:20]}-{text[20:]}"

    @property
    def pod_count(self) -> int:
        """Pods the model holds now (always ``options.pods`` between steps)."""
        return sum(len(d.pods) for d in self.deployments)

    def counts(self) -> dict[str, int]:
        """Objects per resource as the model made them (namespace defaults not included)."""
        return {
            "pods": self.pod_count,
            "deployments.apps": len(self.deployments),
            "replicasets.apps": sum(len(d.rs_uids) for d in self.deployments),
            "nodes": len(self.nodes),
            "configmaps": 2 * len(self.deployments),
        }

    def check(self) -> None:
        """Assert the invariants of the module docstring."""
        assert self.pod_count == self.options.pods, (self.pod_count, self.options.pods)
        for deployment in self.deployments:
            for pod, rs in deployment.pods.items():
                assert pod.startswith(f"{deployment.name}-{rs}-"), (pod, rs)
                assert rs in deployment.rs_uids, (pod, rs)
                assert (deployment.namespace, pod) in self._pod_node

    # ------------------------------------------------------------------ the initial cluster

    def _build(self) -> None:
        options = self.options
        count = options.deployments
        base, extra = divmod(options.pods, count)
        used: set[tuple[str, str]] = set()
        for i in range(count):
            namespace = self.namespaces[i % len(self.namespaces)]
            name = self._rng.choice(_APPS)
            suffix = 2
            while (namespace, name) in used:
                name = f"{self._rng.choice(_APPS)}-{suffix}"
                suffix += 1
            used.add((namespace, name))
            deployment = _Deployment(
                namespace,
                name,
                replicas=base + (1 if i < extra else 0),
                version=self._rng.randint(1, 40),
                rs=self._word(10),
                uid=self._uid(),
            )
            deployment.rs_uids[deployment.rs] = self._uid()
            for _ in range(deployment.replicas):
                pod = self._pod_name(deployment, deployment.rs)
                deployment.pods[pod] = deployment.rs
                self._pod_node[(namespace, pod)] = self._rng.choice(self.nodes)
            self.deployments.append(deployment)

    def _pod_name(self, deployment: _Deployment, rs: str) -> str:
        while True:  # 27**5 suffixes: a clash is rare, and retried
            name = f"{deployment.name}-{rs}-{self._word(5)}"
            if (deployment.namespace, name) not in self._pod_node:  # pragma: no branch
                return name

    def initial_objects(self, now: float) -> Iterator[Object]:
        """Every object of the initial cluster (namespaces first, then what lives in them)."""
        created = _ts(now - 86_400 * 3)
        for namespace in self.namespaces:
            yield {
                "apiVersion": "v1",
                "kind": "Namespace",
                "metadata": {
                    "name": namespace,
                    "labels": {"kubernetes.io/metadata.name": namespace, "team": namespace},
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
        for i, node in enumerate(self.nodes):
            yield self._node(node, i, created, now)
        for deployment in self.deployments:
            yield from self._configmaps(deployment, created)
            yield self._deployment(deployment, created, now)
            yield self._replicaset(deployment, deployment.rs, deployment.replicas, created)
            for pod, rs in deployment.pods.items():
                node = self._pod_node[(deployment.namespace, pod)]
                yield self.pod(deployment, pod, rs, node=node, now=now, running=True)

    # ------------------------------------------------------------------ object builders

    def _node(self, name: str, index: int, created: str, now: float) -> Object:
        zone = _ZONES[index % len(_ZONES)]
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "creationTimestamp": created,
                "labels": {
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": name,
                    "kubernetes.io/os": "linux",
                    "node.kubernetes.io/instance-type": _INSTANCE_TYPES[index % 3],
                    "topology.kubernetes.io/region": "eu-west-1",
                    "topology.kubernetes.io/zone": zone,
                },
                "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
            },
            "spec": {"podCIDR": f"10.244.{index}.0/24", "providerID": f"aws:///{zone}/i-{name}"},
            "status": {
                "capacity": {"cpu": "16", "memory": "65016868Ki", "pods": "250"},
                "allocatable": {"cpu": "15890m", "memory": "63817252Ki", "pods": "250"},
                "conditions": [
                    _condition("MemoryPressure", "False", now, "KubeletHasSufficientMemory"),
                    _condition("DiskPressure", "False", now, "KubeletHasNoDiskPressure"),
                    _condition("PIDPressure", "False", now, "KubeletHasSufficientPID"),
                    _condition("Ready", "True", now, "KubeletReady"),
                ],
                "addresses": [
                    {"type": "InternalIP", "address": f"10.0.{index // 250}.{index % 250 + 4}"},
                    {"type": "Hostname", "address": name},
                ],
                "nodeInfo": {
                    "kubeletVersion": "v1.36.0",
                    "containerRuntimeVersion": "containerd://2.1.1",
                    "kernelVersion": "6.8.0-1021-aws",
                    "osImage": "Ubuntu 24.04.2 LTS",
                    "architecture": "amd64",
                    "operatingSystem": "linux",
                },
            },
        }

    def _configmaps(self, deployment: _Deployment, created: str) -> Iterator[Object]:
        for suffix, data in (
            ("config", {"LOG_LEVEL": "info", "FEATURE_FLAGS": "search-v2,fast-checkout"}),
            ("env", {"REGION": "eu-west-1", "UPSTREAM": f"http://{deployment.name}.svc:8080"}),
        ):
            yield {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {
                    "name": f"{deployment.name}-{suffix}",
                    "namespace": deployment.namespace,
                    "creationTimestamp": created,
                    "labels": {"app": deployment.name},
                },
                "data": data,
            }

    def _image(self, deployment: _Deployment) -> str:
        return f"{_REGISTRY}/{deployment.namespace}/{deployment.name}:1.{deployment.version}.0"

    def _template_labels(self, deployment: _Deployment) -> dict[str, str]:
        return {"app": deployment.name, "team": deployment.namespace}

    def _deployment(self, deployment: _Deployment, created: str, now: float) -> Object:
        return {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": deployment.name,
                "namespace": deployment.namespace,
                "uid": deployment.uid,
                "creationTimestamp": created,
                "generation": deployment.version,
                "labels": self._template_labels(deployment),
                "annotations": {"deployment.kubernetes.io/revision": str(deployment.version)},
            },
            "spec": {
                "replicas": deployment.replicas,
                "selector": {"matchLabels": self._template_labels(deployment)},
                "template": {
                    "metadata": {"labels": self._template_labels(deployment)},
                    "spec": {
                        "containers": [{"name": deployment.name, "image": self._image(deployment)}]
                    },
                },
                "strategy": {
                    "type": "RollingUpdate",
                    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
                },
                "revisionHistoryLimit": 10,
                "progressDeadlineSeconds": 600,
            },
            "status": self._deployment_status(deployment, now),
        }

    def _deployment_status(self, deployment: _Deployment, now: float) -> Object:
        updated = sum(1 for rs in deployment.pods.values() if rs == deployment.rs)
        replicas = len(deployment.pods)
        return {
            "observedGeneration": deployment.version,
            "replicas": replicas,
            "updatedReplicas": updated,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "conditions": [
                _condition("Available", "True", now, "MinimumReplicasAvailable"),
                _condition("Progressing", "True", now, "NewReplicaSetAvailable"),
            ],
        }

    def _replicaset(self, deployment: _Deployment, rs: str, replicas: int, created: str) -> Object:
        labels = {**self._template_labels(deployment), "pod-template-hash": rs}
        return {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{deployment.name}-{rs}",
                "namespace": deployment.namespace,
                "uid": deployment.rs_uids[rs],
                "creationTimestamp": created,
                "labels": labels,
                "ownerReferences": [
                    _owner("apps/v1", "Deployment", deployment.name, deployment.uid)
                ],
            },
            "spec": {
                "replicas": replicas,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {
                        "containers": [{"name": deployment.name, "image": self._image(deployment)}]
                    },
                },
            },
            "status": {
                "replicas": replicas,
                "readyReplicas": replicas,
                "availableReplicas": replicas,
            },
        }

    def pod(
        self,
        deployment: _Deployment,
        name: str,
        rs: str,
        *,
        node: str | None,
        now: float,
        running: bool,
    ) -> Object:
        """A pod of ``deployment``'s ReplicaSet ``rs``: ``Running`` on ``node``, or just created."""
        labels = {**self._template_labels(deployment), "pod-template-hash": rs}
        started = _ts(now - self._rng.uniform(60, 86_400 * 2) if running else now)
        spec: Object = {
            "containers": [
                {
                    "name": deployment.name,
                    "image": self._image(deployment),
                    "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                    "env": [
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                        {"name": "TEAM", "value": deployment.namespace},
                    ],
                    "envFrom": [{"configMapRef": {"name": f"{deployment.name}-env"}}],
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"memory": "256Mi"},
                    },
                    "readinessProbe": {
                        "httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"},
                        "periodSeconds": 10,
                        "timeoutSeconds": 1,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                    "volumeMounts": [
                        {"name": "config", "mountPath": "/etc/app"},
                        {
                            "name": "kube-api-access",
                            "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                            "readOnly": True,
                        },
                    ],
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": "IfNotPresent",
                }
            ],
            "volumes": [
                {"name": "config", "configMap": {"name": f"{deployment.name}-config"}},
                {
                    "name": "kube-api-access",
                    "projected": {
                        "defaultMode": 420,
                        "sources": [
                            {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                            {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                        ],
                    },
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
            "dnsPolicy": "ClusterFirst",
            "serviceAccountName": "default",
            "schedulerName": "default-scheduler",
            "enableServiceLinks": True,
            "priority": 0,
            "tolerations": [
                {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
                {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
            ],
        }  # fmt: skip
        if node is not None:
            spec["nodeName"] = node
        obj: Object = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "generateName": f"{deployment.name}-{rs}-",
                "namespace": deployment.namespace,
                "labels": labels,
                "annotations": {"kubectl.kubernetes.io/default-container": deployment.name},
                "ownerReferences": [
                    _owner(
                        "apps/v1", "ReplicaSet", f"{deployment.name}-{rs}", deployment.rs_uids[rs]
                    )
                ],
            },
            "spec": spec,
        }
        if running:
            obj["metadata"]["creationTimestamp"] = started
            obj["status"] = self._running_status(deployment, name, node or "", started)
        return obj

    def _pod_ip(self, namespace: str, name: str) -> str:
        value = zlib.crc32(f"{namespace}/{name}".encode()) & 0xFFFF
        return f"10.244.{value >> 8}.{value & 0xFF}"

    def _running_status(self, deployment: _Deployment, pod: str, node: str, started: str) -> Object:
        restarts = 0 if self._rng.random() < 0.9 else self._rng.randint(1, 4)
        index = self.nodes.index(node) if node in self.nodes else 0
        return {
            "phase": "Running",
            "conditions": [
                {"type": kind, "status": "True", "lastTransitionTime": started}
                for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
            ],
            "hostIP": f"10.0.{index // 250}.{index % 250 + 4}",
            "podIP": self._pod_ip(deployment.namespace, pod),
            "podIPs": [{"ip": self._pod_ip(deployment.namespace, pod)}],
            "startTime": started,
            "qosClass": "Burstable",
            "containerStatuses": [
                {
                    "name": deployment.name,
                    "ready": True,
                    "started": True,
                    "restartCount": restarts,
                    "image": self._image(deployment),
                    "imageID": f"{self._image(deployment)}@sha256:{self._rng.getrandbits(256):064x}",
                    "containerID": f"containerd://{self._rng.getrandbits(256):064x}",
                    "state": {"running": {"startedAt": started}},
                }
            ],
        }  # fmt: skip

    # ------------------------------------------------------------------ the writes

    def next_writes(self, now: float) -> list[Write]:
        """The writes of one step (one to three): a follow-up if one is due, else a new change."""
        if self._pending and self._rng.random() < 0.6:
            writes = self._pending.popleft()
        else:
            writes = self._new_change(now)
        self.writes += len(writes)
        return writes

    def _new_change(self, now: float) -> list[Write]:
        roll = self._rng.random()
        if self._rollouts and roll < 0.3:
            return self._rollout_step(self._rng.choice(self._rollouts), now)
        if roll < 0.33 and len(self._rollouts) < 2:
            return self._start_rollout(now)
        if roll < 0.75:
            return self._churn(now)
        if roll < 0.9:
            return self._relabel()
        if roll < 0.95:
            return self._edit_configmap()
        return self._heartbeat(now)

    def _stable(self) -> _Deployment:
        candidates = [d for d in self.deployments if d.old_rs is None] or self.deployments
        return self._rng.choice(candidates)

    def _replace_pod(self, deployment: _Deployment, old: str, rs: str, now: float) -> list[Write]:
        """Delete pod ``old``, create its replacement in ReplicaSet ``rs``; bind and start it later."""
        namespace = deployment.namespace
        del deployment.pods[old]
        del self._pod_node[(namespace, old)]
        name = self._pod_name(deployment, rs)
        node = self._rng.choice(self.nodes)
        deployment.pods[name] = rs
        self._pod_node[(namespace, name)] = node
        self._pending.append([Patch("v1", "Pod", namespace, name, {"spec": {"nodeName": node}})])
        running = self._running_status(deployment, name, node, _ts(now))
        self._pending.append([UpdateStatus("v1", "Pod", namespace, name, running)])
        return [
            Delete("v1", "Pod", namespace, old),
            Create(self.pod(deployment, name, rs, node=None, now=now, running=False)),
        ]

    def _churn(self, now: float) -> list[Write]:
        deployment = self._stable()
        old = self._rng.choice(list(deployment.pods))
        return self._replace_pod(deployment, old, deployment.pods[old], now)

    def _relabel(self) -> list[Write]:
        deployment = self._rng.choice(self.deployments)
        pod = self._rng.choice(list(deployment.pods))
        value = self._rng.choice(("true", None))
        return [
            Patch(
                "v1", "Pod", deployment.namespace, pod, {"metadata": {"labels": {"canary": value}}}
            )
        ]

    def _edit_configmap(self) -> list[Write]:
        deployment = self._rng.choice(self.deployments)
        level = self._rng.choice(("debug", "info", "warn"))
        return [
            Patch(
                "v1",
                "ConfigMap",
                deployment.namespace,
                f"{deployment.name}-config",
                {"data": {"LOG_LEVEL": level}},
            )
        ]

    def _heartbeat(self, now: float) -> list[Write]:
        node = self._rng.choice(self.nodes)
        index = self.nodes.index(node)
        status = self._node(node, index, _ts(now), now)["status"]
        return [UpdateStatus("v1", "Node", None, node, {"conditions": status["conditions"]})]

    def _start_rollout(self, now: float) -> list[Write]:
        deployment = self._stable()
        if deployment.old_rs is not None:
            return self._churn(now)
        deployment.version += 1
        deployment.old_rs, deployment.rs = deployment.rs, self._word(10)
        deployment.rs_uids[deployment.rs] = self._uid()
        self._rollouts.append(deployment)
        image = self._image(deployment)
        template = {"spec": {"containers": [{"name": deployment.name, "image": image}]}}
        return [
            Patch(
                "apps/v1",
                "Deployment",
                deployment.namespace,
                deployment.name,
                {
                    "metadata": {
                        "annotations": {
                            "deployment.kubernetes.io/revision": str(deployment.version)
                        }
                    },
                    "spec": {"template": template},
                },
            ),
            Create(self._replicaset(deployment, deployment.rs, 0, _ts(now))),
        ]

    def _rollout_step(self, deployment: _Deployment, now: float) -> list[Write]:
        old_pods = [p for p, rs in deployment.pods.items() if rs == deployment.old_rs]
        if old_pods:
            writes = self._replace_pod(deployment, old_pods[0], deployment.rs, now)
            updated = len(deployment.pods) - len(old_pods) + 1
            writes.append(
                UpdateStatus(
                    "apps/v1",
                    "Deployment",
                    deployment.namespace,
                    deployment.name,
                    {"updatedReplicas": updated, "observedGeneration": deployment.version},
                )
            )
            return writes
        old_rs = deployment.old_rs
        assert old_rs is not None
        deployment.old_rs = None
        self._rollouts.remove(deployment)
        return [
            Patch(
                "apps/v1",
                "ReplicaSet",
                deployment.namespace,
                f"{deployment.name}-{old_rs}",
                {"spec": {"replicas": 0}},
            ),
            UpdateStatus(
                "apps/v1",
                "Deployment",
                deployment.namespace,
                deployment.name,
                self._deployment_status(deployment, now),
            ),
        ]


def _condition(kind: str, status: str, now: float, reason: str) -> Object:
    stamp = _ts(now)
    return {
        "type": kind,
        "status": status,
        "lastHeartbeatTime": stamp,
        "lastTransitionTime": stamp,
        "reason": reason,
    }


def _owner(api_version: str, kind: str, name: str, uid: str) -> Object:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "name": name,
        "uid": uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }
