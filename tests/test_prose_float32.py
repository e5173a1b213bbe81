"""The premises of what notebook 09 (float32 and the cache) says in prose, checked on the code it describes,
so that a change to glulib that makes a sentence false fails here and not in a learner's reading."""

import math

import numpy as np
from numpy.polynomial import chebyshev

import glulib
from glulib import kernelstudy as ks
from glulib.exercises import float32 as ex09
from glulib.fast import float32 as fast32

F32 = np.float32


def test_each_degree_gains_more_than_ten_and_glulibs_is_the_first_well_below_an_ulp():
    half_ln2 = math.log(2) / 2
    nodes = half_ln2 * np.cos((np.arange(64) + 0.5) * np.pi / 64)  # (64,)
    r = np.linspace(-half_ln2, half_ln2, 20001)  # (20001,)
    ulp = np.spacing(np.exp(r).astype(F32)).astype(np.float64)  # (20001,)
    worst = []
    for degree in range(1, 7):
        P = chebyshev.Chebyshev.fit(nodes, (np.expm1(nodes) - nodes) / nodes**2, degree, domain=[-half_ln2, half_ln2])
        worst.append(np.max(np.abs(1 + r + r**2 * P(r) - np.exp(r)) / ulp))
    assert all(a > 10 * b for a, b in zip(worst, worst[1:]))
    first_below = 1 + next(i for i, w in enumerate(worst) if w < 0.5)
    assert first_below == len(fast32.EXP_P) - 1


def test_a_rounded_square_costs_tens_of_ulps():
    z = np.linspace(0.5, 9.5, 4001).astype(F32)  # (4001,)
    got = np.exp(-0.5 * (z * z).astype(np.float64)).astype(F32)
    assert 10 <= ks.ulp_error(got, np.exp(-0.5 * z.astype(np.float64) ** 2)).max() < 100


def test_the_textbook_derivative_cancels_and_glulibs_does_not():
    w0 = fast32.SILU_D_ZERO[0]
    w = w0 + np.arange(-300, 301, dtype=F32) * np.spacing(w0)  # (601,)
    s = F32(1) / (F32(1) + np.exp(-w))
    textbook = s + w * s * (F32(1) - s)
    exact = glulib.activate_grad(w.astype(np.float64), "silu")
    assert ks.ulp_error(textbook, exact).max() > 1000
    assert ks.ulp_error(glulib.activate_grad(w, "silu"), exact).max() <= 4


def test_the_zeros_and_constants_are_what_the_prose_says():
    assert len(fast32.SILU_D_ZERO) == 3 and all(isinstance(c, F32) for c in fast32.SILU_D_ZERO)
    kept = sum(float(c) for c in fast32.SILU_D_ZERO)
    assert abs(kept - ex09.silu_d_zero()) <= 2 * math.ulp(ex09.silu_d_zero())
    assert fast32.SILU_D_ZERO[0] == F32(ex09.silu_d_zero())
    assert fast32.C_ERFC == F32(2.5 * math.sqrt(2))


def test_float32_activations_stay_within_a_few_ulps_and_only_gelus_tail_is_tiny():
    z = np.linspace(-12, 12, 20001).astype(F32)  # (20001,) the notebook's sweep
    for name in ("sigmoid", "tanh", "gelu", "silu"):
        for func in (glulib.activate, glulib.activate_grad):
            got, ref = func(z, name), func(z.astype(np.float64), name)
            tiny = np.abs(ref) < 1e-20
            assert ks.ulp_error(got[~tiny], ref[~tiny]).max() <= 4, (name, func)
            assert np.abs(got[tiny] - ref[tiny]).max(initial=0.0) < 1e-20
            assert not tiny.any() or (name == "gelu" and np.all(z[tiny] < 0)), (name, func)
