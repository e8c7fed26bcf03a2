"""Label and field selectors of list and watch requests, compiled to one cheap predicate.

Uses ``kinformer.labels.parse`` and ``kinformer.fields`` (``parse``, ``check_field_selector``,
``selectable_fields``): the same parsers, matching and error texts as kube-apiserver (golden
04: a ``SelectorParseError``'s ``str()`` becomes the 400 message verbatim). Custom resources
accept ``metadata.name``, ``metadata.namespace`` and their CRD's ``selectableFields``; any
other field label is ``field label not supported: <label>`` (golden 08).

The predicate reads only what is cached on :class:`Stored`: labels (kept at write time) and
the selectable fields (computed once per stored state, only when a selector needs a field
other than the name and namespace).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...fields import check_field_selector, selectable_fields
from ...fields import parse as parse_fields
from ...labels import SelectorParseError
from ...labels import parse as parse_labels
from ._resources import ResourceType
from ._status import StatusError, bad_request
from ._storage import Stored

__all__ = ["compile_selectors"]

_META_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


def _json_path(obj: Any, path: str) -> str:
    node = obj
    for part in path.strip(".").split("."):
        if not isinstance(node, dict):
            return ""
        node = node.get(part)
    if node is None:
        return ""
    if isinstance(node, bool):
        return "true" if node else "false"
    return str(node)


def compile_selectors(
    rtype: ResourceType, prefix: bytes, label_text: str, field_text: str
) -> Callable[[Stored], bool] | None:
    """A predicate for the selectors (None when both are empty); raises 400 when invalid."""
    try:
        label_selector = parse_labels(label_text)
        field_selector = parse_fields(field_text)
        if rtype.custom:
            allowed = _META_FIELDS | {p.strip(".") for p in rtype.selectable_fields}
            for field, _op, _value in field_selector.requirements:
                if field not in allowed:
                    raise SelectorParseError(f"field label not supported: {field}")
        else:
            check_field_selector(rtype.api_version, rtype.kind, field_selector)
    except SelectorParseError as error:
        raise bad_request(str(error)) from None
    labels_match = None if label_selector.empty else label_selector.matches
    if field_selector.empty:
        fields_match = None
    else:
        needed = {field for field, _op, _value in field_selector.requirements}
        if needed <= _META_FIELDS:

            def compute_fields(stored: Stored) -> dict[str, str]:
                return {"metadata.name": stored.name, "metadata.namespace": stored.namespace}

        elif rtype.custom:
            paths = rtype.selectable_fields

            def compute_fields(stored: Stored) -> dict[str, str]:
                obj = stored.load(prefix)
                found = {p.strip("."): _json_path(obj, p) for p in paths}
                found.update(
                    {"metadata.name": stored.name, "metadata.namespace": stored.namespace}
                )
                return found

        else:

            def compute_fields(stored: Stored) -> dict[str, str]:
                return stored.fields(lambda: dict(selectable_fields(stored.load(prefix))))

        field_matches = field_selector.matches

        def fields_match_fn(stored: Stored) -> bool:
            return bool(field_matches(compute_fields(stored)))

        fields_match = fields_match_fn
    if labels_match is None and fields_match is None:
        return None
    if fields_match is None:
        assert labels_match is not None
        label_matches = labels_match
        return lambda stored: bool(label_matches(stored.labels))
    if labels_match is None:
        return fields_match
    both_labels = labels_match
    both_fields = fields_match
    return lambda stored: bool(both_labels(stored.labels)) and both_fields(stored)


def is_bad_request(error: StatusError) -> bool:
    """True for a 400 answer."""
    return error.http_status == 400
