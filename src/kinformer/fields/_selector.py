"""Field selectors: parsing, matching and printing (``fields.ParseSelector``).

Mirrors apimachinery ``pkg/fields/selector.go`` (``hasTerm``, ``notHasTerm``, ``andTerm``,
``nothingSelector``, ``splitTerms``, ``splitTerm``, ``EscapeValue``, ``UnescapeValue``) and
``pkg/fields/requirements.go`` (spec F-30 .. F-35). Error texts are apimachinery's, because
the fake API server returns them verbatim in its ``400`` ``Status``.

Invariants: a ``FieldSelector``'s ``requirements`` keep the order of the sorted raw terms
(F-30); operators are only ``=`` and ``!=`` (``==`` is stored as ``=``, F-34); ``parse``
and ``transform`` drop a term with an empty field and an empty value (as ``Transform``
does); ``matches_nothing`` implies no requirements.

Pure module: no I/O, threads or clock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple, cast, final

from ..labels._errors import SelectorParseError
from ..labels._selector import Operator

__all__ = [
    "FieldRequirement",
    "FieldSelector",
    "Transform",
    "escape_value",
    "everything",
    "from_set",
    "nothing",
    "one_term_equal",
    "one_term_not_equal",
    "parse",
    "parse_uncached",
    "unescape_value",
]

FieldMatcher = Callable[[Mapping[str, str]], bool]
Transform = Callable[[str, str], tuple[str, str]]
"""``fields.TransformFunc``: ``(field, value) -> (field, value)``; raise to refuse a term."""


class FieldRequirement(NamedTuple):
    """One term of a field selector: ``(field, operator, value)``; operator is ``=`` or ``!=``."""

    field: str
    operator: Operator
    value: str


def escape_value(value: str) -> str:
    r"""``fields.EscapeValue``: prefix ``\``, ``,`` and ``=`` with a backslash (F-34).

    >>> escape_value("a,b=c")
    'a\\,b\\=c'
    """
    if "\\" not in value and "," not in value and "=" not in value:
        return value
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_value(value: str) -> str:
    r"""``fields.UnescapeValue``: undo :func:`escape_value` (F-32).

    Raises:
        SelectorParseError: ``invalid field selector: invalid escape sequence: \x`` for an
            unknown escape or a trailing backslash; ``invalid field selector: unescaped
            character in value: 61`` for a bare ``=`` (apimachinery prints the rune as a
            number) or ``44`` for a bare ``,``.
    """
    if "\\" not in value and "," not in value and "=" not in value:
        return value
    out: list[str] = []
    in_slash = False
    for char in value:
        if in_slash:
            if char not in "\\,=":
                raise SelectorParseError(
                    f"invalid field selector: invalid escape sequence: \\{char}"
                )
            out.append(char)
            in_slash = False
        elif char == "\\":
            in_slash = True
        elif char in ",=":
            raise SelectorParseError(
                f"invalid field selector: unescaped character in value: {ord(char)}"
            )
        else:
            out.append(char)
    if in_slash:
        raise SelectorParseError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


@functools.lru_cache(maxsize=256)
def _factory(operators: tuple[bool, ...]) -> Callable[..., FieldMatcher]:
    # One generated function, as for label selectors (kinformer.labels._selector): its
    # source depends only on the operators; fields and values are closure variables.
    #     def match(fields):
    #         return fields.get(f0, "") == v0 and fields.get(f1, "") != v1
    # An absent field reads as "" (F-33).
    params = ", ".join(f"f{i}, v{i}" for i in range(len(operators)))
    body = " and ".join(
        f"fields.get(f{i}, '') {'==' if equal else '!='} v{i}" for i, equal in enumerate(operators)
    )
    source = (
        f"def factory({params}):\n    def match(fields):\n        return {body}\n    return match\n"
    )
    namespace: dict[str, object] = {}
    exec(source, namespace)
    return cast(Callable[..., FieldMatcher], namespace["factory"])


# Above this many terms, generated code would cost more to compile than it saves.
_MAX_GENERATED: Final = 32


def _compile(requirements: tuple[FieldRequirement, ...]) -> FieldMatcher:
    if not requirements:
        return _match_everything
    if len(requirements) > _MAX_GENERATED:
        terms = tuple((name, op is Operator.EQUALS, value) for name, op, value in requirements)

        def match_many(fields: Mapping[str, str]) -> bool:
            for name, equal, value in terms:  # noqa: SIM110 - cheaper than all() on a generator
                if (fields.get(name, "") == value) is not equal:
                    return False
            return True

        return match_many
    operators = tuple(op is Operator.EQUALS for _, op, _ in requirements)
    arguments = [item for name, _, value in requirements for item in (name, value)]
    return _factory(operators)(*arguments)


def _match_everything(fields: Mapping[str, str]) -> bool:
    return True


def _match_nothing(fields: Mapping[str, str]) -> bool:
    return False


@final
@dataclass(frozen=True, slots=True, init=False)
class FieldSelector:
    """A field selector: the AND of ``field=value`` / ``field!=value`` terms (F-30 .. F-34).

    ``matches(fields)`` is compiled when the selector is built; an absent field reads as
    ``""`` (F-33). ``empty`` is true when there is no term (matches everything);
    :func:`nothing` matches nothing and is not empty. ``str()`` re-escapes values and
    prints ``==`` as ``=`` (F-34). Informers never evaluate field selectors locally (F-35):
    they are sent to the server, which evaluates them (the fake API server uses this class).

    Attributes:
        requirements: The terms as ``(field, operator, value)`` named tuples.
        matches_nothing: True only for :func:`nothing`.
        matches: The compiled matcher ``(fields: Mapping[str, str]) -> bool``.
    """

    requirements: tuple[FieldRequirement, ...]
    matches_nothing: bool
    matches: FieldMatcher = field(compare=False, repr=False, hash=False)

    def __init__(
        self,
        requirements: Iterable[tuple[str, Operator | str, str]] = (),
        *,
        matches_nothing: bool = False,
    ) -> None:
        """A selector of ``requirements`` in the given order; ``==`` is stored as ``=``."""
        reqs = tuple(_requirement(f, op, v) for f, op, v in requirements)
        if matches_nothing and reqs:
            raise ValueError("a selector that matches nothing has no requirements")
        object.__setattr__(self, "requirements", reqs)
        object.__setattr__(self, "matches_nothing", matches_nothing)
        object.__setattr__(self, "matches", _match_nothing if matches_nothing else _compile(reqs))

    @property
    def empty(self) -> bool:
        """True iff the selector has no term (matches everything)."""
        return not self.requirements and not self.matches_nothing

    def requires_exact_match(self, field: str) -> str | None:
        """The value of the first ``field=value`` term on ``field``, else ``None`` (F-34)."""
        for name, operator, value in self.requirements:
            if name == field and operator is Operator.EQUALS:
                return value
        return None

    def transform(self, fn: Transform) -> FieldSelector:
        """``Selector.Transform``: map each term's ``(field, value)`` through ``fn``.

        A term mapped to an empty field and an empty value is dropped; exceptions from
        ``fn`` propagate (the first term that fails, in order, wins).
        """
        if self.matches_nothing:
            return self
        out = []
        for name, operator, value in self.requirements:
            new_name, new_value = fn(name, value)
            if new_name or new_value:
                out.append((new_name, operator, new_value))
        return FieldSelector(out)

    def __str__(self) -> str:
        """Terms joined by ``,`` with values re-escaped (F-34); ``""`` when there is none."""
        return ",".join(
            f"{name}{'=' if op is Operator.EQUALS else '!='}{escape_value(value)}"
            for name, op, value in self.requirements
        )

    def __repr__(self) -> str:
        if self.matches_nothing:
            return "FieldSelector(nothing)"
        return f"FieldSelector({str(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (self.requirements, self.matches_nothing))


def _rebuild(requirements: tuple[FieldRequirement, ...], matches_nothing: bool) -> FieldSelector:
    return FieldSelector(requirements, matches_nothing=matches_nothing)


def _requirement(name: str, operator: Operator | str, value: str) -> FieldRequirement:
    op = Operator(operator)
    if op is Operator.DOUBLE_EQUALS:
        op = Operator.EQUALS
    elif op is not Operator.EQUALS and op is not Operator.NOT_EQUALS:
        raise ValueError(f"field selectors support only '=', '==' and '!=', not {op.value!r}")
    return FieldRequirement(name, op, value)


_EVERYTHING: Final = FieldSelector()
_NOTHING: Final = FieldSelector(matches_nothing=True)


def everything() -> FieldSelector:
    """The field selector that matches everything (``fields.Everything()``)."""
    return _EVERYTHING


def nothing() -> FieldSelector:
    """The field selector that matches nothing (``fields.Nothing()``)."""
    return _NOTHING


def one_term_equal(field: str, value: str) -> FieldSelector:
    """``fields.OneTermEqualSelector``: ``field=value``."""
    return FieldSelector([(field, Operator.EQUALS, value)])


def one_term_not_equal(field: str, value: str) -> FieldSelector:
    """``fields.OneTermNotEqualSelector``: ``field!=value``."""
    return FieldSelector([(field, Operator.NOT_EQUALS, value)])


def from_set(fields: Mapping[str, str] | None) -> FieldSelector:
    """``fields.SelectorFromSet``: ``field=value`` for every entry, sorted by field."""
    if not fields:
        return _EVERYTHING
    return FieldSelector((k, Operator.EQUALS, fields[k]) for k in sorted(fields))


def _split_terms(text: str) -> list[str]:
    # splitTerms: split at commas not escaped by a backslash; the backslash stays.
    terms = []
    start = 0
    in_slash = False
    for i, char in enumerate(text):
        if in_slash:
            in_slash = False
        elif char == "\\":
            in_slash = True
        elif char == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, Operator, str] | None:
    # splitTerm: the first position where "!=", then "==", then "=" matches (F-31).
    for i in range(len(term)):
        if term.startswith("!=", i):
            return term[:i], Operator.NOT_EQUALS, term[i + 2 :]
        if term.startswith("==", i):
            return term[:i], Operator.EQUALS, term[i + 2 :]
        if term[i] == "=":
            return term[:i], Operator.EQUALS, term[i + 1 :]
    return None


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> FieldSelector:
    """Parse a field selector string (``fields.ParseSelector``, F-30 .. F-32).

    Results are memoised (selectors are immutable); errors are not.

    >>> s = parse("status.phase!=Running,spec.nodeName=node-a")
    >>> str(s), s.matches({"spec.nodeName": "node-a"}), s.requires_exact_match("spec.nodeName")
    ('spec.nodeName=node-a,status.phase!=Running', True, 'node-a')

    Raises:
        SelectorParseError: ``invalid selector: '<text>'; can't understand '<term>'`` for a
            term without operator, or an escaping error (see :func:`unescape_value`).
    """
    return parse_uncached(text)


def parse_uncached(text: str) -> FieldSelector:
    """:func:`parse` without the memo (for benchmarks and tests of the parser itself)."""
    if not text:
        return _EVERYTHING
    requirements = []
    for term in sorted(_split_terms(text)):
        if not term:
            continue
        split = _split_term(term)
        if split is None:
            raise SelectorParseError(f"invalid selector: '{text}'; can't understand '{term}'")
        name, operator, raw_value = split
        value = unescape_value(raw_value)
        if name or value:  # Transform drops a term with empty field and value ("=").
            requirements.append((name, operator, value))
    if not requirements:
        return _EVERYTHING
    return FieldSelector(requirements)
