"""The founding document's example, with threads.

Build a client from a kubeconfig; create a shared informer factory with a default resync
period; ask it for the Pod informer; add an event handler; start the factory; wait for the
cache to sync; then list all pods with the Pod lister and print their names.

    python examples/pod_informer.py [--kubeconfig PATH] [--context NAME]

Without ``--kubeconfig`` it uses ``$KUBECONFIG`` or ``~/.kube/config``, as kubectl does.
"""

from __future__ import annotations

import argparse
from typing import Any

from kinformer import Client, SharedInformerFactory, wait_for_cache_sync


def on_add(pod: Any, is_in_initial_list: bool) -> None:
    meta = pod["metadata"]
    print(
        f"added: {meta['namespace']}/{meta['name']}{' (initial list)' if is_in_initial_list else ''}"
    )


def on_update(old: Any, new: Any) -> None:
    if old["metadata"]["resourceVersion"] != new["metadata"]["resourceVersion"]:
        print(f"updated: {new['metadata']['namespace']}/{new['metadata']['name']}")


def on_delete(pod: Any) -> None:
    print(f"deleted: {getattr(pod, 'key', None) or pod['metadata']['name']}")


def main(kubeconfig: str | None = None, context: str | None = None) -> list[str]:
    with Client.from_kubeconfig(kubeconfig, context=context) as client:
        factory = SharedInformerFactory(client, resync_period=30.0)
        pods = factory.informer("pods")
        registration = pods.add_event_handler(
            on_add=on_add, on_update=on_update, on_delete=on_delete
        )
        factory.start()
        try:
            synced = factory.wait_for_cache_sync(timeout=60)
            if not all(synced.values()):
                raise SystemExit(f"caches did not sync: {synced}")
            # The cache is synced; this waits until our handler has seen the initial list too.
            wait_for_cache_sync(registration, timeout=60)
            names = sorted(pod["metadata"]["name"] for pod in factory.lister("pods").list())
            for name in names:
                print(name)
            return names
        finally:
            factory.shutdown()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--context")
    args = parser.parse_args()
    main(args.kubeconfig, args.context)
