"""labels.parse: grammar, lexing and apimachinery's exact error texts (spec F-17 .. F-21)."""

from __future__ import annotations

import pytest

from kinformer.labels import Operator, Requirement, Selector, SelectorParseError, parse
from kinformer.labels._parser import _lex, _Token, parse_uncached

# kube-apiserver v1.36.2, /work/shared/golden/kube-apiserver-1.36/04-list-semantics.json
# (exchanges 65..74) and 05a-watch-basics.json (26): the 400 Status message of
# `?labelSelector=<text>`, which is labels.Parse's error text verbatim.
RECORDED_ERRORS = [
    ("tier=frontend=x", "found '=', expected: ',' or 'end of string'"),
    ("tier in frontend", "unable to parse requirement: found 'frontend' expected: '('"),
    ("tier in (frontend", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("=frontend", "found '=', expected: !, identifier, or 'end of string'"),
    (
        "tier frontend",
        "unable to parse requirement: found 'frontend', expected: in, notin, =, ==, !=, gt, lt",
    ),
    ("!tier=frontend", "found '=', expected: ',' or 'end of string'"),
    (
        "bad key=x",
        "unable to parse requirement: found 'key', expected: in, notin, =, ==, !=, gt, lt",
    ),
    (
        "tier=" + "x" * 64,
        'unable to parse requirement: values[0][tier]: Invalid value: "'
        + "x" * 64
        + '": must be no more than 63 bytes',
    ),
    ("tier=bad value!", "found 'value', expected: ',' or 'end of string'"),
    (
        "idx>abc",
        'unable to parse requirement: values[0]: Invalid value: "abc": '
        "for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    ("a in b", "unable to parse requirement: found 'b' expected: '('"),
]

_VALUE_REGEX_ERROR = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
    "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
_NAME_REGEX_ERROR = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
    "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)

# F-19's invalid examples and the other error paths of the parser, with the text
# apimachinery's selector.go produces (derived from its source, not recorded).
DERIVED_ERRORS = [
    ("a=b,", "found '', expected: identifier after ','"),
    (",a", "found ',', expected: !, identifier, or 'end of string'"),
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("a=b=c", "found '=', expected: ',' or 'end of string'"),
    (
        "a>x",
        'unable to parse requirement: values[0]: Invalid value: "x": '
        "for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    (
        "a>",
        'unable to parse requirement: values[0]: Invalid value: "": '
        "for 'Gt', 'Lt' operators, the value must be an integer",
    ),
    ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
    (
        "a<-5",
        f'unable to parse requirement: values[0][a]: Invalid value: "-5": {_VALUE_REGEX_ERROR}',
    ),
    ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("a in (,,)", "unable to parse requirement: found ')', expected: ',', or identifier"),
    ("a!", "unable to parse requirement: found '!', expected: in, notin, =, ==, !=, gt, lt"),
    ("a (", "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("!=a", "found '!=', expected: !, identifier, or 'end of string'"),
    ("!!a", "unable to parse requirement: found '!', expected: identifier"),
    ("a,,b", "found ',', expected: identifier after ','"),
    ("a,)", "found ')', expected: identifier after ','"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("a===b", "unable to parse requirement: found '=', expected: identifier"),
    ("a=!b", "unable to parse requirement: found '!', expected: identifier"),
    ("<>", "found '<', expected: !, identifier, or 'end of string'"),
    ("a<>1", "unable to parse requirement: found '>', expected: identifier"),
    (
        "-a=b",
        f'unable to parse requirement: <nil>: Invalid value: "-a": {_NAME_REGEX_ERROR}',
    ),
    (
        "a/b/c",
        'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name must '
        "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
        "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS "
        "subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ),
    (
        "/a",
        'unable to parse requirement: <nil>: Invalid value: "/a": prefix part must be non-empty',
    ),
    (
        "x=b/c",
        f'unable to parse requirement: values[0][x]: Invalid value: "b/c": {_VALUE_REGEX_ERROR}',
    ),
    (
        "a in (y-,x)",  # values are sorted before validation: "y-" is values[1]
        f'unable to parse requirement: values[1][a]: Invalid value: "y-": {_VALUE_REGEX_ERROR}',
    ),
    (
        "a>9223372036854775808",
        'unable to parse requirement: values[0]: Invalid value: "9223372036854775808": '
        "for 'Gt', 'Lt' operators, the value must be an integer",
    ),
]


@pytest.mark.parametrize(("text", "message"), RECORDED_ERRORS)
def test_parse_f19_recorded_kube_apiserver_texts(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as info:
        parse(text)
    assert str(info.value) == message


@pytest.mark.parametrize(("text", "message"), DERIVED_ERRORS)
def test_parse_f19_invalid_strings_give_apimachinery_texts(text: str, message: str) -> None:
    with pytest.raises(SelectorParseError) as info:
        parse(text)
    assert str(info.value) == message


def test_parse_f11_aggregates_several_value_errors() -> None:
    long_bad = "-" + "x" * 63
    with pytest.raises(SelectorParseError) as info:
        parse(f"a={long_bad}")
    assert str(info.value) == (
        f'unable to parse requirement: values[0][a]: Invalid value: "{long_bad}": '
        f"must be no more than 63 bytes; {_VALUE_REGEX_ERROR}"
    )


def test_parse_f11_gt_with_invalid_label_value_aggregates_two_errors() -> None:
    with pytest.raises(SelectorParseError) as info:
        parse("a>-x")
    assert str(info.value) == (
        "unable to parse requirement: [values[0]: Invalid value: \"-x\": for 'Gt', 'Lt' "
        f'operators, the value must be an integer, values[0][a]: Invalid value: "-x": '
        f"{_VALUE_REGEX_ERROR}]"
    )


def test_parse_error_is_value_error_and_kinformer_error() -> None:
    from kinformer import KinformerError

    with pytest.raises(ValueError) as info:
        parse("a b")
    assert isinstance(info.value, KinformerError)


def _req(key: str, op: Operator, *values: str) -> Requirement:
    return Requirement(key, op, values)


VALID = [
    ("", ()),
    ("a", (_req("a", Operator.EXISTS),)),
    ("!a", (_req("a", Operator.DOES_NOT_EXIST),)),
    ("a=b", (_req("a", Operator.EQUALS, "b"),)),
    ("a==b", (_req("a", Operator.DOUBLE_EQUALS, "b"),)),
    ("a!=b", (_req("a", Operator.NOT_EQUALS, "b"),)),
    ("a=", (_req("a", Operator.EQUALS, ""),)),
    ("a!=", (_req("a", Operator.NOT_EQUALS, ""),)),
    ("a==,b", (_req("a", Operator.DOUBLE_EQUALS, ""), _req("b", Operator.EXISTS))),
    ("a in (b,c)", (_req("a", Operator.IN, "b", "c"),)),
    ("a in (c,b,c)", (_req("a", Operator.IN, "b", "c"),)),
    ("a notin ()", (_req("a", Operator.NOT_IN, ""),)),
    ("a in (,a)", (_req("a", Operator.IN, "", "a"),)),
    ("a in (a,)", (_req("a", Operator.IN, "", "a"),)),
    ("a in (a,,b)", (_req("a", Operator.IN, "", "a", "b"),)),
    ("a>1", (_req("a", Operator.GREATER_THAN, "1"),)),
    ("a<10", (_req("a", Operator.LESS_THAN, "10"),)),
    (
        "x in (foo,,baz),y,z notin ()",
        (
            _req("x", Operator.IN, "", "baz", "foo"),
            _req("y", Operator.EXISTS),
            _req("z", Operator.NOT_IN, ""),
        ),
    ),
    (" a = b , c ", (_req("a", Operator.EQUALS, "b"), _req("c", Operator.EXISTS))),
    ("\ta\r\n=\nb", (_req("a", Operator.EQUALS, "b"),)),
    ("in=x", (_req("in", Operator.EQUALS, "x"),)),
    ("x=in", (_req("x", Operator.EQUALS, "in"),)),
    ("x in (in,notin)", (_req("x", Operator.IN, "in", "notin"),)),
    ("notin notin (in)", (_req("notin", Operator.NOT_IN, "in"),)),
    ("!in", (_req("in", Operator.DOES_NOT_EXIST),)),
    (
        "example.com/my-app_1.x=V.1-_z",
        (_req("example.com/my-app_1.x", Operator.EQUALS, "V.1-_z"),),
    ),
    (
        "z,y=1,x",
        (_req("x", Operator.EXISTS), _req("y", Operator.EQUALS, "1"), _req("z", Operator.EXISTS)),
    ),
    ("a=1,a!=2", (_req("a", Operator.EQUALS, "1"), _req("a", Operator.NOT_EQUALS, "2"))),
]


@pytest.mark.parametrize(("text", "requirements"), VALID)
def test_parse_f18_valid_strings(text: str, requirements: tuple[Requirement, ...]) -> None:
    selector = parse(text)
    assert selector.requirements == requirements
    assert not selector.matches_nothing


def test_parse_f18_requirements_sorted_by_key_stably() -> None:
    assert str(parse("b=1,a=2,b!=3,a=1")) == "a=2,a=1,b=1,b!=3"


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("=!", [(_Token.EQUALS, "="), (_Token.NOT, "!")]),
        ("===", [(_Token.DOUBLE_EQUALS, "=="), (_Token.EQUALS, "=")]),
        ("<>", [(_Token.LESS, "<"), (_Token.GREATER, ">")]),
        ("!==", [(_Token.NOT_EQUALS, "!="), (_Token.EQUALS, "=")]),
        (
            "a(b)",
            [
                (_Token.IDENTIFIER, "a"),
                (_Token.OPEN_PAREN, "("),
                (_Token.IDENTIFIER, "b"),
                (_Token.CLOSE_PAREN, ")"),
            ],
        ),
        (" in notin x ", [(_Token.IN, "in"), (_Token.NOT_IN, "notin"), (_Token.IDENTIFIER, "x")]),
        ("é\u00a0x", [(_Token.IDENTIFIER, "é\u00a0x")]),
    ],
)
def test_lex_f17_greedy_special_symbols_and_identifiers(
    text: str, tokens: list[tuple[_Token, str]]
) -> None:
    assert _lex(text) == [*tokens, (_Token.END, "")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("\0a", ""),  # NUL where a token starts is Go's end of input
        ("a\0", "a"),
        ("a=\0b", "a=b"),  # after a token, apimachinery's lexer swallows the NUL
        ("a,\0b", "a,b"),
    ],
)
def test_lex_f17_nul_is_gos_end_of_input(text: str, expected: str) -> None:
    assert str(parse(text)) == expected


def test_lex_f17_nul_after_identifier_is_a_separator() -> None:
    with pytest.raises(SelectorParseError, match="found 'b', expected: in, notin"):
        parse("a\0b")


def test_parse_f13_empty_string_is_the_empty_selector() -> None:
    selector = parse("")
    assert selector == Selector()
    assert selector.empty
    assert selector.matches({"any": "thing"})


def test_parse_memoises_results_but_not_errors() -> None:
    assert parse("app=web") is parse("app=web")
    assert parse_uncached("app=web") == parse("app=web")
    for _ in range(2):
        with pytest.raises(SelectorParseError):
            parse("app web")
