"""Field selectors: client-go's ``k8s.io/apimachinery/pkg/fields`` (spec F.4), plus the
per-kind field labels kube-apiserver supports.

>>> from kinformer import fields
>>> selector = fields.parse("spec.nodeName=node-a,status.phase!=Running")
>>> selector.matches({"spec.nodeName": "node-a", "status.phase": "Pending"})
True
>>> fields.check_field_selector("v1", "Pod", fields.parse("spec.containers.image=x"))
Traceback (most recent call last):
...
kinformer.labels.SelectorParseError: field label not supported: spec.containers.image
"""

from __future__ import annotations

from ..labels._errors import SelectorParseError as SelectorParseError
from ._selectable import (
    check_field_selector as check_field_selector,
    convert_field_selector as convert_field_selector,
    selectable_fields as selectable_fields,
)
from ._selector import (
    FieldRequirement as FieldRequirement,
    FieldSelector as FieldSelector,
    escape_value as escape_value,
    everything as everything,
    from_set as from_set,
    nothing as nothing,
    one_term_equal as one_term_equal,
    one_term_not_equal as one_term_not_equal,
    parse as parse,
    unescape_value as unescape_value,
)

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "SelectorParseError",
    "check_field_selector",
    "convert_field_selector",
    "escape_value",
    "everything",
    "from_set",
    "nothing",
    "one_term_equal",
    "one_term_not_equal",
    "parse",
    "selectable_fields",
    "unescape_value",
]

for _name in __all__:
    _obj = globals()[_name]
    if getattr(_obj, "__module__", "").startswith(__name__ + "._"):
        _obj.__module__ = __name__
del _name, _obj
