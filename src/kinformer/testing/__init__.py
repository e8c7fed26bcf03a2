"""kinformer.testing: FakeApiServer, FakeClock and helpers for testing controllers."""

from ._apiserver._server import FakeApiServer as FakeApiServer
from ._clock import FakeClock as FakeClock

__all__ = ["FakeApiServer", "FakeClock"]

for _public in (FakeApiServer, FakeClock):
    _public.__module__ = "kinformer.testing"
del _public
