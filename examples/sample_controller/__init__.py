"""kinformer's port of kubernetes/sample-controller (see ``main.py``)."""
