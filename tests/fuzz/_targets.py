"""Fuzz targets: one oracle per parser that reads outside input, plus its Hypothesis strategy.

Each target has a ``check_*`` oracle taking the raw input (bytes or text, what a corpus file
holds) that returns normally when the parser either gave a correct result or raised its
documented error, and raises ``AssertionError`` (or the unexpected exception itself)
otherwise; every call runs under :func:`deadline` so a hang fails instead of blocking CI.

Documented errors (the contract each oracle enforces):

* ``load_kubeconfig``: a :class:`~kinformer.ConfigError`, else a ``ClientConfig`` with an
  http(s) server and at most one of token / basic auth.
* ``parse_exec_credential``: :class:`ExecPluginError`, else a token or a cert/key pair.
* ``labels.parse`` / ``fields.parse``: ``SelectorParseError`` (a ``KinformerError`` and a
  ``ValueError``), else a selector whose string form parses back to the same terms; a
  generated valid label selector must parse and match as a reference matcher says (F-18).
* ``WatchDecoder``: the same events for any chunking of the same bytes, ending with
  :class:`MalformedWatchEventError`, the :class:`ApiError` of an ``ERROR`` event, or
  :class:`TruncatedWatchStreamError` from ``close`` exactly where a line-by-line reference
  decoder says so.
* ``error_from_response`` / ``ApiError.from_status``: always an :class:`ApiError` with an
  ``int`` code and a non-empty message; the class of a known ``reason`` (A-44 .. A-47).

``KNOWN_BUGS`` lists exceptions of parsers outside this suite that are bugs still open;
they are tolerated here (and recorded) so that the fuzzers keep exploring, and each has an
``xfail(strict=True)`` regression test in ``test_known_bugs.py`` that starts failing as soon
as the bug is fixed, so its entry is then removed.
"""

# The oracles below check the documented exception inside ``except`` on purpose: they are
# called by Hypothesis, the corpus replay and scripts/fuzz, not written as pytest tests.
# ruff: noqa: PT017

from __future__ import annotations

import atexit
import base64
import contextlib
import itertools
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import yaml
from hypothesis import strategies as st

from kinformer import fields, labels
from kinformer._errors import _BY_REASON, ApiError, ConfigError, KinformerError
from kinformer.fields._selector import parse_uncached as parse_fields_uncached
from kinformer.labels._parser import parse_uncached as parse_labels_uncached
from kinformer.transport._config import ClientConfig, ExecConfig
from kinformer.transport._exec import ExecCredential, ExecPluginError, parse_exec_credential
from kinformer.transport._kubeconfig import load_kubeconfig
from kinformer.transport._wire import (
    MalformedWatchEventError,
    TruncatedWatchStreamError,
    WatchDecoder,
    WatchEvent,
    WatchStreamError,
    error_from_response,
)

TIMEOUT_SECONDS = 5.0


class HangError(AssertionError):
    """A parser ran longer than :data:`TIMEOUT_SECONDS` on one input."""


@contextlib.contextmanager
def deadline(seconds: float = TIMEOUT_SECONDS) -> Iterator[None]:
    """Fail with :class:`HangError` if the block runs longer than ``seconds`` (SIGALRM)."""

    def expired(signum: int, frame: object) -> None:
        raise HangError(f"no answer after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True, slots=True)
class KnownBug:
    """An open bug outside this suite: ``target`` raising ``error`` with ``pattern``."""

    target: str
    error: type[BaseException]
    pattern: str
    where: str


KNOWN_BUGS: tuple[KnownBug, ...] = ()
"""Open bugs: none. The five the fuzzers found (deep YAML nesting, non-list ``extensions`` and
``env``, NUL bytes in kubeconfig paths, a huge ``Retry-After``) are fixed; their inputs stay
in the corpus as ``bug-*`` files and in ``test_known_bugs.py`` as regression tests."""


#: Known-bug hits per target since import (scripts/fuzz reports them).
KNOWN_HITS: dict[str, int] = {}


def _known(target: str, error: BaseException) -> bool:
    for bug in KNOWN_BUGS:
        if bug.target == target and type(error) is bug.error and re.search(bug.pattern, str(error)):
            KNOWN_HITS[target] = KNOWN_HITS.get(target, 0) + 1
            return True
    return False


class tolerate_known:
    """Swallow the exceptions of :data:`KNOWN_BUGS` for ``target``; re-raise anything else."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: object
    ) -> bool:
        if error is None or isinstance(error, AssertionError) or not isinstance(error, Exception):
            return False
        return _known(self.target, error)


# ----------------------------------------------------------------------------- kubeconfig

_WORKDIR = Path(tempfile.mkdtemp(prefix="kinformer-fuzz-"))
atexit.register(shutil.rmtree, _WORKDIR, True)
(_WORKDIR / "ca.crt").write_bytes(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
(_WORKDIR / "token").write_text("file-token\n")


def check_kubeconfig(data: bytes) -> ClientConfig | None:
    """Load ``data`` as a kubeconfig file: a ``ClientConfig`` or one ``ConfigError``."""
    path = _WORKDIR / "config"
    path.write_bytes(data)
    try:
        with deadline():
            config = load_kubeconfig(path)
    except ConfigError as error:
        assert str(error).startswith("kubeconfig ") or "context" in str(error), str(error)
        return None
    assert config.server.startswith(("https://", "http://")), config.server
    assert not (config.token and (config.username or config.password)), "two auth methods"
    assert not (config.insecure_skip_tls_verify and config.ca_data), "insecure with a CA"
    assert bool(config.client_cert_data or config.client_cert_file) == bool(
        config.client_key_data or config.client_key_file
    ), "a certificate without its key"
    return config


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -_*!"

yaml_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.text(alphabet=_B64_ALPHABET, max_size=40),  # bad (and some valid) base64
    st.sampled_from(["", "https://h:6443", "http://x", "ftp://x", "~/x", "../token", "a\x00b"]),
    st.binary(max_size=20),  # dumped as !!binary: a bytes value after safe_load
    st.sampled_from(["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"]),
)


def _yaml_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.text(max_size=12), st.integers(0, 9))
    return st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4))


yaml_values = st.recursive(yaml_scalars, _yaml_containers, max_leaves=12)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def valid_kubeconfig(user: str = "token") -> dict[str, Any]:
    """A small, valid kubeconfig document; ``user`` picks the authentication method."""
    users: dict[str, dict[str, Any]] = {
        "token": {"token": "s3cr3t-t0ken"},
        "cert": {
            "client-certificate-data": _b64(b"CERT"),
            "client-key-data": _b64(b"KEY"),
        },
        "files": {"client-certificate": "ca.crt", "client-key": "ca.crt", "tokenFile": "token"},
        "basic": {"username": "u", "password": "p"},
        "exec": {
            "exec": {
                "command": "./plugin",
                "apiVersion": "client.authentication.k8s.io/v1",
                "args": ["a"],
                "env": [{"name": "K", "value": "v"}],
                "interactiveMode": "Never",
                "provideClusterInfo": True,
            }
        },
    }
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "c",
        "clusters": [
            {
                "name": "k",
                "cluster": {
                    "server": "https://127.0.0.1:6443",
                    "certificate-authority-data": _b64(b"CA PEM"),
                    "tls-server-name": "kube",
                    "extensions": [
                        {"name": "client.authentication.k8s.io/exec", "extension": {"a": 1}}
                    ],
                },
            }
        ],
        "users": [{"name": "u", "user": users[user]}],
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u", "namespace": "ns"}}],
    }


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _set(doc: Any, path: tuple[Any, ...], value: Any, delete: bool) -> Any:
    if not path:
        return value
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return doc


@st.composite
def mutated_kubeconfigs(draw: st.DrawFn) -> bytes:
    """A valid kubeconfig with a few fields replaced by random values or removed."""
    doc = valid_kubeconfig(draw(st.sampled_from(["token", "cert", "files", "basic", "exec"])))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(doc)
        path = draw(st.sampled_from(paths))
        delete = bool(path) and draw(st.booleans())
        doc = _set(doc, path, draw(yaml_values), delete)
        if not isinstance(doc, dict | list):
            break
    return yaml.safe_dump(doc, allow_unicode=draw(st.booleans())).encode()


kubeconfig_inputs = st.one_of(
    mutated_kubeconfigs(),
    yaml_values.map(lambda v: yaml.safe_dump(v).encode()),
    st.text(max_size=200).map(str.encode),
    st.binary(max_size=200),
    st.lists(st.sampled_from(["[", "{", "a: ", "- ", "&x ", "*x ", "!!", "\n", "  ", '"', "'"]))
    .map("".join)
    .map(str.encode),
)


# ----------------------------------------------------------------------------- exec plugin

EXEC_CONFIG = ExecConfig(command="plugin", api_version="client.authentication.k8s.io/v1")


def check_exec(data: bytes) -> ExecCredential | None:
    """Parse ``data`` as plugin output: a usable credential or one ``ExecPluginError``."""
    try:
        with deadline():
            credential = parse_exec_credential(data, EXEC_CONFIG)
    except ExecPluginError as error:
        assert str(error).startswith("exec plugin plugin: "), str(error)
        return None
    assert credential.token or (credential.client_cert and credential.client_key)
    assert credential.token is None or isinstance(credential.token, str)
    assert bool(credential.client_cert) == bool(credential.client_key)
    assert credential.expires_at is None or isinstance(credential.expires_at, float)
    return credential


def valid_exec_output() -> dict[str, Any]:
    return {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {
            "token": "tok",
            "clientCertificateData": "CERT",
            "clientKeyData": "KEY",
            "expirationTimestamp": "2030-01-01T00:00:00Z",
        },
    }


def _json_containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=12), children, max_size=4)
    )


json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**63), max_value=2**64 - 1),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=30),
        st.sampled_from(
            ["2030-01-01T00:00:00Z", "0001-01-01T00:00:00", "9999-12-31T23:59:59-23:59", "Z", "1"]
        ),
    ),
    _json_containers,
    max_leaves=10,
)


@st.composite
def mutated_exec_outputs(draw: st.DrawFn) -> bytes:
    doc: Any = valid_exec_output()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        doc = _set(doc, path, draw(json_values), bool(path) and draw(st.booleans()))
        if not isinstance(doc, dict | list):
            break
    return orjson.dumps(doc)


exec_inputs = st.one_of(
    mutated_exec_outputs(),
    json_values.map(orjson.dumps),
    st.binary(max_size=100),
    st.text(max_size=100).map(str.encode),
)


# ----------------------------------------------------------------------------- selectors

label_sets = st.dictionaries(
    st.sampled_from(["a", "b", "app", "x.io/k", "tier"]),
    st.sampled_from(["", "1", "2", "web", "a-b", "v.1"]),
    max_size=4,
)


def check_labels(text: str, label_set: Mapping[str, str] | None = None) -> labels.Selector | None:
    """Parse a label selector: ``SelectorParseError`` or a selector that round-trips."""
    try:
        with deadline():
            selector = parse_labels_uncached(text)
    except labels.SelectorParseError as error:
        assert isinstance(error, KinformerError)
        assert isinstance(error, ValueError)
        assert str(error)
        return None
    with deadline():
        again = labels.parse(str(selector))
    assert str(again) == str(selector), (text, str(selector), str(again))
    probe = label_set if label_set is not None else {"a": "1", "app": "web"}
    assert again.matches(probe) == selector.matches(probe), (text, probe)
    return selector


def check_fields(text: str, field_set: Mapping[str, str] | None = None) -> Any:
    """Parse a field selector: ``SelectorParseError`` or a selector that round-trips."""
    try:
        with deadline():
            selector = parse_fields_uncached(text)
    except fields.SelectorParseError as error:
        assert isinstance(error, KinformerError)
        assert isinstance(error, ValueError)
        assert str(error)
        return None
    with deadline():
        again = fields.parse(str(selector))
    # Like Go's, str() keeps the order of the sorted raw terms, so it need not be a fixpoint
    # ("a==,a=!x" -> "a=!x,a=" -> "a=,a=!x"); the terms themselves must survive (F-34).
    assert sorted(again.requirements) == sorted(selector.requirements), (text, str(selector))
    probe = field_set if field_set is not None else {"a": "1", "metadata.name": "x"}
    assert again.matches(probe) == selector.matches(probe), (text, probe)
    return selector


_KEYS = ["a", "b", "app", "x.io/k", "tier", "k8s.io/x-y", "A_b.c", "-bad", "a/b/c", "x" * 64]
_VALUES = ["", "1", "web", "a-b", "v.1", "-x", "a b", "x" * 64]


@st.composite
def valid_label_selectors(draw: st.DrawFn) -> tuple[str, list[tuple[str, str, list[str]]]]:
    """A syntactically valid label selector and its requirements (for a reference matcher)."""
    reqs = []
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        key = draw(st.sampled_from(_KEYS[:7]))
        op = draw(st.sampled_from(["=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt"]))
        values = ["1", "web", "a-b", "v.1", "2", ""]
        if op in ("=", "==", "!="):
            value = draw(st.sampled_from(values))
            parts.append(f"{key}{op}{value}")
            reqs.append((key, "!=" if op == "!=" else "=", [value]))
        elif op in ("in", "notin"):
            # "" only where Go's parseIdentifiersList accepts it ("(,", ",)"), not "(1,,)"
            chosen = draw(st.lists(st.sampled_from(values[:-1]), min_size=1, max_size=3))
            parts.append(f"{key} {op} ({','.join(chosen)})")
            reqs.append((key, op, chosen))
        elif op == "exists":
            parts.append(key)
            reqs.append((key, "exists", []))
        elif op == "!":
            parts.append(f"!{key}")
            reqs.append((key, "!", []))
        else:
            number = str(draw(st.integers(0, 5)))  # "-1" is not a label value (F-17)
            parts.append(f"{key}{'>' if op == 'gt' else '<'}{number}")
            reqs.append((key, op, [number]))
    return ",".join(parts), reqs


def reference_label_match(
    reqs: Sequence[tuple[str, str, list[str]]], ls: Mapping[str, str]
) -> bool:
    """apimachinery ``Requirement.Matches`` (F-18), written independently of kinformer."""
    for key, op, values in reqs:
        have = key in ls
        value = ls.get(key)
        if op == "=" and not (have and value == values[0]):
            return False
        if op == "!=" and have and value == values[0]:
            return False
        if op == "in" and not (have and value in values):
            return False
        if op == "notin" and have and value in values:
            return False
        if op == "exists" and not have:
            return False
        if op == "!" and have:
            return False
        if op in ("gt", "lt"):
            if not have:
                return False
            try:
                number = int(value or "")
            except ValueError:
                return False
            if op == "gt" and not number > int(values[0]):
                return False
            if op == "lt" and not number < int(values[0]):
                return False
    return True


def mutate_text(draw: st.DrawFn, text: str, alphabet: str) -> str:
    """A near-valid mutation: characters inserted, deleted or replaced, or pieces swapped."""
    chars = list(text)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["insert", "delete", "replace", "duplicate"]))
        position = draw(st.integers(0, len(chars)))
        if kind == "insert" or not chars:
            chars.insert(position, draw(st.sampled_from(alphabet)))
        elif kind == "delete":
            del chars[min(position, len(chars) - 1)]
        elif kind == "replace":
            chars[min(position, len(chars) - 1)] = draw(st.sampled_from(alphabet))
        else:
            end = draw(st.integers(position, len(chars)))
            chars[position:position] = chars[position:end]
    return "".join(chars)


_LABEL_ALPHABET = "=!,() <>-_./\\\tinotexsa1\x00é"
_FIELD_ALPHABET = "=!,\\ .-_a1\x00é"


@st.composite
def label_selector_texts(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.text(max_size=60))
    if choice == 1:
        return draw(st.text(alphabet=_LABEL_ALPHABET, max_size=60))
    return mutate_text(draw, draw(valid_label_selectors())[0], _LABEL_ALPHABET)


@st.composite
def field_selector_texts(draw: st.DrawFn) -> str:
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(st.text(max_size=60))
    if choice == 1:
        return draw(st.text(alphabet=_FIELD_ALPHABET, max_size=60))
    names = st.sampled_from(["metadata.name", "spec.nodeName", "a", ""])
    operators = st.sampled_from(["=", "==", "!="])
    values = st.sampled_from(["x", "", "a\\,b", "a\\=b", "a\\\\b", "node-1"])
    terms = [draw(names) + draw(operators) + draw(values) for _ in range(draw(st.integers(1, 3)))]
    return mutate_text(draw, ",".join(terms), _FIELD_ALPHABET)


# ----------------------------------------------------------------------------- watch stream


@dataclass(frozen=True, slots=True)
class Decoded:
    """What a watch body decodes to: the events, then the error that ended it (or None)."""

    events: list[WatchEvent]
    error: type[BaseException] | None
    error_code: int | None = None


def decode(data: bytes, cuts: Sequence[int]) -> Decoded:
    """Feed ``data`` to one :class:`WatchDecoder` cut at ``cuts``, then close it."""
    decoder = WatchDecoder()
    events: list[WatchEvent] = []
    bounds = [0, *sorted({c for c in cuts if 0 < c < len(data)}), len(data)]
    fed = 0
    try:
        with deadline():
            for start, end in itertools.pairwise(bounds):
                chunk = data[start:end]
                fed += len(chunk)
                events.extend(decoder.feed(chunk))
                assert decoder.bytes == fed
                assert decoder.events == len(events)
                assert all(b"\n" not in part for part in decoder._parts)
            decoder.close()
    except (WatchStreamError, ApiError) as error:
        assert str(error)
        return Decoded(events, type(error), getattr(error, "code", None))
    assert decoder._parts == []
    return Decoded(events, None)


def reference_decode(data: bytes) -> Decoded:
    """A line-by-line reference decoder written from the spec (A-26, A-32)."""
    events: list[WatchEvent] = []
    *lines, tail = data.split(b"\n")
    for line in lines:
        if not line:
            continue
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            return Decoded(events, MalformedWatchEventError)
        if not isinstance(event, dict) or "type" not in event or "object" not in event:
            return Decoded(events, MalformedWatchEventError)
        if type(event["object"]) is not dict or type(event["type"]) is not str:
            return Decoded(events, MalformedWatchEventError)
        if event["type"] == "ERROR":
            obj = event["object"]
            if obj.get("kind") == "Status":
                return Decoded(
                    events, type(ApiError.from_status(obj)), ApiError.from_status(obj).code
                )
            return Decoded(events, WatchStreamError)
        events.append(WatchEvent(event["type"], event["object"]))
    if tail.strip():
        return Decoded(events, TruncatedWatchStreamError)
    return Decoded(events, None)


def check_watch(data: bytes, cuts: Sequence[int] = (), *, byte_by_byte: bool = True) -> Decoded:
    """``data`` decodes the same whole, cut at ``cuts``, byte by byte, and as the reference."""
    whole = decode(data, ())
    assert decode(data, cuts) == whole, "chunking changed the result"
    if byte_by_byte and len(data) <= 1500:
        assert decode(data, range(1, len(data))) == whole, "byte-by-byte changed the result"
    assert whole == reference_decode(data), (whole, reference_decode(data))
    return whole


def _pod(name: str, rv: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": str(rv)},
        "spec": {"note": 'ünïcode ✓ \\n " {}'},
    }


watch_events = st.builds(
    lambda type_, name, rv: {"type": type_, "object": _pod(name, rv)},
    st.sampled_from(["ADDED", "MODIFIED", "DELETED", "BOOKMARK"]),
    st.text(min_size=1, max_size=8),
    st.integers(1, 10**6),
)
error_event = st.builds(
    lambda code, reason: {
        "type": "ERROR",
        "object": {"kind": "Status", "status": "Failure", "code": code, "reason": reason},
    },
    st.sampled_from([410, 500, 429, 0, 403]),
    st.sampled_from(["Expired", "Gone", "", "InternalError", "Bogus"]),
)


@st.composite
def watch_streams(draw: st.DrawFn) -> tuple[bytes, list[int]]:
    """Valid event lines (maybe ending with an ERROR event, a junk line, or a cut)."""
    events = draw(st.lists(watch_events, max_size=6))
    lines = [orjson.dumps(e) for e in events]
    ending = draw(st.sampled_from(["none", "error", "junk", "truncate", "blank", "crlf"]))
    if ending == "error":
        lines.append(orjson.dumps(draw(error_event)))
    elif ending == "junk":
        lines.append(draw(st.sampled_from([b"{", b"[]", b'{"type":"ADDED"}', b"null", b"\xff"])))
    elif ending == "crlf":
        lines = [line + b"\r" for line in lines]
    data = b"".join(line + b"\n" for line in lines)
    if ending == "blank":
        data = data.replace(b"\n", b"\n\n")
    if ending == "truncate" and data:
        data = data[: draw(st.integers(0, len(data)))]
    cuts = draw(st.lists(st.integers(0, max(len(data), 1)), max_size=8))
    return data, cuts


random_streams = st.tuples(
    st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.sampled_from(
                [
                    b"{",
                    b"}",
                    b'"type"',
                    b":",
                    b'"ADDED"',
                    b'"object"',
                    b",",
                    b"\n",
                    b"{}",
                    b"[",
                    b"\xc3",
                ]
            )
        ).map(b"".join),
    ),
    st.lists(st.integers(0, 300), max_size=8),
)


# ----------------------------------------------------------------------------- Status bodies


def check_status(
    code: int, body: bytes, content_type: str | None, retry_after: str | None
) -> ApiError | None:
    """``error_from_response`` always gives an :class:`ApiError` with a sound code, reason and class."""
    with tolerate_known("status"), deadline():
        error = error_from_response(code, body, content_type=content_type, retry_after=retry_after)
        _check_api_error(error)
        try:
            decoded = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            decoded = None
        if (
            isinstance(decoded, dict)
            and decoded.get("kind") == "Status"
            and (content_type is None or "json" in content_type)
        ):
            assert error.status is decoded or error.status == decoded
        else:
            assert error.code == code
        return error
    return None


def check_from_status(status: Mapping[str, Any], http_status: int | None) -> ApiError:
    with deadline():
        error = ApiError.from_status(status, http_status=http_status)
    _check_api_error(error)
    return error


def _check_api_error(error: ApiError) -> None:
    assert isinstance(error, ApiError)
    assert isinstance(error.code, int)
    assert isinstance(error.reason, str)
    assert isinstance(error.message, str)
    assert error.message
    assert error.retry_after is None or error.retry_after > 0
    assert repr(error)
    assert str(error) == error.message
    if error.reason in _BY_REASON:
        assert isinstance(error, _BY_REASON[error.reason]), (error.reason, type(error))
    assert isinstance(error.details, Mapping)
    assert isinstance(error.causes, list)


def valid_status() -> dict[str, Any]:
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "x" not found',
        "reason": "NotFound",
        "details": {
            "name": "x",
            "kind": "pods",
            "retryAfterSeconds": 3,
            "causes": [{"reason": "r"}],
        },
        "code": 404,
    }


@st.composite
def status_bodies(draw: st.DrawFn) -> bytes:
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.binary(max_size=200))
    if choice == 1:
        return draw(st.text(max_size=100)).encode()
    doc: Any = valid_status()
    if choice == 2:
        doc["reason"] = draw(st.sampled_from([*_BY_REASON, "", "Bogus", "NotFound "]))
        doc["code"] = draw(st.sampled_from([0, 200, 404, 410, 429, 500, 503, 504, 999, -1]))
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(_paths(doc)))
        doc = _set(doc, path, draw(json_values), bool(path) and draw(st.booleans()))
        if not isinstance(doc, dict | list):
            break
    return orjson.dumps(doc)


status_inputs = st.tuples(
    st.sampled_from(
        [400, 401, 403, 404, 405, 406, 409, 410, 415, 422, 429, 500, 501, 503, 504, 599]
    ),
    status_bodies(),
    st.sampled_from(
        [None, "application/json", "text/plain", "application/json; charset=utf-8", ""]
    ),
    st.one_of(
        st.none(),
        st.sampled_from(["1", "0", "-3", " 7 ", "1.5", "Wed, 21 Oct 2015 07:28:00 GMT", "٣"]),
        st.integers(1, 10**12).map(str),
        st.text(max_size=10),
    ),
)

status_mappings = st.dictionaries(
    st.sampled_from(["kind", "code", "reason", "message", "details", "status", "apiVersion"]),
    json_values,
    max_size=7,
)


# ----------------------------------------------------------------------------- registry


@dataclass(frozen=True, slots=True)
class Target:
    """One fuzzer: its name (corpus directory), strategy and oracle."""

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], object]


def _kubeconfig_check(data: bytes) -> None:
    with tolerate_known("kubeconfig"):
        check_kubeconfig(data)


def _exec_check(data: bytes) -> None:
    check_exec(data)


def _labels_check(args: tuple[str, dict[str, str]]) -> None:
    check_labels(*args)


def _labels_valid_check(
    args: tuple[tuple[str, list[tuple[str, str, list[str]]]], dict[str, str]],
) -> None:
    (text, reqs), label_set = args
    selector = check_labels(text, label_set)
    assert selector is not None, f"valid selector {text!r} refused"
    assert selector.matches(label_set) == reference_label_match(reqs, label_set), (text, label_set)


def _fields_check(args: tuple[str, dict[str, str]]) -> None:
    check_fields(*args)


def _watch_check(args: tuple[bytes, list[int]]) -> None:
    check_watch(*args)


def _status_check(args: tuple[int, bytes, str | None, str | None]) -> None:
    check_status(*args)


def _from_status_check(args: tuple[dict[str, Any], int | None]) -> None:
    check_from_status(*args)


field_sets = st.dictionaries(
    st.sampled_from(["a", "metadata.name", "spec.nodeName", ""]),
    st.sampled_from(["", "x", "1", "a,b", "a=b", "a\\b", "node-1"]),
    max_size=3,
)

TARGETS: dict[str, Target] = {
    "kubeconfig": Target("kubeconfig", kubeconfig_inputs, _kubeconfig_check),
    "exec": Target("exec", exec_inputs, _exec_check),
    "labels": Target("labels", st.tuples(label_selector_texts(), label_sets), _labels_check),
    "labels-valid": Target(
        "labels-valid", st.tuples(valid_label_selectors(), label_sets), _labels_valid_check
    ),
    "fields": Target("fields", st.tuples(field_selector_texts(), field_sets), _fields_check),
    "watch": Target("watch", st.one_of(watch_streams(), random_streams), _watch_check),
    "status": Target("status", status_inputs, _status_check),
    "from-status": Target(
        "from-status",
        st.tuples(status_mappings, st.one_of(st.none(), st.integers(0, 600))),
        _from_status_check,
    ),
}


# ----------------------------------------------------------------------------- corpus files

CORPUS = Path(__file__).parent / "corpus"

#: The corpus directory of each target (``labels-valid`` inputs are label selectors too).
CORPUS_DIRS: dict[str, str] = {name: name for name in TARGETS} | {"labels-valid": "labels"}


def to_corpus(target: str, value: Any) -> tuple[str, bytes]:
    """``(extension, content)`` of the corpus file that replays ``value`` for ``target``."""
    if target in ("kubeconfig",):
        return "yaml", value
    if target == "exec":
        return "json", value
    if target in ("labels", "fields"):
        return "txt", value[0].encode("utf-8", "surrogatepass")
    if target == "labels-valid":
        return "txt", value[0][0].encode("utf-8", "surrogatepass")
    if target == "watch":
        return "bin", value[0]
    if target == "status":
        code, body, content_type, retry_after = value
        wrapper = {"code": code, "content_type": content_type, "retry_after": retry_after}
        return "json", orjson.dumps({**wrapper, "body_b64": base64.b64encode(body).decode()})
    if target == "from-status":
        return "json", orjson.dumps({"status": value[0], "http_status": value[1]})
    raise KeyError(target)


def replay(target: str, content: bytes) -> object:
    """Run the oracle of ``target`` (a corpus directory name) on one corpus file's content."""
    if target == "kubeconfig":
        with tolerate_known("kubeconfig"):
            return check_kubeconfig(content)
        return None
    if target == "exec":
        return check_exec(content)
    if target == "labels":
        return check_labels(content.decode("utf-8", "surrogatepass"))
    if target == "fields":
        return check_fields(content.decode("utf-8", "surrogatepass"))
    if target == "watch":
        return check_watch(content, range(1, len(content), 7))
    if target == "status":
        doc = orjson.loads(content)
        body = base64.b64decode(doc["body_b64"])
        return check_status(doc["code"], body, doc["content_type"], doc["retry_after"])
    if target == "from-status":
        doc = orjson.loads(content)
        return check_from_status(doc["status"], doc["http_status"])
    raise KeyError(target)
