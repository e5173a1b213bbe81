"""The premises of what notebook 08 (inside the kernels) says in prose, checked on the code it describes,
so that a change to glulib that makes a sentence false fails here and not in a learner's reading."""

import math
import os
import platform
import re

import numba
import numpy as np
import pytest

from glulib import costs
from glulib import kernelstudy as ks
from glulib.fast import vecmath


def test_the_printed_loops_recompute_and_silu_calls_one_exp():
    # "the backward computes act(gate) again"; "activation(code, z, beta) picks the function";
    # "for SiLU ... one call, to the C library's exp"
    backward = ks.source_of("backward", np.float64)
    assert "activation(code, gate[i], beta)" in backward and "dgate[i]" in backward
    assert "sigmoid(" in ks.source_of("silu", np.float64)
    assert ks.source_of("sigmoid", np.float64).count("math.exp(") == 1


def test_the_strategies_keep_what_the_prose_lists():
    assert {s: costs.kept_arrays("swiglu", s) for s in costs.STRATEGIES} == {
        "store_all": ("x", "a", "u", "act(a)", "h"),
        "recompute_hidden": ("x", "a", "u"),
        "recompute_from_x": ("x",),
    }


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="x86 register names")
@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") not in ("", "0"),
                    reason="no machine code to inspect without the JIT")
def test_library_exp_stays_scalar_and_arithmetic_exp_vectorises():
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
