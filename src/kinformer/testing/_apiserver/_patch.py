"""Patches: JSON merge patch (RFC 7386), JSON patch (RFC 6902), strategic merge patch.

Mirrors kube-apiserver's patch handler (``apiserver/pkg/endpoints/handlers/patch.go``) with
``evanphx/json-patch`` and apimachinery's ``strategicpatch`` for the common built-in cases:
lists of containers, volumes, env, ports, ... merged by their merge key, primitive lists with
the merge strategy (``finalizers``) unioned, ``$patch: delete`` / ``$patch: replace`` and
``$deleteFromPrimitiveList``. Pure functions on plain JSON values; inputs are not modified.
"""

from __future__ import annotations

import copy
from typing import Any, Final

__all__ = ["PatchError", "apply_json_patch", "apply_merge_patch", "apply_strategic_merge_patch"]

MERGE_KEYS: Final[dict[str, str]] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "volumes": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "imagePullSecrets": "name",
    "conditions": "type",
    "ownerReferences": "uid",
    "hostAliases": "ip",
    "topologySpreadConstraints": "topologyKey",
    "resourceClaims": "name",
}
"""Merge keys of the lists strategic merge patch merges (``patchMergeKey`` tags in k8s.io/api)."""

_PORT_KEYS: Final = ("containerPort", "port")
_PRIMITIVE_MERGE: Final = frozenset({"finalizers"})


class PatchError(ValueError):
    """A patch that cannot be applied (422 in kube-apiserver)."""


def apply_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, ``null`` deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result: dict[str, Any] = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = apply_merge_patch(result.get(key), value)
    return result


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(f"invalid JSON pointer {path!r}")
    return [_unescape(part) for part in path[1:].split("/")]


def _container(doc: Any, parts: list[str]) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict):
            if part not in node:
                raise PatchError(f"missing path element {part!r}")
            node = node[part]
        elif isinstance(node, list):
            node = node[_index(node, part, allow_end=False)]
        else:
            raise PatchError(f"cannot descend into {part!r}")
    return node, parts[-1]


def _index(node: list[Any], part: str, *, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(node)
    if not part.isdigit():
        raise PatchError(f"invalid array index {part!r}")
    index = int(part)
    if index > len(node) or (index == len(node) and not allow_end):
        raise PatchError(f"array index {index} out of bounds")
    return index


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    node, last = _container(doc, parts)
    if isinstance(node, dict):
        if last not in node:
            raise PatchError(f"missing key {last!r}")
        return node[last]
    if isinstance(node, list):
        return node[_index(node, last, allow_end=False)]
    raise PatchError("invalid target")


def _add(doc: Any, path: str, value: Any, *, replace: bool) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    node, last = _container(doc, parts)
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list):
        index = _index(node, last, allow_end=not replace)
        if replace:
            node[index] = value
        else:
            node.insert(index, value)
    else:
        raise PatchError("invalid target")
    return doc


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        raise PatchError("cannot remove the whole document")
    node, last = _container(doc, parts)
    if isinstance(node, dict):
        if last not in node:
            raise PatchError(f"missing key {last!r}")
        del node[last]
    elif isinstance(node, list):
        del node[_index(node, last, allow_end=False)]
    else:
        raise PatchError("invalid target")
    return doc


def apply_json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902 as evanphx/json-patch applies it (``replace`` of a missing key adds it)."""
    if not isinstance(operations, list):
        raise PatchError("a JSON patch must be an array of operations")
    doc = copy.deepcopy(target)
    for op in operations:
        if not isinstance(op, dict) or not isinstance(op.get("path"), str):
            raise PatchError("invalid operation")
        kind = op.get("op")
        path = op["path"]
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")), replace=False)
        elif kind == "replace":
            doc = _add(doc, path, copy.deepcopy(op.get("value")), replace=True)
        elif kind == "remove":
            doc = _remove(doc, path)
        elif kind in ("move", "copy"):
            source = op.get("from")
            if not isinstance(source, str):
                raise PatchError("missing from")
            value = copy.deepcopy(_get(doc, source))
            if kind == "move":
                doc = _remove(doc, source)
            doc = _add(doc, path, value, replace=False)
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise PatchError("testing value failed")
        else:
            raise PatchError(f"unexpected op {kind!r}")
    return doc


def _merge_key(field: str, items: list[Any]) -> str | None:
    key = MERGE_KEYS.get(field)
    if key is not None:
        return key
    if field == "ports":
        for candidate in _PORT_KEYS:
            if any(isinstance(i, dict) and candidate in i for i in items):
                return candidate
    return None


def apply_strategic_merge_patch(target: Any, patch: Any) -> Any:
    """Strategic merge for the common built-in cases; other lists are replaced."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if patch.get("$patch") == "replace":
        return {k: copy.deepcopy(v) for k, v in patch.items() if k != "$patch"}
    result: dict[str, Any] = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/") or key in ("$retainKeys", "$patch"):
            continue
        if key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            current = result.get(field)
            if isinstance(current, list) and isinstance(value, list):
                result[field] = [item for item in current if item not in value]
            continue
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            if value.get("$patch") == "delete":
                result.pop(key, None)
            else:
                result[key] = apply_strategic_merge_patch(result.get(key), value)
        elif isinstance(value, list):
            result[key] = _merge_list(key, result.get(key), value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def _merge_list(field: str, current: Any, patch: list[Any]) -> list[Any]:
    existing = list(current) if isinstance(current, list) else []
    if field in _PRIMITIVE_MERGE:
        merged = list(existing)
        for item in patch:
            if item not in merged:
                merged.append(copy.deepcopy(item))
        return merged
    merge_key = _merge_key(field, patch + existing)
    if merge_key is None:
        return [copy.deepcopy(item) for item in patch if not _is_directive(item)]
    merged = list(existing)
    for item in patch:
        if not isinstance(item, dict) or merge_key not in item:
            continue
        position = next(
            (
                i
                for i, old in enumerate(merged)
                if isinstance(old, dict) and old.get(merge_key) == item[merge_key]
            ),
            None,
        )
        if item.get("$patch") == "delete":
            if position is not None:
                del merged[position]
        elif position is None:
            merged.append(apply_strategic_merge_patch({}, item))
        else:
            merged[position] = apply_strategic_merge_patch(merged[position], item)
    return merged


def _is_directive(item: Any) -> bool:
    return isinstance(item, dict) and "$patch" in item
