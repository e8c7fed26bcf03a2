"""Resource types served by the fake API server, and their discovery documents.

Mirrors kube-apiserver's discovery handlers (``/api``, ``/api/v1``, ``/apis``, ``/apis/<g>``,
``/apis/<g>/<v>``; golden 01) and apiextensions-apiserver's serving of custom resources
(golden 08). Pure data: no I/O.

Invariants: a :class:`Registry` maps each ``(group, version, plural)`` to exactly one
:class:`ResourceType`; the built-in types are always present; a custom type is present iff its
CRD exists (and is removed with it). Storage is shared by every version of a resource: it is
keyed by :attr:`ResourceType.storage_key` ``(group, plural)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final, Literal, final

__all__ = ["Generation", "Registry", "ResourceType"]

Generation = Literal["none", "spec", "spec+annotations", "all"]
"""When ``metadata.generation`` is set and bumped.

``none``: never; ``spec``: set to 1 on create, bumped when ``spec`` changes; ``spec+annotations``:
also when annotations change (Deployments, golden 03); ``all``: any change outside ``metadata``
and ``status`` (custom resources, CRDs).
"""

ALL_VERBS: Final = (
    "create",
    "delete",
    "deletecollection",
    "get",
    "list",
    "patch",
    "update",
    "watch",
)
_SUB_VERBS: Final = ("get", "patch", "update")


@final
@dataclass(frozen=True, slots=True)
class ResourceType:
    """One served resource in one version."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    storage_version_hash: str = ""
    has_status: bool = False
    has_scale: bool = False
    generation: Generation = "none"
    custom: bool = False
    extra_subresources: tuple[str, ...] = ()
    """Subresources listed in discovery only (``namespaces/finalize``); never served."""
    selectable_fields: tuple[str, ...] = field(default=())
    """Custom resources: the CRD's ``selectableFields`` JSON paths (``.spec.color``)."""
    schema: Any = field(default=None, compare=False, hash=False)
    """Custom resources: the version's ``openAPIV3Schema`` (pruning and validation)."""

    @property
    def api_version(self) -> str:
        """``v1`` or ``apps/v1``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def storage_key(self) -> tuple[str, str]:
        """Every version of a resource shares one storage."""
        return (self.group, self.plural)

    @property
    def list_kind(self) -> str:
        """``ConfigMapList``."""
        return f"{self.kind}List"

    @property
    def qualified(self) -> str:
        """``configmaps`` or ``leases.coordination.k8s.io`` (texts of Status messages)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresources(self) -> tuple[str, ...]:
        """Served and listed subresources, sorted as discovery lists them."""
        subs = set(self.extra_subresources)
        if self.has_status:
            subs.add("status")
        if self.has_scale:
            subs.add("scale")
        return tuple(sorted(subs))

    def aggregated_entry(self) -> dict[str, Any]:
        """The ``apidiscovery.k8s.io/v2`` entry of this resource (golden 01 seq 9, 10)."""
        same = {"group": "", "version": "", "kind": self.kind}
        entry: dict[str, Any] = {
            "resource": self.plural,
            "responseKind": same,
            "scope": "Namespaced" if self.namespaced else "Cluster",
            "singularResource": self.singular,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        subresources = []
        for sub in self.subresources():
            kind = (
                {"group": "autoscaling", "version": "v1", "kind": "Scale"}
                if sub == "scale"
                else same
            )
            verbs = ["update"] if sub == "finalize" else list(_SUB_VERBS)
            subresources.append({"subresource": sub, "responseKind": kind, "verbs": verbs})
        if subresources:
            entry["subresources"] = subresources
        return entry

    def discovery_entries(self) -> list[dict[str, Any]]:
        """The ``APIResourceList.resources`` entries: the resource, then its subresources."""
        entry: dict[str, Any] = {
            "name": self.plural,
            "singularName": self.singular,
            "namespaced": self.namespaced,
            "kind": self.kind,
            "verbs": list(self.verbs),
        }
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        if self.storage_version_hash:
            entry["storageVersionHash"] = self.storage_version_hash
        entries = [entry]
        for sub in self.subresources():
            sub_entry: dict[str, Any] = {
                "name": f"{self.plural}/{sub}",
                "singularName": "",
                "namespaced": self.namespaced,
            }
            if sub == "scale":
                sub_entry.update(group="autoscaling", version="v1", kind="Scale")
            else:
                sub_entry["kind"] = self.kind
            sub_entry["verbs"] = ["update"] if sub == "finalize" else list(_SUB_VERBS)
            entries.append(sub_entry)
        return entries


@final
class Registry:
    """The served resource types, by group/version/plural and by apiVersion/kind.

    Not thread-safe on its own: the engine holds its lock around every call.
    """

    def __init__(self, types: Iterable[ResourceType]) -> None:
        self._by_gvr: dict[tuple[str, str, str], ResourceType] = {}
        self._by_gvk: dict[tuple[str, str], ResourceType] = {}
        self._builtin_groups: set[str] = set()
        for rtype in types:
            self.add(rtype)
            self._builtin_groups.add(rtype.group)

    def add(self, rtype: ResourceType) -> None:
        """Serve ``rtype`` (replacing a type of the same group/version/plural)."""
        self._by_gvr[(rtype.group, rtype.version, rtype.plural)] = rtype
        self._by_gvk[(rtype.api_version, rtype.kind)] = rtype

    def remove_custom(self, group: str, plural: str) -> list[ResourceType]:
        """Stop serving every version of a custom resource; returns the removed types."""
        removed = [
            rtype
            for key, rtype in self._by_gvr.items()
            if rtype.custom and key[0] == group and key[2] == plural
        ]
        for rtype in removed:
            del self._by_gvr[(rtype.group, rtype.version, rtype.plural)]
            self._by_gvk.pop((rtype.api_version, rtype.kind), None)
        return removed

    def __iter__(self) -> Iterator[ResourceType]:
        return iter(list(self._by_gvr.values()))

    def lookup(self, group: str, version: str, plural: str) -> ResourceType | None:
        """The type served at ``/apis/<group>/<version>/<plural>``, if any."""
        return self._by_gvr.get((group, version, plural))

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        """The type of objects of ``apiVersion``/``kind``, if served."""
        return self._by_gvk.get((api_version, kind))

    def versions(self, group: str) -> list[str]:
        """Served versions of a group, in preference order (first = preferred)."""
        seen: list[str] = []
        for g, v, _ in self._by_gvr:
            if g == group and v not in seen:
                seen.append(v)
        return sorted(seen, key=_version_priority)

    def group_served(self, group: str) -> bool:
        """True if any version of ``group`` is served."""
        return any(g == group for g, _, _ in self._by_gvr)

    def groups(self) -> list[str]:
        """Named groups (not the core group): built-in first in table order, then custom."""
        ordered: list[str] = []
        for g, _, _ in self._by_gvr:
            if g and g not in ordered:
                ordered.append(g)
        return ordered

    def resources(self, group: str, version: str) -> list[ResourceType]:
        """Types of one group-version, sorted by plural as discovery lists them."""
        found = [t for (g, v, _), t in self._by_gvr.items() if g == group and v == version]
        return sorted(found, key=lambda t: t.plural)

    # -- discovery documents ------------------------------------------------------------------

    def api_versions(self, server_address: str) -> dict[str, Any]:
        """``/api``: ``APIVersions`` without ``apiVersion`` (golden 01)."""
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}
            ],
        }

    def resource_list(self, group: str, version: str) -> dict[str, Any]:
        """``/api/v1`` or ``/apis/<g>/<v>``: ``APIResourceList`` (golden 01)."""
        doc: dict[str, Any] = {"kind": "APIResourceList"}
        if group:
            doc["apiVersion"] = "v1"
        doc["groupVersion"] = f"{group}/{version}" if group else version
        entries: list[dict[str, Any]] = []
        for rtype in self.resources(group, version):
            entries.extend(rtype.discovery_entries())
        doc["resources"] = entries
        return doc

    def api_group(self, group: str) -> dict[str, Any]:
        """One ``APIGroup`` (``/apis/<g>``, and the items of ``/apis``)."""
        versions = [{"groupVersion": f"{group}/{v}", "version": v} for v in self.versions(group)]
        return {
            "name": group,
            "versions": versions,
            "preferredVersion": versions[0],
        }

    def aggregated(self, *, core: bool) -> dict[str, Any]:
        """``APIGroupDiscoveryList`` of ``/api`` (core) or ``/apis`` (every named group)."""
        groups = [""] if core else self.groups()
        items = []
        for group in groups:
            versions = [
                {
                    "version": version,
                    "resources": [t.aggregated_entry() for t in self.resources(group, version)],
                    "freshness": "Current",
                }
                for version in self.versions(group)
            ]
            items.append({"metadata": {"name": group} if group else {}, "versions": versions})
        return {
            "kind": "APIGroupDiscoveryList",
            "apiVersion": "apidiscovery.k8s.io/v2",
            "metadata": {},
            "items": items,
        }

    def api_group_list(self) -> dict[str, Any]:
        """``/apis``: ``APIGroupList`` (golden 01)."""
        return {
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": [self.api_group(g) for g in self.groups()],
        }


def _version_priority(version: str) -> tuple[int, int, int]:
    """Kubernetes version priority: GA > beta > alpha, then higher numbers first."""
    import re

    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0)
    major = int(match.group(1))
    stage = {"": 0, "beta": 1, "alpha": 2}[match.group(2) or ""]
    minor = int(match.group(3) or 0)
    return (stage, -major, -minor)
