"""The benchmarks' statistics (bench/stats.py), and how the kernel benchmark files a ratio
against its target by the ratio's interval."""

import numpy as np
import pytest

from bench import stats
from glulib import kernelstudy as ks
from bench.bench_kernels import _judge


def test_a_ratio_misses_only_when_its_whole_interval_is_below_the_target():
    misses, ties = [], []
    _judge(misses, ties, "geglu float32 fwd vs torch", (1.84, 1.76, 1.93), 1.0)
    assert misses == ties == []
    _judge(misses, ties, "bilinear float32 fwd vs torch", (0.97, 0.93, 1.04), 1.0)
    assert misses == [] and ties == ["bilinear float32 fwd vs torch 0.97 (interval 0.93-1.04) vs 1.0"]
    _judge(misses, ties, "glu float32 fwd+bwd vs NumPy", (1.3, 1.2, 1.45), 1.5)
    assert misses == ["glu float32 fwd+bwd vs NumPy 1.30 (interval 1.20-1.45) < 1.5"]


def test_interleaved_rounds_keeps_every_round_in_order():
    calls = []
    t = ks.interleaved_rounds({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=4)
    assert calls == ["a", "b"] * 5 and [len(v) for v in t.values()] == [4, 4]


def test_ratio_interval_takes_the_sign_test_order_statistics():
    candidate = np.ones(11)
    baseline = np.arange(1.0, 12.0)[::-1]  # per-round ratios 11, 10, ..., 1
    median, low, high = stats.ratio_interval(baseline, candidate)
    # 11 rounds at 90%: P(Binomial(11, 1/2) <= 2) = 67 / 2048 <= 0.05 < P(<= 3), so the
    # interval runs from the 3rd to the 9th smallest ratio
    assert (median, low, high) == (6.0, 3.0, 9.0)
    # at 99%: P(<= 1) = 12 / 2048 > 0.005, so only the extremes remain
    assert stats.ratio_interval(baseline, candidate, confidence=0.99) == (6.0, 1.0, 11.0)
    # a tie: equal timings give ratios of exactly 1
    assert stats.ratio_interval(candidate * 3e-3, candidate * 3e-3) == (1.0, 1.0, 1.0)


def test_ratio_interval_covers_a_known_median():
    # Ratios drawn around a true median of 1.1: the interval holds it in >= 90% of runs.
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(400):
        ratio = 1.1 * np.exp(rng.normal(0.0, 0.1, 11))
        _, low, high = stats.ratio_interval(ratio, np.ones(11))
        hits += low <= 1.1 <= high
    assert hits / 400 >= 0.90


def test_ratio_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="ratio_interval: baseline and candidate must be 1-D"):
        stats.ratio_interval([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="confidence must be between 0 and 1, got 1.5"):
        stats.ratio_interval(np.ones(11), np.ones(11), confidence=1.5)
    with pytest.raises(ValueError, match="confidence must be between 0 and 1, got '90%'"):
        stats.ratio_interval(np.ones(11), np.ones(11), confidence="90%")
    with pytest.raises(ValueError, match="finite, and the candidate's > 0"):
        stats.ratio_interval(np.ones(11), np.zeros(11))
    with pytest.raises(ValueError, match="4 rounds cannot give a 90% interval; time at least 5 rounds"):
        stats.ratio_interval(np.ones(4), np.ones(4))
