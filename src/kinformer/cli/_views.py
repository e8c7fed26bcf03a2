"""The live screen of ``kinformer demo`` (rich renderables built from plain data).

Pure: :func:`render` turns a :class:`DemoView` (numbers and strings the demo sampled) into a
``rich`` renderable; it reads no informer and no clock, so the screen is easy to test and the
demo decides how often to redraw (a few times per second at most).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import final

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from ._monitor import InformerSample

__all__ = ["ControllerView", "DemoView", "FeedLine", "InformerRow", "render"]


@final
@dataclass(frozen=True, slots=True)
class InformerRow:
    """One informer on screen: its sample, its event rate and its sync progress."""

    sample: InformerSample
    events_per_second: float
    initial_delivered: int
    expected: int
    synced_after: float | None


@final
@dataclass(frozen=True, slots=True)
class ControllerView:
    """The demo controller: its queue and what its workers did."""

    workers: int
    queue_depth: int
    reconciles: int
    reconciles_per_second: float
    failures: int
    retries: int
    last_result: str
    busiest_nodes: Sequence[tuple[str, int]] = ()


@final
@dataclass(frozen=True, slots=True)
class FeedLine:
    """A line of the feed: ``elapsed`` seconds into the demo, a style and the text."""

    elapsed: float
    style: str
    text: str


@final
@dataclass(frozen=True, slots=True)
class DemoView:
    """Everything the screen shows at one refresh."""

    title: str
    elapsed: float
    duration: float | None
    writes: int
    writes_per_second: float
    informers: Sequence[InformerRow]
    controller: ControllerView
    events: Sequence[FeedLine] = field(default_factory=tuple)
    faults: Sequence[FeedLine] = field(default_factory=tuple)


def _header(view: DemoView) -> Text:
    text = Text(view.title, style="bold")
    until = f" / {view.duration:.0f}s" if view.duration is not None else " (Ctrl-C to stop)"
    text.append(f"\n{view.elapsed:6.1f}s{until}", style="dim")
    text.append(
        f"   simulation: {view.writes:,} writes ({view.writes_per_second:.0f}/s)", style="dim"
    )
    return text


def _sync_table(view: DemoView) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(min_width=18)
    table.add_column(width=24)
    table.add_column(justify="right")
    table.add_column()
    for row in view.informers:
        total = max(row.expected, row.initial_delivered, 1)
        if row.synced_after is not None:
            status = Text(f"synced in {row.synced_after:.2f}s", style="green")
        else:
            status = Text("listing...", style="yellow")
        table.add_row(
            row.sample.name,
            ProgressBar(total=total, completed=min(row.initial_delivered, total), width=24),
            f"{row.initial_delivered:,}/{row.expected:,}",
            status,
        )
    return table


def _informer_table(view: DemoView) -> Table:
    # Fits 80 columns: the synced state is in the sync table above, totals in the plain lines.
    table = Table(box=box.SIMPLE_HEAD, padding=(0, 1), pad_edge=False, show_edge=False)
    table.add_column("informer", no_wrap=True, min_width=16)
    table.add_column("objects\ncached", justify="right", no_wrap=True)
    table.add_column("events/s", justify="right", no_wrap=True)
    table.add_column("relists (why)", min_width=16)
    table.add_column("watch\nrestarts", justify="right", no_wrap=True)
    table.add_column("handler\nbacklog", justify="right", no_wrap=True)
    for row in view.informers:
        sample = row.sample
        why = " ".join(f"{k}={v}" for k, v in sorted(sample.relists.items()) if v)
        table.add_row(
            sample.name,
            Text(f"{sample.objects:,}", style="" if sample.synced else "yellow"),
            f"{row.events_per_second:,.1f}",
            f"{sample.relist_count} {why}" if sample.relist_count else "0",
            str(sample.watch_restarts),
            str(sample.backlog),
        )
    return table


def _sync_summary(view: DemoView) -> Text:
    text = Text("synced: ", style="green")
    text.append(
        "  ".join(
            f"{row.sample.name} {row.expected:,} in {row.synced_after or 0:.2f}s"
            for row in view.informers
        )
    )
    return text


def _controller(controller: ControllerView) -> Text:
    text = Text(f"controller ({controller.workers} workers)", no_wrap=True, overflow="ellipsis")
    text.append(f"  queue {controller.queue_depth}", style="bold")
    text.append(
        f"  reconciles {controller.reconciles:,} ({controller.reconciles_per_second:.0f}/s)"
        f"  failures {controller.failures}  retries {controller.retries} (rate-limited)"
    )
    if controller.last_result:
        text.append(f"\nlast: {controller.last_result}", style="dim")
    if controller.busiest_nodes:
        nodes = ", ".join(f"{name} {count}" for name, count in controller.busiest_nodes)
        text.append(f"\npods-by-node index, busiest: {nodes}", style="dim")
    return text


def _feed(lines: Sequence[FeedLine], title: str) -> Panel:
    text = Text(no_wrap=True, overflow="ellipsis")
    for i, line in enumerate(lines):
        if i:
            text.append("\n")
        text.append(f"{line.elapsed:6.1f}s ", style="dim")
        text.append(line.text, style=line.style)
    if not lines:
        text.append("(nothing yet)", style="dim")
    return Panel(text, title=title, title_align="left")


def _last(lines: Sequence[FeedLine], count: int) -> list[FeedLine]:
    return list(lines[len(lines) - count :]) if count > 0 else []


MAX_FAULT_LINES = 3


def render(view: DemoView, *, console: Console | None = None) -> RenderableType:
    """The whole screen for ``view``.

    With ``console``, the feeds are cut to what fits in its height (the live display crops
    anything taller than the terminal, bottom first); without, they are shown whole.
    """
    synced = all(row.synced_after is not None for row in view.informers)
    parts: list[RenderableType] = [
        _header(view),
        _sync_summary(view) if synced else _sync_table(view),
    ]
    if any(row.sample.synced for row in view.informers):
        parts.append(_informer_table(view))
        parts.append(_controller(view.controller))
    faults, events = list(view.faults), list(view.events)
    if console is not None:
        used = sum(len(console.render_lines(part, console.options, pad=False)) for part in parts)
        room = console.size.height - used - 1
        fault_lines = min(max(len(faults), 1), MAX_FAULT_LINES, room - 2)
        faults = _last(faults, fault_lines)
        room -= fault_lines + 2 if fault_lines > 0 else 0
        events = _last(events, room - 2)
        if fault_lines > 0:
            parts.append(_feed(faults, "injected faults and recovery"))
        if room - 2 > 0:
            parts.append(_feed(events, "latest events"))
        return Group(*parts)
    parts.append(_feed(faults, "injected faults and recovery"))
    parts.append(_feed(events, "latest events"))
    return Group(*parts)
