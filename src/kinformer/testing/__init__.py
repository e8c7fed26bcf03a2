"""kinformer.testing: FakeApiServer, FakeClock and helpers for testing controllers."""
