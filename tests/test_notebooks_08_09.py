"""The premises of what notebooks 08 and 09 say in prose, checked on the code they describe, so
that a change to glulib that makes a sentence false fails here and not in a learner's reading."""

import math
import os
import platform
import re

import numba
import numpy as np
import pytest
from numpy.polynomial import chebyshev

import glulib
from glulib import costs
from glulib import kernelstudy as ks
from glulib.exercises import float32 as ex09
from glulib.fast import float32 as fast32
from glulib.fast import vecmath

F32 = np.float32


# ---- 08 ----
def test_08_the_printed_loops_recompute_and_silu_calls_one_exp():
    # "the backward computes act(gate) again"; "activation(code, z, beta) picks the function";
    # "for SiLU ... one call, to the C library's exp"
    backward = ks.source_of("backward", np.float64)
    assert "activation(code, gate[i], beta)" in backward and "dgate[i]" in backward
    assert "sigmoid(" in ks.source_of("silu", np.float64)
    assert ks.source_of("sigmoid", np.float64).count("math.exp(") == 1


def test_08_the_strategies_keep_what_the_prose_lists():
    assert {s: costs.kept_arrays("swiglu", s) for s in costs.STRATEGIES} == {
        "store_all": ("x", "a", "u", "act(a)", "h"),
        "recompute_hidden": ("x", "a", "u"),
        "recompute_from_x": ("x",),
    }


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86 register names")
@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"),
                    reason="no machine code to inspect without the JIT")
def test_08_library_exp_stays_scalar_and_arithmetic_exp_vectorises():
    @numba.njit(error_model="numpy")
    def loop_libm(z, out):
        for i in range(z.size):
            out[i] = 1.0 / (1.0 + math.exp(-abs(z[i])))

    @numba.njit(error_model="numpy")
    def loop_arith(z, out):
        for i in range(z.size):
            out[i] = 1.0 / (1.0 + vecmath.exp_nonpos(-abs(z[i])))

    z, out = np.linspace(-5, 5, 64), np.empty(64)
    asm = {}
    for loop in (loop_libm, loop_arith):
        loop(z, out)
        asm[loop] = loop.inspect_asm(loop.signatures[0]).splitlines()
    calls = {f: any(re.search(r"[\s$]_?exp\b", line) for line in a) for f, a in asm.items()}
    wide = {f: sum(1 for line in a if "ymm" in line or "zmm" in line) for f, a in asm.items()}
    assert calls == {loop_libm: True, loop_arith: False}
    assert wide[loop_arith] > wide[loop_libm]
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-np.abs(z))), rtol=1e-15)


# ---- 09 ----
def test_09_each_degree_gains_more_than_ten_and_glulibs_is_the_first_well_below_an_ulp():
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


def test_09_a_rounded_square_costs_tens_of_ulps():
    z = np.linspace(0.5, 9.5, 4001).astype(F32)  # (4001,)
    got = np.exp(-0.5 * (z * z).astype(np.float64)).astype(F32)
    assert 10 <= ks.ulp_error(got, np.exp(-0.5 * z.astype(np.float64) ** 2)).max() < 100


def test_09_the_textbook_derivative_cancels_and_glulibs_does_not():
    w0 = fast32.SILU_D_ZERO[0]
    w = w0 + np.arange(-300, 301, dtype=F32) * np.spacing(w0)  # (601,)
    s = F32(1) / (F32(1) + np.exp(-w))
    textbook = s + w * s * (F32(1) - s)
    exact = glulib.activate_grad(w.astype(np.float64), "silu")
    assert ks.ulp_error(textbook, exact).max() > 1000
    assert ks.ulp_error(glulib.activate_grad(w, "silu"), exact).max() <= 4


def test_09_the_zeros_and_constants_are_what_the_prose_says():
    assert len(fast32.SILU_D_ZERO) == 3 and all(isinstance(c, F32) for c in fast32.SILU_D_ZERO)
    kept = sum(float(c) for c in fast32.SILU_D_ZERO)
    assert abs(kept - ex09.silu_d_zero()) <= 2 * math.ulp(ex09.silu_d_zero())
    assert fast32.SILU_D_ZERO[0] == F32(ex09.silu_d_zero())
    assert fast32.C_ERFC == F32(2.5 * math.sqrt(2))


def test_09_float32_activations_stay_within_a_few_ulps_and_only_gelus_tail_is_tiny():
    z = np.linspace(-12, 12, 20001).astype(F32)  # (20001,) the notebook's sweep
    for name in ("sigmoid", "tanh", "gelu", "silu"):
        for func in (glulib.activate, glulib.activate_grad):
            got, ref = func(z, name), func(z.astype(np.float64), name)
            tiny = np.abs(ref) < 1e-20
            assert ks.ulp_error(got[~tiny], ref[~tiny]).max() <= 4, (name, func)
            assert np.abs(got[tiny] - ref[tiny]).max(initial=0.0) < 1e-20
            assert not tiny.any() or (name == "gelu" and np.all(z[tiny] < 0)), (name, func)
