"""Label selectors: client-go's ``k8s.io/apimachinery/pkg/labels`` (spec F.2, F.3).

>>> from kinformer import labels
>>> selector = labels.parse("app=web,tier in (a,b),!canary")
>>> selector.matches({"app": "web", "tier": "a"})
True
>>> str(selector)
'app=web,!canary,tier in (a,b)'
"""

from __future__ import annotations

from ._errors import SelectorParseError as SelectorParseError
from ._parser import parse as parse
from ._selector import (
    Operator as Operator,
    Requirement as Requirement,
    Selector as Selector,
    everything as everything,
    format_set as format_set,
    from_label_selector as from_label_selector,
    from_set as from_set,
    new_requirement as new_requirement,
    nothing as nothing,
    validated_from_set as validated_from_set,
)

__all__ = [
    "Operator",
    "Requirement",
    "Selector",
    "SelectorParseError",
    "everything",
    "format_set",
    "from_label_selector",
    "from_set",
    "new_requirement",
    "nothing",
    "parse",
    "validated_from_set",
]

for _name in __all__:
    globals()[_name].__module__ = __name__
del _name
