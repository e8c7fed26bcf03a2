"""The label selector string grammar: lexer and recursive-descent parser (``labels.Parse``).

Mirrors apimachinery ``pkg/labels/selector.go`` (``Lexer``, ``Parser``, ``parse``), token
for token, so that every error text is apimachinery's (spec F-17 .. F-21). The texts are
what kube-apiserver returns in the ``400`` ``Status`` for a bad ``labelSelector=``.

Pure module: no I/O, threads or clock.
"""

from __future__ import annotations

import enum
import functools
import re
from typing import Final

from ._errors import SelectorParseError
from ._selector import Operator, Requirement, Selector, _new_requirement
from ._validation import go_quote, invalid, is_qualified_name

__all__ = ["parse", "parse_uncached"]


class _Token(enum.IntEnum):  # int hashing: tokens are dict and set keys in hot loops
    END = enum.auto()
    CLOSE_PAREN = enum.auto()
    COMMA = enum.auto()
    NOT = enum.auto()  # "!" (DoesNotExistToken)
    DOUBLE_EQUALS = enum.auto()
    EQUALS = enum.auto()
    GREATER = enum.auto()
    IDENTIFIER = enum.auto()
    IN = enum.auto()
    LESS = enum.auto()
    NOT_EQUALS = enum.auto()
    NOT_IN = enum.auto()
    OPEN_PAREN = enum.auto()


_STRING_TO_TOKEN: Final = {
    ")": _Token.CLOSE_PAREN,
    ",": _Token.COMMA,
    "!": _Token.NOT,
    "==": _Token.DOUBLE_EQUALS,
    "=": _Token.EQUALS,
    ">": _Token.GREATER,
    "in": _Token.IN,
    "<": _Token.LESS,
    "!=": _Token.NOT_EQUALS,
    "notin": _Token.NOT_IN,
    "(": _Token.OPEN_PAREN,
}
# One token per match, after optional whitespace (space, tab, CR, LF): a run of special
# characters read greedily as the longest known operator ("!=" before "!", "==" before "="),
# or an identifier (any other characters). A NUL character is Go's end-of-input marker
# (``Lexer.read`` returns 0): where a token starts nothing matches and the input ends; right
# after a token apimachinery's lexer swallows it, hence the optional trailing ``\x00``.
_TOKEN_RE: Final = re.compile(r"[ \t\r\n]*(?:(!=|==|[=!(),><])|([^ \t\r\n=!(),><\x00]+))\x00?")

_BINARY_OPERATORS: Final = "in, notin, =, ==, !=, gt, lt"

_KEYWORDS: Final = frozenset({_Token.IN, _Token.NOT_IN})

_OPERATOR_FOR_TOKEN: Final = {
    _Token.IN: Operator.IN,
    _Token.NOT_IN: Operator.NOT_IN,
    _Token.EQUALS: Operator.EQUALS,
    _Token.DOUBLE_EQUALS: Operator.DOUBLE_EQUALS,
    _Token.NOT_EQUALS: Operator.NOT_EQUALS,
    _Token.GREATER: Operator.GREATER_THAN,
    _Token.LESS: Operator.LESS_THAN,
}


def _lex(text: str) -> list[tuple[_Token, str]]:
    """All tokens of ``text``, ending with one ``END`` (F-17)."""
    tokens: list[tuple[_Token, str]] = []
    pos = 0
    match = _TOKEN_RE.match
    while (found := match(text, pos)) is not None:
        special, identifier = found.groups()
        if special is not None:
            tokens.append((_STRING_TO_TOKEN[special], special))
        else:
            tokens.append((_STRING_TO_TOKEN.get(identifier, _Token.IDENTIFIER), identifier))
        pos = found.end()
    tokens.append((_Token.END, ""))
    return tokens


class _ParseError(Exception):
    """A requirement-level error; ``parse`` prefixes "unable to parse requirement: "."""


class _Parser:
    __slots__ = ("_as_values", "_pos", "_tokens")

    def __init__(self, tokens: list[tuple[_Token, str]]) -> None:
        self._tokens = tokens
        # In "values" context (everywhere but the operator position) in/notin are
        # identifiers (ParserContext Values in apimachinery).
        self._as_values = [
            (_Token.IDENTIFIER, literal) if token in _KEYWORDS else (token, literal)
            for token, literal in tokens
        ]
        self._pos = 0

    def _lookahead(self) -> tuple[_Token, str]:
        return self._as_values[self._pos]

    def _consume(self, values: bool = True) -> tuple[_Token, str]:
        self._pos += 1
        return (self._as_values if values else self._tokens)[self._pos - 1]

    def parse(self) -> list[Requirement]:
        requirements: list[Requirement] = []
        while True:
            token, literal = self._lookahead()
            if token is _Token.END:
                return requirements
            if token is not _Token.IDENTIFIER and token is not _Token.NOT:
                raise SelectorParseError(
                    f"found '{literal}', expected: !, identifier, or 'end of string'"
                )
            try:
                requirements.append(self._requirement())
            except _ParseError as error:
                raise SelectorParseError(f"unable to parse requirement: {error}") from None
            token, literal = self._consume()
            if token is _Token.END:
                return requirements
            if token is not _Token.COMMA:
                raise SelectorParseError(f"found '{literal}', expected: ',' or 'end of string'")
            token, literal = self._lookahead()
            if token is not _Token.IDENTIFIER and token is not _Token.NOT:
                raise SelectorParseError(f"found '{literal}', expected: identifier after ','")

    def _requirement(self) -> Requirement:
        key, operator = self._key_and_inferred_operator()
        if operator is not None:
            return _checked(key, operator, ())
        operator = self._operator()
        if operator is Operator.IN or operator is Operator.NOT_IN:
            values = self._values()
        else:
            values = self._exact_value()
        return _checked(key, operator, tuple(sorted(values)))

    def _key_and_inferred_operator(self) -> tuple[str, Operator | None]:
        operator = None
        token, literal = self._consume()
        if token is _Token.NOT:
            operator = Operator.DOES_NOT_EXIST
            token, literal = self._consume()
        if token is not _Token.IDENTIFIER:
            raise _ParseError(f"found '{literal}', expected: identifier")
        if problems := is_qualified_name(literal):
            # The parser validates the key with its own (nil) path first: "<nil>: ...".
            raise _ParseError(invalid("<nil>", go_quote(literal), "; ".join(problems)))
        next_token, _ = self._lookahead()
        if operator is None and next_token in (_Token.END, _Token.COMMA):
            operator = Operator.EXISTS
        return literal, operator

    def _operator(self) -> Operator:
        token, literal = self._consume(values=False)
        operator = _OPERATOR_FOR_TOKEN.get(token)
        if operator is None:
            raise _ParseError(f"found '{literal}', expected: {_BINARY_OPERATORS}")
        return operator

    def _values(self) -> set[str]:
        token, literal = self._consume()
        if token is not _Token.OPEN_PAREN:
            raise _ParseError(f"found '{literal}' expected: '('")
        token, literal = self._lookahead()
        if token is _Token.CLOSE_PAREN:  # "()"
            self._consume()
            return {""}
        if token is not _Token.IDENTIFIER and token is not _Token.COMMA:
            raise _ParseError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self._identifiers()
        # _identifiers() returns only when ")" is next.
        self._consume()
        return values

    def _identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            token, literal = self._consume()
            if token is _Token.IDENTIFIER:
                values.add(literal)
                next_token, next_literal = self._lookahead()
                if next_token is _Token.CLOSE_PAREN:
                    return values
                if next_token is not _Token.COMMA:
                    raise _ParseError(f"found '{next_literal}', expected: ',' or ')'")
            elif token is _Token.COMMA:
                if not values:
                    values.add("")  # "(,"
                next_token, _ = self._lookahead()
                if next_token is _Token.CLOSE_PAREN:
                    values.add("")  # ",)"
                    return values
                if next_token is _Token.COMMA:
                    self._consume()
                    values.add("")  # ",,"
            else:
                raise _ParseError(f"found '{literal}', expected: ',', or identifier")

    def _exact_value(self) -> set[str]:
        token, _ = self._lookahead()
        if token is _Token.END or token is _Token.COMMA:
            return {""}
        token, literal = self._consume()
        if token is _Token.IDENTIFIER:
            return {literal}
        raise _ParseError(f"found '{literal}', expected: identifier")


def _checked(key: str, operator: Operator, values: tuple[str, ...]) -> Requirement:
    try:
        # The key was validated by _key_and_inferred_operator (with the parser's "<nil>" path).
        return _new_requirement(key, operator, values, check_key=False)
    except SelectorParseError as error:
        raise _ParseError(str(error)) from None


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Selector:
    """Parse a label selector string (``labels.Parse``, F-17 .. F-21).

    Selectors are immutable, so results are memoised (listers parse the same few strings
    over and over); errors are not.

    >>> s = parse("tier in (web,cache), !canary")
    >>> str(s), s.matches({"tier": "web"}), s.matches({"tier": "web", "canary": ""})
    ('!canary,tier in (cache,web)', True, False)

    Raises:
        SelectorParseError: with apimachinery's exact text, e.g. ``found '=', expected: ','
            or 'end of string'`` for ``tier=frontend=x``.
    """
    return parse_uncached(text)


def parse_uncached(text: str) -> Selector:
    """:func:`parse` without the memo (for benchmarks and tests of the parser itself)."""
    requirements = _Parser(_lex(text)).parse()
    if not requirements:
        return Selector()
    return Selector(requirements)
