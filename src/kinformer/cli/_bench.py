"""``kinformer bench``: the benchmark suite against the raw floor and the peers (issue 7).

Every performance figure the project quotes comes from this command, measured in one run
on one machine, as ratios to the raw floor. The harness (:mod:`kinformer.bench._harness`)
seeds a :class:`~kinformer.testing.FakeApiServer` with realistic pods and runs every runner
in its own fresh process; this module prints the table (rich), the machine and the command,
checks issue 7's targets, and writes the JSON file and the PNG chart when asked.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import os
import platform
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import orjson
from rich.console import Console
from rich.table import Table

from ..bench._harness import FULL, QUICK, Plan, run_plan
from ..bench._runners import PEERS, RUNNERS

__all__ = [
    "add_arguments",
    "check_targets",
    "draw_chart",
    "machine",
    "markdown",
    "register",
    "run",
    "size_table",
    "targets_table",
]

HELP: Final = "benchmark kinformer against the raw floor and the peers (table, JSON, chart)"

FLOOR: Final = "floor"
OURS: Final = ("kinformer_threads", "kinformer_asyncio")
OFFICIAL: Final = "official_informer"
COMPACT: Final = "kinformer_compact"
PACKAGES: Final = ("kinformer", "httpx", "orjson", "kubernetes", "lightkube")


def register(
    subcommands: dict[
        str,
        tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]],
    ],
) -> None:
    """Add ``bench`` to the command's table."""
    subcommands["bench"] = (HELP, add_arguments, run)


def _sizes(text: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not a comma-separated list of counts: {text!r}"
        ) from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive counts")
    return sizes


def _runners(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    unknown = [name for name in names if name not in RUNNERS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown runners {unknown}; choose from {', '.join(RUNNERS)}"
        )
    return names


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The command's options."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"CI mode: {QUICK.sizes[0]} pods, short phases (the figures mean little)",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        help="comma-separated pod counts (default 10000,100000; --quick: 1000)",
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write every figure as JSON")
    parser.add_argument("--png", type=Path, metavar="FILE", help="draw a chart (needs matplotlib)")
    parser.add_argument(
        "--markdown", type=Path, metavar="FILE", help="write the tables as Markdown"
    )
    parser.add_argument(
        "--runners",
        type=_runners,
        help=f"comma-separated subset of: {', '.join(RUNNERS)} (default: all)",
    )
    parser.add_argument("--burst", type=int, help="modifications in the burst (capped by size)")
    parser.add_argument("--trickle", type=int, help="modifications in the trickle phase")
    parser.add_argument("--idle", type=float, help="seconds of the idle phase")


def _plan(args: argparse.Namespace) -> Plan:
    base = QUICK if args.quick else FULL
    runners = args.runners or base.runners
    if FLOOR not in runners:
        runners = (FLOOR, *runners)  # every figure is a ratio to the floor
    return Plan(
        sizes=args.sizes or base.sizes,
        burst=args.burst or base.burst,
        trickle=args.trickle or base.trickle,
        trickle_interval=base.trickle_interval,
        idle=base.idle if args.idle is None else args.idle,
        runners=runners,
        timeout=base.timeout,
    )


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover - not Linux
        pass
    return platform.processor() or platform.machine()  # pragma: no cover - not Linux


def machine() -> dict[str, Any]:
    """Where the figures come from: CPU, cores, OS, Python and the libraries' versions."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {package: _version(package) for package in PACKAGES},
    }


def _ratio(value: float, floor: float) -> float | None:
    return value / floor if floor > 0 else None


def check_targets(size: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets for one size: each with the measured value and met or not.

    A target whose runners were skipped or failed is reported with ``met: None``.
    """
    runners = size["runners"]
    floor = runners.get(FLOOR, {})
    official = runners.get(OFFICIAL, {})
    targets: list[dict[str, Any]] = []

    def add(name: str, runner: str, value: float | None, limit: float, at_most: bool) -> None:
        met = None if value is None else (value <= limit if at_most else value >= limit)
        bound = f"<= {limit:g}" if at_most else f">= {limit:g}"
        targets.append(
            {"target": name, "runner": runner, "value": value, "bound": bound, "met": met}
        )

    def figure(figures: dict[str, Any], key: str) -> float | None:
        value = figures.get(key)
        return float(value) if isinstance(value, int | float) else None

    def ratio(figures: dict[str, Any], other: dict[str, Any], key: str) -> float | None:
        mine, theirs = figure(figures, key), figure(other, key)
        return None if mine is None or theirs is None or theirs == 0 else mine / theirs

    for name in OURS:
        ours = runners.get(name, {})
        add("sync time / floor", name, ratio(ours, floor, "sync_s"), 1.5, True)
        add(
            "burst events/s / floor",
            name,
            ratio(ours, floor, "burst_events_per_s"),
            0.5,
            False,
        )
        add(
            "burst CPU per event / floor",
            name,
            ratio(ours, floor, "burst_cpu_ms_per_event"),
            2.0,
            True,
        )
        add("RSS per object / JSON size", name, figure(ours, "rss_per_object_vs_json"), 4.0, True)
        add("idle CPU % of one core", name, figure(ours, "idle_cpu_percent"), 1.0, True)
        add("official sync time / ours", name, ratio(official, ours, "sync_s"), 3.0, False)
        add(
            "official CPU per event / ours",
            name,
            ratio(official, ours, "burst_cpu_ms_per_event"),
            3.0,
            False,
        )
        add(
            "official RSS per object / ours",
            name,
            ratio(official, ours, "rss_per_object_bytes"),
            3.0,
            False,
        )
    compact = runners.get(COMPACT, {})
    add("RSS per object / JSON size", COMPACT, figure(compact, "rss_per_object_vs_json"), 1.5, True)
    add(
        "official RSS per object / ours",
        COMPACT,
        ratio(official, compact, "rss_per_object_bytes"),
        10.0,
        False,
    )
    return targets


# Column: (title, figure key, format, compare to the floor?)
_COLUMNS: Final = (
    ("sync s", "sync_s", "{:.2f}", True),
    ("sync CPU s", "sync_cpu_s", "{:.2f}", True),
    ("burst ev/s", "burst_events_per_s", "{:,.0f}", True),
    ("burst CPU s/1k ev", "burst_cpu_ms_per_event", "{:.3f}", True),
    ("trickle CPU s/1k ev", "trickle_cpu_ms_per_event", "{:.3f}", True),
    ("RSS/object KB", "rss_per_object_bytes", "{:.1f}", True),
    ("x JSON", "rss_per_object_vs_json", "{:.1f}", False),
    ("peak RSS MB", "peak_rss_bytes", "{:.0f}", True),
    ("idle CPU %", "idle_cpu_percent", "{:.2f}", False),
)
_SCALE: Final = {"rss_per_object_bytes": 1 / 1024, "peak_rss_bytes": 1 / 2**20}


def _cell(figures: dict[str, Any], floor: dict[str, Any], key: str, fmt: str, vs: bool) -> str:
    value = figures[key]
    text = fmt.format(value * _SCALE.get(key, 1))
    if vs and key in floor and figures is not floor:
        ratio = _ratio(value, floor[key])
        if ratio is not None:
            text += f" ({ratio:.2f}x)"
    return text


def _rows(size: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(runner name, cells) for every runner of one size; skipped or failed ones say why."""
    runners = size["runners"]
    floor = runners.get(FLOOR, {})
    rows: list[tuple[str, list[str]]] = []
    for name, figures in runners.items():
        if "skipped" in figures or "failed" in figures:
            why = f"skipped: {figures['skipped']}" if "skipped" in figures else ""
            why = why or f"FAILED: {figures['failed']}"
            rows.append((name, [why, *[""] * (len(_COLUMNS) - 1)]))
            continue
        rows.append((name, [_cell(figures, floor, k, f, vs) for _, k, f, vs in _COLUMNS]))
    return rows


def _title(size: dict[str, Any]) -> str:
    return (
        f"{size['objects']:,} pods, {size['json_bytes_per_object']:,.0f} B of JSON each; "
        f"burst {size['burst_events']:,} events, trickle {size['trickle_events']} "
        f"(one per {size['trickle_interval_s'] * 1000:g} ms), idle {size['idle_s']:g} s; "
        "(ratio to the floor)"
    )


def size_table(size: dict[str, Any]) -> Table:
    """One size's figures: a row per runner, each figure with its ratio to the floor."""
    table = Table(title=_title(size), title_justify="left")
    table.add_column("runner", no_wrap=True)
    for title, *_ in _COLUMNS:
        table.add_column(title, justify="right")
    for name, cells in _rows(size):
        table.add_row(name, *cells)
    return table


def markdown(result: dict[str, Any]) -> str:
    """Every size's table and the targets, as Markdown (for ``benchmarks/README.md``)."""
    lines: list[str] = []
    header = ["runner", *(title for title, *_ in _COLUMNS)]
    for size in result["sizes"].values():
        lines += [f"**{_title(size)}**", ""]
        lines.append("| " + " | ".join(header) + " |")
        lines.append("|" + "|".join(["---", *["---:"] * len(_COLUMNS)]) + "|")
        lines += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in _rows(size)]
        lines.append("")
    largest = max(result["sizes"].values(), key=lambda size: size["objects"])
    lines += [f"**issue 7 targets at {largest['objects']:,} pods**", ""]
    lines += ["| target | runner | measured | bound | met |", "|---|---|---:|---|---|"]
    for target in largest["targets"]:
        value = "n/a" if target["value"] is None else f"{target['value']:.2f}"
        met = {True: "yes", False: "**no**", None: "n/a"}[target["met"]]
        lines.append(
            f"| {target['target']} | {target['runner']} | {value} | {target['bound']} | {met} |"
        )
    host = result["machine"]
    versions = ", ".join(f"{k} {v or 'not installed'}" for k, v in host["versions"].items())
    lines += [
        "",
        f"Machine: {host['cpu']}, {host['cores']} cores, {host['platform']}; "
        f"Python {host['python']}; {versions}. Load average at the end: "
        + ", ".join(f"{x:.2f}" for x in result["load_average"])
        + ".",
        "",
        f"Command: `{result['command']}`",
        "",
    ]
    return "\n".join(lines)


def targets_table(objects: int, targets: list[dict[str, Any]]) -> Table:
    """Issue 7's targets, measured at ``objects`` pods."""
    table = Table(title=f"issue 7 targets at {objects:,} pods", title_justify="left")
    for column in ("target", "runner", "measured", "bound", "met"):
        table.add_column(column, justify="right" if column == "measured" else "left")
    for target in targets:
        value = target["value"]
        met = {True: "[green]yes[/green]", False: "[red]no[/red]", None: "[dim]n/a[/dim]"}
        table.add_row(
            target["target"],
            target["runner"],
            "n/a" if value is None else f"{value:.2f}",
            target["bound"],
            met[target["met"]],
        )
    return table


def draw_chart(result: dict[str, Any], path: Path) -> str | None:
    """Bar charts of every runner's ratios to the floor; returns a note if it cannot."""
    if importlib.util.find_spec("matplotlib") is None:
        return "no chart: matplotlib is not installed (pip install matplotlib)"
    matplotlib: Any = importlib.import_module("matplotlib")
    matplotlib.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")

    keys = [(title, key) for title, key, _, vs in _COLUMNS if vs]
    sizes = result["sizes"]
    figure, axes = plt.subplots(
        len(sizes), len(keys), figsize=(3.2 * len(keys), 3.2 * len(sizes)), squeeze=False
    )
    for row, size in enumerate(sizes.values()):
        floor = size["runners"].get(FLOOR, {})
        names = [n for n, f in size["runners"].items() if "sync_s" in f]
        for column, (title, key) in enumerate(keys):
            axis = axes[row][column]
            ratios = [size["runners"][n][key] / floor[key] if floor.get(key) else 0 for n in names]
            axis.barh(names, ratios)
            axis.axvline(1.0, color="black", linewidth=0.8)
            axis.set_title(f"{title} ÷ floor, {size['objects']:,} pods", fontsize=8)
            axis.tick_params(labelsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)
    return None


def run(args: argparse.Namespace) -> int:
    """Run the plan, print the tables, write the JSON file and the chart when asked."""
    console = Console(highlight=False, width=max(Console().width, 160))
    err = Console(stderr=True, highlight=False)
    try:
        plan = _plan(args)
    except ValueError as error:
        err.print(f"kinformer bench: {error}")
        return 2
    command = shlex.join(["kinformer", "bench", *_argv_of(args)])
    host = machine()
    versions = ", ".join(f"{k} {v or 'not installed'}" for k, v in host["versions"].items())
    notes: list[str] = []
    result = run_plan(plan, lambda message: err.print(f"[dim]{message}[/dim]"))
    result = {"command": command, "machine": host, **result}
    for size in result["sizes"].values():
        size["targets"] = check_targets(size)
        console.print(size_table(size))
    for name in PEERS & set(plan.runners):
        for size in result["sizes"].values():
            skipped = size["runners"][name].get("skipped")
            if skipped and skipped not in notes:
                notes.append(f"{name} skipped: {skipped}")
    largest = result["sizes"][str(max(plan.sizes))]
    console.print(targets_table(largest["objects"], largest["targets"]))
    console.print(f"machine: {host['cpu']}, {host['cores']} cores, {host['platform']}")
    console.print(f"Python {host['python']}; {versions}")
    console.print(
        f"load average at the end: {', '.join(f'{x:.2f}' for x in result['load_average'])}"
    )
    console.print(f"command: {command}")
    if args.png is not None:
        note = draw_chart(result, args.png)
        if note:
            notes.append(note)
        else:
            console.print(f"chart: {args.png}")
    result["notes"] = notes
    for note in notes:
        console.print(f"note: {note}")
    if args.markdown is not None:
        args.markdown.write_text(markdown(result), encoding="utf-8")
        console.print(f"Markdown: {args.markdown}")
    if args.json is not None:
        args.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
        console.print(f"JSON: {args.json}")
    failed = [
        f"{size}: {name}"
        for size, figures in result["sizes"].items()
        for name, runner in figures["runners"].items()
        if "failed" in runner
    ]
    if failed:
        err.print(f"kinformer bench: runners failed: {', '.join(failed)}")
        return 1
    return 0


def _argv_of(args: argparse.Namespace) -> list[str]:
    """The options as typed, for the record (when not run from the ``kinformer`` script)."""
    argv: list[str] = ["--quick"] if args.quick else []
    if args.sizes:
        argv += ["--sizes", ",".join(map(str, args.sizes))]
    if args.runners:
        argv += ["--runners", ",".join(args.runners)]
    for option in ("burst", "trickle", "idle", "json", "png", "markdown"):
        value = getattr(args, option)
        if value is not None:
            argv += [f"--{option}", str(value)]
    return argv
