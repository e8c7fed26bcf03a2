"""Codecs for the compact cache: how an :class:`~kinformer.cache._indexer.Indexer` stores objects.

Client-go has no counterpart: a Go struct costs about 4x its JSON, a Python ``dict`` tree about
5x (every string, list and dict is a heap object with a header). An indexer given a
:class:`Codec` stores each object encoded (one ``bytes`` object, about 1.0x its JSON) and decodes
it on every read, trading CPU per read for memory per cached object (issue 7: compact mode at
most 1.5x the JSON size).

A codec must be lossless for the objects it stores: ``decode(encode(obj)) == obj``. Decoding
must give a new object each time, sharing nothing mutable with earlier results, so that readers
may mutate what they get. :class:`JSONCodec` satisfies both for anything the API server sends
(``dict``/``list``/``str``/``int``/``float``/``bool``/``None`` trees with string keys).

Pure: no I/O, threads or clock reads; codecs are immutable, so one instance may serve any number
of indexers and threads.
"""

from __future__ import annotations

import zlib
from typing import Any, Protocol, TypeVar, final

import orjson

from .._errors import KinformerError

__all__ = ["Codec", "CodecError", "JSONCodec"]

T = TypeVar("T")


class Codec(Protocol[T]):
    """Turns objects into a stored form and back (the compact cache's plug-in seam).

    Contract: ``decode(encode(obj)) == obj`` for every object stored; each ``decode`` returns a
    new object; both are pure functions, safe to call from several threads at once. ``encode``
    may raise for objects it cannot represent; the indexer reports that as a
    :class:`CodecError` and stores nothing.
    """

    def encode(self, obj: T, /) -> Any:
        """The stored form of ``obj`` (immutable, e.g. ``bytes``)."""

    def decode(self, stored: Any, /) -> T:
        """A new object equal to the one ``stored`` was encoded from."""


class CodecError(KinformerError):
    """The indexer's codec could not encode an object (``__cause__`` is its exception).

    The write that needed it changed nothing (a transaction: that write was skipped).
    """

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"encoding: {error}")


@final
class JSONCodec:
    """Objects as compact JSON ``bytes`` (orjson), optionally deflated per object with zlib.

    Measured on realistic pods (3.8 KB of JSON each, ``benchmarks/bench_indexer.py``), plain
    JSON keeps a cached pod at about 1.1x its JSON size with the indexes (against about 4.8x
    as a ``dict``), for one ``orjson.loads`` per read. ``level`` (zlib 1-9) brings the bytes to
    about 0.4x the JSON for roughly 3x the encode and 1.3x the decode CPU; ``zdict``, a preset
    dictionary of typical JSON (for example a few objects of the kind concatenated, at most
    32 KB), brings them to about 0.15x, at about 6x the encode CPU. The dictionary must stay the
    same for as long as objects encoded with it are stored.

    Dict keys must be strings and integers fit in 64 bits (orjson's limits); tuples decode as
    lists, so store JSON-shaped objects only.

    >>> codec = JSONCodec()
    >>> stored = codec.encode({"metadata": {"name": "web-1", "labels": {"app": "web"}}})
    >>> stored
    b'{"metadata":{"name":"web-1","labels":{"app":"web"}}}'
    >>> codec.decode(stored)["metadata"]["labels"]
    {'app': 'web'}
    >>> small = JSONCodec(level=1)
    >>> small.decode(small.encode({"a": [1, 2.5, None, True]}))
    {'a': [1, 2.5, None, True]}

    Args:
        level: zlib compression level (1 fastest … 9 smallest) for each object, or ``None``
            (the default) to store plain JSON.
        zdict: A preset zlib dictionary; only with ``level``.

    Raises:
        ValueError: ``level`` is outside 1…9, or ``zdict`` is given without ``level``.
    """

    __slots__ = ("_level", "_zdict")

    def __init__(self, *, level: int | None = None, zdict: bytes | None = None) -> None:
        if level is not None and not 1 <= level <= 9:
            raise ValueError(f"level must be between 1 and 9, not {level}")
        if zdict is not None and level is None:
            raise ValueError("zdict needs a compression level")
        self._level = level
        self._zdict = zdict

    def __repr__(self) -> str:
        options = []
        if self._level is not None:
            options.append(f"level={self._level}")
        if self._zdict is not None:
            options.append(f"zdict=<{len(self._zdict)} bytes>")
        return f"JSONCodec({', '.join(options)})"

    def encode(self, obj: Any, /) -> bytes:
        """``obj`` as JSON bytes, deflated when a ``level`` is set.

        Raises:
            TypeError: ``obj`` is not JSON-serializable (``orjson.JSONEncodeError``).
        """
        raw = orjson.dumps(obj)
        if self._level is None:
            # orjson's result keeps its over-allocated output buffer: 8,144 bytes held for a
            # 3,844-byte pod (tracemalloc). An exact copy halves that and is no slower,
            # since the big buffer is freed at once (measured: 8.2 against 11.1 us per pod).
            return memoryview(raw).tobytes()
        if self._zdict is None:
            return zlib.compress(raw, self._level)
        compressor = zlib.compressobj(self._level, zdict=self._zdict)
        return compressor.compress(raw) + compressor.flush()

    def decode(self, stored: bytes, /) -> Any:
        """A new object from what :meth:`encode` returned."""
        if self._level is None:
            return orjson.loads(stored)
        if self._zdict is None:
            return orjson.loads(zlib.decompress(stored))
        decompressor = zlib.decompressobj(zdict=self._zdict)
        return orjson.loads(decompressor.decompress(stored) + decompressor.flush())
