"""The measurement helpers of notebook 07 count and compute what they claim; the exercise
checkers of notebook 07 accept the worked solutions and reject common mistakes."""

import numpy as np
import pytest

import glulib
from glulib import kernelstudy as ks
from glulib.exercises import kernels as ex


def test_count_traffic_counts_reads_writes_and_temporaries():
    a = np.ones(100, np.float32)
    b = np.ones(100, np.float32)
    t = ks.count_traffic(lambda x, y: x * y + x, a, b)  # two ufuncs, one temporary
    assert t == {"read": 4 * 400, "written": 2 * 400, "calls": 2}


def test_numpy_compositions_match_the_reference(rng):
    z = rng.standard_normal(200)
    d, v = rng.standard_normal((2, 200))
    for name in ("sigmoid", "silu", "gelu", "relu", "identity", "tanh", "gelu_tanh"):
        f, df = glulib.activations.reference(z, name)
        got_f, got_df = ks.numpy_act(z, name)
        tol = 1e-6 if name == "gelu" else 1e-12  # A&S 7.1.26 erf in the NumPy version
        np.testing.assert_allclose(got_f, f, atol=tol)
        np.testing.assert_allclose(got_df, df, atol=tol)
        dv, dg = ks.numpy_glu_backward(d, v, z, name)
        np.testing.assert_allclose(dg, d * v * df, atol=tol * 10)


@pytest.mark.parametrize("name", ["sigmoid", "silu", "relu", "identity"])
def test_numpy_inplace_matches_glulib(name, rng):
    d, v, g = rng.standard_normal((3, 64))
    fwd, fwd_bwd = ks.numpy_inplace(64, np.float64, name)
    out, dv, dg = (a.copy() for a in fwd_bwd(d, v, g))
    np.testing.assert_allclose(out, glulib.glu(v, g, name), rtol=1e-12)
    ref_dv, ref_dg = glulib.glu_backward(d, v, g, name)
    np.testing.assert_allclose(dv, ref_dv, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(dg, ref_dg, rtol=1e-12, atol=1e-15)


def test_fused_traffic_and_saved_bytes():
    assert ks.fused_traffic(10, np.float32, backward=False) == 3 * 10 * 4
    assert ks.fused_traffic(10, np.float64, backward=True) == 8 * 10 * 8
    kept = ks.saved_for_backward(2, 3, 5, np.float32, "swiglu")
    assert kept == {"store all": (6 + 4 * 10) * 4, "pre-activations": (6 + 2 * 10) * 4, "x only": 6 * 4}
    kept = ks.saved_for_backward(2, 3, 5, np.float32, "relu")  # ungated: a, act(a) only
    assert kept["store all"] == (6 + 2 * 10) * 4 and kept["pre-activations"] == (6 + 10) * 4


def test_ulp_error_and_sweeps():
    one = np.float32(1)
    assert ks.ulp_error(np.nextafter(one, np.float32(2)), 1.0) == 1
    assert ks.ulp_error(np.float32(-0.0), 0.0) == 0
    z, ulps = ks.ulp_sweep("sigmoid", z=np.linspace(-5, 5, 101))
    assert z.shape == ulps.shape == (101,) and ulps.max() <= 4
    assert ks.exp_ulp_sweep(np.linspace(-50, 0, 51)).max() <= 2


def test_interleaved_returns_a_median_per_candidate():
    calls = []
    t = ks.interleaved({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=3, warmup=1)
    assert set(t) == {"a", "b"} and all(v >= 0 for v in t.values())
    assert calls == ["a", "b"] + ["a", "b"] * 3


def test_interleaved_rounds_keeps_every_round_in_order():
    calls = []
    t = ks.interleaved_rounds({"a": lambda: calls.append("a"), "b": lambda: calls.append("b")}, repeats=4)
    assert calls == ["a", "b"] * 5 and [len(v) for v in t.values()] == [4, 4]


def test_ratio_interval_takes_the_sign_test_order_statistics():
    candidate = np.ones(11)
    baseline = np.arange(1.0, 12.0)[::-1]  # per-round ratios 11, 10, ..., 1
    median, low, high = ks.ratio_interval(baseline, candidate)
    # 11 rounds at 90%: P(Binomial(11, 1/2) <= 2) = 67 / 2048 <= 0.05 < P(<= 3), so the
    # interval runs from the 3rd to the 9th smallest ratio
    assert (median, low, high) == (6.0, 3.0, 9.0)
    # at 99%: P(<= 1) = 12 / 2048 > 0.005, so only the extremes remain
    assert ks.ratio_interval(baseline, candidate, confidence=0.99) == (6.0, 1.0, 11.0)
    # a tie: equal timings give ratios of exactly 1
    assert ks.ratio_interval(candidate * 3e-3, candidate * 3e-3) == (1.0, 1.0, 1.0)


def test_ratio_interval_covers_a_known_median():
    # Ratios drawn around a true median of 1.1: the interval holds it in >= 90% of runs.
    rng = np.random.default_rng(0)
    hits = 0
    for _ in range(400):
        ratio = 1.1 * np.exp(rng.normal(0.0, 0.1, 11))
        _, low, high = ks.ratio_interval(ratio, np.ones(11))
        hits += low <= 1.1 <= high
    assert hits / 400 >= 0.90


def test_ratio_interval_rejects_bad_input():
    with pytest.raises(ValueError, match="ratio_interval: baseline and candidate must be 1-D"):
        ks.ratio_interval([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="confidence must be between 0 and 1, got 1.5"):
        ks.ratio_interval(np.ones(11), np.ones(11), confidence=1.5)
    with pytest.raises(ValueError, match="confidence must be between 0 and 1, got '90%'"):
        ks.ratio_interval(np.ones(11), np.ones(11), confidence="90%")
    with pytest.raises(ValueError, match="finite, and the candidate's > 0"):
        ks.ratio_interval(np.ones(11), np.zeros(11))
    with pytest.raises(ValueError, match="4 rounds cannot give a 90% interval; time at least 5 rounds"):
        ks.ratio_interval(np.ones(4), np.ones(4))


def test_exercise_checkers_accept_the_solutions():
    assert ex.check_fused_bytes(8 * ex.N_ELEMENTS * 4)
    m = ex.MEMORY_CASE
    assert ex.check_saved_bytes(m["tokens"] * (m["d_model"] + 4 * m["d_ff"]) * 4,
                                m["tokens"] * (m["d_model"] + 2 * m["d_ff"]) * 4)
    assert ex.check_ulps(int((np.float32(1.0000002) - np.float32(1.0)) / np.spacing(np.float32(1.0))))

    def reglu(value, gate, out):
        for i in range(value.size):
            g = gate[i]
            out[i] = value[i] * (0.0 if g <= 0 else g)

    assert ex.check_reglu_kernel(reglu)


def test_exercise_checkers_reject_mistakes_and_blanks():
    assert "None" in ex.check_fused_bytes(None).message
    forward_only = ex.check_fused_bytes(3 * ex.N_ELEMENTS * 4)
    assert not forward_only and "forward alone" in forward_only.message
    assert not ex.check_fused_bytes(8 * ex.N_ELEMENTS)
    assert not ex.check_saved_bytes(1, 2)
    assert not ex.check_ulps(1)

    def nan_to_zero(value, gate, out):
        for i in range(value.size):
            g = gate[i]
            out[i] = value[i] * (g if g > 0 else 0.0)

    fb = ex.check_reglu_kernel(nan_to_zero)
    assert not fb and "NaN" in fb.message
    assert "raised" in ex.check_reglu_kernel(lambda v, g: None).message
