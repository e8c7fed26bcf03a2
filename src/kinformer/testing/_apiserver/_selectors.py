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

from ...fields import convert_field_selector, parse as parse_fields, selectable_fields
from ...labels import SelectorParseError, parse as parse_labels
from ._resources import ResourceType
from ._status import bad_request
from ._storage import Stored

__all__ = ["compile_selectors"]

_META_FIELDS = frozenset({"metadata.name", "metadata.namespace"})


def compile_selectors(
    rtype: ResourceType, prefix: bytes, label_text: str, field_text: str
) -> Callable[[Stored], bool] | None:
    """A predicate for the selectors (None when both are empty); raises 400 when invalid."""
    try:
        label_selector = parse_labels(label_text)
        field_selector = convert_field_selector(
            rtype.api_version,
            rtype.kind,
            parse_fields(field_text),
            custom_resource=rtype.custom,
            namespaced=rtype.namespaced,
            custom_fields=rtype.selectable_fields,
        )
    except SelectorParseError as error:
        raise bad_request(str(error)) from None
    label_matches = None if label_selector.empty else label_selector.matches
    if field_selector.empty:
        if label_matches is None:
            return None
        only_labels = label_matches
        return lambda stored: bool(only_labels(stored.labels))
    needed = {requirement[0] for requirement in field_selector.requirements}
    field_matches = field_selector.matches
    custom_fields = rtype.selectable_fields
    if needed <= _META_FIELDS:

        def fields_of(stored: Stored) -> dict[str, str]:
            return {"metadata.name": stored.name, "metadata.namespace": stored.namespace}

    else:

        def fields_of(stored: Stored) -> dict[str, str]:
            return stored.fields(
                lambda: dict(selectable_fields(stored.load(prefix), custom_fields=custom_fields))
            )

    if label_matches is None:
        return lambda stored: bool(field_matches(fields_of(stored)))
    both = label_matches
    return lambda stored: bool(both(stored.labels)) and bool(field_matches(fields_of(stored)))
