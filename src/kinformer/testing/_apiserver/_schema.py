"""Known fields, unknown-field handling and CRD structural schemas (golden 02, 08).

Mirrors kube-apiserver's field validation (``fieldValidation=Strict|Warn|Ignore``: unknown
fields are dropped with one ``Warning: 299`` header each, or rejected with ``strict decoding
error``), apiextensions-apiserver's pruning of unknown fields and its OpenAPI v3 validation
(``spec.replicas in body should be less than or equal to 10``). Built-in kinds are checked at
the top level and in ``metadata`` only. Pure functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

__all__ = [
    "OBJECT_META_FIELDS",
    "prune_builtin",
    "prune_custom",
    "validate_custom",
    "warning_header",
]

OBJECT_META_FIELDS: Final = frozenset(
    {
        "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
        "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
        "annotations", "ownerReferences", "finalizers", "managedFields",
    }
)  # fmt: skip

_SPEC_STATUS: Final = frozenset({"spec", "status"})
TOP_LEVEL_FIELDS: Final[dict[tuple[str, str], frozenset[str]]] = {
    ("", "ConfigMap"): frozenset({"data", "binaryData", "immutable"}),
    ("", "Secret"): frozenset({"data", "stringData", "type", "immutable"}),
    ("", "ServiceAccount"): frozenset({"secrets", "imagePullSecrets", "automountServiceAccountToken"}),
    ("", "Endpoints"): frozenset({"subsets"}),
    ("", "Event"): frozenset({
        "involvedObject", "reason", "message", "source", "firstTimestamp", "lastTimestamp", "count",
        "type", "eventTime", "series", "action", "related", "reportingComponent", "reportingInstance",
    }),
    ("events.k8s.io", "Event"): frozenset({
        "eventTime", "series", "reportingController", "reportingInstance", "action", "reason",
        "regarding", "related", "note", "type", "deprecatedSource", "deprecatedFirstTimestamp",
        "deprecatedLastTimestamp", "deprecatedCount",
    }),
    ("coordination.k8s.io", "Lease"): frozenset({"spec"}),
}  # fmt: skip
"""Top-level fields besides kind/apiVersion/metadata; other built-in kinds have spec+status."""


def warning_header(path: str) -> tuple[str, str]:
    """``Warning: 299 - "unknown field \\"spec\\""`` (golden 02 seq 27)."""
    inner = f'unknown field \\"{path}\\"'
    return ("Warning", f'299 - "{inner}"')


def prune_builtin(obj: dict[str, Any], group: str, kind: str) -> list[str]:
    """Drop unknown top-level and metadata fields of a built-in object; returns their paths."""
    unknown: list[str] = []
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in [k for k in meta if k not in OBJECT_META_FIELDS]:
            unknown.append(f"metadata.{key}")
            del meta[key]
    allowed = TOP_LEVEL_FIELDS.get((group, kind), _SPEC_STATUS)
    for key in [k for k in obj if k not in allowed and k not in ("kind", "apiVersion", "metadata")]:
        unknown.append(key)
        del obj[key]
    return sorted(unknown)


def _prune(value: Any, schema: Mapping[str, Any], path: str, unknown: list[str]) -> None:
    if schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        if isinstance(properties, Mapping):
            for key in list(value):
                child = properties.get(key)
                if child is None:
                    unknown.append(f"{path}.{key}" if path else key)
                    del value[key]
                else:
                    _prune(value[key], child, f"{path}.{key}" if path else key, unknown)
        elif isinstance(additional, Mapping):
            for key in value:
                _prune(value[key], additional, f"{path}[{key}]", unknown)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _prune(item, schema["items"], f"{path}[{index}]", unknown)


def prune_custom(obj: dict[str, Any], schema: Mapping[str, Any] | None) -> list[str]:
    """Prune fields a CRD's structural schema does not declare (metadata too); returns paths."""
    unknown: list[str] = []
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        for key in [k for k in meta if k not in OBJECT_META_FIELDS]:
            unknown.append(f"metadata.{key}")
            del meta[key]
    if schema is not None:
        body = {k: v for k, v in obj.items() if k not in ("kind", "apiVersion", "metadata")}
        top = dict(schema)
        properties = dict(top.get("properties") or {})
        top["properties"] = properties
        if "properties" not in schema and not schema.get("x-kubernetes-preserve-unknown-fields"):
            top["x-kubernetes-preserve-unknown-fields"] = True
        _prune(body, top, "", unknown)
        for key in [
            k for k in obj if k not in ("kind", "apiVersion", "metadata") and k not in body
        ]:
            del obj[key]
    return sorted(unknown)


_TYPES: Final = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
}


def _go_value(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _validate(
    value: Any, schema: Mapping[str, Any], path: str, causes: list[tuple[str, str, str]]
) -> None:
    expected = schema.get("type")
    if isinstance(expected, str) and expected in _TYPES:
        ok = isinstance(value, _TYPES[expected]) and not (
            expected in ("integer", "number") and isinstance(value, bool)
        )
        if value is None and schema.get("nullable"):
            ok = True
        if not ok:
            got = (
                "null"
                if value is None
                else {dict: "object", list: "array", str: "string", bool: "boolean"}.get(
                    type(value), "number" if not isinstance(value, int) else "integer"
                )
            )
            causes.append(
                (
                    "FieldValueTypeInvalid",
                    f'Invalid value: "{got}": {path} in body must be of type {expected}: "{got}"',
                    path,
                )
            )
            return
    if isinstance(value, int | float) and not isinstance(value, bool):
        maximum = schema.get("maximum")
        if isinstance(maximum, int | float) and value > maximum:
            causes.append(
                (
                    "FieldValueInvalid",
                    f"Invalid value: {_go_value(value)}: {path} in body should be less than or equal to {_go_value(maximum)}",
                    path,
                )
            )
        minimum = schema.get("minimum")
        if isinstance(minimum, int | float) and value < minimum:
            causes.append(
                (
                    "FieldValueInvalid",
                    f"Invalid value: {_go_value(value)}: {path} in body should be greater than or equal to {_go_value(minimum)}",
                    path,
                )
            )
    enum = schema.get("enum")
    if isinstance(enum, list) and value not in enum:
        supported = ", ".join(_go_value(v) for v in enum)
        causes.append(
            (
                "FieldValueNotSupported",
                f"Unsupported value: {_go_value(value)}: supported values: {supported}",
                path,
            )
        )
    if isinstance(value, dict):
        properties = schema.get("properties")
        if isinstance(properties, Mapping):
            for key in schema.get("required") or ():
                if key not in value:
                    child_path = f"{path}.{key}" if path else key
                    causes.append(("FieldValueRequired", "Required value", child_path))
            for key, child in properties.items():
                if key in value and isinstance(child, Mapping):
                    _validate(value[key], child, f"{path}.{key}" if path else key, causes)
    elif isinstance(value, list) and isinstance(schema.get("items"), Mapping):
        for index, item in enumerate(value):
            _validate(item, schema["items"], f"{path}[{index}]", causes)


def validate_custom(
    obj: Mapping[str, Any], schema: Mapping[str, Any] | None
) -> list[tuple[str, str, str]]:
    """OpenAPI v3 checks of a custom object below the root (type, min/max, enum, required)."""
    causes: list[tuple[str, str, str]] = []
    if schema is None:
        return causes
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for key, child in properties.items():
            if (
                key in ("metadata", "kind", "apiVersion")
                or key not in obj
                or not isinstance(child, Mapping)
            ):
                continue
            _validate(obj[key], child, key, causes)
        missing = [key for key in schema.get("required") or () if key not in obj]
        causes.extend(("FieldValueRequired", "Required value", key) for key in missing)
    return causes
