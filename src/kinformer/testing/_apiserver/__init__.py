"""The fake API server: engine (semantics) and HTTP layer."""
