"""The semantics of writes: create, update, patch, delete, finalizers, GC, namespaces, CRDs.

Mirrors the generic registry (``apiserver/pkg/registry/generic/registry/store.go``:
``Create``, ``Update``, ``Delete`` with finalizers, preconditions and ``deletionTimestamp``),
the per-kind strategies the golden files show (generation, status subresource, pod defaults),
the namespace lifecycle admission, the namespace controller, the garbage collector and the
apiextensions-apiserver's CRD handling — all done at once, synchronously, where the real
controllers take seconds (namespace deletion ~5 s, GC ~0.3 s, CRD establishment ~0.3 s).

Not thread-safe on its own: :class:`ApiServerState` holds its lock around every call. Every
method raises :class:`StatusError` with the answer kube-apiserver would give.
"""

from __future__ import annotations

import copy
import gc
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, final

import orjson

from ._builtin import BUILTIN_TYPES, CRD_TYPE, DEFAULT_NAMESPACES, NAMESPACE_TYPE
from ._resources import Registry, ResourceType
from ._schema import validate_custom
from ._status import (
    StatusError,
    already_exists,
    bad_request,
    conflict,
    forbidden,
    internal_error,
    invalid,
    not_found,
    precondition_conflict,
)
from ._storage import (
    SKIPPED_KEYS as _SKIPPED,
    Storage,
    Stored,
    make_stored,
    ordered_metadata,
    serialise,
)
from ._validation import validate_metadata, validate_object
from ._watch import EngineWatch

__all__ = ["Cluster", "DeleteOptions", "Result"]

_NAME_CHARS: Final = "bcdfghjklmnpqrstvwxz2456789"
_ROOT_CA: Final = "kube-root-ca.crt"
_ROOT_CA_DESCRIPTION: Final = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal "
    "endpoints such as the internal service IP or kubernetes.default.svc. No other usage is "
    "guaranteed across distributions of Kubernetes clusters."
)
_APPS_WORKLOADS: Final = frozenset({"deployments", "replicasets", "statefulsets", "daemonsets"})


def new_uid(rng: random.Random) -> str:
    """A random version-4 UUID string (faster than ``uuid.uuid4()`` for bulk seeding)."""
    text = f"{rng.getrandbits(128) & ~(0xF << 76) & ~(0x3 << 62) | (0x4 << 76) | (0x2 << 62):032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def timestamp(seconds: float) -> str:
    """RFC 3339 in UTC with second precision, as ``metav1.Time`` serialises."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


@final
@dataclass(frozen=True, slots=True)
class DeleteOptions:
    """The options of a DELETE (query parameters and ``DeleteOptions`` body)."""

    propagation: str | None = None
    uid: str | None = None
    resource_version: str | None = None
    dry_run: bool = False


@final
@dataclass(frozen=True, slots=True)
class Result:
    """The outcome of a write: the object to answer, and whether it was created (201)."""

    obj: dict[str, Any]
    created: bool = False


def prefix_of(rtype: ResourceType) -> bytes:
    """``{"kind":"X","apiVersion":"v",`` — replaces the ``{`` of a stored ``raw``."""
    return (
        b'{"kind":'
        + orjson.dumps(rtype.kind)
        + b',"apiVersion":'
        + orjson.dumps(rtype.api_version)
        + b","
    )


@final
class Cluster:
    """Objects and resource types, with kube-apiserver's write semantics."""

    def __init__(
        self,
        *,
        history_limit: int,
        wall_clock: Callable[[], float],
        namespace_defaults: bool,
        start_revision: int = 1,
        seed: int | None = None,
    ) -> None:
        self.storage = Storage(history_limit=history_limit, start_revision=start_revision)
        self.registry = Registry(BUILTIN_TYPES)
        self.watches: set[EngineWatch] = set()
        self._wall_clock = wall_clock
        self._namespace_defaults = namespace_defaults
        self._random = random.Random(seed)
        self._prefixes: dict[tuple[str, str], bytes] = {}
        # Invariant: _owners[uid] holds (storage key, object key) of every stored object with an
        # ownerReference to uid; _owned[(skey, key)] is that object's owner uids.
        self._owners: dict[str, set[tuple[tuple[str, str], str]]] = {}
        self._owned: dict[tuple[tuple[str, str], str], tuple[str, ...]] = {}
        self._suppress_namespace_finish = False
        for name in DEFAULT_NAMESPACES:
            self.create(NAMESPACE_TYPE, {"metadata": {"name": name}}, None)

    # -- helpers ------------------------------------------------------------------------------

    def prefix(self, rtype: ResourceType) -> bytes:
        """Cached :func:`prefix_of`."""
        key = (rtype.api_version, rtype.kind)
        cached = self._prefixes.get(key)
        if cached is None:
            cached = self._prefixes[key] = prefix_of(rtype)
        return cached

    def now(self) -> str:
        """The wall clock as a metav1.Time string."""
        return timestamp(self._wall_clock())

    def _generate_name(self, base: str) -> str:
        return base + "".join(self._random.choice(_NAME_CHARS) for _ in range(5))

    @staticmethod
    def key_of(namespace: str | None, name: str) -> str:
        """The storage key of an object."""
        return f"{namespace}/{name}" if namespace else name

    def lookup(self, rtype: ResourceType, namespace: str | None, name: str) -> Stored:
        """The current state of an object, or 404."""
        stored = self.storage.get(rtype.storage_key, self.key_of(namespace, name))
        if stored is None:
            raise not_found(rtype.plural, rtype.group, name)
        return stored

    def load(self, rtype: ResourceType, stored: Stored) -> dict[str, Any]:
        """A fresh dict of a stored object, with this version's apiVersion."""
        return stored.load(self.prefix(rtype))

    def _check_namespace(self, rtype: ResourceType, namespace: str | None, name: str) -> None:
        if not rtype.namespaced or namespace is None:
            return
        ns = self.storage.get(NAMESPACE_TYPE.storage_key, namespace)
        if ns is None:
            raise not_found("namespaces", "", namespace)
        if b'"deletionTimestamp"' in ns.raw:
            raise forbidden(
                f'{rtype.qualified} "{name}" is forbidden: unable to create new content in '
                f"namespace {namespace} because it is being terminated",
                {
                    "name": name,
                    **({"group": rtype.group} if rtype.group else {}),
                    "kind": rtype.plural,
                    "causes": [
                        {
                            "reason": "NamespaceTerminating",
                            "message": f"namespace {namespace} is being terminated",
                            "field": "metadata.namespace",
                        }
                    ],
                },
            )

    def _invalid(
        self, rtype: ResourceType, name: str | None, causes: list[tuple[str, str, str]]
    ) -> StatusError:
        return invalid(rtype.kind, rtype.group, name, causes)

    # -- writes -------------------------------------------------------------------------------

    def _store(self, rtype: ResourceType, obj: dict[str, Any], old: Stored | None) -> Stored:
        """Write ``obj`` with the next revision (no-op writes keep the old state, golden 02)."""
        meta = obj["metadata"]
        if old is not None:
            meta["resourceVersion"] = str(old.rv)
            if serialise(obj) == old.raw:
                return old
        meta["resourceVersion"] = str(self.storage.next_revision())
        stored = make_stored(obj)
        self._index_owners(rtype.storage_key, stored.key, meta.get("ownerReferences"))
        self.storage.put(rtype.storage_key, stored, old)
        return stored

    def _index_owners(self, skey: tuple[str, str], key: str, refs: Any) -> None:
        ident = (skey, key)
        for uid in self._owned.pop(ident, ()):
            holders = self._owners.get(uid)
            if holders is not None:
                holders.discard(ident)
                if not holders:
                    del self._owners[uid]
        uids = tuple(r.get("uid", "") for r in refs or () if isinstance(r, dict) and r.get("uid"))
        if uids:
            self._owned[ident] = uids
            for uid in uids:
                self._owners.setdefault(uid, set()).add(ident)

    def _remove(self, rtype: ResourceType, old: Stored) -> None:
        """Delete for good: DELETED carries the last state with the new revision (05a, 07)."""
        obj = self.load(rtype, old)
        obj["metadata"]["resourceVersion"] = str(self.storage.next_revision())
        last = make_stored(obj)
        self._index_owners(rtype.storage_key, old.key, None)
        self.storage.remove(rtype.storage_key, old, last)
        self._collect_dependents(old.uid)
        if rtype.plural == "customresourcedefinitions" and rtype.group == CRD_TYPE.group:
            self._unserve_crd(obj)
        if rtype.namespaced:
            self._maybe_finish_namespace(old.namespace)

    def create(
        self,
        rtype: ResourceType,
        obj: dict[str, Any],
        namespace: str | None,
        *,
        dry_run: bool = False,
    ) -> Result:
        """POST: defaults, validation, namespace checks, uid/resourceVersion/generation."""
        obj = dict(obj)
        meta = dict(obj.get("metadata") or {})
        obj["metadata"] = meta
        obj["kind"] = rtype.kind
        obj["apiVersion"] = rtype.api_version
        if rtype.namespaced:
            body_ns = meta.get("namespace")
            if namespace is not None and body_ns and body_ns != namespace:
                raise bad_request(
                    "the namespace of the provided object does not match the namespace sent on the request"
                )
            namespace = namespace or body_ns or "default"
            meta["namespace"] = namespace
        else:
            meta.pop("namespace", None)
            namespace = None
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generate_name(str(meta["generateName"]))
        _omit_empty(obj)
        causes = validate_metadata(meta, plural=rtype.plural) + validate_object(
            obj, plural=rtype.plural
        )
        if rtype.custom:
            causes += validate_custom(obj, rtype.schema)
        if causes:
            raise self._invalid(rtype, meta.get("name") or "", causes)
        name = str(meta["name"])
        self._check_namespace(rtype, namespace, name)
        if rtype is CRD_TYPE or (rtype.group == CRD_TYPE.group and rtype.plural == CRD_TYPE.plural):
            self._validate_crd(obj)
        if self.storage.get(rtype.storage_key, self.key_of(namespace, name)) is not None:
            raise already_exists(rtype.plural, rtype.group, name)
        for transient in (
            "resourceVersion",
            "deletionTimestamp",
            "deletionGracePeriodSeconds",
            "selfLink",
        ):
            meta.pop(transient, None)
        meta["uid"] = new_uid(self._random)
        meta["creationTimestamp"] = self.now()
        if rtype.generation != "none":
            meta["generation"] = 1
        else:
            meta.pop("generation", None)
        self._defaults(rtype, obj)
        if dry_run:
            return Result(obj, created=True)
        stored = self._store(rtype, obj, None)
        if rtype is NAMESPACE_TYPE and self._namespace_defaults:
            self._publish_namespace_defaults(name)
        if rtype.plural == CRD_TYPE.plural and rtype.group == CRD_TYPE.group:
            self._establish_crd(stored)
        return Result(self.load(rtype, stored), created=True)

    def _defaults(self, rtype: ResourceType, obj: dict[str, Any]) -> None:
        """The defaults and create-time status that the golden files show."""
        plural = rtype.plural
        if rtype is NAMESPACE_TYPE:
            meta = obj["metadata"]
            labels = dict(meta.get("labels") or {})
            labels["kubernetes.io/metadata.name"] = meta["name"]
            meta["labels"] = labels
            obj["spec"] = {"finalizers": ["kubernetes"]}
            obj["status"] = {"phase": "Active"}
        elif plural == "pods" and not rtype.group:
            _default_pod(obj)
        elif plural in _APPS_WORKLOADS and rtype.group == "apps":
            obj["status"] = {}
        elif rtype.custom and rtype.has_status:
            obj.pop("status", None)

    def _publish_namespace_defaults(self, namespace: str) -> None:
        """What the controller manager adds to a new namespace (README: kube-root-ca.crt)."""
        for rtype_plural, body in (
            ("serviceaccounts", {"metadata": {"name": "default"}}),
            (
                "configmaps",
                {
                    "metadata": {
                        "name": _ROOT_CA,
                        "annotations": {"kubernetes.io/description": _ROOT_CA_DESCRIPTION},
                    },
                    "data": {
                        "ca.crt": "-----BEGIN CERTIFICATE-----\nkinformer fake\n-----END CERTIFICATE-----\n"
                    },
                },
            ),
        ):
            rtype = self.registry.lookup("", "v1", rtype_plural)
            assert rtype is not None
            self.create(rtype, body, namespace)

    def update(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        obj: dict[str, Any],
        *,
        subresource: str | None = None,
        dry_run: bool = False,
    ) -> Result:
        """PUT: optimistic concurrency, immutable fields, status subresource, generation."""
        meta = dict(obj.get("metadata") or {})
        body_name = meta.get("name")
        if body_name and body_name != name:
            raise bad_request(
                f"the name of the object ({body_name}) does not match the name on the URL ({name})"
            )
        if rtype.namespaced and meta.get("namespace") and meta["namespace"] != namespace:
            raise bad_request(
                "the namespace of the provided object does not match the namespace sent on the request"
            )
        old = self.lookup(rtype, namespace, name)
        rv_text = meta.get("resourceVersion")
        if rv_text:
            if not str(rv_text).isdigit():
                raise internal_error(f'strconv.ParseUint: parsing "{rv_text}": invalid syntax')
            if int(rv_text) != old.rv:
                raise conflict(rtype.plural, rtype.group, name)
        return self._apply(rtype, old, obj, subresource=subresource, dry_run=dry_run)

    def _apply(
        self,
        rtype: ResourceType,
        old: Stored,
        obj: dict[str, Any],
        *,
        subresource: str | None,
        dry_run: bool,
    ) -> Result:
        """Merge an incoming full object onto ``old`` with the strategy's rules and store it."""
        previous = self.load(rtype, old)
        old_meta = previous["metadata"]
        if subresource == "status":
            new = copy.deepcopy(previous)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
        else:
            new = dict(obj)
            new["kind"] = rtype.kind
            new["apiVersion"] = rtype.api_version
            new["metadata"] = dict(obj.get("metadata") or {})
            if rtype.has_status:
                if "status" in previous:
                    new["status"] = previous["status"]
                else:
                    new.pop("status", None)
        meta = new["metadata"]
        meta["name"] = old.name
        if rtype.namespaced:
            meta["namespace"] = old.namespace
        uid = meta.get("uid")
        if uid and uid != old.uid:
            cause = (
                "FieldValueInvalid",
                f'Invalid value: "{uid}": field is immutable',
                "metadata.uid",
            )
            raise self._invalid(rtype, old.name, [cause, cause])
        meta["uid"] = old.uid
        meta["creationTimestamp"] = old_meta.get("creationTimestamp")
        for kept in ("deletionTimestamp", "deletionGracePeriodSeconds", "generation"):
            if kept in old_meta:
                meta[kept] = old_meta[kept]
            else:
                meta.pop(kept, None)
        _omit_empty(new)
        if rtype is NAMESPACE_TYPE:
            new["spec"] = previous.get("spec", {})
            labels = dict(meta.get("labels") or {})
            labels["kubernetes.io/metadata.name"] = old.name
            meta["labels"] = labels
        causes = validate_metadata(meta, plural=rtype.plural) + validate_object(
            new, plural=rtype.plural
        )
        causes += self._update_causes(rtype, previous, new)
        if rtype.custom:
            causes += validate_custom(new, rtype.schema)
        if causes:
            raise self._invalid(rtype, old.name, causes)
        if (
            rtype.generation != "none"
            and subresource is None
            and _spec_changed(rtype, previous, new)
        ):
            meta["generation"] = int(old_meta.get("generation") or 0) + 1
        if dry_run:
            return Result(new)
        if meta.get("deletionTimestamp") and not meta.get("finalizers"):
            meta["resourceVersion"] = str(old.rv)
            self._remove(rtype, old)
            return Result(new)
        stored = self._store(rtype, new, old)
        return Result(self.load(rtype, stored))

    def _update_causes(
        self, rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]
    ) -> list[tuple[str, str, str]]:
        causes: list[tuple[str, str, str]] = []
        old_meta, new_meta = old["metadata"], new["metadata"]
        if old_meta.get("deletionTimestamp"):
            added = [
                f
                for f in new_meta.get("finalizers") or []
                if f not in (old_meta.get("finalizers") or [])
            ]
            if added:
                listed = ", ".join(orjson.dumps(f).decode() for f in added)
                cause = (
                    "FieldValueForbidden",
                    "Forbidden: no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers []string{{{listed}}}",
                    "metadata.finalizers",
                )
                causes += [cause, cause]
        if rtype.plural in ("configmaps", "secrets") and not rtype.group and old.get("immutable"):
            for field in ("data", "binaryData"):
                if old.get(field) != new.get(field):
                    causes.append(
                        (
                            "FieldValueForbidden",
                            "Forbidden: field is immutable when `immutable` is set",
                            field,
                        )
                    )
            if new.get("immutable") is not True:
                causes.append(
                    (
                        "FieldValueForbidden",
                        "Forbidden: field is immutable when `immutable` is set",
                        "immutable",
                    )
                )
        return causes

    # -- delete -------------------------------------------------------------------------------

    def delete(
        self, rtype: ResourceType, namespace: str | None, name: str, options: DeleteOptions
    ) -> dict[str, Any] | None:
        """DELETE: the object (kept by finalizers) or None (gone: answer a Success Status)."""
        old = self.lookup(rtype, namespace, name)
        if options.uid is not None and options.uid != old.uid:
            raise precondition_conflict(
                rtype.kind, "", name,
                f"the UID in the precondition ({options.uid}) does not match the UID in record "
                f"({old.uid}). The object might have been deleted and then recreated",
            )  # fmt: skip
        if options.resource_version is not None and options.resource_version != str(old.rv):
            raise precondition_conflict(
                rtype.kind, "", name,
                f"the ResourceVersion in the precondition ({options.resource_version}) does not "
                f"match the ResourceVersion in record ({old.rv}). The object might have been modified",
            )  # fmt: skip
        obj = self.load(rtype, old)
        meta = obj["metadata"]
        if options.dry_run:
            return obj
        if rtype is NAMESPACE_TYPE:
            return self._delete_namespace(old, obj)
        finalizers = list(meta.get("finalizers") or [])
        if options.propagation == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if options.propagation == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        cleanup = "customresourcecleanup.apiextensions.k8s.io"
        is_crd = rtype.plural == CRD_TYPE.plural and rtype.group == CRD_TYPE.group
        if is_crd and cleanup not in finalizers:
            finalizers.append(cleanup)
        if not finalizers:
            self._remove(rtype, old)
            return None
        if meta.get("deletionTimestamp"):
            return obj
        meta["deletionTimestamp"] = self.now()
        meta["deletionGracePeriodSeconds"] = 0
        meta["finalizers"] = finalizers
        if rtype.generation != "none":
            meta["generation"] = int(meta.get("generation") or 0) + 1
        stored = self._store(rtype, obj, old)
        answer = self.load(rtype, stored)
        self._run_finalizing_controllers(rtype, stored)
        return answer

    def _drop_finalizer(self, rtype: ResourceType, key: str, finalizer: str) -> None:
        stored = self.storage.get(rtype.storage_key, key)
        if stored is None:
            return
        obj = self.load(rtype, stored)
        meta = obj["metadata"]
        meta["finalizers"] = [f for f in meta.get("finalizers") or [] if f != finalizer]
        if not meta["finalizers"]:
            del meta["finalizers"]
        self._apply(rtype, stored, obj, subresource="finalize", dry_run=False)

    def _run_finalizing_controllers(self, rtype: ResourceType, stored: Stored) -> None:
        """GC (foreground, orphan) and CRD cleanup, done at once (golden 07, 08)."""
        obj = self.load(rtype, stored)
        finalizers = obj["metadata"].get("finalizers") or []
        if "foregroundDeletion" in finalizers:
            self._collect_dependents(stored.uid)
            self._drop_finalizer(rtype, stored.key, "foregroundDeletion")
        if "orphan" in finalizers:
            self._orphan_dependents(stored.uid)
            self._drop_finalizer(rtype, stored.key, "orphan")
        if "customresourcecleanup.apiextensions.k8s.io" in finalizers:
            self._delete_custom_objects(obj)
            self._drop_finalizer(rtype, stored.key, "customresourcecleanup.apiextensions.k8s.io")

    def _dependents(self, uid: str) -> list[tuple[ResourceType, Stored]]:
        types = {rtype.storage_key: rtype for rtype in self._storage_types()}
        found: list[tuple[ResourceType, Stored]] = []
        for skey, key in sorted(self._owners.get(uid, ())):
            stored = self.storage.get(skey, key)
            if stored is not None and skey in types:
                found.append((types[skey], stored))
        return found

    def _storage_types(self) -> list[ResourceType]:
        seen: dict[tuple[str, str], ResourceType] = {}
        for rtype in self.registry:
            seen.setdefault(rtype.storage_key, rtype)
        return list(seen.values())

    def _collect_dependents(self, uid: str) -> None:
        """Background garbage collection: delete the dependents of a deleted owner."""
        for rtype, stored in self._dependents(uid):
            current = self.storage.get(rtype.storage_key, stored.key)
            if current is not None:
                self.delete(rtype, current.namespace or None, current.name, DeleteOptions())

    def _orphan_dependents(self, uid: str) -> None:
        for rtype, stored in self._dependents(uid):
            obj = self.load(rtype, stored)
            meta = obj["metadata"]
            meta["ownerReferences"] = [r for r in meta["ownerReferences"] if r.get("uid") != uid]
            if not meta["ownerReferences"]:
                del meta["ownerReferences"]
            self._apply(rtype, stored, obj, subresource="finalize", dry_run=False)

    # -- namespaces ---------------------------------------------------------------------------

    def _delete_namespace(self, old: Stored, obj: dict[str, Any]) -> dict[str, Any]:
        """Terminating at once, contents deleted at once (the real controller takes ~5 s)."""
        meta = obj["metadata"]
        if meta.get("deletionTimestamp"):
            return obj
        meta["deletionTimestamp"] = self.now()
        obj["status"] = {"phase": "Terminating"}
        stored = self._store(NAMESPACE_TYPE, obj, old)
        answer = self.load(NAMESPACE_TYPE, stored)
        self._suppress_namespace_finish = True
        try:
            for rtype in self._storage_types():
                if not rtype.namespaced:
                    continue
                bucket = self.storage.bucket(rtype.storage_key)
                for item in [s for s in bucket.values() if s.namespace == old.name]:
                    if self.storage.get(rtype.storage_key, item.key) is item:
                        self.delete(rtype, item.namespace, item.name, DeleteOptions())
        finally:
            self._suppress_namespace_finish = False
        self._maybe_finish_namespace(old.name)
        return answer

    def _maybe_finish_namespace(self, namespace: str) -> None:
        if self._suppress_namespace_finish:
            return
        ns = self.storage.get(NAMESPACE_TYPE.storage_key, namespace)
        if ns is None or b'"deletionTimestamp"' not in ns.raw:
            return
        for rtype in self._storage_types():
            if rtype.namespaced and any(
                s.namespace == namespace for s in self.storage.bucket(rtype.storage_key).values()
            ):
                return
        obj = self.load(NAMESPACE_TYPE, ns)
        now = self.now()
        obj["status"]["conditions"] = [
            {"type": t, "status": "False", "lastTransitionTime": now, "reason": r, "message": m}
            for t, r, m in (
                ("NamespaceDeletionDiscoveryFailure", "ResourcesDiscovered", "All resources successfully discovered"),
                ("NamespaceDeletionGroupVersionParsingFailure", "ParsedGroupVersions", "All legacy kube types successfully parsed"),
                ("NamespaceDeletionContentFailure", "ContentDeleted", "All content successfully deleted, may be waiting on finalization"),
                ("NamespaceContentRemaining", "ContentRemoved", "All content successfully removed"),
                ("NamespaceFinalizersRemaining", "ContentHasNoFinalizers", "All content-preserving finalizers finished"),
            )
        ]  # fmt: skip
        ns = self._store(NAMESPACE_TYPE, obj, ns)
        self._remove(NAMESPACE_TYPE, ns)

    # -- custom resource definitions ----------------------------------------------------------

    def _validate_crd(self, obj: dict[str, Any]) -> None:
        spec = obj.get("spec") or {}
        names = spec.get("names") or {}
        group = spec.get("group") or ""
        name = obj["metadata"]["name"]
        causes: list[tuple[str, str, str]] = []
        plural = names.get("plural") or ""
        if name != f"{plural}.{group}":
            causes.append(
                (
                    "FieldValueInvalid",
                    f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
                    "metadata.name",
                )
            )
        if not names.get("kind"):
            causes.append(("FieldValueRequired", "Required value", "spec.names.kind"))
        if spec.get("scope") not in ("Namespaced", "Cluster"):
            causes.append(
                (
                    "FieldValueNotSupported",
                    f'Unsupported value: "{spec.get("scope", "")}": supported values: "Cluster", "Namespaced"',
                    "spec.scope",
                )
            )
        if not spec.get("versions"):
            causes.append(
                (
                    "FieldValueRequired",
                    "Required value: must have exactly one version marked as storage version",
                    "spec.versions",
                )
            )
        protected = (
            group == "k8s.io"
            or group.endswith((".k8s.io", ".kubernetes.io"))
            or group == "kubernetes.io"
        )
        annotations = obj["metadata"].get("annotations") or {}
        if protected and "api-approved.kubernetes.io" not in annotations:
            causes.append((
                "FieldValueRequired",
                'Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111',
                "metadata.annotations[api-approved.kubernetes.io]",
            ))  # fmt: skip
        if causes:
            raise invalid(CRD_TYPE.kind, CRD_TYPE.group, name, causes)

    def _establish_crd(self, stored: Stored) -> None:
        """NamesAccepted + Established, then serve the versions (golden 08)."""
        obj = self.load(CRD_TYPE, stored)
        spec = obj["spec"]
        names = dict(spec["names"])
        names.setdefault("singular", names["kind"].lower())
        names.setdefault("listKind", names["kind"] + "List")
        now = self.now()
        conditions = [
            {"type": "NamesAccepted", "status": "True", "lastTransitionTime": now, "reason": "NoConflicts", "message": "no conflicts found"},
            {"type": "Established", "status": "True", "lastTransitionTime": now, "reason": "InitialNamesAccepted", "message": "the initial names have been accepted"},
        ]  # fmt: skip
        storage_versions = [v["name"] for v in spec["versions"] if v.get("storage")] or [
            spec["versions"][0]["name"]
        ]
        obj["status"] = {
            "conditions": conditions,
            "acceptedNames": names,
            "storedVersions": storage_versions,
        }
        self._apply(CRD_TYPE, stored, obj, subresource="status", dry_run=False)
        for version in spec["versions"]:
            if version.get("served", True):
                subresources = version.get("subresources") or {}
                self.registry.add(
                    ResourceType(
                        spec["group"], version["name"], names["plural"], names["singular"],
                        names["kind"], spec["scope"] == "Namespaced",
                        ("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"),
                        tuple(names.get("shortNames") or ()), tuple(names.get("categories") or ()),
                        has_status="status" in subresources, has_scale="scale" in subresources,
                        generation="all", custom=True,
                        selectable_fields=tuple(f["jsonPath"] for f in version.get("selectableFields") or ()),
                        schema=(version.get("schema") or {}).get("openAPIV3Schema"),
                    )
                )  # fmt: skip

    def _custom_type(self, crd: dict[str, Any]) -> ResourceType | None:
        spec = crd.get("spec") or {}
        for version in spec.get("versions") or ():
            rtype = self.registry.lookup(
                spec.get("group", ""),
                version.get("name", ""),
                (spec.get("names") or {}).get("plural", ""),
            )
            if rtype is not None:
                return rtype
        return None

    def _delete_custom_objects(self, crd: dict[str, Any]) -> None:
        rtype = self._custom_type(crd)
        if rtype is None:
            return
        for stored in list(self.storage.bucket(rtype.storage_key).values()):
            if self.storage.get(rtype.storage_key, stored.key) is stored:
                self._remove(rtype, stored)

    def _unserve_crd(self, crd: dict[str, Any]) -> None:
        """Stop serving; watches of the resource end after their DELETED events (golden 08)."""
        rtype = self._custom_type(crd)
        if rtype is None:
            return
        for watch in list(self.storage.subscribers.get(rtype.storage_key, ())):
            if isinstance(watch, EngineWatch):
                watch.end()
        self.storage.drop_resource(rtype.storage_key)
        self.storage.subscribers.pop(rtype.storage_key, None)
        self.registry.remove_custom(rtype.group, rtype.plural)

    # -- bulk ---------------------------------------------------------------------------------

    def seed(
        self, rtype_of: Callable[[dict[str, Any]], ResourceType], objects: Iterable[dict[str, Any]]
    ) -> int:
        """Bulk load without validation or defaults; each object gets its own revision."""
        now = self.now()
        # The loop allocates millions of small objects: generational GC passes over a large
        # heap would double its time, and nothing it creates is cyclic garbage.
        gc_was_enabled = gc.isenabled()
        gc.disable()
        try:
            return self._seed_loop(rtype_of, objects, now)
        finally:
            if gc_was_enabled:
                gc.enable()

    def _seed_loop(
        self,
        rtype_of: Callable[[dict[str, Any]], ResourceType],
        objects: Iterable[dict[str, Any]],
        now: str,
    ) -> int:
        count = 0
        storage = self.storage
        known_namespaces = set(storage.bucket(NAMESPACE_TYPE.storage_key))
        keys: dict[int, tuple[str, str]] = {}
        rng = self._random
        for obj in objects:
            rtype = rtype_of(obj)
            skey = keys.get(id(rtype))
            if skey is None:
                skey = keys[id(rtype)] = rtype.storage_key
            meta = dict(obj.get("metadata") or {})
            if rtype.namespaced:
                namespace = meta.get("namespace") or "default"
                meta["namespace"] = namespace
                if namespace not in known_namespaces:
                    if storage.get(NAMESPACE_TYPE.storage_key, namespace) is None:
                        self.create(NAMESPACE_TYPE, {"metadata": {"name": namespace}}, None)
                    known_namespaces.add(namespace)
                key = f"{namespace}/{meta.get('name') or ''}"
            else:
                key = meta.get("name") or ""
            if not meta.get("name"):
                if not meta.get("generateName"):
                    raise self._invalid(rtype, "", validate_metadata(meta, plural=rtype.plural))
                meta["name"] = self._generate_name(str(meta["generateName"]))
                key = self.key_of(meta.get("namespace"), meta["name"])
            if "uid" not in meta:
                meta["uid"] = new_uid(rng)
            if "creationTimestamp" not in meta:
                meta["creationTimestamp"] = now
            if rtype.generation != "none" and "generation" not in meta:
                meta["generation"] = 1
            old = storage.get(skey, key)
            revision = storage.next_revision()
            meta["resourceVersion"] = str(revision)
            body = {"metadata": ordered_metadata(meta)}
            body.update({k: v for k, v in obj.items() if k not in _SKIPPED})
            labels = meta.get("labels")
            stored = Stored(
                key,
                meta.get("namespace") or "",
                meta["name"],
                revision,
                meta["uid"],
                orjson.dumps(body),
                dict(labels) if isinstance(labels, dict) else None,
            )
            if "ownerReferences" in meta or old is not None:
                self._index_owners(skey, key, meta.get("ownerReferences"))
            storage.put(skey, stored, old)
            count += 1
        return count


_OMIT_EMPTY_META: Final = ("labels", "annotations", "ownerReferences", "finalizers")


def _omit_empty(obj: dict[str, Any]) -> None:
    """Go's ``omitempty``: empty labels/annotations/finalizers/... are not stored (05d seq 7)."""
    meta = obj["metadata"]
    for key in _OMIT_EMPTY_META:
        if key in meta and not meta[key]:
            del meta[key]
    if obj.get("kind") in ("ConfigMap", "Secret"):
        for key in ("data", "binaryData"):
            if key in obj and not obj[key]:
                del obj[key]


def _spec_changed(rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> bool:
    if rtype.generation == "all":
        keys = (set(old) | set(new)) - {"metadata", "status", "kind", "apiVersion"}
        return any(old.get(k) != new.get(k) for k in keys)
    changed = old.get("spec") != new.get("spec")
    if rtype.generation == "spec+annotations":
        changed = changed or old["metadata"].get("annotations") != new["metadata"].get(
            "annotations"
        )
    return changed


def _default_pod(obj: dict[str, Any]) -> None:
    """The pod defaults field selectors rely on (golden 04): restartPolicy, phase, ..."""
    spec = dict(obj.get("spec") or {})
    containers = []
    for container in spec.get("containers") or []:
        container = dict(container)
        container.setdefault("resources", {})
        container.setdefault("terminationMessagePath", "/dev/termination-log")
        container.setdefault("terminationMessagePolicy", "File")
        image = str(container.get("image", ""))
        latest = ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest")
        container.setdefault("imagePullPolicy", "Always" if latest else "IfNotPresent")
        containers.append(container)
    spec["containers"] = containers
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("serviceAccountName", "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    spec.setdefault("securityContext", {})
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("priority", 0)
    spec.setdefault("enableServiceLinks", True)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    obj["spec"] = spec
    obj["status"] = {"phase": "Pending", "qosClass": "BestEffort"}
