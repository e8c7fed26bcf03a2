"""The built-in resource table, as kube-apiserver 1.36 serves it (golden 01).

Names, short names, categories, verbs and storage-version hashes are copied from the recorded
``/api/v1``, ``/apis/apps/v1``, ``/apis/coordination.k8s.io/v1``,
``/apis/apiextensions.k8s.io/v1`` documents (golden 01-discovery.json).
"""

from __future__ import annotations

from typing import Final

from ._resources import ALL_VERBS, ResourceType

__all__ = ["BUILTIN_TYPES", "CRD_TYPE", "DEFAULT_NAMESPACES", "NAMESPACE_TYPE"]

_NS_VERBS: Final = ("create", "delete", "get", "list", "patch", "update", "watch")

NAMESPACE_TYPE: Final = ResourceType(
    "", "v1", "namespaces", "namespace", "Namespace", False, _NS_VERBS, ("ns",), (),
    "Q3oi5N2YM8M=", has_status=True, extra_subresources=("finalize",),
)  # fmt: skip

CRD_TYPE: Final = ResourceType(
    "apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
    "CustomResourceDefinition", False, ALL_VERBS, ("crd", "crds"), ("api-extensions",),
    "jfWCUB31mvA=", has_status=True, generation="all",
)  # fmt: skip

BUILTIN_TYPES: Final[tuple[ResourceType, ...]] = (
    ResourceType("", "v1", "configmaps", "configmap", "ConfigMap", True, ALL_VERBS, ("cm",), (), "qFsyl6wFWjQ="),
    ResourceType("", "v1", "endpoints", "endpoints", "Endpoints", True, ALL_VERBS, ("ep",), (), "fWeeMqaN/OA="),
    ResourceType("", "v1", "events", "event", "Event", True, ALL_VERBS, ("ev",), (), "r2yiGXH7wu8="),
    NAMESPACE_TYPE,
    ResourceType("", "v1", "nodes", "node", "Node", False, ALL_VERBS, ("no",), (), "XwShjMxG9Fs=", has_status=True),
    ResourceType("", "v1", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", True, ALL_VERBS, ("pvc",), (), "QWTyNDq0dC4=", has_status=True),
    ResourceType("", "v1", "pods", "pod", "Pod", True, ALL_VERBS, ("po",), ("all",), "xPOwRZ+Yhw8=", has_status=True, generation="spec"),
    ResourceType("", "v1", "secrets", "secret", "Secret", True, ALL_VERBS, (), (), "S6u1pOWzb84="),
    ResourceType("", "v1", "serviceaccounts", "serviceaccount", "ServiceAccount", True, ALL_VERBS, ("sa",), (), "pbx9ZvyFpBE="),
    ResourceType("", "v1", "services", "service", "Service", True, ALL_VERBS, ("svc",), ("all",), "0/CO1lhkEBI=", has_status=True),
    ResourceType("apps", "v1", "daemonsets", "daemonset", "DaemonSet", True, ALL_VERBS, ("ds",), ("all",), "dd7pWHUlMKQ=", has_status=True, generation="spec"),
    ResourceType("apps", "v1", "deployments", "deployment", "Deployment", True, ALL_VERBS, ("deploy",), ("all",), "8aSe+NMegvE=", has_status=True, has_scale=True, generation="spec+annotations"),
    ResourceType("apps", "v1", "replicasets", "replicaset", "ReplicaSet", True, ALL_VERBS, ("rs",), ("all",), "P1RzHs8/mWQ=", has_status=True, has_scale=True, generation="spec"),
    ResourceType("apps", "v1", "statefulsets", "statefulset", "StatefulSet", True, ALL_VERBS, ("sts",), ("all",), "H+vl74LkKdo=", has_status=True, has_scale=True, generation="spec"),
    ResourceType("events.k8s.io", "v1", "events", "event", "Event", True, ALL_VERBS, ("ev",)),
    ResourceType("coordination.k8s.io", "v1", "leases", "lease", "Lease", True, ALL_VERBS, (), (), "gqkMMb/YqFM="),
    CRD_TYPE,
)  # fmt: skip

DEFAULT_NAMESPACES: Final = ("default", "kube-node-lease", "kube-public", "kube-system")
"""Namespaces that exist when the server starts, as on a fresh cluster."""
