"""``ApiServerState``: the fake API server's engine — Kubernetes semantics, no sockets.

The HTTP layer calls :meth:`ApiServerState.handle` with an :class:`ApiRequest` and writes the
:class:`ApiResponse` or streams the :class:`WatchResponse` (see ``_protocol.py``). Tests, the
demo and benchmarks also use the Python API (``create``, ``get``, ``seed``, fault knobs ...).

The engine routes paths to verbs as kube-apiserver does (golden 01, 11: discovery documents,
the three shapes of 404, 405, 406), negotiates and decodes (``_codec``), authorizes from
:class:`UserInfo` (``_authz``), applies write semantics (``_cluster``), answers lists from
pre-serialised bytes (``_storage``, ``_listing``) and opens watches (``_watch``).

Concurrency: one :class:`threading.RLock` guards everything (storage, registry, watches,
counters); it is never held while waiting. ``handle`` never blocks or sleeps: a list at a
future resourceVersion answers 504 *at once*, where kube-apiserver first waits ~3 s for the
revision to arrive (golden 04).
"""

from __future__ import annotations

import builtins
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final, final

import orjson
import yaml

from ._authz import check_path, check_resource
from ._cluster import Cluster, DeleteOptions, Result
from ._codec import (
    BODY_MEDIA,
    CUSTOM_PATCH_MEDIA,
    PATCH_TYPES,
    Media,
    decode_body,
    go_type,
    meta_prefix,
    negotiate,
)
from ._listing import decode_continue, encode_continue, paginate, parse_list_options
from ._patch import PatchError, apply_json_patch, apply_merge_patch, apply_strategic_merge_patch
from ._protocol import ApiRequest, ApiResponse, WatchResponse
from ._resources import ResourceType
from ._schema import prune_builtin, prune_custom
from ._selectors import compile_selectors
from ._status import (
    CONTINUE_EXPIRED_MESSAGE,
    JSON,
    PLAIN,
    StatusError,
    bad_request,
    expired,
    expired_status,
    invalid,
    method_not_allowed,
    not_acceptable,
    not_found,
    plain_404,
    resource_not_found,
    status_body,
    too_large_resource_version,
    too_many_requests,
    unsupported_media_type,
)
from ._storage import Stored
from ._validation import go_quote, normalise_lease
from ._watch import EngineWatch

__all__ = ["ApiServerState", "RequestRecord"]

VERSION_INFO: Final = {
    "major": "1",
    "minor": "36",
    "emulationMajor": "1",
    "emulationMinor": "36",
    "minCompatibilityMajor": "1",
    "minCompatibilityMinor": "35",
    "gitVersion": "v1.36.2",
    "gitCommit": "98b35193b2ac7a23a673325f5e9b830ecd5ba406",
    "gitTreeState": "clean",
    "buildDate": "2026-11-26T22:43:22Z",
    "goVersion": "go1.27.3",
    "compiler": "gc",
    "platform": "linux/amd64",
}
"""``/version`` of the recorded server (golden 01)."""

_HEALTH: Final = frozenset({"/healthz", "/livez", "/readyz"})
_TRUE: Final = ("true", "1")
_DEFAULT_REASONS: Final = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
}


@final
@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One request as the engine understood it (for test assertions)."""

    verb: str
    resource: str
    namespace: str | None
    name: str | None
    query: Mapping[str, str]


@dataclass(slots=True)
class _Fault:
    verb: str
    remaining: int
    resource: str | None
    error: StatusError


@final
@dataclass(frozen=True, slots=True)
class _Target:
    rtype: ResourceType
    namespace: str | None
    name: str | None
    subresource: str | None
    verb: str


@final
class ApiServerState:
    """The engine of :class:`kinformer.testing.FakeApiServer`: a kube-apiserver without HTTP.

    Thread-safe: every public method takes one lock. Methods of the Python API raise
    kinformer's typed errors (``NotFoundError``, ``ConflictError``, ...) built from the
    ``Status`` the HTTP path would answer.

    >>> state = ApiServerState(wall_clock=lambda: 0.0)
    >>> cm = state.create({"apiVersion": "v1", "kind": "ConfigMap",
    ...                    "metadata": {"name": "a", "namespace": "default"}})
    >>> cm["metadata"]["resourceVersion"] == str(state.revision)
    True
    >>> from kinformer.testing._apiserver._protocol import ApiRequest
    >>> answer = state.handle(ApiRequest("GET", "/api/v1/namespaces/default/configmaps/a"))
    >>> answer.status, answer.content_type
    (200, 'application/json')

    Args:
        history_limit: events kept for watches and for lists at an older resourceVersion; a
            watch from before the window gets ``ERROR`` 410 ``too old resource version``.
        wall_clock: seconds since the epoch, for timestamps (``creationTimestamp``, ...).
        namespace_defaults: publish ``kube-root-ca.crt`` and the ``default`` ServiceAccount
            into every new namespace, as kube-controller-manager does (golden README).
        server_address: the ``serverAddress`` that ``/api`` reports.
    """

    def __init__(
        self,
        *,
        history_limit: int = 10_000,
        wall_clock: Callable[[], float] = time.time,
        namespace_defaults: bool = True,
        server_address: str = "127.0.0.1:6443",
    ) -> None:
        self._lock = threading.RLock()
        self._history_limit = history_limit
        self._wall_clock = wall_clock
        self._namespace_defaults = namespace_defaults
        self._server_address = server_address
        self._requests: builtins.list[RequestRecord] = []
        self._faults: builtins.list[_Fault] = []
        self._cluster = self._new_cluster(start_revision=1)

    def _new_cluster(self, *, start_revision: int) -> Cluster:
        return Cluster(
            history_limit=self._history_limit,
            wall_clock=self._wall_clock,
            namespace_defaults=self._namespace_defaults,
            start_revision=start_revision,
        )

    # ==========================================================================================
    # Python API
    # ==========================================================================================

    @property
    def revision(self) -> int:
        """The current global revision (the newest resourceVersion)."""
        with self._lock:
            return self._cluster.storage.revision

    @property
    def requests(self) -> builtins.list[RequestRecord]:
        """Every request handled so far, in order."""
        with self._lock:
            return list(self._requests)

    def request_counts(self) -> Counter[tuple[str, str]]:
        """How many requests of each ``(verb, resource)``."""
        with self._lock:
            return Counter((r.verb, r.resource) for r in self._requests)

    def _rtype_of(self, api_version: str, kind: str) -> ResourceType:
        rtype = self._cluster.registry.by_kind(api_version, kind)
        if rtype is None:
            raise resource_not_found().api_error()
        return rtype

    def _obj_rtype(self, obj: Mapping[str, Any]) -> ResourceType:
        return self._rtype_of(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))

    def create(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Create an object (``apiVersion``, ``kind``, ``metadata.namespace`` say where)."""
        with self._lock:
            rtype = self._obj_rtype(obj)
            namespace = (obj.get("metadata") or {}).get("namespace")
            try:
                return self._cluster.create(
                    rtype, dict(obj), namespace if rtype.namespaced else None
                ).obj
            except StatusError as error:
                raise error.api_error() from None

    def get(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any]:
        """One object; raises ``NotFoundError``."""
        with self._lock:
            rtype = self._rtype_of(api_version, kind)
            try:
                return self._cluster.load(rtype, self._cluster.lookup(rtype, namespace, name))
            except StatusError as error:
                raise error.api_error() from None

    def update(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Replace an object; optimistic concurrency when ``metadata.resourceVersion`` is set."""
        with self._lock:
            rtype = self._obj_rtype(obj)
            meta = obj.get("metadata") or {}
            try:
                return self._cluster.update(
                    rtype, meta.get("namespace"), str(meta.get("name", "")), dict(obj)
                ).obj
            except StatusError as error:
                raise error.api_error() from None

    def update_status(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Replace an object's ``status`` through the status subresource."""
        with self._lock:
            rtype = self._obj_rtype(obj)
            meta = obj.get("metadata") or {}
            try:
                return self._cluster.update(
                    rtype,
                    meta.get("namespace"),
                    str(meta.get("name", "")),
                    dict(obj),
                    subresource="status",
                ).obj
            except StatusError as error:
                raise error.api_error() from None

    def patch(
        self,
        api_version: str,
        kind: str,
        name: str,
        patch: Any,
        namespace: str | None = None,
        patch_type: str = "merge",
    ) -> dict[str, Any]:
        """Patch an object: ``merge`` (RFC 7386), ``json`` (RFC 6902) or ``strategic``."""
        with self._lock:
            rtype = self._rtype_of(api_version, kind)
            try:
                return self._patch(rtype, namespace, name, patch, patch_type, None, {}).obj
            except StatusError as error:
                raise error.api_error() from None

    def delete(
        self, api_version: str, kind: str, name: str, namespace: str | None = None
    ) -> dict[str, Any] | None:
        """Delete; returns the object if finalizers keep it, None if it is gone."""
        with self._lock:
            rtype = self._rtype_of(api_version, kind)
            try:
                return self._cluster.delete(rtype, namespace, name, DeleteOptions())
            except StatusError as error:
                raise error.api_error() from None

    def list(
        self, api_version: str, kind: str, namespace: str | None = None
    ) -> builtins.list[dict[str, Any]]:
        """The current objects (in one namespace, or all), in key order."""
        with self._lock:
            rtype = self._rtype_of(api_version, kind)
            storage = self._cluster.storage
            bucket = storage.bucket(rtype.storage_key)
            return [
                self._cluster.load(rtype, bucket[key])
                for key in storage.sorted_keys(rtype.storage_key)
                if namespace is None or bucket[key].namespace == namespace
            ]

    def seed(self, objects: Iterable[Mapping[str, Any]]) -> int:
        """Bulk load objects without validation or defaults (fast: no HTTP, one dump each).

        Each object gets a uid, ``creationTimestamp`` and its own revision; missing
        namespaces are created. Open watches see the ADDED events. Returns the count.
        """
        with self._lock:
            cache: dict[tuple[str, str], ResourceType] = {}

            def rtype_of(obj: dict[str, Any]) -> ResourceType:
                key = (obj.get("apiVersion", ""), obj.get("kind", ""))
                rtype = cache.get(key)
                if rtype is None:
                    rtype = cache[key] = self._obj_rtype(obj)
                return rtype

            try:
                return self._cluster.seed(
                    rtype_of, (o if isinstance(o, dict) else dict(o) for o in objects)
                )
            except StatusError as error:
                raise error.api_error() from None

    def compact(self, revision: int | None = None) -> None:
        """Forget history up to ``revision`` (default: now), as etcd compaction + a new watch
        cache window: lists at an older exact resourceVersion, continue tokens from before it,
        and watches from before it get 410.
        """
        with self._lock:
            storage = self._cluster.storage
            storage.compact(storage.revision if revision is None else revision)

    def drop_watches(self) -> None:
        """End every open watch cleanly (the client sees the stream end)."""
        with self._lock:
            for watch in self._open_watches():
                watch.end()

    def _open_watches(self) -> builtins.list[EngineWatch]:
        found: builtins.list[EngineWatch] = []
        for subscribers in self._cluster.storage.subscribers.values():
            found.extend(w for w in subscribers if isinstance(w, EngineWatch))
        return found

    def fail_next(
        self,
        verb: str,
        count: int = 1,
        *,
        code: int,
        reason: str = "",
        message: str = "",
        retry_after: int | None = None,
        resource: str | None = None,
    ) -> None:
        """The next ``count`` requests of ``verb`` (of ``resource``, if given) answer a Status.

        ``code`` 429 with ``retry_after`` adds a ``Retry-After`` header and
        ``details.retryAfterSeconds``, as kube-apiserver does.
        """
        reason = reason or _DEFAULT_REASONS.get(code, "")
        message = message or f"injected failure: {verb}"
        if code == 429:
            error = too_many_requests(message, retry_after)
            if error.body is not None:
                error.body["reason"] = reason
        else:
            headers = (("Retry-After", str(retry_after)),) if retry_after is not None else ()
            details = {"retryAfterSeconds": retry_after} if retry_after is not None else None
            error = StatusError(code, status_body(code, reason, message, details), headers=headers)
        with self._lock:
            self._faults.append(_Fault(verb, count, resource, error))

    def restart(self, keep_data: bool) -> None:
        """Restart: every watch ends; without data the store is empty and the revision
        restarts low (resourceVersions go BACKWARDS, as after an etcd wipe); with data the
        new watch cache starts at the current revision (older watches get 410).
        """
        with self._lock:
            for watch in self._open_watches():
                watch.end()
            if keep_data:
                self._cluster.storage.forget_history()
                self._cluster.storage.subscribers.clear()
            else:
                self._cluster = self._new_cluster(start_revision=1)

    # ==========================================================================================
    # HTTP entry point
    # ==========================================================================================

    def handle(self, request: ApiRequest) -> ApiResponse | WatchResponse:
        """Answer one request (never blocks)."""
        with self._lock:
            try:
                return self._route(request)
            except StatusError as error:
                return error.response()

    def _json(
        self, status: int, doc: Any, headers: tuple[tuple[str, str], ...] = ()
    ) -> ApiResponse:
        return ApiResponse(status, orjson.dumps(doc), JSON, headers)

    def _record(
        self,
        verb: str,
        resource: str,
        namespace: str | None,
        name: str | None,
        query: Mapping[str, str],
    ) -> None:
        self._requests.append(RequestRecord(verb, resource, namespace, name, dict(query)))

    def _take_fault(self, verb: str, rtype: ResourceType | None) -> None:
        for fault in self._faults:
            if fault.verb != verb or fault.remaining <= 0:
                continue
            if fault.resource is not None and (
                rtype is None or fault.resource not in (rtype.plural, rtype.qualified)
            ):
                continue
            fault.remaining -= 1
            if fault.remaining == 0:
                self._faults.remove(fault)
            raise fault.error

    def _route(self, request: ApiRequest) -> ApiResponse | WatchResponse:
        path = request.path.rstrip("/") or "/"
        method = request.method.upper()
        registry = self._cluster.registry
        if path in _HEALTH or path == "/version":
            self._record("get", path, None, None, request.query)
            check_path(request.user, path)
            if method != "GET":
                raise method_not_allowed()
            self._take_fault("get", None)
            if path == "/version":
                return self._json(200, VERSION_INFO)
            return ApiResponse(200, b"ok", PLAIN)
        parts = path.strip("/").split("/")
        if parts[0] not in ("api", "apis"):
            raise plain_404()
        if len(parts) <= (2 if parts[0] == "api" else 3):
            return self._discovery(request, method, parts)
        group, version, rest = (
            ("", parts[1], parts[2:]) if parts[0] == "api" else (parts[1], parts[2], parts[3:])
        )
        if group and not registry.group_served(group):
            raise plain_404()
        if (group and version not in registry.versions(group)) or (not group and version != "v1"):
            raise resource_not_found()
        target = self._target(request, method, group, version, rest)
        self._record(target.verb, target.rtype.plural, target.namespace, target.name, request.query)
        check_resource(
            request.user,
            target.verb,
            group=target.rtype.group,
            resource=target.rtype.plural,
            subresource=target.subresource,
            namespace=target.namespace if target.rtype.namespaced else None,
            name=target.name,
        )
        self._take_fault(target.verb, target.rtype)
        return self._dispatch(request, target)

    def _discovery(
        self, request: ApiRequest, method: str, parts: builtins.list[str]
    ) -> ApiResponse:
        registry = self._cluster.registry
        path = "/" + "/".join(parts)
        self._record("get", path, None, None, request.query)
        check_path(request.user, path)
        if parts[0] == "apis" and len(parts) >= 2 and not registry.group_served(parts[1]):
            raise plain_404()
        if method != "GET":
            raise method_not_allowed()
        media = negotiate(request, aggregated=parts in (["api"], ["apis"]))
        self._take_fault("get", None)
        if media.as_kind == "APIGroupDiscoveryList":
            return self._aggregated(request, registry.aggregated(core=parts == ["api"]))
        if parts == ["api"]:
            return self._json(200, registry.api_versions(self._server_address))
        if parts == ["apis"]:
            return self._json(200, registry.api_group_list())
        if parts[0] == "api":
            if parts[1] != "v1":
                raise resource_not_found()
            return self._json(200, registry.resource_list("", "v1"))
        group = parts[1]
        if len(parts) == 2:
            return self._json(
                200, {"kind": "APIGroup", "apiVersion": "v1", **registry.api_group(group)}
            )
        if parts[2] not in registry.versions(group):
            raise resource_not_found()
        return self._json(200, registry.resource_list(group, parts[2]))

    def _aggregated(self, request: ApiRequest, doc: dict[str, Any]) -> ApiResponse:
        """Aggregated discovery: ETag, ``Cache-Control: public``, 304 on If-None-Match (01)."""
        body = orjson.dumps(doc)
        etag = '"' + hashlib.sha512(body).hexdigest().upper() + '"'
        headers = (("Cache-Control", "public"), ("Etag", etag), ("Vary", "Accept"))
        if request.headers.get("if-none-match") == etag:
            return ApiResponse(304, b"", JSON, headers)
        content_type = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        return ApiResponse(200, body, content_type, headers)

    def _target(
        self, request: ApiRequest, method: str, group: str, version: str, rest: builtins.list[str]
    ) -> _Target:
        watch_path = bool(rest) and rest[0] == "watch"
        if watch_path:
            rest = rest[1:]
        namespace: str | None = None
        if (
            len(rest) >= 3
            and rest[0] == "namespaces"
            and not (len(rest) == 3 and rest[2] in ("status", "finalize"))
        ):
            namespace, rest = rest[1], rest[2:]
        if not rest or len(rest) > 3:
            raise resource_not_found()
        rtype = self._cluster.registry.lookup(group, version, rest[0])
        if rtype is None:
            raise resource_not_found()
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if namespace is not None and not rtype.namespaced:
            raise resource_not_found()
        if (
            (sub is not None and sub not in ("status", "scale"))
            or (sub == "status" and not rtype.has_status)
            or (sub == "scale" and not rtype.has_scale)
        ):
            if rtype.custom and name is not None:
                raise not_found(rtype.plural, rtype.group, name)
            raise resource_not_found()
        if name is not None and rtype.namespaced and namespace is None:
            raise resource_not_found()
        if method == "GET":
            wants_watch = watch_path or request.query.get("watch", "") in _TRUE
            # A named GET with watch=true (or the /watch/ path) watches that one object.
            verb = "watch" if wants_watch else ("get" if name is not None else "list")
        elif method == "POST":
            if name is not None or (rtype.namespaced and namespace is None):
                raise method_not_allowed()
            verb = "create"
        elif method in ("PUT", "PATCH"):
            if name is None:
                raise method_not_allowed()
            verb = "update" if method == "PUT" else "patch"
        elif method == "DELETE":
            verb = "delete" if name is not None else "deletecollection"
            if verb not in rtype.verbs or sub is not None:
                raise method_not_allowed()
        else:
            raise method_not_allowed()
        return _Target(rtype, namespace, name, sub, verb)

    # -- negotiation and bodies -----------------------------------------------------------------

    # -- dispatch -------------------------------------------------------------------------------

    def _dispatch(self, request: ApiRequest, target: _Target) -> ApiResponse | WatchResponse:
        rtype, verb = target.rtype, target.verb
        cluster = self._cluster
        dry_run = request.query.get("dryRun") == "All"
        if verb in ("get", "list", "watch"):
            media = negotiate(request)
            if verb == "get":
                if media.as_kind == "PartialObjectMetadataList":
                    raise not_acceptable(
                        f"you requested PartialObjectMetadataList, but the requested object is not a list ({go_type(rtype, as_list=False)})"
                    )
                assert target.name is not None
                stored = cluster.lookup(rtype, target.namespace, target.name)
                if target.subresource == "scale":
                    return self._json(200, self._scale(rtype, stored))
                if media.as_kind is not None:
                    return ApiResponse(200, meta_prefix(media.meta_version) + stored.meta_raw()[1:])
                return ApiResponse(200, stored.full(cluster.prefix(rtype)))
            if verb == "list":
                if media.as_kind == "PartialObjectMetadata":
                    raise not_acceptable(
                        f"you requested PartialObjectMetadata, but the requested object is a list ({go_type(rtype, as_list=True)})"
                    )
                return self._list(request, target, media)
            return self._watch(request, target, media)
        negotiate(request)
        if verb == "create":
            body, warnings = decode_body(request, rtype)
            result = cluster.create(rtype, body, target.namespace, dry_run=dry_run)
            return self._json(201, result.obj, warnings)
        if verb == "deletecollection":
            return self._delete_collection(request, target)
        assert target.name is not None
        if verb == "update":
            body, warnings = decode_body(request, rtype, target.subresource)
            if target.subresource == "scale":
                return self._json(200, self._set_scale(rtype, target, body))
            result = cluster.update(
                rtype,
                target.namespace,
                target.name,
                body,
                subresource=target.subresource,
                dry_run=dry_run,
            )
            return self._json(200, result.obj, warnings)
        if verb == "patch":
            media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
            patch_type = PATCH_TYPES.get(media_type)
            if patch_type is None or (patch_type == "strategic" and rtype.custom):
                if rtype.custom or media_type not in ("application/json", ""):
                    raise unsupported_media_type(CUSTOM_PATCH_MEDIA if rtype.custom else BODY_MEDIA)
                raise unsupported_media_type("415: Unsupported Media Type", empty_details=True)
            try:
                if patch_type == "apply":
                    patch = yaml.safe_load(request.body.decode() or "null")
                else:
                    patch = orjson.loads(request.body)
            except (orjson.JSONDecodeError, yaml.YAMLError, UnicodeDecodeError):
                raise bad_request("error decoding patch: invalid JSON") from None
            if target.subresource == "scale":
                scale = apply_merge_patch(
                    self._scale(rtype, cluster.lookup(rtype, target.namespace, target.name)), patch
                )
                return self._json(200, self._set_scale(rtype, target, scale))
            result = self._patch(
                rtype,
                target.namespace,
                target.name,
                patch,
                patch_type,
                target.subresource,
                request.query,
            )
            return self._json(201 if result.created else 200, result.obj)
        if verb == "delete":
            options = self._delete_options(request)
            uid = cluster.lookup(rtype, target.namespace, target.name).uid
            obj = cluster.delete(rtype, target.namespace, target.name, options)
            if obj is not None:
                return self._json(200, obj)
            details: dict[str, Any] = {"name": target.name}
            if rtype.group:
                details["group"] = rtype.group
            details["kind"] = rtype.plural
            details["uid"] = uid
            return self._json(200, status_body(0, None, "", details, status="Success"))
        raise method_not_allowed()

    def _delete_options(self, request: ApiRequest) -> DeleteOptions:
        body: dict[str, Any] = {}
        if request.body.strip():
            try:
                loaded = orjson.loads(request.body)
            except orjson.JSONDecodeError:
                raise bad_request("error decoding DeleteOptions") from None
            if isinstance(loaded, dict):
                body = loaded
        preconditions = body.get("preconditions") or {}
        return DeleteOptions(
            propagation=request.query.get("propagationPolicy") or body.get("propagationPolicy"),
            uid=preconditions.get("uid"),
            resource_version=preconditions.get("resourceVersion"),
            dry_run=request.query.get("dryRun") == "All" or body.get("dryRun") == ["All"],
        )

    def _patch(
        self,
        rtype: ResourceType,
        namespace: str | None,
        name: str,
        patch: Any,
        patch_type: str,
        subresource: str | None,
        query: Mapping[str, str],
    ) -> Result:
        cluster = self._cluster
        if patch_type == "apply":
            if not query.get("fieldManager"):
                cause = (
                    "FieldValueRequired",
                    "Required value: is required for apply patch",
                    "fieldManager",
                )
                raise invalid("PatchOptions", "meta.k8s.io", None, [cause])
            if cluster.storage.get(rtype.storage_key, cluster.key_of(namespace, name)) is None:
                body = dict(patch) if isinstance(patch, dict) else {}
                meta = dict(body.get("metadata") or {})
                meta["name"] = name
                body["metadata"] = meta
                return cluster.create(rtype, body, namespace)
        stored = cluster.lookup(rtype, namespace, name)
        current = cluster.load(rtype, stored)
        try:
            if patch_type == "json":
                patched = apply_json_patch(current, patch)
            elif patch_type == "strategic":
                patched = apply_strategic_merge_patch(current, patch)
            else:
                patched = apply_merge_patch(current, patch)
        except PatchError:
            raise StatusError(
                422,
                status_body(
                    422,
                    "Invalid",
                    "the server rejected our request due to an error in our request",
                    {},
                ),
            ) from None
        if not isinstance(patched, dict):
            raise bad_request("the patched object is not a JSON object")
        if rtype.plural == "leases" and rtype.group == "coordination.k8s.io":
            try:
                normalise_lease(patched)
            except ValueError as error:
                shown = go_quote(orjson.dumps(patched, option=orjson.OPT_SORT_KEYS).decode())
                cause = ("FieldValueInvalid", f"Invalid value: {shown}: {error}", "patch")
                raise StatusError(
                    422,
                    status_body(
                        422,
                        "Invalid",
                        f' "" is invalid: patch: Invalid value: {shown}: {error}',
                        {"causes": [dict(zip(("reason", "message", "field"), cause, strict=True))]},
                    ),
                ) from None
        if rtype.custom:
            prune_custom(patched, rtype.schema)
        else:
            prune_builtin(patched, rtype.group, rtype.kind)
        meta = patched.get("metadata") or {}
        if meta.get("name") != name:
            raise bad_request(
                f"the name of the object ({meta.get('name')}) does not match the name on the URL ({name})"
            )
        return cluster.update(
            rtype,
            namespace,
            name,
            patched,
            subresource=subresource,
            dry_run=query.get("dryRun") == "All",
        )

    def _delete_collection(self, request: ApiRequest, target: _Target) -> ApiResponse:
        rtype = target.rtype
        cluster = self._cluster
        options = parse_list_options(request.query, watch=False)
        matcher = compile_selectors(
            rtype, cluster.prefix(rtype), options.label_selector, options.field_selector
        )
        storage = cluster.storage
        bucket = storage.bucket(rtype.storage_key)
        page = paginate(
            storage.sorted_keys(rtype.storage_key),
            bucket,
            namespace=target.namespace,
            start=None,
            limit=0,
            matcher=matcher,
        )
        items = [s.raw if not rtype.custom else s.full(cluster.prefix(rtype)) for s in page.items]
        revision = storage.revision
        delete_options = self._delete_options(request)
        for stored in page.items:
            if storage.get(rtype.storage_key, stored.key) is stored:
                cluster.delete(rtype, stored.namespace or None, stored.name, delete_options)
        return ApiResponse(200, self._list_bytes(rtype, items, revision, None, None, Media()))

    # -- list -----------------------------------------------------------------------------------

    def _list_bytes(
        self,
        rtype: ResourceType,
        items: builtins.list[bytes],
        revision: int,
        continue_token: str | None,
        remaining: int | None,
        media: Media,
    ) -> bytes:
        meta: dict[str, Any] = {}
        if rtype.custom and media.as_kind is None:
            meta["continue"] = continue_token or ""
        meta["resourceVersion"] = str(revision)
        if continue_token:
            meta["continue"] = continue_token
            if remaining is not None:
                meta["remainingItemCount"] = remaining
        if media.as_kind is not None:
            head = (
                b'{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/'
                + media.meta_version.encode()
                + b'","metadata":'
            )
            if not items:
                return head + orjson.dumps(meta) + b',"items":null}'
        else:
            head = (
                b'{"kind":'
                + orjson.dumps(rtype.list_kind)
                + b',"apiVersion":'
                + orjson.dumps(rtype.api_version)
                + b',"metadata":'
            )
        opening = head + orjson.dumps(meta) + b',"items":['
        if not items:
            return opening + b"]}"
        # One copy of the (possibly 300 MB) body: glue the head and tail onto the first and
        # last items, then join once.
        items[0] = opening + items[0]
        items[-1] = items[-1] + b"]}"
        return b",".join(items)

    def _list(self, request: ApiRequest, target: _Target, media: Media) -> ApiResponse:
        rtype = target.rtype
        cluster = self._cluster
        storage = cluster.storage
        options = parse_list_options(request.query, watch=False)
        prefix = cluster.prefix(rtype)
        matcher = compile_selectors(rtype, prefix, options.label_selector, options.field_selector)
        current = storage.revision
        start: str | None = None
        limit = options.limit
        revision = current
        if options.continue_token is not None:
            token_rv, start = decode_continue(options.continue_token)
            if token_rv != -1:
                if token_rv < storage.window_start or token_rv < storage.compacted:
                    raise expired(
                        CONTINUE_EXPIRED_MESSAGE, continue_token=encode_continue(-1, start)
                    )
                revision = token_rv
        elif options.resource_version is not None:
            requested = int(options.resource_version)
            if requested > current:
                raise too_large_resource_version(requested, current)
            if requested == 0:
                limit = 0
            elif options.match == "Exact" or (options.match is None and limit > 0):
                if requested < storage.window_start or requested < storage.compacted:
                    raise expired("The resourceVersion for the provided list is too old.")
                revision = requested
        namespace = target.namespace if rtype.namespaced else None
        if revision == current:
            state = storage.bucket(rtype.storage_key)
            keys = storage.sorted_keys(rtype.storage_key)
        else:
            state, keys = storage.state_at(rtype.storage_key, revision)
        page = paginate(keys, state, namespace=namespace, start=start, limit=limit, matcher=matcher)
        if media.as_kind is not None:
            head = meta_prefix(media.meta_version)
            items = [head + s.meta_raw()[1:] for s in page.items]
        elif rtype.custom:
            items = [s.full(prefix) for s in page.items]
        else:
            items = [s.raw for s in page.items]
        token = encode_continue(revision, page.next_start) if page.next_start is not None else None
        remaining = page.remaining if matcher is None else None
        return ApiResponse(200, self._list_bytes(rtype, items, revision, token, remaining, media))

    # -- watch ----------------------------------------------------------------------------------

    def _watch(self, request: ApiRequest, target: _Target, media: Media) -> WatchResponse:
        rtype = target.rtype
        cluster = self._cluster
        storage = cluster.storage
        options = parse_list_options(request.query, watch=True)
        prefix = cluster.prefix(rtype)
        field_selector = options.field_selector
        if target.name is not None:
            extra = f"metadata.name={target.name}"
            field_selector = f"{field_selector},{extra}" if field_selector else extra
        matcher = compile_selectors(rtype, prefix, options.label_selector, field_selector)
        current = storage.revision
        metadata_prefix = meta_prefix(media.meta_version) if media.as_kind is not None else None
        namespace = target.namespace if rtype.namespaced else None
        timeout = options.timeout_seconds

        def new_watch(min_revision: int) -> EngineWatch:
            return EngineWatch(
                self._lock, storage, rtype.storage_key, prefix=prefix, namespace=namespace,
                matcher=matcher, min_revision=min_revision, bookmarks=options.allow_bookmarks,
                metadata_prefix=metadata_prefix,
            )  # fmt: skip

        if media.as_kind == "PartialObjectMetadataList":
            watch = new_watch(current)
            watch.end()
            return WatchResponse(watch, timeout)
        rv = options.resource_version
        requested = int(rv) if rv is not None else 0
        if options.send_initial_events is False and requested == 0:
            # golden 05c seq 17: sendInitialEvents=false without a resourceVersion: from now on
            requested = current
        initial = options.send_initial_events is True or requested == 0
        if initial:
            watch = new_watch(current)
            bucket = storage.bucket(rtype.storage_key)
            keys = storage.sorted_keys(rtype.storage_key)
            for stored in paginate(
                keys, bucket, namespace=namespace, start=None, limit=0, matcher=None
            ).items:
                watch.add_initial(stored)
            if options.send_initial_events:
                watch.end_initial_events(max(current, requested))
            watch.subscribe()
            return WatchResponse(watch, timeout)
        watch = new_watch(requested)
        if requested < storage.window_start:
            watch.error(
                expired_status(
                    f"too old resource version: {requested} ({storage.window_start + 1})"
                )
            )
            return WatchResponse(watch, timeout)
        for event in storage.events_since(rtype.storage_key, requested):
            watch.offer(event)
        watch.subscribe()
        return WatchResponse(watch, timeout)

    # -- scale ----------------------------------------------------------------------------------

    def _scale(self, rtype: ResourceType, stored: Stored) -> dict[str, Any]:
        obj = self._cluster.load(rtype, stored)
        meta = obj["metadata"]
        spec = obj.get("spec") or {}
        status = obj.get("status") or {}
        selector = (spec.get("selector") or {}).get("matchLabels") or {}
        return {
            "kind": "Scale",
            "apiVersion": "autoscaling/v1",
            "metadata": {
                k: meta[k]
                for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                if k in meta
            },
            "spec": {"replicas": spec.get("replicas", 1)},
            "status": {
                "replicas": status.get("replicas", 0),
                "selector": ",".join(f"{k}={v}" for k, v in sorted(selector.items())),
            },
        }

    def _set_scale(
        self, rtype: ResourceType, target: _Target, scale: Mapping[str, Any]
    ) -> dict[str, Any]:
        assert target.name is not None
        cluster = self._cluster
        stored = cluster.lookup(rtype, target.namespace, target.name)
        obj = cluster.load(rtype, stored)
        replicas = (scale.get("spec") or {}).get("replicas")
        obj.setdefault("spec", {})["replicas"] = replicas
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        obj["metadata"]["resourceVersion"] = rv or str(stored.rv)
        cluster.update(rtype, target.namespace, target.name, obj)
        return self._scale(rtype, cluster.lookup(rtype, target.namespace, target.name))
