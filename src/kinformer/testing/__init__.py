"""kinformer.testing: FakeApiServer, FakeClock and helpers for testing controllers."""

from ._apiserver._server import FakeApiServer as FakeApiServer

__all__ = ["FakeApiServer"]

FakeApiServer.__module__ = "kinformer.testing"
