"""Request decoding and content negotiation: Accept, bodies, unknown fields (golden 01, 02, 10, 11).

Mirrors kube-apiserver's ``negotiation`` package (``NegotiateOutputMediaType``: the first
acceptable media range wins; ``as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1|v1beta1``
for metadata-only answers, ``as=APIGroupDiscoveryList;g=apidiscovery.k8s.io;v=v2`` on
``/api`` and ``/apis``) and the decoding errors of its serializers, with the recorded texts.
Pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, final

import orjson
import yaml

from ._protocol import ApiRequest
from ._resources import ResourceType
from ._schema import prune_builtin, prune_custom, warning_header
from ._status import bad_request, not_acceptable, unsupported_media_type
from ._validation import normalise_lease

__all__ = ["PATCH_TYPES", "Media", "decode_body", "go_type", "meta_prefix", "negotiate"]

PATCH_TYPES: Final = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
    "application/apply-patch+cbor": "apply",
}
CUSTOM_PATCH_MEDIA: Final = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"
)
BODY_MEDIA: Final = (
    "the body of the request was in an unknown format - accepted media types include: "
    "application/json, application/yaml, application/vnd.kubernetes.protobuf"
)
_XML_NOT_ACCEPTABLE: Final = (
    "406: Not Acceptable\n\nAvailable representations: application/json, application/yaml, "
    "application/vnd.kubernetes.protobuf, application/json;stream=watch, "
    "application/vnd.kubernetes.protobuf;stream=watch"
)


@final
@dataclass(frozen=True, slots=True)
class Media:
    """The negotiated answer shape: plain JSON or PartialObjectMetadata[List]."""

    as_kind: str | None = None
    meta_version: str = "v1"
    any_as: bool = field(default=False)


def go_type(rtype: ResourceType, *, as_list: bool) -> str:
    """The Go type kube-apiserver names in 406 texts (``*core.ConfigMap``, golden 10)."""
    package = (
        "unstructured" if rtype.custom else (rtype.group.split(".")[0] if rtype.group else "core")
    )
    suffix = "List" if as_list else ""
    kind = "Unstructured" if rtype.custom else rtype.kind
    return f"*{package}.{kind}{suffix}"


def meta_prefix(version: str) -> bytes:
    """The bytes that replace a stored object's ``{`` in a PartialObjectMetadata answer."""
    return b'{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/' + version.encode() + b'",'


def negotiate(request: ApiRequest, *, aggregated: bool = False) -> Media:
    accept = request.headers.get("accept", "")
    if not accept.strip():
        return Media()
    any_as = False
    for media_range in accept.split(","):
        pieces = [p.strip() for p in media_range.split(";")]
        mime = pieces[0].lower()
        params = dict(p.split("=", 1) for p in pieces[1:] if "=" in p)
        as_kind = params.get("as")
        if as_kind is not None:
            any_as = True
        if mime not in ("application/json", "application/yaml", "*/*", "application/*"):
            continue
        if as_kind is None:
            return Media(any_as=any_as)
        if (
            aggregated
            and as_kind == "APIGroupDiscoveryList"
            and params.get("g") == "apidiscovery.k8s.io"
            and params.get("v") == "v2"
        ):
            return Media(as_kind, "v2", any_as=True)
        if (
            as_kind in ("PartialObjectMetadata", "PartialObjectMetadataList")
            and params.get("g") == "meta.k8s.io"
            and params.get("v") in ("v1", "v1beta1")
        ):
            return Media(as_kind, params["v"], any_as=True)
    if any_as:
        raise not_acceptable()
    raise not_acceptable(_XML_NOT_ACCEPTABLE, empty_details=True)


def decode_body(
    request: ApiRequest, rtype: ResourceType, subresource: str | None = None
) -> tuple[dict[str, Any], tuple[tuple[str, str], ...]]:
    """Decode a create/update body: media type, JSON/YAML, kind and apiVersion, types,
    unknown fields (``fieldValidation``); returns the object and the Warning headers.
    """
    scale = subresource == "scale"
    kind_expected = "Scale" if scale else rtype.kind
    version_expected = "autoscaling/v1" if scale else rtype.api_version
    media = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    raw = request.body
    unrecognised = (
        f"the object provided is unrecognized (must be of type {kind_expected}): couldn't get "
        "version/kind; json parse error: "
    )
    if media in ("application/yaml", "application/x-yaml"):
        try:
            data = yaml.safe_load(raw.decode() or "null")
        except yaml.YAMLError as error:
            raise bad_request(f"error converting YAML to JSON: {error}") from None
    elif media in ("application/json", ""):
        try:
            data = orjson.loads(raw) if raw.strip() else None
        except orjson.JSONDecodeError:
            shown = raw.decode(errors="replace")
            shown = shown[:30] + " ..." if len(shown) > 30 else shown
            raise bad_request(f"{unrecognised}unexpected end of JSON input ({shown})") from None
        if data is None:
            raise bad_request(f"{unrecognised}unexpected end of JSON input (<empty>)")
    else:
        raise unsupported_media_type(BODY_MEDIA)
    if not isinstance(data, dict):
        raise bad_request(
            f"{unrecognised}json: cannot unmarshal array into Go value of type "
            'struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string '
            f'"json:\\"kind,omitempty\\"" }} ({raw.hex()})'
        )
    kind = data.get("kind") or kind_expected
    api_version = data.get("apiVersion") or version_expected
    version = version_expected.rpartition("/")[2]
    handled = f'{kind} in version "{version}" cannot be handled as a {kind_expected}'
    if kind != kind_expected:
        internal = version_expected.partition("/")[0] if "/" in version_expected else "core"
        raise bad_request(
            f"{handled}: converting ({version}.{kind}) to ({internal}.{kind_expected}): unknown conversion"
        )
    if api_version != version_expected:
        raise bad_request(
            f'{handled}: no kind "{kind}" is registered for version "{api_version}" in scheme '
            '"pkg/api/legacyscheme/scheme.go:30"'
        )
    data["kind"] = kind_expected
    data["apiVersion"] = version_expected
    if scale:
        return data, ()
    if rtype.plural == "configmaps" and not rtype.group:
        values = data.get("data")
        if isinstance(values, dict):
            for value in values.values():
                if not isinstance(value, str):
                    got = "number" if isinstance(value, int | float) else type(value).__name__
                    raise bad_request(
                        f"{handled}: json: cannot unmarshal {got} into Go struct field "
                        "ConfigMap.data of type string"
                    )
    if rtype.plural == "leases" and rtype.group == "coordination.k8s.io":
        try:
            normalise_lease(data)
        except ValueError as error:
            raise bad_request(f"{handled}: {error}") from None
    return data, _unknown_fields(request, rtype, data, handled)


def _unknown_fields(
    request: ApiRequest, rtype: ResourceType, data: dict[str, Any], handled: str
) -> tuple[tuple[str, str], ...]:
    if rtype.custom:
        unknown = prune_custom(data, rtype.schema)
    else:
        unknown = prune_builtin(data, rtype.group, rtype.kind)
    mode = request.query.get("fieldValidation", "Warn")
    if not unknown or mode == "Ignore":
        return ()
    if mode == "Strict":
        listed = ", ".join(f'unknown field "{path}"' for path in unknown)
        raise bad_request(f"{handled}: strict decoding error: {listed}")
    return tuple(warning_header(path) for path in unknown)
