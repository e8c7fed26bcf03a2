"""Codecs of the compact cache (issue 7): lossless, fresh objects on every decode."""

from __future__ import annotations

import zlib
from typing import Any

import orjson
import pytest
from hypothesis import given, settings, strategies as st

from kinformer._errors import KinformerError
from kinformer.cache._codec import Codec, CodecError, JSONCodec

# JSON as orjson decodes it: 64-bit integers, finite floats, string keys.
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)

POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web-1",
        "namespace": "default",
        "labels": {"app": "web", "tier": "frontend"},
        "annotations": {"note": "ünïcödé ✓"},
        "resourceVersion": "42",
    },
    "spec": {"containers": [{"name": "app", "image": "nginx:1.27", "ports": [{"port": 80}]}]},
    "status": {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}], "ratio": 0.25},
}
ZDICT = orjson.dumps(POD) * 4

CODECS = [
    pytest.param(JSONCodec(), id="json"),
    pytest.param(JSONCodec(level=1), id="zlib-1"),
    pytest.param(JSONCodec(level=9), id="zlib-9"),
    pytest.param(JSONCodec(level=1, zdict=ZDICT), id="zlib-1-zdict"),
]


@pytest.mark.parametrize("codec", CODECS)
def test_json_codec_round_trip_is_lossless_and_fresh(codec: JSONCodec) -> None:
    stored = codec.encode(POD)
    assert isinstance(stored, bytes)
    first, second = codec.decode(stored), codec.decode(stored)
    assert first == POD
    assert first is not POD
    assert first is not second
    assert first["metadata"] is not second["metadata"]
    first["metadata"]["labels"]["app"] = "changed"
    assert codec.decode(stored) == POD


@pytest.mark.slow
@settings(max_examples=50, deadline=None)
@given(value=json_values, level=st.sampled_from([None, 1, 6]))
def test_json_codec_round_trips_any_json(value: Any, level: int | None) -> None:
    codec = JSONCodec(level=level)
    assert codec.decode(codec.encode(value)) == value


def test_json_codec_plain_is_compact_json() -> None:
    assert JSONCodec().encode(POD) == orjson.dumps(POD)


def test_json_codec_compression_pays_on_api_objects() -> None:
    """zlib shrinks an object, a preset dictionary of similar objects much more."""
    raw = len(JSONCodec().encode(POD))
    deflated = len(JSONCodec(level=1).encode(POD))
    with_dictionary = len(JSONCodec(level=1, zdict=ZDICT).encode(POD))
    assert with_dictionary < deflated < raw
    assert with_dictionary < raw / 4


def test_json_codec_compressed_forms_are_plain_zlib() -> None:
    stored = JSONCodec(level=6).encode(POD)
    assert orjson.loads(zlib.decompress(stored)) == POD
    preset = JSONCodec(level=1, zdict=ZDICT).encode(POD)
    with pytest.raises(zlib.error):
        zlib.decompress(preset)  # needs the dictionary


@pytest.mark.parametrize(
    ("options", "message"),
    [
        pytest.param({"level": 0}, "level must be between 1 and 9, not 0", id="level-0"),
        pytest.param({"level": 10}, "level must be between 1 and 9, not 10", id="level-10"),
        pytest.param({"zdict": b"{}"}, "zdict needs a compression level", id="zdict-alone"),
    ],
)
def test_json_codec_rejects_bad_options(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        JSONCodec(**options)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param({"a": object()}, id="unknown-type"),
        pytest.param({1: "x"}, id="non-string-key"),
        pytest.param({"big": 2**70}, id="int-over-64-bits"),
    ],
)
def test_json_codec_encode_rejects_non_json(value: Any) -> None:
    with pytest.raises(TypeError):
        JSONCodec().encode(value)


def test_codec_error_is_a_kinformer_error() -> None:
    error = CodecError(TypeError("Type is not JSON serializable: object"))
    assert isinstance(error, KinformerError)
    assert str(error) == "encoding: Type is not JSON serializable: object"


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        pytest.param(JSONCodec(), "JSONCodec()", id="plain"),
        pytest.param(JSONCodec(level=3), "JSONCodec(level=3)", id="level"),
        pytest.param(JSONCodec(level=1, zdict=b"abc"), "JSONCodec(level=1, zdict=<3 bytes>)"),
    ],
)
def test_json_codec_repr(codec: JSONCodec, text: str) -> None:
    assert repr(codec) == text


def test_json_codec_is_a_codec() -> None:
    codec: Codec[dict[str, Any]] = JSONCodec()  # checked by mypy: the Protocol is satisfied
    assert codec.decode(codec.encode({"a": 1})) == {"a": 1}


def test_json_codec_stores_exact_size_bytes() -> None:
    """orjson over-allocates its output; the stored bytes must not keep that buffer."""
    import tracemalloc

    codec = JSONCodec()
    objects = [{**POD, "index": i} for i in range(200)]
    tracemalloc.start()
    try:
        stored = [codec.encode(obj) for obj in objects]
        traced = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    payload = sum(map(len, stored))
    assert traced < payload * 1.2 + 200 * 64
