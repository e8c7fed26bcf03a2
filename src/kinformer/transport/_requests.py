"""The requests both HTTP clients send, built without I/O (client-go ``rest/request.go``).

Each builder returns a :class:`Call` (method, path, query, headers, body); the threads and
asyncio clients only send it and decode the answer with :func:`decode_object`. Keeping
this here is what makes ``Client`` and ``AsyncClient`` two thin drivers that cannot drift.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, final

import orjson

from kinformer._errors import TransportError

from ._resolver import ResourceInfo
from ._wire import (
    METADATA_ACCEPT,
    METADATA_LIST_ACCEPT,
    ListOptions,
    PatchType,
    list_params,
    resource_path,
)

__all__ = [
    "Call",
    "create_call",
    "decode_object",
    "delete_call",
    "get_call",
    "list_call",
    "patch_call",
    "replace_call",
    "watch_call",
]

JSON: Final = "application/json"
_NO_OPTIONS: Final = ListOptions()


@final
@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request: ``path`` is relative to the server URL."""

    method: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None


def list_call(
    info: ResourceInfo, *, namespace: str | None = None, params: ListOptions = _NO_OPTIONS
) -> Call:
    """``GET`` a collection (one page when ``params.limit`` is set); all namespaces when ``None``."""
    accept = f"{METADATA_LIST_ACCEPT},{JSON}" if params.as_metadata else JSON
    return Call(
        "GET",
        resource_path(info, namespace=namespace),
        list_params(params),
        {"Accept": accept},
    )


def watch_call(
    info: ResourceInfo, *, namespace: str | None = None, params: ListOptions = _NO_OPTIONS
) -> Call:
    """``GET ?watch=1``: a stream of one JSON event per line."""
    accept = f"{METADATA_ACCEPT},{JSON}" if params.as_metadata else JSON
    return Call(
        "GET",
        resource_path(info, namespace=namespace),
        list_params(params, watch=True),
        {"Accept": accept},
    )


def get_call(
    info: ResourceInfo,
    name: str,
    *,
    namespace: str | None = None,
    subresource: str | None = None,
    as_metadata: bool = False,
) -> Call:
    """``GET`` one object (or one of its subresources)."""
    accept = f"{METADATA_ACCEPT},{JSON}" if as_metadata else JSON
    path = resource_path(info, namespace=namespace, name=name, subresource=subresource)
    return Call("GET", path, {}, {"Accept": accept})


def create_call(
    info: ResourceInfo,
    body: Mapping[str, Any],
    *,
    namespace: str | None = None,
    field_manager: str | None = None,
    dry_run: bool = False,
) -> Call:
    """``POST`` ``body`` to its collection."""
    return Call(
        "POST",
        resource_path(info, namespace=namespace),
        _write_params(field_manager, dry_run),
        {"Accept": JSON, "Content-Type": JSON},
        orjson.dumps(body),
    )


def replace_call(
    info: ResourceInfo,
    body: Mapping[str, Any],
    *,
    namespace: str | None = None,
    subresource: str | None = None,
    field_manager: str | None = None,
    dry_run: bool = False,
) -> Call:
    """``PUT`` ``body`` over the object it names (``metadata.name``)."""
    name = _name_of(body)
    return Call(
        "PUT",
        resource_path(info, namespace=namespace, name=name, subresource=subresource),
        _write_params(field_manager, dry_run),
        {"Accept": JSON, "Content-Type": JSON},
        orjson.dumps(body),
    )


def patch_call(
    info: ResourceInfo,
    name: str,
    patch: Mapping[str, Any] | Sequence[Any] | bytes,
    *,
    namespace: str | None = None,
    patch_type: PatchType | str = PatchType.MERGE,
    subresource: str | None = None,
    field_manager: str | None = None,
    force: bool | None = None,
    dry_run: bool = False,
) -> Call:
    """``PATCH`` one object: merge (default), JSON patch, strategic merge or server-side apply.

    Server-side apply (``PatchType.APPLY``) needs ``field_manager``; ``force`` takes
    ownership of conflicting fields. A JSON body is valid YAML, so apply sends JSON too.
    """
    kind = PatchType(patch_type)
    if kind is PatchType.APPLY and not field_manager:
        raise ValueError("server-side apply needs a field_manager")
    params = _write_params(field_manager, dry_run)
    if force is not None:
        params["force"] = "true" if force else "false"
    content = patch if isinstance(patch, bytes) else orjson.dumps(patch)
    return Call(
        "PATCH",
        resource_path(info, namespace=namespace, name=name, subresource=subresource),
        params,
        {"Accept": JSON, "Content-Type": kind.value},
        content,
    )


def delete_call(
    info: ResourceInfo,
    name: str,
    *,
    namespace: str | None = None,
    propagation_policy: str | None = None,
    grace_period_seconds: int | None = None,
    preconditions: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> Call:
    """``DELETE`` one object with a ``DeleteOptions`` body when any option is given."""
    options: dict[str, Any] = {}
    if propagation_policy is not None:
        options["propagationPolicy"] = propagation_policy
    if grace_period_seconds is not None:
        options["gracePeriodSeconds"] = grace_period_seconds
    if preconditions:
        options["preconditions"] = dict(preconditions)
    if dry_run:
        options["dryRun"] = ["All"]
    content = None
    headers = {"Accept": JSON}
    if options:
        content = orjson.dumps({"kind": "DeleteOptions", "apiVersion": "v1", **options})
        headers["Content-Type"] = JSON
    return Call("DELETE", resource_path(info, namespace=namespace, name=name), {}, headers, content)


def decode_object(body: bytes) -> dict[str, Any]:
    """A JSON object from a successful answer; anything else raises :class:`TransportError`."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise TransportError(
            f"the server answered with a body that is not JSON: {body[:200]!r}"
        ) from None
    if not isinstance(decoded, dict):
        raise TransportError("the server answered with JSON that is not an object")
    return decoded


def object_namespace(body: Mapping[str, Any]) -> str | None:
    """``metadata.namespace`` of ``body``, if it is a non-empty string."""
    metadata = body.get("metadata")
    if isinstance(metadata, Mapping):
        namespace = metadata.get("namespace")
        if isinstance(namespace, str) and namespace:
            return namespace
    return None


def _name_of(body: Mapping[str, Any]) -> str:
    metadata = body.get("metadata")
    name = metadata.get("name") if isinstance(metadata, Mapping) else None
    if not isinstance(name, str) or not name:
        raise ValueError("the object has no metadata.name")
    return name


def _write_params(field_manager: str | None, dry_run: bool) -> dict[str, str]:
    params: dict[str, str] = {}
    if field_manager:
        params["fieldManager"] = field_manager
    if dry_run:
        params["dryRun"] = "All"
    return params
