"""``kinformer bench``: the quick run's JSON has every runner's figures, peers absent are
skipped cleanly, and the pieces (plan, targets, tables, pods, milestones) behave.

The benchmark measures; it enforces no target (issue 7: "not timed tests"). These tests check
that every figure is produced and is self-consistent, never its value.
"""

from __future__ import annotations

import argparse
import io
import random
from pathlib import Path
from typing import Any

import orjson
import pytest
from rich.console import Console

from kinformer.bench._harness import QUICK, REVISION_ANNOTATION, Plan
from kinformer.bench._pods import make_pod, make_pods
from kinformer.bench._probe import Milestones
from kinformer.bench._runners import PEERS, RUNNERS
from kinformer.cli._bench import (
    add_arguments,
    check_targets,
    draw_chart,
    markdown,
    size_table,
    targets_table,
)
from kinformer.cli._main import build_parser, main

FIGURES = (
    "objects",
    "sync_s",
    "sync_cpu_s",
    "burst_events",
    "burst_s",
    "burst_events_per_s",
    "burst_cpu_s",
    "burst_cpu_ms_per_event",
    "server_burst_write_s",
    "trickle_events",
    "trickle_s",
    "trickle_cpu_s",
    "trickle_cpu_ms_per_event",
    "idle_s",
    "idle_cpu_s",
    "idle_cpu_percent",
    "rss_baseline_bytes",
    "rss_synced_bytes",
    "rss_final_bytes",
    "peak_rss_bytes",
    "rss_per_object_bytes",
    "rss_per_object_vs_json",
)


def _check_figures(name: str, figures: dict[str, Any], *, objects: int, burst: int) -> None:
    assert set(FIGURES) <= set(figures), (name, set(FIGURES) - set(figures))
    assert figures["objects"] == objects
    assert figures["burst_events"] == burst
    assert figures["sync_s"] > 0
    assert figures["burst_s"] > 0
    assert figures["burst_events_per_s"] == pytest.approx(burst / figures["burst_s"])
    assert figures["burst_cpu_ms_per_event"] == pytest.approx(1000 * figures["burst_cpu_s"] / burst)
    assert figures["idle_s"] >= 0
    assert figures["peak_rss_bytes"] >= figures["rss_synced_bytes"] > 0
    assert figures["rss_per_object_bytes"] == pytest.approx(
        (figures["rss_synced_bytes"] - figures["rss_baseline_bytes"]) / objects
    )


@pytest.mark.slow
def test_bench_quick_json_has_every_runners_figures(tmp_path: Path) -> None:
    """The CI run (issue 7): every runner measured at 1000 pods, or a peer skipped with a note."""
    out = tmp_path / "bench.json"
    table = tmp_path / "bench.md"
    assert main(["bench", "--quick", "--json", str(out), "--markdown", str(table)]) == 0
    result = orjson.loads(out.read_bytes())
    assert result["command"].startswith("kinformer bench --quick")
    assert result["machine"]["cores"] >= 1
    assert set(result["machine"]["versions"]) == {
        "kinformer",
        "httpx",
        "orjson",
        "kubernetes",
        "lightkube",
    }
    (size,) = result["sizes"].values()
    assert size["objects"] == QUICK.sizes[0]
    assert 3000 < size["json_bytes_per_object"] < 5000  # realistic pods
    assert list(size["runners"]) == list(RUNNERS)
    for name, figures in size["runners"].items():
        assert "failed" not in figures, (name, figures)
        if "skipped" in figures:
            assert name in PEERS, name
            continue
        _check_figures(name, figures, objects=QUICK.sizes[0], burst=QUICK.burst)
        assert figures["trickle_events"] == QUICK.trickle
    assert {(t["target"], t["runner"]) for t in size["targets"]} >= {
        ("sync time / floor", "kinformer_threads"),
        ("official sync time / ours", "kinformer_asyncio"),
    }
    text = table.read_text()
    assert "| floor |" in text
    assert "issue 7 targets" in text


@pytest.mark.slow
def test_bench_absent_peer_is_skipped_with_a_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A peer that cannot be imported in the runner's process is skipped, not failed."""
    shadow = tmp_path / "shadow" / "lightkube"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text('raise ImportError("hidden by the test")\n')
    monkeypatch.setenv("PYTHONPATH", str(shadow.parent))
    out = tmp_path / "bench.json"
    argv = ["bench", "--sizes", "40", "--burst", "10", "--trickle", "5", "--idle", "0"]
    assert main([*argv, "--runners", "lightkube", "--json", str(out)]) == 0
    size = orjson.loads(out.read_bytes())["sizes"]["40"]
    assert list(size["runners"]) == ["floor", "lightkube"]  # the floor always runs
    assert size["runners"]["lightkube"] == {
        "skipped": "lightkube is not installed: pip install lightkube"
    }
    _check_figures("floor", size["runners"]["floor"], objects=40, burst=10)
    printed = capsys.readouterr().out
    assert "lightkube skipped: lightkube is not installed" in printed


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(argv)


def test_bench_options_parse_sizes_and_runners() -> None:
    args = _parse("--sizes", "10_000,100000", "--runners", "kinformer_threads,lightkube")
    assert args.sizes == (10_000, 100_000)
    assert args.runners == ("kinformer_threads", "lightkube")


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(["--sizes", "ten"], id="sizes-not-numbers"),
        pytest.param(["--sizes", "0"], id="sizes-not-positive"),
        pytest.param(["--runners", "kubectl"], id="unknown-runner"),
    ],
)
def test_bench_options_reject_bad_values(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        _parse(*argv)


def test_bench_is_registered_in_the_command() -> None:
    args = build_parser().parse_args(["bench", "--quick"])
    assert args.command == "bench"
    assert args.quick


def test_bench_plan_rejects_unknown_runners_and_empty_sizes() -> None:
    with pytest.raises(ValueError, match="unknown runners"):
        Plan(sizes=(10,), burst=1, trickle=1, trickle_interval=0, idle=0, runners=("kubectl",))
    with pytest.raises(ValueError, match="positive"):
        Plan(sizes=(), burst=1, trickle=1, trickle_interval=0, idle=0)


def _figures(**values: float) -> dict[str, Any]:
    base = {
        "sync_s": 1.0,
        "burst_events_per_s": 10_000.0,
        "burst_cpu_ms_per_event": 0.1,
        "rss_per_object_bytes": 20_000.0,
        "rss_per_object_vs_json": 5.0,
        "idle_cpu_percent": 0.0,
    }
    return {**base, **values}


def test_bench_targets_are_ratios_to_the_floor_and_the_official_informer() -> None:
    size = {
        "objects": 100_000,
        "runners": {
            "floor": _figures(),
            "kinformer_threads": _figures(
                sync_s=1.4,
                burst_events_per_s=4_000.0,
                burst_cpu_ms_per_event=0.25,
                rss_per_object_vs_json=3.5,
                rss_per_object_bytes=10_000.0,
            ),
            "kinformer_asyncio": {"failed": "boom"},
            "official_informer": _figures(
                sync_s=5.0, burst_cpu_ms_per_event=0.8, rss_per_object_bytes=60_000.0
            ),
        },
    }
    found = {(t["target"], t["runner"]): (t["value"], t["met"]) for t in check_targets(size)}
    threads = {target: found[(target, "kinformer_threads")] for target, _ in found}
    assert threads["sync time / floor"] == (pytest.approx(1.4), True)
    assert threads["burst events/s / floor"] == (pytest.approx(0.4), False)
    assert threads["burst CPU per event / floor"] == (pytest.approx(2.5), False)
    assert threads["RSS per object / JSON size"] == (pytest.approx(3.5), True)
    assert threads["idle CPU % of one core"] == (0.0, True)
    assert threads["official sync time / ours"] == (pytest.approx(5.0 / 1.4), True)
    assert threads["official CPU per event / ours"] == (pytest.approx(3.2), True)
    assert threads["official RSS per object / ours"] == (pytest.approx(6.0), True)
    # A runner that failed is "n/a", not a miss.
    assert found[("sync time / floor", "kinformer_asyncio")] == (None, None)


def test_bench_tables_show_ratios_and_why_a_runner_has_no_figures() -> None:
    figures = dict.fromkeys(FIGURES, 1.0)
    floor = {**figures, "sync_s": 2.0}
    size = {
        "objects": 10,
        "json_bytes_per_object": 3800.0,
        "burst_events": 10,
        "trickle_events": 5,
        "trickle_interval_s": 0.002,
        "idle_s": 1.0,
        "runners": {
            "floor": floor,
            "kinformer_threads": figures,
            "lightkube": {"skipped": "lightkube is not installed"},
            "official_watch": {"failed": "timed out"},
        },
    }
    size["targets"] = check_targets(size)
    console = Console(file=io.StringIO(), width=250)
    console.print(size_table(size))
    console.print(targets_table(10, size["targets"]))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "1.00 (0.50x)" in text  # kinformer's sync against the floor's
    assert "skipped: lightkube is not installed" in text
    assert "FAILED: timed out" in text
    result = {
        "sizes": {"10": size},
        "machine": {"cpu": "cpu", "cores": 2, "platform": "os", "python": "3.11", "versions": {}},
        "load_average": [1.0, 1.0, 1.0],
        "command": "kinformer bench --sizes 10",
    }
    text = markdown(result)
    assert "| kinformer_threads | 1.00 (0.50x) |" in text
    assert "Command: `kinformer bench --sizes 10`" in text


@pytest.mark.slow  # importing matplotlib, when it is installed
def test_bench_chart_is_drawn_or_skipped_with_a_note(tmp_path: Path) -> None:
    figures = dict.fromkeys(FIGURES, 1.0)
    size = {"objects": 10, "runners": {"floor": figures, "kinformer_threads": figures}}
    path = tmp_path / "chart.png"
    note = draw_chart({"sizes": {"10": size}}, path)
    if note is None:
        assert path.read_bytes().startswith(b"\x89PNG")
    else:
        assert "matplotlib is not installed" in note
        assert not path.exists()


def test_bench_pods_are_distinct_realistic_and_the_same_size() -> None:
    pods = list(make_pods(600, templates=16))
    keys = {(p["metadata"]["namespace"], p["metadata"]["name"]) for p in pods}
    uids = {p["metadata"]["uid"] for p in pods}
    assert len(keys) == len(uids) == 600
    sizes = [len(orjson.dumps(p)) for p in pods]
    assert min(sizes) > 3000
    assert max(sizes) < 5000
    assert "managedFields" in pods[0]["metadata"]
    # The templates are bench_indexer's pods, unchanged for the same (i, rng).
    assert make_pod(3, random.Random(7)) == make_pod(3, random.Random(7))
    assert REVISION_ANNOTATION not in pods[0]["metadata"]["annotations"]


def test_bench_milestones_count_from_arm_to_target() -> None:
    milestones = Milestones()
    milestones.hit()  # before arming: counted, then forgotten by arm()
    milestones.arm(3)
    assert milestones.count == 0
    milestones.hit()
    milestones.hit()
    assert not milestones.done.is_set()
    milestones.hit()
    assert milestones.done.is_set()
    assert milestones.armed_at <= milestones.first <= milestones.last
