"""The error raised for an unusable label or field selector.

Its ``str()`` is, character for character, the text apimachinery's ``labels.Parse``,
``labels.NewRequirement``, ``fields.ParseSelector`` and the API server's field-label
conversion give, because ``kinformer.testing``'s fake API server puts it verbatim in the
``message`` of its ``400 BadRequest`` ``Status`` (as kube-apiserver does).
"""

from __future__ import annotations

from typing import final

from .._errors import KinformerError

__all__ = ["SelectorParseError"]


@final
class SelectorParseError(KinformerError, ValueError):
    """A label or field selector that cannot be parsed, validated or served.

    ``str(error)`` is exactly apimachinery's message, e.g. ``found '=', expected: ',' or
    'end of string'`` for ``tier=frontend=x``.
    """
