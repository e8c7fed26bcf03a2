"""``parallelize_until``: run numbered pieces of work on a few threads (client-go ``parallelizer.go``, G-30).

Pieces ``0 .. pieces-1`` are cut into chunks of ``chunk_size`` (default 1). ``min(workers,
chunks)`` threads pull chunks until none is left; once ``stop`` is set, no new piece starts.
The call returns when every thread has finished. Where Go crashes the process on a panic
(``HandleCrash``), this re-raises the first exception a piece raised, after all threads have
finished; the other pieces keep running.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import final

__all__ = ["parallelize_until"]


@final
class _Chunks:
    """Hands out chunk numbers; the next one is ``_next`` (guarded by ``_lock``)."""

    __slots__ = ("_count", "_lock", "_next")

    def __init__(self, count: int) -> None:
        self._count = count
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> int | None:
        with self._lock:
            if self._next >= self._count:
                return None
            chunk = self._next
            self._next += 1
            return chunk


def parallelize_until(
    workers: int,
    pieces: int,
    do_work_piece: Callable[[int], object],
    *,
    chunk_size: int = 1,
    stop: threading.Event | None = None,
) -> None:
    """Call ``do_work_piece(p)`` for every ``p`` in ``range(pieces)`` on up to ``workers`` threads.

    ``stop`` plays the role of Go's context: once set, workers start no new piece.
    ``pieces == 0`` returns at once; ``chunk_size < 1`` means 1.

    >>> seen = []
    >>> parallelize_until(4, 10, seen.append, chunk_size=3)
    >>> sorted(seen) == list(range(10))
    True
    """
    if pieces <= 0:
        return
    chunk_size = max(chunk_size, 1)
    chunk_count = -(-pieces // chunk_size)
    chunks = _Chunks(chunk_count)
    errors: list[BaseException] = []

    def work() -> None:
        while (chunk := chunks.take()) is not None:
            start = chunk * chunk_size
            for piece in range(start, min(start + chunk_size, pieces)):
                if stop is not None and stop.is_set():
                    return
                try:
                    do_work_piece(piece)
                except BaseException as error:  # re-raised by the caller below
                    errors.append(error)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(min(workers, chunk_count))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
