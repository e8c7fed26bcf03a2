"""``kinformer fake-apiserver``: run :class:`kinformer.testing.FakeApiServer` until Ctrl-C.

Prints the URL and the path of a kubeconfig for it (``kubectl --kubeconfig PATH get pods``
works), optionally the kubeconfig itself. ``--seed FILE.yaml`` loads objects first: YAML
documents, each an object or a ``kind: List`` / ``...List`` with ``items``.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

__all__ = ["add_arguments", "load_seed", "register", "run"]

HELP = "Run a fake Kubernetes API server on loopback until Ctrl-C."


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=0, help="port to bind (default: any free one)")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--tls", action="store_true", help="serve HTTPS with a generated CA")
    parser.add_argument(
        "--seed", type=Path, metavar="FILE.yaml", help="objects to store before serving"
    )
    parser.add_argument("--token", help="the admin bearer token (default: a random one)")
    parser.add_argument(
        "--print-kubeconfig", action="store_true", help="also print the kubeconfig to stdout"
    )


def load_seed(path: Path) -> list[dict[str, Any]]:
    """The objects of a YAML file (documents; ``List`` documents are flattened)."""
    import yaml

    def flatten(document: Any) -> Iterator[dict[str, Any]]:
        if document is None:
            return
        if not isinstance(document, dict):
            raise ValueError(f"{path}: every YAML document must be a mapping")
        kind = document.get("kind", "")
        if isinstance(kind, str) and kind.endswith("List") and "items" in document:
            for item in document["items"] or []:
                yield from flatten(item)
        else:
            yield document

    with path.open() as stream:
        return [obj for document in yaml.safe_load_all(stream) for obj in flatten(document)]


def run(args: argparse.Namespace, *, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until ``stop`` is set, for tests)."""
    from ..testing._apiserver._server import FakeApiServer
    from ..testing._apiserver._tls import TLSUnavailableError

    try:
        seed = load_seed(args.seed) if args.seed is not None else None
    except (OSError, ValueError) as error:
        print(f"kinformer fake-apiserver: cannot load the seed: {error}", file=sys.stderr)
        return 2
    try:
        server = FakeApiServer(
            tls=args.tls, host=args.host, port=args.port, token=args.token, seed=seed
        )
        server.start()
    except (OSError, TLSUnavailableError) as error:
        print(f"kinformer fake-apiserver: {error}", file=sys.stderr)
        return 1
    try:
        print(f"Serving the fake Kubernetes API at {server.url}", flush=True)
        print(f"kubeconfig: {server.kubeconfig_path}", flush=True)
        if seed:
            print(f"seeded {len(seed)} objects", flush=True)
        if args.print_kubeconfig:
            print(server.kubeconfig_path.read_text(), flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        stop = stop or threading.Event()
        previous = _on_sigterm(stop)
        try:
            stop.wait()
        except KeyboardInterrupt:
            print("stopping", file=sys.stderr)
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)
    finally:
        server.close()
    return 0


def _on_sigterm(stop: threading.Event) -> Any:
    """Stop cleanly on SIGTERM too (main thread only); returns the handler it replaced."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())


def register(
    subcommands: dict[
        str,
        tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]],
    ],
) -> None:
    """Add ``fake-apiserver`` to the command's table."""
    subcommands["fake-apiserver"] = (HELP, add_arguments, run)
