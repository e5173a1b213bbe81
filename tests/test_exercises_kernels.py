"""The exercise checkers of notebooks 08 (inside the kernels) and 09 (float32 and the cache)
accept the worked solutions and answer common mistakes with the hint meant for them."""

import numba
import numpy as np

from glulib import costs
from glulib.exercises import float32 as ex08
from glulib.exercises import kernels as ex07

F32 = np.float32


# ---- notebook 08 ----
def test_fused_bytes():
    item = np.dtype(ex07.DTYPE).itemsize
    assert ex07.check_fused_bytes(8 * ex07.N_ELEMENTS * item)
    forward_only = ex07.check_fused_bytes(3 * ex07.N_ELEMENTS * item)
    assert not forward_only and "forward alone" in forward_only.message
    assert "counts arrays times elements" in ex07.check_fused_bytes(8 * ex07.N_ELEMENTS).message
    stored = ex07.check_fused_bytes(10 * ex07.N_ELEMENTS * item)
    assert not stored and "nothing else" in stored.message


def test_max_tokens_follows_the_shared_memory_count():
    m = ex07.MEMORY_CASE
    budget = m["budget_gib"] * 2**30
    per_token = {s: m["layers"] * (m["d_model"] + len(costs.kept_arrays(m["variant"], s)[1:]) * m["d_ff"])
                 * m["bytes_per_element"] for s in ex07.MEMORY_STRATEGIES}
    # store_all keeps x and four d_ff-wide arrays, recompute_hidden x and two (costs.STRATEGIES)
    assert per_token["store_all"] == m["layers"] * (m["d_model"] + 4 * m["d_ff"]) * m["bytes_per_element"]
    assert per_token["recompute_hidden"] == m["layers"] * (m["d_model"] + 2 * m["d_ff"]) * m["bytes_per_element"]
    want = [budget // per_token[s] for s in ex07.MEMORY_STRATEGIES]
    assert [ex07.max_tokens(s) for s in ex07.MEMORY_STRATEGIES] == want
    assert ex07.check_max_tokens(*want)
    over = ex07.check_max_tokens(want[0] + 1, want[1])
    assert not over and "round down" in over.message
    one_layer = ex07.check_max_tokens(want[0] * m["layers"], want[1])
    assert not one_layer and "layers" in one_layer.message
    three_arrays = budget // (m["layers"] * (m["d_model"] + 3 * m["d_ff"]) * m["bytes_per_element"])
    assert not ex07.check_max_tokens(three_arrays, want[1])
    assert not ex07.check_max_tokens(want[0], want[0])


def _reglu(value, gate, out):
    for i in range(value.size):
        g = gate[i]
        out[i] = value[i] * (0.0 if g <= 0 else g)


def test_reglu_kernel_compiled_or_not():
    assert ex07.check_reglu_kernel(_reglu)
    assert ex07.check_reglu_kernel(numba.njit(_reglu))


def test_reglu_kernel_mistakes():
    def nan_to_zero(value, gate, out):
        for i in range(value.size):
            g = gate[i]
            out[i] = value[i] * (g if g > 0 else 0.0)

    def untouched(value, gate, out):
        for i in range(value.size):
            out[i] = 0.0

    def skips_last(value, gate, out):
        for i in range(value.size - 1):
            out[i] = value[i] * max(gate[i], 0.0)

    def writes_gate(value, gate, out):
        _reglu(value, gate, out)
        gate[:] = 0.0

    fb = ex07.check_reglu_kernel(nan_to_zero)
    assert not fb and "NaN" in fb.message
    fb = ex07.check_reglu_kernel(untouched)  # the exercise cell as given: a wrong number, not the NaN hint
    assert not fb and "expected value * max(gate, 0)" in fb.message
    assert "never written" in ex07.check_reglu_kernel(skips_last).message
    assert "changed its input gate" in ex07.check_reglu_kernel(writes_gate).message
    assert "raised" in ex07.check_reglu_kernel(lambda v, g: None).message


# ---- notebook 09 ----
def test_ulps_apart():
    a, b = (F32(x) for x in ex08.ULP_PAIR)
    right = int(round((float(b) - float(a)) / float(np.spacing(a))))
    assert ex08.check_ulps_apart(right)
    assert not ex08.check_ulps_apart(right + 1)
    assert "near 1" in ex08.check_ulps_apart(8389).message  # the count between 1 and 1.001
    assert "text" in ex08.check_ulps_apart("16").message


def test_rounded_square_prediction():
    # the solution's reasoning: half the spacing of z^2 in [64, 128), halved again, over 2^-24
    predicted = 2.0**-19 / 2.0**-24
    assert ex08.check_rounded_square(predicted)
    worst = ex08.rounded_square_error(ex08.Z_ROUNDED)
    assert predicted / 2 <= worst <= 2 * predicted
    assert "too small" in ex08.check_rounded_square(1).message
    assert "too large" in ex08.check_rounded_square(1000).message


def test_rounded_square_error_grows_with_z():
    # the error of the rounded z^2, passed on by exp, grows like z^2
    assert ex08.rounded_square_error(3.0) > 0
    assert ex08.rounded_square_error(9.4) > ex08.rounded_square_error(3.0)


def test_two_sum():
    def knuth(a, b):
        s = a + b
        b_in = s - a
        a_in = s - b_in
        return s, (a - a_in) + (b - b_in)

    def via_float64(a, b):  # right only while a + b fits a float64 exactly
        s = a + b
        return s, F32(float(a) + float(b) - float(s))

    assert ex08.check_two_sum(knuth)
    fb = ex08.check_two_sum(via_float64)
    assert not fb and "float64 cannot hold" in fb.message
    fb = ex08.check_two_sum(lambda a, b: (a + b, F32(0)))
    assert not fb and "misses a + b" in fb.message
    assert "float32" in ex08.check_two_sum(lambda a, b: (float(a + b), 0.0)).message
    assert "pair" in ex08.check_two_sum(lambda a, b: a + b).message


def test_silu_zero():
    w0 = ex08.silu_d_zero()
    assert abs(1 + w0 + np.exp(w0)) < 1e-15
    assert -2 < w0 < -1
    newton = -1.5
    for _ in range(8):
        newton = newton - (1 + newton + np.exp(newton)) / (1 + np.exp(newton))
    assert ex08.check_silu_zero(newton, F32(newton))
    assert "15 digits" in ex08.check_silu_zero(w0 + 1e-9, F32(w0)).message
    assert "not 0" in ex08.check_silu_zero(-1.0, F32(w0)).message
    assert "np.float32" in ex08.check_silu_zero(w0, w0).message
    off = ex08.check_silu_zero(w0, np.nextafter(F32(w0), F32(0)))
    assert not off and "nearest" in off.message
