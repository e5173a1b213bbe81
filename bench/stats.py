"""Timing statistics for the benchmarks: the ratio of two candidates timed in the same rounds
(``glulib.kernelstudy.interleaved_rounds``, which the notebooks use too), with a
distribution-free interval."""

import math
import statistics
import time

import numpy as np


def ratio_interval(baseline, candidate, confidence=0.9):
    """How many times faster ``candidate`` is than ``baseline``, from timings taken in the
    same rounds (``interleaved_rounds``): the median of the per-round ratios baseline /
    candidate, and a distribution-free interval around it that holds the true median with
    at least ``confidence`` (the order statistics a sign test gives: no assumption on the
    noise).

    Returns (median, low, high). An interval that contains 1 means the run cannot tell
    the two apart.
    """
    func = "ratio_interval"
    baseline = np.asarray(baseline, dtype=float)
    candidate = np.asarray(candidate, dtype=float)
    if baseline.ndim != 1 or baseline.shape != candidate.shape:
        raise ValueError(f"{func}: baseline and candidate must be 1-D timings of the same rounds, "
                         f"got shapes {baseline.shape} and {candidate.shape}")
    if not isinstance(confidence, (int, float)) or not 0 < confidence < 1:
        raise ValueError(f"{func}: confidence must be between 0 and 1, got {confidence!r}")
    if not (np.all(np.isfinite(baseline)) and np.all(np.isfinite(candidate)) and np.all(candidate > 0)):
        raise ValueError(f"{func}: timings must be finite, and the candidate's > 0")
    n = baseline.size
    ratios = np.sort(baseline / candidate)  # (n,)
    # cut: the most order statistics that can be dropped from each end while the chance
    # that the median lies below r_(cut) (or above r_(n + 1 - cut)) stays <= (1 - confidence) / 2.
    tail = np.cumsum([math.comb(n, j) for j in range(n + 1)]) / 2.0**n  # P(Binomial(n, 1/2) <= j)
    cut = int(np.sum(tail <= (1 - confidence) / 2))
    if cut == 0:
        needed = math.ceil(math.log2(2 / (1 - confidence)))  # the fewest n with 2^-n <= (1 - confidence) / 2
        raise ValueError(f"{func}: {n} rounds cannot give a {confidence:.0%} interval; "
                         f"time at least {needed} rounds")
    return float(np.median(ratios)), float(ratios[cut - 1]), float(ratios[n - cut])


def median_and_best_ms(fn, repeats):
    """Median and fastest milliseconds of ``fn(i)`` over ``repeats`` calls, i = 0, 1, ...
    (the panels' benchmarks pass i on, so that each call moves a control somewhere new)."""
    times = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3, min(times) * 1e3
