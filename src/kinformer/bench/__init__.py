"""The ``kinformer bench`` suite (private): realistic pods, runner processes, the harness.

Every performance figure the project quotes comes from ``kinformer bench``: the raw floor,
kinformer's two informers and the peers, measured in one run on one machine, as ratios to
the floor. See ``benchmarks/README.md``.
"""
