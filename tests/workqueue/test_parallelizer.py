"""parallelize_until (spec G-30)."""

from __future__ import annotations

import threading

import pytest

from kinformer.workqueue._parallelizer import parallelize_until


@pytest.mark.parametrize(
    ("workers", "pieces", "chunk_size"),
    [
        pytest.param(1, 5, 1, id="one-worker"),
        pytest.param(4, 10, 3, id="chunks-of-3"),
        pytest.param(3, 7, 0, id="chunk-size-below-1-means-1"),
        pytest.param(8, 2, 5, id="more-workers-than-chunks"),
    ],
)
def test_parallelize_until_g30_runs_every_piece_once(
    workers: int, pieces: int, chunk_size: int
) -> None:
    seen: list[int] = []
    lock = threading.Lock()

    def piece(p: int) -> None:
        with lock:
            seen.append(p)

    parallelize_until(workers, pieces, piece, chunk_size=chunk_size)
    assert sorted(seen) == list(range(pieces))


def test_parallelize_until_g30_uses_at_most_min_workers_chunks_threads() -> None:
    names: set[str] = set()

    def piece(p: int) -> None:
        names.add(threading.current_thread().name)

    parallelize_until(16, 6, piece, chunk_size=3)  # 2 chunks → 2 threads at most
    assert 1 <= len(names) <= 2
    assert threading.current_thread().name not in names


def test_parallelize_until_g30_zero_pieces_returns_at_once() -> None:
    parallelize_until(4, 0, lambda p: pytest.fail("no piece expected"))


def test_parallelize_until_g30_stop_prevents_new_pieces() -> None:
    stop = threading.Event()
    seen: list[int] = []

    def piece(p: int) -> None:
        seen.append(p)
        if p == 2:
            stop.set()

    parallelize_until(1, 10, piece, stop=stop)
    assert seen == [0, 1, 2]
    stop_first = threading.Event()
    stop_first.set()
    parallelize_until(2, 10, seen.append, stop=stop_first)
    assert seen == [0, 1, 2]


def test_parallelize_until_g30_reraises_the_first_error_after_all_pieces() -> None:
    seen: list[int] = []

    def piece(p: int) -> None:
        seen.append(p)
        if p == 1:
            raise RuntimeError("piece 1 failed")

    with pytest.raises(RuntimeError, match="piece 1"):
        parallelize_until(1, 4, piece)
    assert seen == [0, 1, 2, 3]
