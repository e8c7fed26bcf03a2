"""A runner's own process: ``python -m kinformer.bench._process`` (one runner, fresh memory).

The harness talks to it with JSON lines, one command on stdin, one answer on stdout:

==========================  ================================================================
harness → runner            runner → harness
==========================  ================================================================
``{"runner", "target"}``    ``{"ready", "rss"}`` (imports done, client built: the baseline)
                            or ``{"skipped": note}`` and the process exits
``{"cmd": "sync"}``         ``{"sync_s", "sync_cpu_s", "objects", "rss"}``
``{"cmd": "arm", "n"}``     ``{"armed": true}``; then, once ``n`` events are in the cache,
                            ``{"events", "wall_s", "first_to_last_s", "cpu_s"}``
``{"cmd": "idle", "s"}``    ``{"idle_s", "idle_cpu_s"}`` (the main thread sleeps ``s``)
``{"cmd": "quit"}``         ``{"rss", "peak_rss"}``, then the process exits at once
==========================  ================================================================

Any failure answers ``{"error": message}`` and exits. The process ends with ``os._exit`` so
that tearing down a cache of 100k objects is not measured or waited for.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import traceback
from typing import Any, NoReturn

import orjson

from ._probe import Milestones, cpu_seconds, peak_rss_bytes, rss_bytes
from ._runners import RunnerUnavailable, Target, make_runner

__all__ = ["main"]


def _send(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message) + b"\n")
    sys.stdout.buffer.flush()


def _receive() -> dict[str, Any]:
    line = sys.stdin.buffer.readline()
    if not line:
        _exit(0)
    message: dict[str, Any] = orjson.loads(line)
    return message


def _exit(code: int) -> NoReturn:
    sys.stdout.flush()
    os._exit(code)


def _serve(milestones: Milestones) -> None:
    hello = _receive()
    target = Target(**hello["target"])
    runner = make_runner(hello["runner"])
    try:
        runner.setup(target)
    except RunnerUnavailable as note:
        _send({"skipped": str(note)})
        _exit(0)
    gc.collect()
    _send({"ready": True, "rss": rss_bytes()})
    while True:
        command = _receive()
        match command["cmd"]:
            case "sync":
                cpu, started = cpu_seconds(), time.perf_counter()
                objects = runner.sync(milestones)
                elapsed = time.perf_counter() - started
                _send(
                    {
                        "sync_s": elapsed,
                        "sync_cpu_s": cpu_seconds() - cpu,
                        "objects": objects,
                        "rss": rss_bytes(),
                    }
                )
            case "arm":
                count = int(command["n"])
                cpu = cpu_seconds()
                milestones.arm(count)
                _send({"armed": True})
                if not milestones.done.wait(target.timeout):
                    raise TimeoutError(
                        f"saw {milestones.count} of {count} events in {target.timeout:.0f} s"
                    )
                _send(
                    {
                        "events": count,
                        "wall_s": milestones.last - milestones.armed_at,
                        "first_to_last_s": milestones.last - milestones.first,
                        "cpu_s": cpu_seconds() - cpu,
                    }
                )
            case "idle":
                seconds = float(command["s"])
                cpu, started = cpu_seconds(), time.perf_counter()
                time.sleep(seconds)
                _send({"idle_s": time.perf_counter() - started, "idle_cpu_s": cpu_seconds() - cpu})
            case "quit":
                _send({"rss": rss_bytes(), "peak_rss": peak_rss_bytes()})
                _exit(0)
            case other:
                raise ValueError(f"unknown command {other!r}")


def main() -> NoReturn:
    """Serve the harness's commands until ``quit`` (see the module docstring)."""
    try:
        _serve(Milestones())
    except BaseException as error:
        detail = "".join(traceback.format_exception_only(error)).strip()
        sys.stderr.write(traceback.format_exc())
        _send({"error": detail})
        _exit(1)
    _exit(0)  # pragma: no cover - _serve only returns by exiting


if __name__ == "__main__":
    main()
