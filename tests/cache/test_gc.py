"""kinformer.cache._gc: the collector is paused around lists and frozen periodically."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from kinformer.cache._gc import PeriodicFreeze, paused


@pytest.fixture(autouse=True)
def restore_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
        else:
            gc.disable()


def test_paused_nests_and_restores_an_enabled_collector() -> None:
    gc.enable()
    with paused():
        assert not gc.isenabled()
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pause still holds
    assert gc.isenabled()
    assert gc.get_freeze_count() > 0


def test_paused_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    with paused():
        pass
    assert not gc.isenabled()


def test_paused_restores_on_error() -> None:
    gc.enable()
    with pytest.raises(RuntimeError), paused():
        raise RuntimeError("list failed")
    assert gc.isenabled()


def test_periodic_freeze_every_n_events() -> None:
    gc.unfreeze()
    freezer = PeriodicFreeze(every=3)
    freezer.tick()
    freezer.tick()
    assert gc.get_freeze_count() == 0
    keep = [{"x": [1]} for _ in range(10)]
    freezer.tick()
    assert gc.get_freeze_count() >= len(keep)


def test_paused_frees_cycles_made_inside_before_freezing() -> None:
    import weakref

    class Node:
        pass

    gc.enable()
    with paused():
        a, b = Node(), Node()
        a.other, b.other = b, a  # type: ignore[attr-defined]
        ref = weakref.ref(a)
        del a, b
    assert ref() is None  # collected, not frozen forever
