"""The public surface: every exported name exists, and the names docs rely on are exported."""

from __future__ import annotations

import importlib

import pytest

PACKAGES = [
    "kinformer",
    "kinformer.aio",
    "kinformer.cache",
    "kinformer.informers",
    "kinformer.transport",
    "kinformer.workqueue",
    "kinformer.testing",
    "kinformer.labels",
    "kinformer.fields",
    "kinformer.leaderelection",
]

# design.md "The public surface" and "Core names".
DOCUMENTED = {
    "kinformer": [
        "Client",
        "SharedInformerFactory",
        "SharedIndexInformer",
        "wait_for_cache_sync",
        "Indexer",
        "NAMESPACE_INDEX",
        "DeltaType",
        "Delta",
        "DeltaFIFO",
        "DeletedFinalStateUnknown",
        "meta_namespace_key",
        "split_meta_namespace_key",
        "WorkQueue",
        "DelayingQueue",
        "RateLimitingQueue",
        "default_controller_rate_limiter",
        "NotFoundError",
        "Lister",
        "LeaderElector",
        "strip_managed_fields",
    ],
    "kinformer.aio": [
        "Client",
        "SharedInformerFactory",
        "SharedIndexInformer",
        "wait_for_cache_sync",
        "WorkQueue",
    ],
    "kinformer.labels": ["parse", "everything", "nothing", "SelectorParseError"],
    "kinformer.fields": ["parse"],
    "kinformer.testing": ["FakeApiServer", "FakeClock"],
}


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_exists_once(package: str) -> None:
    module = importlib.import_module(package)
    exported = list(module.__all__)
    assert len(exported) == len(set(exported))
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == []


@pytest.mark.parametrize(("package", "names"), sorted(DOCUMENTED.items()))
def test_documented_names_are_exported(package: str, names: list[str]) -> None:
    module = importlib.import_module(package)
    assert sorted(set(names) - set(module.__all__)) == []


def test_delta_type_values_are_client_go_strings() -> None:
    from kinformer import DeltaType

    assert [t.value for t in DeltaType][:5] == ["Added", "Updated", "Deleted", "Replaced", "Sync"]
