"""Replay the fuzz regression corpus (``tests/fuzz/corpus/<target>/``) on every CI run.

Each file is one input: seeds written by hand (``seed-*``), inputs that once failed or hit
a known bug (``bug-*``), and anything ``scripts/fuzz`` found (``found-*``). A file is replayed
through the same oracle as its fuzzer (:func:`._targets.replay`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._targets import CORPUS, CORPUS_DIRS, replay

FILES = sorted(path for path in CORPUS.glob("*/*") if path.is_file())


def test_corpus_has_seeds_for_every_target() -> None:
    directories = {path.parent.name for path in FILES}
    assert directories == set(CORPUS_DIRS.values())
    for directory in directories:
        assert len([p for p in FILES if p.parent.name == directory]) >= 5, directory


@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_corpus_replays_to_a_result_or_a_documented_error(path: Path) -> None:
    replay(path.parent.name, path.read_bytes())
