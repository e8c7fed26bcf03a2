"""What ``kinformer demo`` watches: informer samples, rates, the fault schedule and recovery.

Pure: no I/O, threads or clock reads; times are passed in (``now``, monotonic seconds). The
demo's monitor loop builds an :class:`InformerSample` per informer from its reflector's
``ReflectorCounters`` every refresh, and this module turns successive samples into what the
screen shows and decides when an injected fault is over.

Recovery rule (see :func:`recovered`): after a fault, an informer has recovered when a watch
was opened since the fault AND every ListAndWatch iteration that ended after a watch (reasons
other than ``list-error`` / ``replace-error``) was followed by a successful LIST. That is
client-go's recovery path (spec A-30 re-watch after a clean end, A-31/A-46 429 backoff then
re-watch, A-32/A-44 relist after ``410 Expired``), observed from the outside.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, final

__all__ = [
    "FAULT_ORDER",
    "FaultKind",
    "FaultSchedule",
    "InformerSample",
    "PendingFault",
    "format_relists",
    "plain_informer_line",
    "rate",
    "recovered",
    "recovery_summary",
]

# Iterations that end this way never replaced the store: no LIST is owed for them.
_LIST_FAILURES: Final = frozenset({"list-error", "replace-error"})


class FaultKind(enum.StrEnum):
    """The failures the demo injects, in the order it injects them."""

    DROPPED_WATCH = "dropped-watch"
    TOO_MANY_REQUESTS = "429-burst"
    COMPACTION = "compaction"
    WATCH_RESET = "watch-reset"

    @property
    def description(self) -> str:
        """What the fault does and what client-go does about it."""
        return _DESCRIPTIONS[self]


_DESCRIPTIONS: Final = {
    FaultKind.DROPPED_WATCH: "every watch stream ended by the server (re-watch, A-30)",
    FaultKind.TOO_MANY_REQUESTS: "watches dropped, then 429 Too Many Requests on re-watch "
    "(backoff, then re-watch, A-31)",
    FaultKind.COMPACTION: "history compacted while watches were dropped: re-watch gets "
    "410 Expired (relist, A-32)",
    FaultKind.WATCH_RESET: "TCP connections of every watch reset (relist, A-32)",
}

FAULT_ORDER: Final = (
    FaultKind.DROPPED_WATCH,
    FaultKind.TOO_MANY_REQUESTS,
    FaultKind.COMPACTION,
    FaultKind.WATCH_RESET,
)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class InformerSample:
    """One informer at one instant (from ``informer.counters`` and its cache).

    Attributes:
        name: the informer's name (``pods``, ``deployments.apps``).
        synced: ``has_synced``.
        objects: objects in the cache.
        events: watch events processed so far (bookmarks excluded).
        lists: LISTs that replaced the store.
        watches_opened: watch streams established.
        relists: ended ListAndWatch iterations by reason.
        errors: errors by kind.
        backlog: notifications buffered for the informer's handlers.
    """

    name: str
    synced: bool
    objects: int
    events: int
    lists: int
    watches_opened: int
    relists: Mapping[str, int] = field(default_factory=dict)
    errors: Mapping[str, int] = field(default_factory=dict)
    backlog: int = 0

    @property
    def watch_restarts(self) -> int:
        """Watches opened after the first one."""
        return max(0, self.watches_opened - 1)

    @property
    def relist_count(self) -> int:
        """Ended ListAndWatch iterations, every reason."""
        return sum(self.relists.values())


def rate(before: int, after: int, seconds: float) -> float:
    """Events per second between two totals (0 for an empty window)."""
    return (after - before) / seconds if seconds > 0 else 0.0


def format_relists(relists: Mapping[str, int]) -> str:
    """``watch-expired=1,list-error=2`` (sorted), or ``-``."""
    return ",".join(f"{k}={v}" for k, v in sorted(relists.items()) if v) or "-"


def plain_informer_line(sample: InformerSample, events_per_second: float) -> str:
    """The informer's line of ``kinformer demo --plain``."""
    return (
        f"informer {sample.name:<17} {'synced' if sample.synced else 'syncing'} "
        f"objects={sample.objects} events={sample.events} ({events_per_second:.1f}/s) "
        f"relists={sample.relist_count} [{format_relists(sample.relists)}] "
        f"watch-restarts={sample.watch_restarts} backlog={sample.backlog}"
    )


def _delta(before: Mapping[str, int], after: Mapping[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}


def recovered(before: InformerSample, after: InformerSample) -> bool:
    """Whether an informer recovered from a fault injected when ``before`` was sampled."""
    if after.watches_opened <= before.watches_opened or not after.synced:
        return False
    owed = sum(
        n
        for reason, n in _delta(before.relists, after.relists).items()
        if reason not in _LIST_FAILURES
    )
    return after.lists - before.lists >= owed


def recovery_summary(before: InformerSample, after: InformerSample) -> str:
    """What the informer did between two samples: ``pods: relisted 1x (watch-expired=1) ...``."""
    parts = []
    relists = _delta(before.relists, after.relists)
    if relists:
        parts.append(f"relisted {after.lists - before.lists}x ({format_relists(relists)})")
    errors = _delta(before.errors, after.errors)
    if errors:
        parts.append(f"errors {format_relists(errors)}")
    parts.append(f"watch re-opened {after.watches_opened - before.watches_opened}x")
    return f"{after.name}: {', '.join(parts)}"


@final
@dataclass(frozen=True, slots=True)
class PendingFault:
    """An injected fault and the samples taken just before it."""

    kind: FaultKind
    injected_at: float
    before: Mapping[str, InformerSample]

    def is_over(self, samples: Sequence[InformerSample]) -> bool:
        """Every informer sampled before the fault has recovered (:func:`recovered`)."""
        return all(recovered(self.before[s.name], s) for s in samples if s.name in self.before)

    def summary(self, samples: Sequence[InformerSample]) -> str:
        """One line: what each informer did to recover."""
        return "; ".join(
            recovery_summary(self.before[s.name], s) for s in samples if s.name in self.before
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class FaultSchedule:
    """When to inject the next fault: ``first_after`` seconds after sync, then one every
    ``interval`` seconds, never while the previous one is still being recovered from
    (``give_up_after`` seconds bounds that wait).
    """

    interval: float
    first_after: float = 1.0
    give_up_after: float = 30.0

    @classmethod
    def for_duration(cls, duration: float | None) -> FaultSchedule:
        """About six faults over a bounded run (one a second at least), one every 8 s otherwise."""
        if duration is None:
            return cls(interval=8.0, first_after=3.0)
        interval = min(8.0, max(1.0, duration / 6))
        return cls(interval=interval, first_after=min(3.0, interval))

    def due(
        self, *, synced_at: float, now: float, injected: int, last_injected_at: float | None
    ) -> FaultKind | None:
        """The fault to inject now, if any (the caller passes only when none is pending)."""
        start = synced_at + self.first_after
        if now < start:
            return None
        if last_injected_at is not None and now < last_injected_at + self.interval:
            return None
        return FAULT_ORDER[injected % len(FAULT_ORDER)]

    def timed_out(self, fault: PendingFault, now: float) -> bool:
        """The fault has been pending for too long: report it and move on."""
        return now - fault.injected_at > self.give_up_after
