"""Resource names as kubectl reads them, resolved against discovery documents (pure).

Mirrors client-go ``restmapper`` (``shortcut.go``'s ``shortcutExpander``,
``discovery.go``'s priority mapper built from discovery) and apimachinery
``schema.ParseResourceArg``. No I/O: :class:`DiscoveryIndex` is built from documents the
caller fetched (aggregated discovery ``apidiscovery.k8s.io/v2`` or the legacy
``APIResourceList`` documents) and answers :meth:`DiscoveryIndex.resolve`.

Resolution order (what ``kubectl get NAME`` does):

1. ``group/version/resource`` (or ``version/resource`` for the core group) names one
   version exactly; ``resource.version.group`` (``deployment.v1.apps``) likewise when that
   version exists, otherwise the dots are read as ``resource.group``.
2. A name equal to some resource's plural or singular (in the given group, if any) is used
   as is; otherwise short names are expanded (``po`` → ``pods``, ``deploy`` → ``deployments``);
   the lower-cased kind also matches (``Deployment``).
3. Among several matches the first in discovery order wins: groups in the server's
   priority order (the core group first), each group's preferred version before the others.

Invariants of :class:`DiscoveryIndex`: ``entries`` holds main resources only (no
``pods/status``), in priority order; each entry's ``version`` is one the server serves.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, final

from kinformer._errors import ResourceNotFoundError

__all__ = ["DiscoveryIndex", "ResourceInfo", "parse_resource_arg"]


@final
@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """One API resource at one version: what list, watch and the URLs need.

    ``group`` is ``""`` for the core group. ``resource`` is the lower-case plural used in
    URLs (``deployments``); ``kind`` the object kind (``Deployment``).
    """

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool = True
    verbs: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()
    singular_name: str = ""
    categories: tuple[str, ...] = field(default=(), compare=False)

    @property
    def api_version(self) -> str:
        """``v1`` for the core group, ``apps/v1`` otherwise (the objects' ``apiVersion``)."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``pods`` or ``deployments.apps``: the name kubectl prints and accepts."""
        return f"{self.resource}.{self.group}" if self.group else self.resource

    @property
    def singular(self) -> str:
        """The singular name, falling back to the lower-cased kind as kubectl does."""
        return self.singular_name or self.kind.lower()


@dataclass(frozen=True, slots=True)
class _Arg:
    resource: str
    group: str | None = None
    version: str | None = None


def parse_resource_arg(name: str) -> list[_Arg]:
    """The readings of ``name`` to try, most specific first (``schema.ParseResourceArg``).

    >>> [(a.resource, a.group, a.version) for a in parse_resource_arg("deployment.v1.apps")]
    [('deployment', 'apps', 'v1'), ('deployment', 'v1.apps', None)]
    >>> [(a.resource, a.group, a.version) for a in parse_resource_arg("apps/v1/Deployment")]
    [('deployment', 'apps', 'v1')]
    """
    text = name.strip()
    if "/" in text:
        parts = text.split("/")
        if len(parts) == 3 and all(parts):
            return [_Arg(parts[2].lower(), parts[0], parts[1])]
        if len(parts) == 2 and all(parts):
            return [_Arg(parts[1].lower(), "", parts[0])]
        return []
    lowered = text.lower()
    if not lowered:
        return []
    resource, _, rest = lowered.partition(".")
    if not rest:
        return [_Arg(resource)]
    readings = []
    version, _, group = rest.partition(".")
    if group:
        readings.append(_Arg(resource, group, version))
    readings.append(_Arg(resource, rest))
    return readings


@final
class DiscoveryIndex:
    """Every main resource the server serves, in kubectl's priority order, and name lookup."""

    __slots__ = ("entries",)

    def __init__(self, entries: Iterable[ResourceInfo]) -> None:
        self.entries: tuple[ResourceInfo, ...] = tuple(entries)

    @classmethod
    def from_aggregated(cls, *documents: Mapping[str, Any]) -> DiscoveryIndex:
        """From ``APIGroupDiscoveryList`` documents (``/api`` first, then ``/apis``).

        Versions are listed by the server in preference order, groups in priority order.
        """
        entries: list[ResourceInfo] = []
        for document in documents:
            for item in _list(document.get("items")):
                group = str(_map(item.get("metadata")).get("name", "") or "")
                for version_doc in _list(item.get("versions")):
                    version = str(version_doc.get("version", ""))
                    for res in _list(version_doc.get("resources")):
                        kind = str(_map(res.get("responseKind")).get("kind", ""))
                        entries.append(
                            ResourceInfo(
                                group=group,
                                version=version,
                                resource=str(res.get("resource", "")),
                                kind=kind,
                                namespaced=res.get("scope") == "Namespaced",
                                verbs=_strings(res.get("verbs")),
                                short_names=_strings(res.get("shortNames")),
                                singular_name=str(res.get("singularResource", "") or ""),
                                categories=_strings(res.get("categories")),
                            )
                        )
        return cls(entries)

    @classmethod
    def from_legacy(
        cls, groups: Sequence[Mapping[str, Any]], resource_lists: Mapping[str, Mapping[str, Any]]
    ) -> DiscoveryIndex:
        """From legacy documents: ``groups`` are ``APIGroup`` objects in priority order (the core
        group as ``{"name": "", "versions": [{"version": "v1"}]}`` first), ``resource_lists``
        maps each group-version (``v1``, ``apps/v1``) to its ``APIResourceList``.
        """
        entries: list[ResourceInfo] = []
        for group_doc in groups:
            group = str(group_doc.get("name", ""))
            versions = [str(v.get("version", "")) for v in _list(group_doc.get("versions"))]
            preferred = str(_map(group_doc.get("preferredVersion")).get("version", ""))
            if preferred in versions:
                versions.remove(preferred)
                versions.insert(0, preferred)
            for version in versions:
                group_version = f"{group}/{version}" if group else version
                document = resource_lists.get(group_version)
                if document is None:
                    continue
                for res in _list(document.get("resources")):
                    name = str(res.get("name", ""))
                    if "/" in name:
                        continue  # a subresource such as pods/status
                    entries.append(
                        ResourceInfo(
                            group=group,
                            version=version,
                            resource=name,
                            kind=str(res.get("kind", "")),
                            namespaced=bool(res.get("namespaced", False)),
                            verbs=_strings(res.get("verbs")),
                            short_names=_strings(res.get("shortNames")),
                            singular_name=str(res.get("singularName", "") or ""),
                            categories=_strings(res.get("categories")),
                        )
                    )
        return cls(entries)

    def resolve(self, name: str) -> ResourceInfo | None:
        """The resource ``name`` designates, or ``None`` if this index has no match."""
        for arg in parse_resource_arg(name):
            found = self._resolve_arg(arg)
            if found is not None:
                return found
        return None

    def resolve_or_raise(self, name: str) -> ResourceInfo:
        """:meth:`resolve`, raising :class:`ResourceNotFoundError` with close matches on a miss."""
        found = self.resolve(name)
        if found is None:
            raise self.not_found(name)
        return found

    def not_found(self, name: str) -> ResourceNotFoundError:
        """The error for an unknown ``name``, listing up to five close matches (difflib)."""
        candidates: dict[str, None] = {}
        for entry in self.entries:
            for alias in (entry.resource, entry.singular, *entry.short_names):
                candidates[alias] = None
            candidates[entry.group_resource] = None
        matches = difflib.get_close_matches(name.lower(), list(candidates), n=5, cutoff=0.6)
        hint = f"; did you mean {', '.join(matches)}?" if matches else ""
        return ResourceNotFoundError(f'the server doesn\'t have a resource type "{name}"{hint}')

    def _resolve_arg(self, arg: _Arg) -> ResourceInfo | None:
        def in_scope(entry: ResourceInfo) -> bool:
            if arg.group is not None and entry.group != arg.group:
                return False
            return arg.version is None or entry.version == arg.version

        scoped = [entry for entry in self.entries if in_scope(entry)]
        # shortcut.go: an exact plural or singular name is never expanded as a short name.
        for entry in scoped:
            if arg.resource in (entry.resource, entry.singular_name):
                return entry
        for entry in scoped:
            if arg.resource in entry.short_names:
                return entry
        for entry in scoped:
            if arg.resource == entry.singular:
                return entry  # the lower-cased kind, when no singular name was published
        return None


def _list(value: object) -> list[Mapping[str, Any]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _strings(value: object) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, list) else ()
