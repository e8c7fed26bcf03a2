"""What a runner process measures about itself: RSS, peak RSS, CPU time, event milestones.

Figures are for the whole process (every thread), read from the kernel: resident set size
from ``/proc/self/status`` (Linux; elsewhere the peak stands in), peak RSS from
``getrusage``, CPU from :func:`time.process_time` (user + system, all threads).
"""

from __future__ import annotations

import resource
import sys
import threading
import time
from typing import final

__all__ = ["Milestones", "cpu_seconds", "peak_rss_bytes", "rss_bytes"]


def peak_rss_bytes() -> int:
    """The peak resident set size of this process so far."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports KiB, macOS bytes.
    return int(peak) if sys.platform == "darwin" else int(peak) * 1024


def rss_bytes() -> int:
    """The resident set size of this process now (Linux), else the peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:  # pragma: no cover - not Linux
        pass
    return peak_rss_bytes()  # pragma: no cover - not Linux


def cpu_seconds() -> float:
    """CPU seconds (user + system) this process used so far, all threads."""
    return time.process_time()


@final
class Milestones:
    """Counts the watch events a runner has applied to its cache, until an armed target.

    The runner calls :meth:`hit` once per event *after* the event is in its cache (for an
    informer: from the handler, which runs after the cache update). :meth:`arm` starts a
    phase: the count restarts at zero and :attr:`done` is set when it reaches ``target``.

    Invariant: ``first <= last`` once :attr:`done` is set; events that arrive while disarmed
    (target 0) only move the count, which :meth:`arm` resets.
    """

    def __init__(self) -> None:
        self.count = 0
        self.target = 0
        self.armed_at = 0.0
        self.first = 0.0
        self.last = 0.0
        self.done = threading.Event()

    def arm(self, target: int) -> None:
        """Start counting ``target`` events from zero."""
        self.done.clear()
        self.first = self.last = 0.0
        self.count = 0
        self.armed_at = time.perf_counter()
        self.target = target

    def hit(self) -> None:
        """One more event applied to the cache."""
        self.count += 1
        count = self.count
        if count == 1:
            self.first = time.perf_counter()
        if count == self.target:
            self.last = time.perf_counter()
            self.done.set()
