"""Benchmarks for the GLU course: `make bench` (python -m bench) runs every bench_*.py.

Each module defines ``run()``, which measures its candidates side by side in the same
process and prints a table of ratios. The machine is shared and noisy: ratios measured
together mean more than absolute times, and no unit test asserts a timing.
"""
