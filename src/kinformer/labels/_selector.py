"""Label selectors: requirements, selectors and their compiled matchers.

Mirrors apimachinery ``pkg/labels/selector.go`` (``Requirement``, ``internalSelector``,
``nothingSelector``, ``NewRequirement``, ``SelectorFromSet``, ``ValidatedSelectorFromSet``),
``pkg/labels/labels.go`` (``Set.String``), ``pkg/selection`` (operators) and
``metav1.LabelSelectorAsSelector`` (spec F-10 .. F-16).

Invariants:

* A ``Selector``'s ``requirements`` are sorted by key (stable: equal keys keep their order),
  F-14/F-15; ``matches_nothing`` implies ``requirements == ()``.
* ``Selector.matches`` is compiled once, when the selector is built: matching a label map
  does no parsing and allocates nothing (listers call it for every cached object).

Pure module: no I/O, threads or clock.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, cast, final

from ._errors import SelectorParseError
from ._validation import (
    aggregate,
    go_quote,
    go_string_slice,
    invalid,
    is_qualified_name,
    is_valid_label_value,
)

__all__ = [
    "Matcher",
    "Operator",
    "Requirement",
    "Selector",
    "everything",
    "format_set",
    "from_label_selector",
    "from_set",
    "new_requirement",
    "nothing",
    "parse_int64",
    "validated_from_set",
]

Matcher = Callable[[Mapping[str, str] | None], bool]
"""A compiled ``Selector.matches``: a label map (``None`` = no labels) → bool."""


@final
class Operator(enum.StrEnum):
    """A label selector operator (``selection.Operator``, F-10); values are apimachinery's."""

    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


# validRequirementOperators, in apimachinery's order (used in the "Unsupported value" text).
_VALID_OPERATORS: Final = (
    Operator.IN,
    Operator.NOT_IN,
    Operator.EQUALS,
    Operator.DOUBLE_EQUALS,
    Operator.NOT_EQUALS,
    Operator.EXISTS,
    Operator.DOES_NOT_EXIST,
    Operator.GREATER_THAN,
    Operator.LESS_THAN,
)

_INT64_RE: Final = re.compile(r"[+-]?[0-9]+", re.ASCII)
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1


def parse_int64(text: str) -> int | None:
    """``strconv.ParseInt(text, 10, 64)``: the value, or ``None`` when Go would fail.

    Stricter than ``int()``: no whitespace, no underscores, ASCII digits only, int64 range.

    >>> parse_int64("+42"), parse_int64("1_0"), parse_int64("9223372036854775808")
    (42, None, None)
    """
    if _INT64_RE.fullmatch(text) is None:
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


@final
@dataclass(frozen=True, slots=True)
class Requirement:
    """One term of a label selector: ``key``, ``operator`` and ``values`` (F-11, F-12).

    Build validated requirements with :func:`new_requirement` (or :func:`parse`); the
    constructor itself does not validate (like ``SelectorFromSet``, F-16). ``values`` keep
    the order they were given in; :func:`parse` gives them de-duplicated and sorted.
    """

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Accept "=" for Operator.EQUALS and any iterable of values; store canonical types.
        object.__setattr__(self, "operator", Operator(self.operator))
        object.__setattr__(self, "values", tuple(self.values))

    def __str__(self) -> str:
        """The canonical text (F-14): ``!k``, ``k``, ``k=v``, ``k in (a,b)``, ``k>1`` ..."""
        op = self.operator
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        if op is Operator.EXISTS:
            return self.key
        values = self.values[0] if len(self.values) == 1 else ",".join(sorted(self.values))
        if op is Operator.IN or op is Operator.NOT_IN:
            return f"{self.key} {op.value} ({values})"
        symbol = _SYMBOLS[op]
        return f"{self.key}{symbol}{values}"

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        """Whether ``labels`` satisfy this requirement (F-12); ``None`` means no labels.

        Compiles the test on each call: in loops use ``Selector.matches``.
        """
        return _compile((self,))(labels)


_SYMBOLS: Final = {
    Operator.EQUALS: "=",
    Operator.DOUBLE_EQUALS: "==",
    Operator.NOT_EQUALS: "!=",
    Operator.GREATER_THAN: ">",
    Operator.LESS_THAN: "<",
}

_NO_LABELS: Final[Mapping[str, str]] = {}


def _validation_errors(
    key: str, operator: str, values: Sequence[str], *, nil_values: bool, check_key: bool
) -> list[str]:
    # NewRequirement's checks, in its order (F-11).
    errors = []
    if check_key and (problems := is_qualified_name(key)):
        errors.append(invalid("key", go_quote(key), "; ".join(problems)))
    shown = _LazySlice(None if nil_values and not values else values)
    if operator in (Operator.IN, Operator.NOT_IN):
        if not values:
            errors.append(
                invalid("values", shown, "for 'in', 'notin' operators, values set can't be empty")
            )
    elif operator in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.NOT_EQUALS):
        if len(values) != 1:
            errors.append(
                invalid("values", shown, "exact-match compatibility requires one single value")
            )
    elif operator in (Operator.EXISTS, Operator.DOES_NOT_EXIST):
        if values:
            errors.append(
                invalid("values", shown, "values set must be empty for exists and does not exist")
            )
    elif operator in (Operator.GREATER_THAN, Operator.LESS_THAN):
        if len(values) != 1:
            errors.append(
                invalid("values", shown, "for 'Gt', 'Lt' operators, exactly one value is required")
            )
        for i, value in enumerate(values):
            if parse_int64(value) is None:
                errors.append(
                    invalid(
                        f"values[{i}]",
                        go_quote(value),
                        "for 'Gt', 'Lt' operators, the value must be an integer",
                    )
                )
    else:
        supported = ", ".join(go_quote(op.value) for op in _VALID_OPERATORS)
        errors.append(
            f"operator: Unsupported value: {go_quote(operator)}: supported values: {supported}"
        )
    for i, value in enumerate(values):
        if problems := is_valid_label_value(value):
            errors.append(invalid(f"values[{i}][{key}]", go_quote(value), "; ".join(problems)))
    return errors


class _LazySlice:
    """``go_string_slice(values)``, formatted only if an error message needs it."""

    __slots__ = ("_values",)

    def __init__(self, values: Sequence[str] | None) -> None:
        self._values = values

    def __str__(self) -> str:
        return go_string_slice(self._values)


def new_requirement(key: str, operator: Operator | str, values: Iterable[str] = ()) -> Requirement:
    """A validated requirement (``labels.NewRequirement``, F-11).

    Raises:
        SelectorParseError: with apimachinery's aggregated text, e.g.
            ``values[0]: Invalid value: "abc": for 'Gt', 'Lt' operators, the value must be
            an integer``.
    """
    return _new_requirement(key, operator, tuple(values))


def _new_requirement(
    key: str,
    operator: Operator | str,
    values: tuple[str, ...],
    *,
    nil_values: bool = False,
    check_key: bool = True,
) -> Requirement:
    errors = _validation_errors(key, operator, values, nil_values=nil_values, check_key=check_key)
    if errors:
        raise SelectorParseError(aggregate(errors))
    return Requirement(key, Operator(operator), values)


# --- compilation -------------------------------------------------------------------------
#
# A selector is compiled to ONE Python function whose body is the AND of one expression per
# requirement; keys and values are closure variables, e.g. for "tier in (a,b),!canary":
#
#     def factory(k0, v0, k1, v1):
#         def match(labels):
#             if labels is None:
#                 labels = no_labels
#             return labels.get(k0) in v0 and k1 not in labels
#         return match
#
# The factory's source depends only on the selector's *shape* (operators and value counts),
# never on keys or values, which are passed as arguments: any key or value is safe, and one
# compiled factory (memoised per shape) serves every selector of that shape. Matching is one
# call, no allocation: faster than a chain of per-requirement closures (compared in
# benchmarks/bench_selectors.py). ``labels.get()`` is None for an absent key and None is
# never a value, so "absent" falls out of the comparisons: absent fails =, ==, in and passes
# !=, notin (F-12).


def _compare_int(raw: str | None, bound: int, greater: bool) -> bool:
    """F-12 for gt/lt: the label is present, parses as int64 and compares."""
    if raw is None:
        return False
    number = parse_int64(raw)
    if number is None:
        return False
    return number > bound if greater else number < bound


def _expression(i: int, req: Requirement) -> tuple[str, object]:
    """The source of requirement ``i``'s test and the value bound to ``v{i}``."""
    op = req.operator
    if op is Operator.EXISTS:
        return f"k{i} in labels", None
    if op is Operator.DOES_NOT_EXIST:
        return f"k{i} not in labels", None
    if op is Operator.GREATER_THAN or op is Operator.LESS_THAN:
        bound = parse_int64(req.values[0]) if len(req.values) == 1 else None
        if bound is None:
            return "False", None  # apimachinery: not exactly one integer value → no match
        return f"compare(labels.get(k{i}), v{i}, {op is Operator.GREATER_THAN})", bound
    positive = op in (Operator.EQUALS, Operator.DOUBLE_EQUALS, Operator.IN)
    if len(req.values) == 1:
        return f"labels.get(k{i}) {'==' if positive else '!='} v{i}", req.values[0]
    return f"labels.get(k{i}) {'in' if positive else 'not in'} v{i}", frozenset(req.values)


@functools.lru_cache(maxsize=512)
def _factory(count: int, body: str) -> Callable[..., Matcher]:
    params = ", ".join(f"k{i}, v{i}" for i in range(count))
    source = (
        f"def factory({params}):\n"
        "    def match(labels):\n"
        "        if labels is None:\n"
        "            labels = no_labels\n"
        f"        return {body}\n"
        "    return match\n"
    )
    namespace: dict[str, object] = {"no_labels": _NO_LABELS, "compare": _compare_int}
    # Fixed templates only (see above); keys and values arrive as arguments.
    exec(source, namespace)
    return cast(Callable[..., Matcher], namespace["factory"])


# Above this many requirements, generated code would cost more to compile than it saves
# (and a hostile labelSelector= could make it arbitrarily large).
_MAX_GENERATED: Final = 32


def _compile(requirements: tuple[Requirement, ...]) -> Matcher:
    if not requirements:
        return _match_everything
    if len(requirements) > _MAX_GENERATED:
        each = tuple(_compile((req,)) for req in requirements)

        def match_many(labels: Mapping[str, str] | None) -> bool:
            for test in each:  # noqa: SIM110 - a loop is cheaper than all() on a generator
                if not test(labels):
                    return False
            return True

        return match_many
    tests = []
    arguments: list[object] = []
    for i, req in enumerate(requirements):
        test, value = _expression(i, req)
        tests.append(test)
        arguments += (req.key, value)
    return _factory(len(requirements), " and ".join(tests))(*arguments)


def _match_everything(labels: Mapping[str, str] | None) -> bool:
    return True


def _match_nothing(labels: Mapping[str, str] | None) -> bool:
    return False


# --- selectors ---------------------------------------------------------------------------


@final
@dataclass(frozen=True, slots=True, init=False)
class Selector:
    """A label selector: the AND of its requirements (F-13).

    ``matches(labels)`` (labels may be ``None``, meaning none) is compiled when the selector
    is built, so it is cheap enough to call for every object of a large cache. ``empty`` is
    true for a selector without requirements, which matches everything (``everything()``,
    ``parse("")``, ``from_set({})``); :func:`nothing` matches nothing and is not empty (F-13).
    ``str(selector)`` is the canonical text (F-14), and ``parse(str(s)) == s`` for parsed
    selectors. Selectors are immutable and hashable; :meth:`add` returns a new one (F-15).

    Attributes:
        requirements: The requirements, sorted by key.
        matches_nothing: True only for :func:`nothing`.
        matches: The compiled matcher ``(labels: Mapping[str, str] | None) -> bool``.
    """

    requirements: tuple[Requirement, ...]
    matches_nothing: bool
    matches: Matcher = field(compare=False, repr=False, hash=False)

    def __init__(
        self, requirements: Iterable[Requirement] = (), *, matches_nothing: bool = False
    ) -> None:
        """A selector of ``requirements`` (sorted by key here); not validated (F-16)."""
        reqs = tuple(sorted(requirements, key=_by_key))
        if matches_nothing and reqs:
            raise ValueError("a selector that matches nothing has no requirements")
        object.__setattr__(self, "requirements", reqs)
        object.__setattr__(self, "matches_nothing", matches_nothing)
        object.__setattr__(self, "matches", _match_nothing if matches_nothing else _compile(reqs))

    @property
    def empty(self) -> bool:
        """True iff the selector does not restrict anything (no requirements, F-13)."""
        return not self.requirements and not self.matches_nothing

    def add(self, *requirements: Requirement) -> Selector:
        """A new selector with ``requirements`` appended, re-sorted by key (F-15).

        ``nothing().add(...)`` is still ``nothing()``, as in apimachinery.
        """
        if self.matches_nothing:
            return self
        return Selector(self.requirements + requirements)

    def requires_exact_match(self, key: str) -> str | None:
        """The value ``key`` must have, if the first requirement on ``key`` pins one (F-14).

        That is ``=``, ``==`` or an ``in`` with exactly one value; otherwise ``None``.
        """
        for req in self.requirements:
            if req.key == key:
                if len(req.values) == 1 and req.operator in (
                    Operator.EQUALS,
                    Operator.DOUBLE_EQUALS,
                    Operator.IN,
                ):
                    return req.values[0]
                return None
        return None

    def __str__(self) -> str:
        """Requirements' texts joined by ``,`` (F-14); ``""`` for empty and for nothing()."""
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        if self.matches_nothing:
            return "Selector(nothing)"
        return f"Selector({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.requirements, self.matches_nothing))


def _rebuild(requirements: tuple[Requirement, ...], matches_nothing: bool) -> Selector:
    return Selector(requirements, matches_nothing=matches_nothing)


def _by_key(req: Requirement) -> str:
    return req.key


_EVERYTHING: Final = Selector()
_NOTHING: Final = Selector(matches_nothing=True)


def everything() -> Selector:
    """The selector that matches every label map; ``empty`` is true (F-13)."""
    return _EVERYTHING


def nothing() -> Selector:
    """The selector that matches no label map; ``empty`` is false (F-13, F-1)."""
    return _NOTHING


def from_set(labels: Mapping[str, str] | None) -> Selector:
    """``SelectorFromSet``: one ``=`` requirement per entry, not validated (F-16).

    ``None`` or an empty mapping gives the empty selector (matches everything).
    """
    if not labels:
        return _EVERYTHING
    return Selector(Requirement(k, Operator.EQUALS, (v,)) for k, v in labels.items())


def validated_from_set(labels: Mapping[str, str] | None) -> Selector:
    """``ValidatedSelectorFromSet``: :func:`from_set` with every entry validated (F-16).

    Entries are validated in key order; the first invalid one raises.

    Raises:
        SelectorParseError: with ``NewRequirement``'s text for the first invalid entry.
    """
    if not labels:
        return _EVERYTHING
    return Selector(new_requirement(k, Operator.EQUALS, (labels[k],)) for k in sorted(labels))


def format_set(labels: Mapping[str, str]) -> str:
    """``labels.Set.String()``: sorted ``k=v`` pairs joined by ``,`` (F-16)."""
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


_LABEL_SELECTOR_OPERATORS: Final = {
    "In": Operator.IN,
    "NotIn": Operator.NOT_IN,
    "Exists": Operator.EXISTS,
    "DoesNotExist": Operator.DOES_NOT_EXIST,
}


def from_label_selector(selector: Mapping[str, Any] | None) -> Selector:
    """``metav1.LabelSelectorAsSelector`` for the API type ``LabelSelector`` as a dict.

    ``{"matchLabels": {k: v}, "matchExpressions": [{"key", "operator", "values"}]}`` with
    operators ``In``, ``NotIn``, ``Exists``, ``DoesNotExist``. ``None`` gives
    :func:`nothing`; a selector with no labels and no expressions gives
    :func:`everything`. ``matchLabels`` entries become ``=`` requirements, validated in
    key order, then the expressions in their order.

    Raises:
        SelectorParseError: an invalid key, value or operator, with apimachinery's text
            (``"Foo" is not a valid label selector operator`` for an unknown operator).
    """
    if selector is None:
        return _NOTHING
    match_labels: Mapping[str, str] = selector.get("matchLabels") or {}
    expressions: Sequence[Mapping[str, Any]] = selector.get("matchExpressions") or ()
    if not match_labels and not expressions:
        return _EVERYTHING
    requirements = [
        _new_requirement(k, Operator.EQUALS, (match_labels[k],)) for k in sorted(match_labels)
    ]
    for expression in expressions:
        raw_operator = expression.get("operator", "")
        operator = _LABEL_SELECTOR_OPERATORS.get(raw_operator)
        if operator is None:
            raise SelectorParseError(
                f"{go_quote(str(raw_operator))} is not a valid label selector operator"
            )
        values = tuple(expression.get("values") or ())
        requirements.append(
            _new_requirement(expression.get("key", ""), operator, values, nil_values=True)
        )
    return Selector(requirements)
