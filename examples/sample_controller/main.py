"""kinformer's sample-controller: Foo custom resources that own nginx Deployments.

Against a real cluster (install the CRD first: ``kubectl apply -f crd.yaml``)::

    python examples/sample_controller/main.py --kubeconfig ~/.kube/config
    kubectl apply -f examples/sample_controller/foo.yaml

Against kinformer's fake API server (it installs the CRD, creates ``foo.yaml`` and
simulates the deployment controller)::

    python examples/sample_controller/main.py --fake [--run-for 10]

Options: ``--leader-elect`` campaigns on a Lease first (run several copies: one leads),
``--workers N``, ``--metrics-port P`` serves Prometheus metrics (needs ``prometheus-client``).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kinformer import Client, SharedInformerFactory
from kinformer.leaderelection import LeaderElector
from kinformer.testing import FakeApiServer
from sample_controller.controller import FOOS, Controller
from sample_controller.fake import SimulatedDeploymentController, install_crd, load_manifest

logger = logging.getLogger("sample-controller")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--kubeconfig", help="path to a kubeconfig (default: $KUBECONFIG)")
    where.add_argument("--fake", action="store_true", help="run against a fake API server")
    parser.add_argument("--context", help="kubeconfig context")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--leader-elect", action="store_true", help="campaign on a Lease first")
    parser.add_argument("--lease-namespace", default="default")
    parser.add_argument("--lease-name", default="sample-controller")
    parser.add_argument("--metrics-port", type=int, default=None)
    parser.add_argument("--run-for", type=float, default=None, help="stop after N seconds")
    return parser.parse_args(argv)


@contextlib.contextmanager
def fake_cluster() -> Iterator[Client]:
    """A FakeApiServer with the CRD, the example Foo and a simulated deployment controller."""
    with FakeApiServer() as server, Client.from_kubeconfig(server.kubeconfig_path) as client:
        install_crd(client)
        client.create(FOOS, load_manifest("foo.yaml"))
        simulated = SimulatedDeploymentController(client)
        simulated.start()
        print(f"fake API server at {server.url} (kubeconfig {server.kubeconfig_path})")
        try:
            yield client
        finally:
            simulated.stop()


def run_controller(
    client: Client, stop: threading.Event, *, workers: int, metrics: bool = False
) -> None:
    """Build the informers and the controller, and run them until ``stop`` is set."""
    factory = SharedInformerFactory(client, resync_period=30.0)
    controller = Controller(client, factory)
    if metrics:
        from kinformer.metrics import register_informer, unregister_informer

        register_informer(controller.foos)
        register_informer(controller.deployments)
    try:
        controller.run(stop, workers=workers)
    finally:
        if metrics:
            unregister_informer(controller.foos)
            unregister_informer(controller.deployments)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    stop = threading.Event()
    with contextlib.ExitStack() as stack:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                previous = signal.signal(signum, lambda *_: stop.set())
                stack.callback(signal.signal, signum, previous)
        return run(args, stop)


def run(args: argparse.Namespace, stop: threading.Event) -> int:
    """Run until ``stop`` is set (or leadership is lost, with ``--leader-elect``)."""
    with contextlib.ExitStack() as stack:
        if args.run_for is not None:
            timer = threading.Timer(args.run_for, stop.set)
            timer.daemon = True
            timer.start()
            stack.callback(timer.cancel)
        with_metrics = args.metrics_port is not None
        if with_metrics:
            from kinformer.metrics import serve

            endpoint = stack.enter_context(serve(args.metrics_port))
            print(f"metrics at {endpoint.url}")
        if args.fake:
            client = stack.enter_context(fake_cluster())
        else:
            client = stack.enter_context(
                Client.from_kubeconfig(args.kubeconfig, context=args.context)
            )
        if not args.leader_elect:
            run_controller(client, stop, workers=args.workers, metrics=with_metrics)
            return 0

        identity = f"{socket.gethostname()}_{uuid.uuid4()}"
        leading = threading.Event()
        controller_done = threading.Event()

        def lead(lost: threading.Event) -> None:
            leading.set()
            try:
                run_controller(client, lost, workers=args.workers, metrics=with_metrics)
            finally:
                controller_done.set()

        elector = LeaderElector(
            client,
            lease_name=args.lease_name,
            namespace=args.lease_namespace,
            identity=identity,
            release_on_cancel=True,
            on_started_leading=lead,
            on_stopped_leading=lambda: logger.info("%s: stopped leading", identity),
            on_new_leader=lambda leader: logger.info("new leader elected: %s", leader),
        )

        def stop_elector() -> None:
            stop.wait()
            elector.stop()

        threading.Thread(target=stop_elector, daemon=True).start()
        elector.run()
        # on_started_leading runs on its own thread: let the controller shut down cleanly.
        if leading.is_set():
            controller_done.wait(30.0)
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
