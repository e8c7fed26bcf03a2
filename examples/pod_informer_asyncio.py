"""The founding document's example, with asyncio (``kinformer.aio``).

python examples/pod_informer_asyncio.py [--kubeconfig PATH] [--context NAME]
"""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from kinformer.aio import Client, SharedInformerFactory, wait_for_cache_sync


async def on_add(pod: Any, is_in_initial_list: bool) -> None:
    meta = pod["metadata"]
    print(
        f"added: {meta['namespace']}/{meta['name']}{' (initial list)' if is_in_initial_list else ''}"
    )


def on_delete(pod: Any) -> None:
    print(f"deleted: {getattr(pod, 'key', None) or pod['metadata']['name']}")


async def main(kubeconfig: str | None = None, context: str | None = None) -> list[str]:
    async with Client.from_kubeconfig(kubeconfig, context=context) as client:
        factory = SharedInformerFactory(client, resync_period=30.0)
        pods = await factory.informer("pods")
        registration = pods.add_event_handler(
            on_add=on_add, on_delete=on_delete
        )  # coroutines are awaited
        async with factory:  # start() now, shutdown() on the way out
            synced = await factory.wait_for_cache_sync(timeout=60)
            if not all(synced.values()):
                raise SystemExit(f"caches did not sync: {synced}")
            await wait_for_cache_sync(registration, timeout=60)  # our handler saw the initial list
            lister = await factory.lister("pods")
            names = sorted(pod["metadata"]["name"] for pod in lister.list())
            for name in names:
                print(name)
            return names


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig")
    parser.add_argument("--context")
    args = parser.parse_args()
    asyncio.run(main(args.kubeconfig, args.context))
