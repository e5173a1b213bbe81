"""The float32 kernels: which arrays take them, how they are compiled, and their pieces.

Their accuracy as a whole (4 ulp for every activation, glu and glu_backward) is proven in
tests/test_accuracy.py; here are the parts it rests on.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import glulib
from glulib.jit import SERIAL_BELOW, jit_disabled, njit
from glulib.fast import float32 as a32
from glulib.fast import kernels
from glulib.fast.intrinsics import PREFER_512, RECIP_ESTIMATE

ROOT = Path(__file__).resolve().parents[1]
JIT = not jit_disabled()


@pytest.mark.parametrize("n", [8, SERIAL_BELOW])
def test_float32_arrays_take_the_fast_path_and_float64_the_reading_path(n, monkeypatch):
    """Compiled, float32 arrays go to glulib.fast through the public functions, and float64
    arrays never do; without the JIT, both run the reading path (core's loops)."""
    calls = []
    jobs = ("forward", "backward", "activate", "activate_grad")
    for job in jobs:
        monkeypatch.setattr(kernels, job, lambda *a, job=job: calls.append((job, a[0].dtype)))
    for dtype in (np.float32, np.float64):
        x = np.ones(n, dtype)
        glulib.glu(x, x, "silu"), glulib.glu_backward(x, x, x, "silu")
        glulib.activate(x, "gelu"), glulib.activate_grad(x, "gelu")
    expected = [(job, np.dtype(np.float32)) for job in jobs] if JIT else []
    assert calls == expected


@pytest.mark.skipif(not JIT, reason="the attribute is set while compiling")
def test_kernels_ask_for_512_bit_vectors():
    """Every chunk loop calls wide_vectors(); compiled (without the cache, so that the IR is
    kept), the function that holds the loop carries the attribute."""
    import numba

    @numba.njit
    def forward(value, gate, out):
        kernels.forward_chunk(value, gate, out, 0, value.size, 1.0, a32.silu32)

    a = np.ones(8, np.float32)
    forward(a, a, a.copy())
    ir = "\n".join(forward.inspect_llvm().values())
    assert PREFER_512 in ir and RECIP_ESTIMATE in ir


@pytest.mark.skipif(not JIT, reason="the flags are set while compiling")
def test_only_the_erfc_parameter_may_be_an_estimate():
    """GELU's one division is marked for a reciprocal estimate, and no other: sigmoid's
    1 / (1 + e) and silu's derivative keep real divisions."""
    import numba

    def compiled(f):
        @numba.njit
        def forward(value, gate, out):
            kernels.backward_chunk(value, value, gate, out, out, 0, value.size, 1.0, f)

        a = np.ones(8, np.float32)
        forward(a, a, a.copy())
        return "\n".join(forward.inspect_llvm().values())

    gelu, silu = compiled(a32.gelu32_and_grad), compiled(a32.silu32_and_grad)
    # a vector division: 16 lanes with AVX-512, 8 on a CPU with AVX2 only
    assert re.search(r"fdiv (ninf arcp|arcp ninf) <(8|16) x float>", gelu)
    assert "fdiv" in silu and "arcp" not in silu


@njit
def _erfc_t_all(az):
    out = np.empty_like(az)
    for i in range(az.size):  # a vector loop: the division is a reciprocal estimate here
        out[i] = a32._erfc_t(az[i])
    return out


def test_erfc_parameter_within_half_an_ulp():
    """t = C / (C + |z|) over [0, 7 sqrt 2]: the estimate (or division) and its Newton step
    give it within half an ulp and a little (2^-28 relative from the step)."""
    az = np.linspace(0, a32.ABS_Z_MAX, 200_001).astype(np.float32)
    exact = float(a32.C_ERFC) / (float(a32.C_ERFC) + az.astype(np.float64))
    got = _erfc_t_all(az).astype(np.float64)
    ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    assert np.max(np.abs(got - exact) / ulp) < 0.52


@njit
def _exp32_all(x):
    out = np.empty_like(x)
    for i in range(x.size):
        out[i] = a32.exp32(x[i], np.float32(0.0))
    return out


def _ulps(got, want):
    ia = got.view(np.int32).astype(np.int64)
    ib = want.view(np.int32).astype(np.int64)
    return np.abs(ia - ib)


def test_exp32_within_one_ulp():
    n = 200_001 if JIT else 2_001
    x = np.concatenate([np.linspace(-87, 1.28, n), -np.logspace(-30, 0, n // 10)]).astype(np.float32)
    got = _exp32_all(x)
    want = np.exp(x.astype(np.float64)).astype(np.float32)
    assert _ulps(got, want).max() <= 1
    below = _exp32_all(np.array([-87.5, -1000.0, -np.inf], np.float32))
    np.testing.assert_array_equal(below, 0.0)


def test_two_product_error_is_exact():
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((2, 1000)).astype(np.float32)
    hi = a * b
    lo = np.array([a32._two_prod_lo(x, y, p) for x, y, p in zip(a, b, hi)], np.float32)
    exact = a.astype(np.float64) * b.astype(np.float64)
    np.testing.assert_array_equal(hi.astype(np.float64) + lo.astype(np.float64), exact)
    assert a32._two_prod_lo(np.float32(np.inf), np.float32(1.0), np.float32(np.inf)) == 0


@njit
def _recips(e):
    out = np.empty_like(e)
    for i in range(e.size):
        out[i] = a32._recip1(e[i])
    return out


def test_one_over_one_plus_e_is_within_half_an_ulp():
    e = np.linspace(0, 1, 100_001 if JIT else 1_001).astype(np.float32)
    got = _recips(e).astype(np.float64)
    exact = 1.0 / (1.0 + e.astype(np.float64))
    assert np.all(np.abs(got - exact) <= 0.5 * np.spacing(got.astype(np.float32)).astype(np.float64) * (1 + 1e-6))


def _module_constants():
    """Every float32 constant written in glulib/fast/float32.py, by its text."""
    text = (ROOT / "glulib" / "fast" / "float32.py").read_text()
    return {float(m) for m in re.findall(r"F32\((-?[0-9.]+(?:e-?[0-9]+)?)\)", text)}


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("mpmath") is None, reason="the fits need mpmath (pip install mpmath)")
def test_fitted_constants_are_what_the_fit_script_prints():
    """The polynomial coefficients and split constants are computed by tools/fit_float32.py,
    not typed in: rerun it and find every number it prints in the module."""
    out = subprocess.run([sys.executable, str(ROOT / "tools" / "fit_float32.py")], capture_output=True,
                         text=True, timeout=600, check=True).stdout
    printed = {float(m) for m in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", out)}
    errors = [float(m) for m in re.findall(r"relative error of the fit (\S+)", out)]
    assert errors and max(errors) < 2.0**-25  # with the coefficients rounded to float32
    constants = _module_constants()
    numbers = printed - set(errors)
    missing = sorted(numbers - constants)
    assert not missing, f"tools/fit_float32.py prints numbers glulib/fast/float32.py does not use: {missing}"
